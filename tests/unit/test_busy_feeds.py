"""Busy-calendar import (issue 19, part 5), against a local aiohttp server on 127.0.0.1
serving ICS: a recurring event with an EXDATE and a RECURRENCE-ID in Europe/London across
the end of summer time removes exactly its slots; 304 Not Modified is honoured; a failing
feed is reported to the mentor once; outbound addresses are checked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.busy import BusyTime
from core.db.schema import AvailabilityWindow, User
from core.slots import Busy, free_slots
from core.uow import unit_of_work
from mentorbot.busyfeeds import Refused, check_address, refresh_due
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all, _uid
from tests.unit.test_onboarding import onboard_learner

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//MentorBot tests//EN\r
BEGIN:VEVENT\r
UID:gym@test\r
DTSTAMP:20261001T000000Z\r
SUMMARY:Gym\r
DTSTART;TZID=Europe/London:20261020T190000\r
DTEND;TZID=Europe/London:20261020T200000\r
RRULE:FREQ=DAILY;COUNT=10\r
EXDATE;TZID=Europe/London:20261022T190000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:gym@test\r
DTSTAMP:20261001T000000Z\r
SUMMARY:Gym (moved)\r
RECURRENCE-ID;TZID=Europe/London:20261027T190000\r
DTSTART;TZID=Europe/London:20261027T173000\r
DTEND;TZID=Europe/London:20261027T180000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:lunch@test\r
DTSTAMP:20261001T000000Z\r
SUMMARY:Free lunch\r
TRANSP:TRANSPARENT\r
DTSTART;TZID=Europe/London:20261021T180000\r
DTEND;TZID=Europe/London:20261021T190000\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _utc(day: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, day, h, m, tzinfo=UTC)


# Gym 19:00-20:00 London: 18:00 UTC in summer time (until Sun 25 Oct), 19:00 UTC after;
# not on the 22nd (EXDATE); on the 27th moved to 17:30-18:00 London (RECURRENCE-ID).
EXPECTED = sorted(
    [(_utc(d, 18), _utc(d, 19)) for d in (20, 21, 23, 24)]
    + [(_utc(d, 19), _utc(d, 20)) for d in (25, 26, 28, 29)]
    + [(_utc(27, 17, 30), _utc(27, 18))]
)


class Feed:
    def __init__(self) -> None:
        self.hits: list[dict[str, str]] = []
        self.broken = False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(dict(request.headers))
        if self.broken:
            return web.Response(status=500, text="down")
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(
            body=ICS,
            content_type="text/calendar",
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 19 Oct 2026 10:00:00 GMT"},
        )


@pytest.fixture
async def feed() -> AsyncIterator[tuple[Feed, str]]:
    f = Feed()
    app = web.Application()
    app.router.add_get("/cal.ics", f.handle)

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 3000)

    app.router.add_get("/big.ics", big)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield f, f"http://127.0.0.1:{server.port}"
    await server.close()


async def _slots(core: CoreApp, mentor: int, learner: int) -> list[datetime]:
    async with unit_of_work(core.deps) as u:
        offer = await u.bookings.offering(mentor)
        assert offer is not None
        return await u.bookings.free_slots(offer, learner, 30)


async def test_a_recurring_busy_event_removes_exactly_its_slots(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel, feed: tuple[Feed, str]
) -> None:
    server, base = feed
    clock._now = datetime(2026, 10, 19, 12, 0, tzinfo=UTC)  # the DST week is in the horizon
    policies = dataclasses.replace(
        core.deps.policies, busy_feed_allow_hosts=("127.0.0.1",), busy_feed_max_bytes=2000
    )
    app = rebuilt(core, policies=policies)
    meera_chat = await apply_as_mentor(app, "meera", skills="Python: advanced", price="free")
    await _approve_all(app)
    await onboard_learner(app, "asha")
    meera, asha = await _uid(app, "meera"), await _uid(app, "asha")
    async with app.db.transaction() as s:
        user = await s.get(User, meera)
        assert user is not None
        user.timezone = "Europe/London"
        for w in await s.scalars(
            select(AvailabilityWindow).where(AvailabilityWindow.user_id == meera)
        ):
            await s.delete(w)
        for d in range(7):
            s.add(AvailabilityWindow(user_id=meera, weekday=d, start_min=17 * 60, end_min=21 * 60))
    before = await _slots(app, meera, asha)

    await meera_chat.say(f"/busy {base}/cal.ics")
    assert "Busy calendar saved" in meera_chat.text(), meera_chat.text()
    assert await refresh_due(app.deps) == {meera: "loaded"}
    async with app.db.transaction() as s:
        stored = sorted((b.starts_at, b.ends_at) for b in await s.scalars(select(BusyTime)))
    assert stored == EXPECTED
    after = await _slots(app, meera, asha)
    assert after == free_slots(
        before,
        length_min=30,
        busy=[Busy(a, b) for a, b in EXPECTED],
        buffer_min=policies.buffer_min,
        not_before=clock.now(),
    )
    assert _utc(25, 19) in before and _utc(25, 19) not in after  # 19:00 London, winter time
    assert _utc(25, 18) in after  # 18:00 London that day is free (summer-time 19:00 UTC isn't)
    assert _utc(22, 18) in after  # the EXDATE
    await meera_chat.say("/busy")
    assert "loaded" in meera_chat.text()

    # Not due again until the refresh interval has passed; then a conditional request: 304.
    assert await refresh_due(app.deps) == {}
    clock.advance(timedelta(minutes=policies.busy_feed_refresh_min))
    assert await refresh_due(app.deps) == {meera: "not modified"}
    assert server.hits[-1]["If-None-Match"] == '"v1"'
    assert server.hits[-1]["If-Modified-Since"] == "Mon, 19 Oct 2026 10:00:00 GMT"
    assert await _slots(app, meera, asha) == after

    # A failing feed: told once, the last good busy times kept.
    server.broken = True
    clock.advance(timedelta(minutes=policies.busy_feed_refresh_min))
    assert await refresh_due(app.deps) == {meera: "the calendar server answered 500"}
    clock.advance(timedelta(minutes=policies.busy_feed_refresh_min))
    await refresh_due(app.deps)
    told = [r.text for r in inbox.inbox["meera"] if "busy calendar didn't load" in r.text]
    assert len(told) == 1 and "answered 500" in told[0]
    assert await _slots(app, meera, asha) == after
    await meera_chat.say("/busy")
    assert "last load failed" in meera_chat.text()

    # Too big is a failure too; /busy off gives the slots back.
    await meera_chat.say(f"/busy {base}/big.ics")
    assert "larger than" in (await refresh_due(app.deps))[meera]
    await meera_chat.say("/busy off")
    assert await _slots(app, meera, asha) == before


async def test_outbound_addresses_are_checked() -> None:
    for url in (
        "ftp://example.com/c.ics",
        "http://10.0.0.1/c.ics",
        "http://127.0.0.1:9/c.ics",
        "http://169.254.169.254/latest",
        "http://[::1]/c.ics",
    ):
        with pytest.raises(Refused):
            await check_address(url, ())
    await check_address("http://127.0.0.1:9/c.ics", ("127.0.0.1",))


async def test_only_calendar_links_are_saved(core: CoreApp) -> None:
    meera = await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await meera.say("/busy javascript:alert(1)")
    assert "isn't a calendar link" in meera.text()
    await meera.say("/busy webcal://calendar.example.com/x.ics")
    assert "Busy calendar saved" in meera.text()
    learner = ChatDriver(core, "asha")
    await learner.say("/busy http://example.com/x.ics")
    assert "for mentors" in learner.text()
