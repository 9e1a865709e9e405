"""Call rooms through the real signaling endpoint on 127.0.0.1: who gets in, what is
relayed, media between two aiortc peers, the device check, join records and no-shows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from calls.client import PatternTrack, RoomClient, echo_check
from calls.web import ROOMS
from core.booking.joins import RoomEvent, records_of
from core.booking.noshow import Verdict, decide
from core.booking.room_chat import messages_of
from core.booking.tables import Booking
from core.db.safety import ConsentRecord
from core.ledger.ledger import Ledger, platform
from tests.booking_support import add_user
from tests.e2e.rooms_support import START, Call, home_on, loopback_ice, start_call

__all__ = ["loopback_ice"]
WAIT_S = 15  # every wait here is bounded


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path):
        yield c


async def refused(call: Call, token: str | None, origin: str | None = "same") -> int:
    """The HTTP status of a refused upgrade (the socket never opens)."""
    headers = {} if origin is None else {"Origin": call.url if origin == "same" else origin}
    params = {} if token is None else {"token": token}
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            ws = await http.ws_connect(f"{call.url}/room/ws", params=params, headers=headers)
            await ws.close()
        return err.value.status


async def test_rejections_before_anything_is_relayed(call: Call) -> None:
    good = call.token("learner")
    assert await refused(call, None) == 401  # no token
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert await refused(call, tampered) == 401
    # Another booking's id in an otherwise valid token: the signature no longer matches.
    other_booking = f"{call.booking_id + 1}" + good[len(str(call.booking_id)) :]
    assert await refused(call, other_booking) == 401
    async with call.core.db.transaction() as s:
        stranger = await add_user(s, "Eve", START)
    # A third person, even holding a signed link naming this booking, isn't a participant.
    assert await refused(call, call.token("learner", user_id=stranger)) == 403
    # The right person in the wrong role.
    assert await refused(call, call.token("mentor", user_id=call.learner)) == 403
    assert await refused(call, good, origin="http://evil.example") == 403
    assert await refused(call, good, origin=None) == 403
    call.at(START - timedelta(minutes=11))
    assert await refused(call, good) == 403  # too early
    call.at(START + timedelta(minutes=10 + 5))
    assert await refused(call, good) == 410  # expired: end + grace
    call.at(START + timedelta(minutes=1))
    async with call.core.db.transaction() as s:
        b = await s.get(Booking, call.booking_id)
        assert b is not None
        b.status = "cancelled"
    assert await refused(call, good) == 410
    async with call.core.db.transaction() as s:
        assert list(await s.scalars(select(RoomEvent))) == []  # nobody ever joined


async def test_sender_is_stamped_and_spoofing_refused(call: Call) -> None:
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            welcome = await learner.open()
            assert welcome["you"]["role"] == "learner" and welcome["peer"]["role"] == "mentor"
            assert welcome["partner_name"] == "Meera"
            assert (await mentor.expect("peer-joined"))["from"] == "learner"
            await mentor.send({"type": "signal", "from": "learner", "data": {"description": {}}})
            err = await mentor.expect("error")
            assert "sender is set by the server" in err["reason"]
            await mentor.send({"type": "chat", "text": "hi, see https://example.org/x"})
            got = await learner.inbox.get()
            while got["type"] not in ("chat", "signal"):
                got = await learner.inbox.get()
            assert got["type"] == "chat", got  # the spoofed signal never reached the learner
            assert got["from"] == "mentor" and got["name"] == "Meera"
            await learner.send({"type": "signal", "data": {"candidate": None}})
            sig = await mentor.expect("signal")
            assert sig["from"] == "learner"
            await learner.send({"type": "bogus"})
            assert "unknown message type" in (await learner.expect("error"))["reason"]
    finally:
        await mentor.close()
        await learner.close()


async def test_second_tab_replaces_the_first(call: Call) -> None:
    mentor = RoomClient(call.url, call.token("mentor"))
    tab1 = RoomClient(call.url, call.token("learner"))
    tab2 = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await tab1.open()
            await mentor.expect("peer-joined")
            await tab2.open()
            await tab1.expect("replaced")
            closed = await tab1.expect("_closed")
            assert closed["code"] == 4001
            assert (await mentor.expect("peer-joined"))["from"] == "learner"
            await mentor.send({"type": "chat", "text": "still there?"})
            assert (await tab2.expect("chat"))["text"] == "still there?"
            rooms = call.server.app[ROOMS].rooms
            assert set(rooms[call.booking_id].seats) == {"mentor", "learner"}
        async with call.core.db.transaction() as s:
            kinds = [(r.role, r.kind) for r in await records_of(s, call.booking_id)]
        assert kinds.count(("learner", "join")) == 2
    finally:
        for c in (mentor, tab1, tab2):
            await c.close()


async def test_room_closes_at_end_plus_grace_for_both(call: Call) -> None:
    # 1.5 s before the room's end (10-minute session + 5 minutes' grace).
    call.at(START + timedelta(minutes=15) - timedelta(seconds=1.5))
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await learner.open()
            for c in (mentor, learner):
                if c is learner:  # told of the mentor's leaving as part of the end, not "on"
                    assert (await c.expect("peer-left"))["session"] == "ended"
                await c.expect("closed")
                assert (await c.expect("_closed"))["code"] == 4002
        async with call.core.db.transaction() as s:
            leaves = [r for r in await records_of(s, call.booking_id) if r.kind == "leave"]
        assert {(r.role, r.detail) for r in leaves} == {("mentor", "time"), ("learner", "time")}
    finally:
        await mentor.close()
        await learner.close()


async def test_two_aiortc_peers_exchange_video_and_chat(call: Call, loopback_ice: None) -> None:
    mentor = RoomClient(call.url, call.token("mentor"), video=PatternTrack(320, 240))
    learner = RoomClient(call.url, call.token("learner"), video=PatternTrack(320, 240))
    try:
        async with asyncio.timeout(WAIT_S * 2):
            await mentor.open()
            welcome = await learner.open()
            assert welcome["peer"] is not None
            assert welcome["ice_servers"] == []  # none configured: loopback only
            await learner.offer()  # the newcomer offers, as the page does
            await mentor.connected.wait()
            await learner.connected.wait()
            for me, other in ((mentor, learner), (learner, mentor)):
                track = await me.tracks.get()
                assert track.kind == "video"
                frames = [await track.recv() for _ in range(3)]
                assert (frames[-1].width, frames[-1].height) == (320, 240)
                del other
            channel_open = asyncio.Event()
            assert learner.channel is not None
            if learner.channel.readyState == "open":
                channel_open.set()
            learner.channel.on("open", channel_open.set)
            await channel_open.wait()
            learner.channel.send("hello over the data channel")
            assert await mentor.chat.get() == "hello over the data channel"
            assert mentor.channel is not None
            mentor.channel.send("hi back")
            assert await learner.chat.get() == "hi back"
        await asyncio.sleep(0.2)  # let the last ICE reports land
        async with call.core.db.transaction() as s:
            rows = await records_of(s, call.booking_id)
        ice = {(r.role, r.detail) for r in rows if r.kind == "ice"}
        assert ("mentor", "connected") in ice or ("mentor", "completed") in ice
        assert ("learner", "connected") in ice or ("learner", "completed") in ice
    finally:
        await mentor.close()
        await learner.close()


async def test_echo_check_returns_frames_and_round_trips(call: Call, loopback_ice: None) -> None:
    video = PatternTrack(320, 240)
    async with asyncio.timeout(WAIT_S):
        pc, track, rtts = await echo_check(call.url, call.token("learner"), video, pings=5)
        try:
            frames = [await track.recv() for _ in range(3)]
            assert frames[-1].width == 320
            assert len(rtts) == 5 and all(r >= 0 for r in rtts)
        finally:
            await pc.close()
            video.stop()
    # A tampered token gets no server peer.
    with pytest.raises(RuntimeError, match="401"):
        await echo_check(call.url, call.token("learner") + "x", PatternTrack(), pings=1)


async def test_mentor_never_joins_learner_is_refunded(call: Call) -> None:
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await learner.open()
            await learner.send({"type": "ice", "state": "checking"})
            await learner.send({"type": "ping", "t": 1})
            await learner.expect("pong")  # the ICE report was stored before this answer
    finally:
        await learner.close()
    # Four minutes after the start nothing is decided yet.
    call.at(START + timedelta(minutes=4))
    await call.core.tick()
    async with call.core.db.transaction() as s:
        b = await s.get(Booking, call.booking_id)
        assert b is not None and b.status == "confirmed"
    call.at(START + timedelta(minutes=5, seconds=1))
    await call.core.tick()
    async with call.core.db.transaction() as s:
        b = await s.get(Booking, call.booking_id)
        assert b is not None
        assert (b.status, b.cancelled_by) == ("cancelled", call.mentor)
        outcome = decide(await records_of(s, b.id), b, call.clock.now())
    assert outcome.verdict is Verdict.MENTOR_ABSENT
    assert outcome.refund_learner and outcome.mentor_strike and not outcome.pay_mentor

    # The held credit went back to the learner through the real ledger.
    async with call.core.db.transaction() as s:
        ledger = Ledger(s, call.clock.now())
        await ledger.check_invariants()
        assert (await ledger.wallet_balances(b.learner_id)).get("CREDIT") == 2
        assert (await ledger.wallet_balances(b.mentor_id)).get("CREDIT") == 2
    # A second tick decides nothing again.
    await call.core.tick()
    async with call.core.db.transaction() as s:
        from core.db.schema import Outbox

        texts = [o.reply["text"] for o in await s.scalars(select(Outbox))]
    assert any("didn't join session" in t and "refunded in full" in t for t in texts), texts
    assert any("You didn't join session" in t for t in texts), texts


async def test_hang_up_after_both_joined_completes_and_asks_for_ratings(call: Call) -> None:
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await learner.open()
            await mentor.expect("peer-joined")
            await learner.send({"type": "hangup"})
            # One hang-up after the start ends the session for both, and both are told so.
            assert (await learner.expect("left"))["session"] == "ended"
            assert (await learner.expect("closed"))["reason"] == "completed"
            assert (await learner.expect("_closed"))["code"] == 4003
            left = await mentor.expect("peer-left")
            assert (left["reason"], left["session"]) == ("hangup", "ended")
            closed = await mentor.expect("closed")
            assert (closed["reason"], closed["by"]) == ("completed", "learner")
            assert (await mentor.expect("_closed"))["code"] == 4002
        assert await status_of(call) == "completed"
        assert call.booking_id not in call.server.app[ROOMS].rooms
        async with call.core.db.transaction() as s:
            rows = await records_of(s, call.booking_id)
            leaves = [(r.role, r.detail) for r in rows if r.kind == "leave"]
        assert ("learner", "hangup") in leaves and ("mentor", "ended") in leaves
        async with call.core.db.transaction() as s:
            from core.db.schema import Outbox

            texts = [o.reply["text"] for o in await s.scalars(select(Outbox))]
        assert sum("How was your session" in t for t in texts) == 2
    finally:
        await mentor.close()
        await learner.close()


@pytest.fixture
async def paid_call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path, price_mode="paid"):
        yield c


async def test_a_hung_up_paid_call_pays_mentor_70_and_platform_30(paid_call: Call) -> None:
    """Completion from the room goes through the same money service as the scheduler's: the
    ₹100 in escrow is split ₹70 to the mentor, ₹30 to the platform, and escrow is empty."""
    call = paid_call
    async with call.core.uow() as u:
        assert await u.money.escrowed(call.booking_id) == {"INR": 10000}
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await learner.open()
            await mentor.expect("peer-joined")
            # Both hang up at once: whichever completes it, both are told it's over.
            await learner.send({"type": "hangup"})
            await mentor.send({"type": "hangup"})
            for c in (learner, mentor):
                assert (await c.expect("closed"))["reason"] == "completed"
            assert await status_of(call) == "completed"
    finally:
        await mentor.close()
        await learner.close()
    async with call.core.uow() as u:
        ledger = u.money.ledger
        assert (await ledger.wallet_balances(call.mentor)).get("INR") == 7000
        assert await ledger.balance(platform("platform_revenue", "INR")) == 3000
        assert await ledger.balance(platform("escrow", "INR")) == 0  # the only booking here
        assert await ledger.check_invariants() == []


async def status_of(call: Call) -> str:
    async with call.core.uow() as u:
        b = await u.session.get(Booking, call.booking_id)
        assert b is not None
        return b.status


@pytest.fixture
async def relay_call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path, call_mode="relay"):
        yield c


async def test_relay_mode_forwards_tracks_and_records_with_consent(
    relay_call: Call, loopback_ice: None, tmp_path: Path
) -> None:
    call = relay_call
    mentor = RoomClient(call.url, call.token("mentor"), video=PatternTrack(320, 240))
    learner = RoomClient(call.url, call.token("learner"), video=PatternTrack(160, 120))
    rooms = call.server.app[ROOMS]
    try:
        async with asyncio.timeout(WAIT_S * 2):
            assert (await mentor.open())["mode"] == "relay"
            await learner.open()
            await mentor.via_server()
            await learner.via_server()
            await mentor.connected.wait()
            await learner.connected.wait()
            # Each receives the other's video through the server.
            for me, size in ((mentor, (160, 120)), (learner, (320, 240))):
                track = await me.tracks.get()
                frame = await track.recv()
                while (frame.width, frame.height) != size:  # until the source is attached
                    frame = await track.recv()
            # Recording starts only when both agree.
            await mentor.send({"type": "consent", "record": True})
            await mentor.expect("consent")
            assert rooms.rooms[call.booking_id].recording is False
            await learner.send({"type": "consent", "record": True})
            assert (await mentor.expect("recording"))["on"] is True
            await asyncio.sleep(1.0)  # a second of both sides on disk
            peers = [s.peer for s in rooms.rooms[call.booking_id].seats.values()]
            assert all(p is not None and p.recorder is not None for p in peers)
    finally:
        await mentor.close()
        await learner.close()
    for _ in range(100):  # leaving closes both server peers and their recorders
        if call.booking_id not in rooms.rooms:
            break
        await asyncio.sleep(0.05)
    files = sorted((tmp_path / "recordings" / f"booking-{call.booking_id}").glob("*.mp4"))
    assert len(files) == 2 and all(f.stat().st_size > 0 for f in files), files
    async with call.core.db.transaction() as s:
        rows = await records_of(s, call.booking_id)
    assert {r.detail for r in rows if r.kind == "recording"} == {f.name for f in files}
    async with call.core.db.transaction() as s:
        consents = list(await s.scalars(select(ConsentRecord)))
    # Each tick of "record this call" is kept as a consent record (issue 18).
    assert [(c.kind, c.given, c.detail) for c in consents] == [
        ("recording", True, f"booking {call.booking_id}")
    ] * 2
    assert all(p is not None and p.closed.is_set() for p in peers)
    assert call.booking_id not in rooms.rooms
    # Listed for both participants (and nobody else), downloadable by name only.
    async with aiohttp.ClientSession() as http:
        for role in ("mentor", "learner"):
            async with http.get(f"{call.url}/room/{call.token(role)}/recordings") as resp:
                assert resp.status == 200
                listing = await resp.text()
                assert all(f.name in listing for f in files)
        base = f"{call.url}/room/{call.token('learner')}/recordings"
        async with http.get(f"{base}/{files[0].name}") as resp:
            assert resp.status == 200 and len(await resp.read()) == files[0].stat().st_size
        async with http.get(f"{base}/..%2F..%2Frooms.db") as resp:
            assert resp.status == 404
        async with call.core.db.transaction() as s:
            stranger = await add_user(s, "Eve", START)
        async with http.get(
            f"{call.url}/room/{call.token('learner', user_id=stranger)}/recordings"
        ) as resp:
            assert resp.status == 403


async def test_shutdown_closes_every_peer_connection(relay_call: Call, loopback_ice: None) -> None:
    call = relay_call
    mentor = RoomClient(call.url, call.token("mentor"), video=PatternTrack(160, 120))
    rooms = call.server.app[ROOMS]
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await mentor.via_server()
            await mentor.connected.wait()
            seat = rooms.rooms[call.booking_id].seats["mentor"]
            peer = seat.peer
            assert peer is not None
            await call.server.close()
            assert peer.closed.is_set() and peer.pc.connectionState == "closed"
            assert rooms.rooms == {} and rooms.checks == set()
            assert (await mentor.expect("_closed"))["code"] == 1001
    finally:
        await mentor.close()


async def test_p2p_failure_switches_both_to_relay(call: Call) -> None:
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            assert (await mentor.open())["mode"] == "p2p"
            await learner.open()
            # Relay offers are refused while the room is peer-to-peer.
            await learner.send({"type": "server", "purpose": "relay", "sdp": "v=0"})
            assert "peer-to-peer" in (await learner.expect("error"))["reason"]
            await learner.send({"type": "ice", "state": "failed"})
            assert (await mentor.expect("peer-ice"))["state"] == "failed"
            await mentor.send({"type": "relay"})  # what the page does on a failed peer
            for c in (mentor, learner):
                assert (await c.expect("mode"))["mode"] == "relay"
    finally:
        await mentor.close()
        await learner.close()


async def test_room_closes_when_the_booking_is_cancelled(tmp_path: Path) -> None:
    async for call in start_call(tmp_path):
        call.server.app[ROOMS].status_check_s = 0.2
        mentor = RoomClient(call.url, call.token("mentor"))
        try:
            async with asyncio.timeout(WAIT_S):
                await mentor.open()
                async with call.core.db.transaction() as s:
                    b = await s.get(Booking, call.booking_id)
                    assert b is not None
                    b.status = "cancelled"
                assert (await mentor.expect("closed"))["reason"] == "cancelled"
                assert (await mentor.expect("_closed"))["code"] == 4002
        finally:
            await mentor.close()


async def test_leaving_early_keeps_the_session_on_and_the_other_side_sees_each_change(
    call: Call,
) -> None:
    """Issue 22, items 5 and 6: a hang-up before the start (or without the partner) keeps the
    session on and says until when one may rejoin; the other side is told of each leave and
    rejoin at once; a hang-up after the start of a call both joined ends it for both."""
    closes = "2026-11-23T13:15:00Z"
    call.at(START - timedelta(minutes=5))
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    learner2 = RoomClient(call.url, call.token("learner"))
    mentor2 = RoomClient(call.url, call.token("mentor"))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await learner.open()
            await mentor.expect("peer-joined")
            await learner.send({"type": "hangup"})
            left = await learner.expect("left")
            assert (left["session"], left["rejoin_until"]) == ("on", closes)
            assert (await learner.expect("_closed"))["code"] == 4003
            gone = await mentor.expect("peer-left")
            assert (gone["reason"], gone["session"], gone["rejoin_until"]) == (
                "hangup",
                "on",
                closes,
            )
            assert await status_of(call) == "confirmed"
            assert (await learner2.open())["peer"]["role"] == "mentor"
            assert (await mentor.expect("peer-joined"))["from"] == "learner"

            call.at(START + timedelta(minutes=2))
            await mentor.close()  # the mentor's connection drops: not a hang-up
            gone = await learner2.expect("peer-left")
            assert (gone["reason"], gone["session"]) == ("closed", "on")
            assert await status_of(call) == "confirmed"
            await mentor2.open()
            assert (await learner2.expect("peer-joined"))["from"] == "mentor"

            await learner2.send({"type": "hangup"})
            assert (await learner2.expect("left"))["session"] == "ended"
            assert (await mentor2.expect("peer-left"))["session"] == "ended"
            closed = await mentor2.expect("closed")
            assert (closed["reason"], closed["by"]) == ("completed", "learner")
        assert await status_of(call) == "completed"
    finally:
        for c in (mentor, learner, learner2, mentor2):
            await c.close()


async def test_room_chat_is_kept_shown_on_rejoin_and_in_the_session_record(call: Call) -> None:
    """Issue 22, item 7."""
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    again = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            assert (await mentor.open())["chat"] == []
            await learner.open()
            await mentor.send({"type": "chat", "text": "<b>read</b> https://example.org/x"})
            await learner.expect("chat")
            await learner.send({"type": "chat", "text": "thanks!"})
            await mentor.expect("chat")
            call.server.app[ROOMS].max_chat_messages = 2  # bounded: a full chat says so
            await mentor.send({"type": "chat", "text": "one more"})
            assert "chat is full" in (await mentor.expect("error"))["reason"]
            await learner.close()  # a reload
            history = (await again.open())["chat"]
        assert [(m["from"], m["name"], m["text"]) for m in history] == [
            ("mentor", "Meera", "<b>read</b> https://example.org/x"),
            ("learner", "Asha", "thanks!"),
        ]
        assert all(m["at"] == "2026-11-23T13:01:00Z" for m in history)
        async with call.core.db.transaction() as s:
            kept = await messages_of(s, call.booking_id)
        assert [(m.user_id, m.role) for m in kept] == [
            (call.mentor, "mentor"),
            (call.learner, "learner"),
        ]
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{call.url}/room/{call.token('learner')}/recordings") as resp,
        ):
            assert resp.status == 200
            record = await resp.text()
        assert "<b>Meera</b>: &lt;b&gt;read&lt;/b&gt; https://example.org/x" in record
        assert "<b>You</b>: thanks!" in record
    finally:
        for c in (mentor, learner, again):
            await c.close()


async def test_the_room_knows_the_way_back_and_has_a_favicon(call: Call) -> None:
    """Issue 22, item 8: the welcome names the chat app of each person's primary account."""
    await home_on(call.core, call.mentor, "telegram")
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    alone = RoomClient(call.url, call.token("learner"))
    try:
        async with asyncio.timeout(WAIT_S):
            # Alone after the start, a hang-up isn't the end of the session either.
            await alone.open()
            await alone.send({"type": "hangup"})
            assert (await alone.expect("left"))["session"] == "on"
            assert await status_of(call) == "confirmed"
            back = (await mentor.open())["back"]
            assert back == {"chat_url": "/chat", "platform": "telegram", "app": "Telegram"}
            back = (await learner.open())["back"]
            assert back == {"chat_url": "/chat", "platform": "", "app": ""}  # no primary account
    finally:
        for c in (alone, mentor, learner):
            await c.close()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{call.url}/room/static/favicon.svg") as resp:
            assert resp.status == 200 and resp.content_type == "image/svg+xml"
            assert (await resp.text()).startswith("<svg")
        for path in (f"/room/{call.token('learner')}", "/room/not-a-token"):
            async with http.get(call.url + path) as resp:
                assert 'rel="icon" href="/room/static/favicon.svg"' in await resp.text()
