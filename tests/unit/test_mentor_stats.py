"""/mentor stats (issue 17): a mentor's own earnings by week, sessions, rating over time,
answer time, profile opens and requests, as two PNG charts whose summaries match the data."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from PIL import Image as PILImage
from sqlalchemy import update

from core.app import CoreApp
from core.booking.tables import SessionRating
from core.clock import ManualClock
from core.db.matching import MatchEvent
from core.db.schema import MentorProfile
from core.ledger.tables import LedgerAccount, LedgerTransfer
from core.markup import to_plain
from core.messaging import LinkButton
from tests.support import ChatDriver
from tests.unit.test_admin_stats import seed_known


async def seed_mentor(core: CoreApp, now: datetime) -> int:
    """Asha as a mentor with two sessions, a rating, two earnings and search events: the
    figures every stats test checks. Returns her user id."""
    people = await seed_known(core, now)
    asha = people["Asha"]
    async with core.db.transaction() as s:
        s.add(MentorProfile(user_id=asha, status="approved"))
        await s.execute(update(SessionRating).values(visible_at=now - timedelta(hours=1)))
        src = LedgerAccount(
            code="test:escrow2:INR", kind="escrow", currency="INR", allow_negative=True,
            balance=0, created_at=now,
        )  # fmt: skip
        wallet = LedgerAccount(
            code=f"test:wallet:{asha}", kind="wallet", user_id=asha, currency="INR", balance=0,
            created_at=now,
        )  # fmt: skip
        s.add_all([src, wallet])
        for kind in ("impression", "impression", "click"):  # ranked search showed her twice
            s.add(
                MatchEvent(
                    learner_id=people["Lena"], mentor_id=asha, variant="a", kind=kind,
                    created_at=now - timedelta(days=2),
                )
            )  # fmt: skip
        await s.flush()
        for key, amount, at in (("a", 35_000, now - timedelta(days=4)), ("b", 7_000, now)):
            s.add(
                LedgerTransfer(
                    key=f"test:earn:{key}", source_id=src.id, dest_id=wallet.id, amount=amount,
                    currency="INR", kind="earning", created_at=at,
                )
            )  # fmt: skip
    return asha


async def test_mentor_stats_match_the_seeded_sessions(core: CoreApp, clock: ManualClock) -> None:
    await seed_mentor(core, clock.now())  # Monday 23 Nov 2026, 09:00 UTC
    mentor = ChatDriver(core, "asha", platform="telegram")
    replies = await mentor.say("/mentor stats")  # as Discord and Slack have it
    assert "Your stats" in replies[0].text
    link = replies[0].buttons[0][0]
    assert isinstance(link, LinkButton) and "/mentor/stats/" in link.url
    assert [to_plain(r.text) for r in replies[1:]] == [
        "Earned ₹420 from 2 sessions in 12 weeks; this week ₹70",
        "Rating 4.0★ lately (1 week rated); answers in 60 min (median of 2); shown in search "
        "2×, profile opened 6×, booked 4× (67% of opens)",
    ]
    for r in replies[1:]:
        assert r.image is not None and r.image.alt
        with PILImage.open(io.BytesIO(r.image.png)) as img:
            assert img.format == "PNG" and img.size == (960, 640)
    assert [to_plain(r.text) for r in await mentor.say("/stats")][1:] == [
        to_plain(r.text) for r in replies[1:]
    ]


async def test_stats_are_for_mentors(core: CoreApp) -> None:
    learner = ChatDriver(core, "lena")
    replies = await learner.say("/mentor stats")
    assert [r.text for r in replies] == ["Stats are for mentors. Apply with /mentor to become one."]
