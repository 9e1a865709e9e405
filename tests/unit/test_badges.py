"""Badges and streaks (issue 19, part 3): awarded by the event handlers exactly once (also
across a restart on the same SQLite file), recomputed from history identically, shown on
profiles, a leaderboard per skill with an opt-out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.app import CoreApp
from core.booking.badges import longest_weekly_run
from core.booking.tables import Booking, SessionRating
from core.clock import ManualClock
from core.db.badges import UserBadge
from core.db.communities import Community, CommunityMember
from core.db.engine import Database
from core.uow import unit_of_work
from tests.support import ChatDriver, RecordingChannel, make_core
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all, _uid
from tests.unit.test_onboarding import onboard_learner


def _told(inbox: RecordingChannel, who: str) -> list[str]:
    """The badges named in "New badge" messages this person got, in order."""
    out = []
    for r in inbox.inbox.get(who, []):
        if r.text.startswith("🏅 New badge: *"):
            out.append(r.text.removeprefix("🏅 New badge: *").split("*", 1)[0])
    return out


async def _held(core: CoreApp) -> set[tuple[int, str, str]]:
    async with core.db.transaction() as s:
        return {(b.user_id, b.kind, b.scope) for b in await s.scalars(select(UserBadge))}


async def _session(core: CoreApp, mentor: int, learner: int, at: datetime) -> int:
    """A confirmed session at `at`; the due sweep completes it (raising SessionCompleted)."""
    async with core.db.transaction() as s:
        b = Booking(
            mentor_id=mentor,
            learner_id=learner,
            starts_at=at,
            ends_at=at + timedelta(minutes=10),
            length_min=10,
            topic="Python",
            status="confirmed",
            price_mode="free",
            respond_by=at,
            created_at=at - timedelta(days=1),
        )
        s.add(b)
        await s.flush()
        return b.id


async def _sweep(core: CoreApp) -> int:
    async with unit_of_work(core.deps) as u:
        return await u.bookings.complete_due()


def test_weekly_runs_count_consecutive_weeks() -> None:
    d = date(2026, 11, 2)  # a Monday
    assert longest_weekly_run([d, d + timedelta(days=6), d + timedelta(days=7)]) == 2
    assert longest_weekly_run([d, d + timedelta(days=14)]) == 1
    assert longest_weekly_run([d + timedelta(weeks=w) for w in range(4)]) == 4
    assert longest_weekly_run([]) == 0


async def test_badges_awarded_once_across_a_restart_and_recomputed_identically(
    core: CoreApp, db: Database, clock: ManualClock, inbox: RecordingChannel, tmp_path: Path
) -> None:
    await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await apply_as_mentor(core, "ravi", skills="Python: advanced", price="free")
    await _approve_all(core)
    await onboard_learner(core, "asha")  # Asia/Kolkata
    meera, ravi, asha = [await _uid(core, n) for n in ("meera", "ravi", "asha")]

    # Asha learns in four consecutive weeks *in her zone*: Mon 00:30 IST is Sunday in UTC.
    start = datetime(2026, 10, 4, 19, 0, tzinfo=UTC)  # Sun 4 Oct 19:00 UTC = Mon 00:30 IST
    for week in range(4):
        await _session(core, meera, asha, start + timedelta(weeks=week))
    for n in range(1, 4):
        await _session(core, meera, asha, start + timedelta(weeks=3, hours=n))
    clock._now = start + timedelta(weeks=4)
    assert await _sweep(core) == 7
    held = await _held(core)
    assert (asha, "streak", "4") in held and (asha, "first_session", "") in held
    assert (meera, "taught_5", "") in held and (meera, "first_session", "") in held
    assert (meera, "taught_25", "") not in held
    # Each new badge is told to its holder once, on their primary platform.
    assert _told(inbox, "meera") == ["🌱 first session", "🎓 5 taught"]
    assert sorted(_told(inbox, "asha")) == ["🌱 first session", "🔥 4-week streak"]

    # Ravi's two ratings in October beat Meera's; the month closes once October's ratings
    # are all revealed (7 days into November).
    for stars, who in ((5, ravi), (5, ravi), (4, meera), (5, meera)):
        bid = await _session(core, who, asha, clock.now() + timedelta(hours=1))
        async with core.db.transaction() as s:
            s.add(
                SessionRating(
                    booking_id=bid,
                    rater_id=asha,
                    ratee_id=who,
                    role="mentor",
                    stars=stars,
                    created_at=datetime(2026, 10, 20, tzinfo=UTC),
                    visible_at=datetime(2026, 10, 21, tzinfo=UTC),
                )
            )
    clock._now = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
    await _sweep(core)

    # A restart: a new core on the same SQLite file; the same events again award nothing.
    await db.dispose()
    again_db = Database.from_url(str(db.engine.url))
    again = await make_core(again_db, clock)
    again.delivery.register(inbox)
    try:
        before = await _held(again)
        assert (ravi, "top_rated", "Python|2026-10") in before
        assert not any(k == "top_rated" and u == meera for u, k, _ in before)
        async with unit_of_work(again.deps) as u:
            assert await u.badges.award(meera, asha, ravi) == []
        assert await _held(again) == before
        async with again.db.transaction() as s:
            s.add(UserBadge(user_id=meera, kind="taught_5", scope="", awarded_at=clock.now()))
            with pytest.raises(IntegrityError):
                await s.flush()
            await s.rollback()
        async with unit_of_work(again.deps) as u:
            assert await u.badges.recompute() == before
            # Recomputing from history after the table was lost gives the same set.
            for row in await u.session.scalars(select(UserBadge)):
                await u.session.delete(row)
            await u.session.flush()
            assert await u.badges.repair() == (len(before), 0)
        assert await _held(again) == before
        # Ravi heard of his top rating once; the restart, the award and the recompute above
        # told nobody anything again.
        assert sorted(_told(inbox, "ravi")) == [
            "⭐ top-rated in Python (2026-10)",
            "🌱 first session",
        ]
        assert _told(inbox, "meera") == ["🌱 first session", "🎓 5 taught"]
        assert len(_told(inbox, "asha")) == 2

        # On the profile and the leaderboard; hiding takes Ravi off it.
        learner = ChatDriver(again, "asha")
        await learner.say("/find python")
        assert "⭐ top-rated in Python (2026-10)" in learner.text(), learner.text()  # results
        await learner.press("Ravi")
        assert "⭐ top-rated in Python (2026-10)" in learner.text(), learner.text()
        await learner.say("/badges python")
        assert "🔥 4-week streak" in learner.text()
        board = learner.text()
        assert "1. Meera — 2" in board and "Ravi — 2" in board, board
        await ChatDriver(again, "ravi").say("/badges hide")
        await learner.say("/badges python")
        assert "Ravi" not in learner.text() and "Meera" in learner.text()

        # Per community: its members only.
        async with again.db.transaction() as s:
            c = Community(
                slug="pune-py",
                name="Pune Python",
                description="",
                visibility="public",
                invite_code="PUNEPY",
                created_by=asha,
                created_at=clock.now(),
            )
            s.add(c)
            await s.flush()
            for uid in (asha, meera):
                s.add(
                    CommunityMember(
                        community_id=c.id, user_id=uid, role="member", joined_at=clock.now()
                    )
                )
        await learner.say("/badges community")
        assert "*Leaderboard — Pune Python*" in learner.text(), learner.text()
        assert "Meera — 2" in learner.text() and "Asha" in learner.text()
    finally:
        await again_db.dispose()


def test_cli_recompute_repairs_the_table(
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio
    import shutil

    from mentorbot.cli import main

    path = tmp_path / "cli.db"
    shutil.copyfile(template_db, path)
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path))

    async def one_stray_badge() -> None:
        d = Database.from_url(f"sqlite+aiosqlite:///{path}")
        async with d.transaction() as s:
            from core.db.schema import User

            u = User(display_name="Stray", created_at=datetime(2026, 11, 1, tzinfo=UTC))
            s.add(u)
            await s.flush()
            s.add(UserBadge(user_id=u.id, kind="taught_5", scope="", awarded_at=u.created_at))
        await d.dispose()

    asyncio.run(one_stray_badge())
    main(["badges", "recompute"])
    assert "0 held (0 granted, 1 withdrawn)" in capsys.readouterr().out
    main(["badges", "recompute"])
    assert "0 held (0 granted, 0 withdrawn)" in capsys.readouterr().out
