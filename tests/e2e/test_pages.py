"""Calendar feed and call-room link pages, from the app factory over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from icalendar import Calendar

from core.app import CoreApp
from core.booking.service import Bookings
from core.booking.views import room_token
from core.calendar import feed_token
from core.clock import ManualClock
from mentorbot.app import CORE, create_app
from mentorbot.leader import SoleWorker
from mentorbot.settings import Settings
from tests.booking_support import add_mentor, add_user

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/pages.db",
        data_dir=tmp_path,
        secret_key="pages-secret",  # type: ignore[arg-type]
    )
    srv = TestServer(create_app(settings, clock=ManualClock(NOW)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def _confirmed_booking(core: CoreApp) -> tuple[int, int, int]:
    async with core.db.transaction() as s:
        mentor = await add_mentor(s, "Meera", NOW)
        learner = await add_user(s, "Asha", NOW, tz="Europe/London")
        svc = Bookings(s, NOW, core.policies, [])
        offer = await svc.offering(mentor)
        assert offer is not None
        b = await svc.request(learner, offer, datetime(2026, 11, 23, 13, 0, tzinfo=UTC), 20, "CV")
        await svc.accept(b.id, mentor)
        return b.id, mentor, learner


async def test_calendar_feed_has_the_session_in_utc(server: TestServer) -> None:
    core = server.app[CORE]
    booking_id, _mentor, learner = await _confirmed_booking(core)
    async with aiohttp.ClientSession() as http:
        url = server.make_url(f"/calendar/{feed_token(core.signing_keys, learner)}.ics")
        async with http.get(url) as resp:
            assert resp.status == 200
            assert resp.content_type == "text/calendar"
            cal = Calendar.from_ical(await resp.read())
        events = list(cal.walk("VEVENT"))
        assert len(events) == 1
        assert str(events[0]["uid"]) == f"booking-{booking_id}@mentorbot"
        assert events[0].decoded("dtstart") == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
        assert events[0].decoded("dtend") == datetime(2026, 11, 23, 13, 20, tzinfo=UTC)
        async with http.get(server.make_url(f"/calendar/{learner}-forged.ics")) as resp:
            assert resp.status == 404
            assert "isn't valid" in await resp.text()


async def test_room_link_page(server: TestServer) -> None:
    core = server.app[CORE]
    booking_id, mentor, learner = await _confirmed_booking(core)
    async with aiohttp.ClientSession() as http:
        token = room_token(core.signing_keys, booking_id, learner, "learner")
        async with http.get(server.make_url(f"/room/{token}")) as resp:
            assert resp.status == 200
            text = await resp.text()
            assert "Session with Meera" in text and "13:00 (Europe/London)" in text
            assert 'data-testid="opens-in"' in text  # too early: a countdown to the opening
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        async with http.get(server.make_url(f"/room/{forged}")) as resp:
            assert resp.status == 404
        async with core.db.transaction() as s:
            await Bookings(s, NOW, core.policies, []).cancel(booking_id, mentor)
        async with http.get(server.make_url(f"/room/{token}")) as resp:
            assert resp.status == 410
            assert "cancelled" in await resp.text()


async def test_housekeeping_forgets_old_delivery_ids(server: TestServer) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from core.db.inbound import ProcessedEvent, first_seen
    from mentorbot.app import Ticker

    core = server.app[CORE]
    async with core.db.transaction() as s:
        await first_seen(s, "telegram", "old", NOW - timedelta(days=30))
        await first_seen(s, "telegram", "new", NOW)
    await Ticker(core, SoleWorker("test")).housekeeping()
    async with core.db.transaction() as s:
        left = await s.scalar(select(func.count()).select_from(ProcessedEvent))
    assert left == 1


async def test_housekeeping_prunes_the_profile_change_log(server: TestServer) -> None:
    from datetime import timedelta

    from core.db import changes
    from mentorbot.app import Ticker

    core = server.app[CORE]
    async with core.db.transaction() as s:
        start = await changes.latest(s)
        await changes.record(s, [101], NOW - changes.RETENTION - timedelta(minutes=1))
        await changes.record(s, [102], NOW)
    await Ticker(core, SoleWorker("test")).housekeeping()
    async with core.db.transaction() as s:
        assert [uid for _, uid in await changes.after(s, start, 10)] == [102]
