"""Quiet hours (issues 16 and 19): what people type, when a window ends (crossing midnight,
DST), and the outbox holding news that can wait until then — sent once, in order, surviving a
restart — while time-critical notices go at once. The clock is driven, never slept on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from core.db.quiet import QuietSetting, set_quiet
from core.db.schema import Account, Outbox, User
from core.events import ReminderDue
from core.messaging import Actor, CommandIn, Reply, TextIn
from core.quiet import HELD, KINDS, QuietHours, quiet_until, read_quiet
from tests.dm_support import booked, person
from tests.relay_support import RecordingBridge
from tests.support import ChatDriver, RecordingChannel, answer_age, make_core
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_dms import open_thread, settle
from tests.unit.test_find import _approve_all

CORE = Path(__file__).resolve().parents[2] / "core"


# ---- what people type ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("22:00-07:00", "22:00", "07:00"),
        ("10pm to 7am", "22:00", "07:00"),
        ("from 10 pm till 7 am", "22:00", "07:00"),
        ("between 23:30 and 6:45", "23:30", "06:45"),
        ("10-7am", "22:00", "07:00"),
        ("22–07", "22:00", "07:00"),
        ("13:00-15:00", "13:00", "15:00"),  # a nap: not crossing midnight
    ],
)
def test_typed_quiet_hours_are_read(typed: str, start: str, end: str) -> None:
    got = read_quiet(typed)
    assert isinstance(got, QuietHours), got
    assert got.label == f"{start}–{end}"


def test_off_and_bad_input_are_answered_in_words() -> None:
    assert read_quiet("off") is None
    assert read_quiet(" OFF ") is None
    for bad in ("whenever", "10pm", "25:00-07:00", "22:00-22:00", "6am to 11pm"):
        said = read_quiet(bad)
        assert isinstance(said, str) and said, bad
    assert "16 hours" not in str(read_quiet("10-7"))  # 10:00–07:00 is 21 hours: refused
    assert "21 hours" in str(read_quiet("10-7"))


# ---- when a window ends -------------------------------------------------------------------
NIGHT = QuietHours(22 * 60, 7 * 60)


def test_a_window_crossing_midnight_ends_the_next_morning() -> None:
    kolkata = "Asia/Kolkata"  # UTC+5:30
    # 22:30 local on the 23rd: quiet until 07:00 local on the 24th.
    at = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert quiet_until(NIGHT, kolkata, at) == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    # 03:00 local (after midnight): the same morning.
    at = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
    assert quiet_until(NIGHT, kolkata, at) == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    # 07:00 sharp and 21:59 local are not quiet.
    assert quiet_until(NIGHT, kolkata, datetime(2026, 11, 24, 1, 30, tzinfo=UTC)) is None
    assert quiet_until(NIGHT, kolkata, datetime(2026, 11, 23, 16, 29, tzinfo=UTC)) is None
    # No zone: UTC.
    assert quiet_until(NIGHT, None, datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == datetime(
        2026, 11, 24, 7, 0, tzinfo=UTC
    )


def test_quiet_hours_follow_the_wall_clock_across_dst() -> None:
    # London springs forward on 28 March 2027 (01:00 GMT -> 02:00 BST): the night starts at
    # 22:00 GMT and ends at 07:00 BST, an hour shorter in UTC.
    london = "Europe/London"
    start = datetime(2027, 3, 27, 22, 0, tzinfo=UTC)  # 22:00 GMT
    assert quiet_until(NIGHT, london, start - timedelta(seconds=1)) is None
    assert quiet_until(NIGHT, london, start) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    # New York falls back on 1 November 2026 (02:00 EDT -> 01:00 EST): 22:00 EDT to 07:00 EST.
    ny = "America/New_York"
    at = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)  # 22:30 EDT on 31 October
    assert quiet_until(NIGHT, ny, at) == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    # A week later, the same wall-clock window in EST.
    assert quiet_until(NIGHT, ny, at + timedelta(days=7)) is None  # 21:30 EST
    assert quiet_until(NIGHT, ny, datetime(2026, 11, 8, 3, 0, tzinfo=UTC)) == datetime(
        2026, 11, 8, 12, 0, tzinfo=UTC
    )
    # An end inside London's skipped hour (01:30 on 28 March) is the first instant after it.
    short = QuietHours(0, 90)
    assert quiet_until(short, london, datetime(2027, 3, 28, 0, 30, tzinfo=UTC)) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )


# ---- the one table of kinds ---------------------------------------------------------------
def test_every_kind_in_the_code_is_in_the_table_and_time_critical_ones_go_at_once() -> None:
    used = set()
    for path in CORE.rglob("*.py"):
        used |= set(re.findall(r'kind="([a-z_]+)"', path.read_text(encoding="utf-8")))
        used |= set(re.findall(r'hold_until\([^)]*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    notice_kinds = used & set(KINDS)
    assert {"dm", "favourite", "broadcast", "action_items", "session_reminder", "badge"} <= (
        notice_kinds
    )
    for critical in ("reply", "session_reminder", "booking", "payment", "verification"):
        assert critical not in HELD
    for waits in ("dm", "favourite", "broadcast", "badge", "action_items"):
        assert waits in HELD


# ---- the outbox holds, releases once, in order, across a restart --------------------------
async def _user(core: CoreApp, external_id: str) -> User:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == external_id))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user


async def _learner(core: CoreApp, name: str, platform: str, place: str) -> ChatDriver:
    c = ChatDriver(core, name, platform)
    await c.say("/start")
    await c.press("Learn")
    await c.say(name.capitalize())
    await answer_age(c)
    await c.say("python")
    await c.press("Beginner")
    await c.say("Learn decorators")
    await c.say("English")
    await c.say(place)
    await c.press("Skip for now")
    assert "All set" in c.text(), c.text()
    return c


def _at(clock: ManualClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def _texts(channel: RecordingChannel, who: str) -> list[str]:
    return [r.text for r in channel.inbox.get(who, [])]


async def test_set_on_the_web_news_waits_for_the_morning_a_reminder_does_not(
    core: CoreApp, clock: ManualClock
) -> None:
    web, console = RecordingChannel("web"), RecordingChannel("console")
    core.delivery.register(web)
    core.delivery.register(console)
    meera = await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    asha = await _learner(core, "asha", "web", "London")
    assert (await _user(core, "asha")).timezone == "Europe/London"

    # Set from chat: bad input keeps the question open, then plain words are understood.
    await asha.say("/quiet sometime at night")
    assert "Write a start and an end" in asha.text(), asha.text()
    await asha.say("after dinner")
    assert "Write a start and an end" in asha.text()
    await asha.say("10pm to 7am")
    assert "Quiet hours: 22:00–07:00 every night (Europe/London)" in asha.text(), asha.text()
    await asha.say("/profile")
    assert "🌙 Quiet hours: 22:00–07:00 (Europe/London)" in asha.text()

    # Asha follows Meera.
    await asha.say("/find python")
    await asha.press("Meera")
    await asha.press("☆ Follow")
    assert "You follow" in asha.text()
    learner_id = (await _user(core, "asha")).id
    mentor_id = (await _user(core, "meera")).id
    booking = await booked(core, learner_id, mentor_id, status="confirmed")

    # 23:00 in London (GMT in November): Meera opens times twice, a reminder falls due.
    _at(clock, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    for hours in ("Mon-Fri 18:00-21:00; Sat 10-13", "Mon-Fri 18:00-21:00; Sat-Sun 10-13"):
        await meera.say("/profile")
        await meera.press("Availability")
        await meera.say(hours)
    async with core.uow() as u:
        u.events.append(ReminderDue(booking, 15))
    said = _texts(web, "asha")
    assert [t for t in said if "opened new times" in t] == []
    assert len([t for t in said if "starts in 15 min" in t]) == 1  # time-critical: at once
    async with core.db.transaction() as s:
        held = list(await s.scalars(select(Outbox).where(Outbox.not_before.is_not(None))))
    assert [(r.kind, r.not_before) for r in held] == [
        ("favourite", datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    ] * 2

    _at(clock, datetime(2026, 11, 24, 6, 59, 59, tzinfo=UTC))
    await core.delivery.sweep()
    assert not [t for t in _texts(web, "asha") if "opened new times" in t]
    _at(clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    await core.delivery.sweep()
    await core.delivery.sweep()
    clock.advance(timedelta(hours=1))
    await core.delivery.sweep()
    opened = [t for t in _texts(web, "asha") if "opened new times" in t]
    # Each once, in the order they were written.
    assert len(opened) == 2
    assert "Sat 10:00–13:00" in opened[0] and "Sun" in opened[1] and "Sat" not in opened[1]


async def test_a_broadcast_held_across_dst_and_a_restart_is_sent_once(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    core = await make_core(db, clock)
    # Saturday 27 March 2027, 21:30 GMT: London springs forward overnight.
    _at(clock, datetime(2027, 3, 27, 21, 30, tzinfo=UTC))
    async with core.uow() as u:
        user = User(display_name="Tom", created_at=u.now, timezone="Europe/London")
        u.session.add(user)
        await u.session.flush()
        acc = Account(
            user_id=user.id, platform="console", workspace="console", external_id="tom",
            display_name="Tom", created_at=u.now,
        )  # fmt: skip
        u.session.add(acc)
        await u.session.flush()
        user.primary_account_id = acc.id
        await set_quiet(u.session, user.id, QuietHours(22 * 60, 7 * 60), u.now)
        tom = user.id
    inbox = RecordingChannel("console")
    core.delivery.register(inbox)
    async with core.uow() as u:  # 21:30: not quiet yet
        await u.notify(tom, [Reply("before")], kind="broadcast")
    clock.advance(timedelta(hours=1))  # 22:30 GMT
    async with core.uow() as u:
        await u.notify(tom, [Reply("news 1")], kind="broadcast")
        await u.notify(tom, [Reply("news 2")], kind="broadcast")
        await u.notify(tom, [Reply("your code is 123456")], kind="verification")
    assert _texts(inbox, "tom") == ["before", "your code is 123456"]

    # A restart: a new process over the same database file; the hold is in the row.
    await db.dispose()
    again_db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'mentorbot.db'}")
    again = await make_core(again_db, clock)
    after = RecordingChannel("console")
    again.delivery.register(after)
    try:
        _at(clock, datetime(2027, 3, 28, 5, 59, tzinfo=UTC))  # 06:59 BST
        await again.delivery.sweep()
        assert _texts(after, "tom") == []
        _at(clock, datetime(2027, 3, 28, 6, 0, tzinfo=UTC))  # 07:00 BST
        assert await again.delivery.sweep() == 2
        assert await again.delivery.sweep() == 0
        assert _texts(after, "tom") == ["news 1", "news 2"]
        async with again_db.transaction() as s:
            states = [r.state for r in await s.scalars(select(Outbox).order_by(Outbox.id))]
        assert states == ["sent"] * 4
    finally:
        await again_db.dispose()


async def test_turning_quiet_hours_off_releases_what_they_held(
    core: CoreApp, clock: ManualClock
) -> None:
    inbox = RecordingChannel("console")
    core.delivery.register(inbox)
    asha = ChatDriver(core, "asha")
    await asha.say("/quiet")
    assert "Quiet hours: off" in asha.text()
    await asha.press("22:00–07:00")
    assert "Quiet hours: 22:00–07:00" in asha.text()
    uid = (await _user(core, "asha")).id
    _at(clock, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # no zone set: UTC
    async with core.uow() as u:
        await u.notify(uid, [Reply("news")], kind="broadcast")
    assert "news" not in _texts(inbox, "asha")
    await asha.say("/quiet off")
    assert "Quiet hours are off" in asha.text()
    await core.delivery.sweep()
    assert _texts(inbox, "asha").count("news") == 1
    async with core.db.transaction() as s:
        assert await s.get(QuietSetting, uid) is None


# ---- a direct message: stored and on the web at once, its push waits ----------------------
ASHA = Actor("telegram", "telegram", "111", "Asha")
MEERA = Actor("slack", "T1", "UMEERA", "Meera")


async def _dm_pair(
    db: Database, clock: ManualClock
) -> tuple[CoreApp, dict[str, RecordingBridge], int]:
    """Asha (Telegram) booked Meera (Slack, no zone: UTC); Meera sets 22:00–07:00 from Slack."""
    core = await make_core(db, clock)
    learner = await person(core, ASHA)
    mentor = await person(core, MEERA, mentor=True)
    await booked(core, learner, mentor)
    bridges = {p: RecordingBridge(p) for p in ("telegram", "slack")}
    for b in bridges.values():
        core.relay.register(b)
    said = await core.handle(MEERA, CommandIn("quiet", "22:00-07:00"))
    assert "Quiet hours: 22:00–07:00" in said[0].text
    return core, bridges, mentor


async def test_switching_quiet_hours_off_pushes_a_held_direct_message(
    db: Database, clock: ManualClock
) -> None:
    core, bridges, _ = await _dm_pair(db, clock)
    _at(clock, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    await open_thread(core, ASHA)
    await core.handle(ASHA, TextIn("are you up?"))
    await settle(core, clock)
    assert bridges["slack"].chats.get("UMEERA", {}) == {}
    await core.handle(MEERA, CommandIn("quiet", "off"))
    await settle(core, clock)
    assert [s.text for s in bridges["slack"].chats["UMEERA"].values()] == ["✉️ *Asha*\nare you up?"]


async def test_a_direct_message_is_readable_at_once_and_pushed_after_quiet_hours(
    db: Database, clock: ManualClock
) -> None:
    asha_actor, meera_actor = ASHA, MEERA
    core, bridges, mentor = await _dm_pair(db, clock)

    _at(clock, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    t = await open_thread(core, asha_actor)
    await core.handle(asha_actor, TextIn("late question about decorators"))
    await settle(core, clock)
    assert bridges["slack"].chats.get("UMEERA", {}) == {}
    async with core.uow() as u:  # on the web (/messages) at once
        meera = await u.session.get(User, mentor)
        assert meera is not None
        thread = await u.dms.get(meera, t)
        shown = await u.dms.history(thread, "http://127.0.0.1")
    assert [m.text for m in shown] == ["late question about decorators"]
    # Meera writes back while her own quiet hours run: Asha has none, so it goes at once.
    await open_thread(core, meera_actor)
    await core.handle(meera_actor, TextIn("tomorrow!"))
    await settle(core, clock)
    assert [s.text for s in bridges["telegram"].chats["111"].values()] == ["✉️ *Meera*\ntomorrow!"]

    _at(clock, datetime(2026, 11, 24, 6, 59, tzinfo=UTC))
    await settle(core, clock)
    assert bridges["slack"].chats.get("UMEERA", {}) == {}
    _at(clock, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    await settle(core, clock)
    await settle(core, clock)
    assert [s.text for s in bridges["slack"].chats["UMEERA"].values()] == [
        "✉️ *Asha*\nlate question about decorators"
    ]


async def test_a_new_time_zone_moves_what_is_held_to_its_morning(
    core: CoreApp, clock: ManualClock
) -> None:
    inbox = RecordingChannel("console")
    core.delivery.register(inbox)
    asha = await _learner(core, "asha", "console", "London")
    await asha.say("/quiet 22:00-07:00")
    uid = (await _user(core, "asha")).id
    _at(clock, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 23:00 in London
    async with core.uow() as u:
        await u.notify(uid, [Reply("news")], kind="broadcast")
    await asha.say("/profile")
    await asha.press("Time zone")
    await asha.say("Asia/Kolkata")  # 04:30 there: quiet until 07:00 IST, 01:30 UTC
    async with core.db.transaction() as s:
        row = await s.scalar(select(Outbox).where(Outbox.kind == "broadcast"))
        assert row is not None
    assert row.not_before == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    _at(clock, datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
    await core.delivery.sweep()
    assert _texts(inbox, "asha").count("news") == 1
