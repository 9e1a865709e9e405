"""/admin stats and /admin export (issue 17): real PNG charts whose summary lines match known
bookings, CSV rows that match the database, admins only."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from PIL import Image as PILImage
from sqlalchemy import select

from core.app import CoreApp
from core.booking.tables import Booking, SessionRating
from core.clock import ManualClock
from core.db.funnel import FunnelEvent
from core.db.schema import Account, User
from core.ledger.tables import LedgerAccount, LedgerTransfer
from core.markup import to_plain
from core.messaging import Reply
from tests.support import ChatDriver


async def seed_known(core: CoreApp, now: datetime) -> dict[str, int]:
    """Two mentors (signed up a month ago), two learners (this week), eight requests."""
    day = timedelta(days=1)
    async with core.db.transaction() as s:
        people = {}
        for name, platform, created in (
            ("Asha", "telegram", now - 30 * day),
            ("Bo", "slack", now - 30 * day),
            ("Lena", "telegram", now - day),
            ("Li", "web", now - 2 * day),
        ):
            u = User(display_name=name, created_at=created)
            s.add(u)
            await s.flush()
            s.add(
                Account(
                    user_id=u.id,
                    platform=platform,
                    workspace=platform,
                    external_id=name.lower(),
                    display_name=name,
                    created_at=created,
                )
            )
            people[name] = u.id
        asha, bo, lena, li = (people[n] for n in ("Asha", "Bo", "Lena", "Li"))

        def booking(
            mentor: int,
            learner: int,
            status: str,
            *,
            answer_min: int | None,
            starts: datetime,
            mode: str = "paid",
            pay: str = "paid",
            reason: str = "",
        ) -> Booking:
            created = now - 5 * day
            b = Booking(
                mentor_id=mentor,
                learner_id=learner,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=10),
                length_min=10,
                status=status,
                price_mode=mode,
                amount_minor=50_000 if mode == "paid" else 0,
                currency="INR",
                pay_state=pay if mode == "paid" else "none",
                respond_by=created + day,
                created_at=created,
                decided_at=None if answer_min is None else created + timedelta(minutes=answer_min),
                cancel_reason=reason,
            )
            s.add(b)
            return b

        b1 = booking(asha, lena, "completed", answer_min=30, starts=now - 4 * day)
        b2 = booking(asha, li, "completed", answer_min=90, starts=now - 3 * day, mode="credits")
        booking(bo, lena, "completed", answer_min=60, starts=now - 3 * day)
        booking(bo, li, "declined", answer_min=10, starts=now + day, pay="refunded")
        booking(asha, lena, "cancelled", answer_min=100, starts=now - 2 * day, reason="busy")
        booking(
            bo,
            li,
            "cancelled",
            answer_min=20,
            starts=now - day,
            reason="no-show: the mentor didn't join the call",
            pay="refunded",
        )
        booking(asha, li, "requested", answer_min=None, starts=now + day, pay="pending")
        booking(bo, lena, "expired", answer_min=1440, starts=now - day, pay="refunded")
        await s.flush()
        for b, rater, stars in ((b1, lena, 5), (b2, li, 3)):
            s.add(
                SessionRating(
                    booking_id=b.id,
                    rater_id=rater,
                    ratee_id=b.mentor_id,
                    role="mentor",
                    stars=stars,
                    created_at=now - day,
                )
            )
        for _i in range(10):
            s.add(FunnelEvent(kind="search", user_id=lena, created_at=now - day))
        for _i in range(6):
            s.add(FunnelEvent(kind="view", user_id=li, mentor_id=asha, created_at=now - day))
        s.add(FunnelEvent(kind="search", user_id=li, created_at=now - 40 * day))  # too old
        accounts: dict[str, tuple[int, ...]] = {}
        for code, kind, cur in (
            ("test:clearing:INR", "gateway_clearing", "INR"),
            ("test:escrow:INR", "escrow", "INR"),
            ("test:escrow:CREDIT", "escrow", "CREDIT"),
            ("test:issuance:CREDIT", "credit_issuance", "CREDIT"),
        ):
            a = LedgerAccount(
                code=code, kind=kind, currency=cur, allow_negative=True, balance=0, created_at=now
            )
            s.add(a)
            await s.flush()
            accounts[cur] = (*accounts.get(cur, ()), a.id)
        for key, kind, amount, cur in (
            ("test:p1", "payment", 50_000, "INR"),
            ("test:p2", "payment", 50_000, "INR"),
            ("test:f1", "fee", 15_000, "INR"),
            ("test:e1", "earning", 35_000, "INR"),
            ("test:r1", "refund", 20_000, "INR"),
            ("test:e2", "earning", 1, "CREDIT"),  # credits are not money
        ):
            src, dst = accounts[cur]
            s.add(
                LedgerTransfer(
                    key=key,
                    source_id=src,
                    dest_id=dst,
                    amount=amount,
                    currency=cur,
                    kind=kind,
                    created_at=now - day,
                )
            )
        return people


def _plain(replies: list[Reply]) -> list[str]:
    return [to_plain(r.text) for r in replies]


async def test_stats_charts_are_pngs_whose_summaries_match_the_bookings(
    core: CoreApp, clock: ManualClock
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")  # the admin signs up on the console, now
    await seed_known(core, clock.now())
    replies = await admin.say("/admin stats week")
    assert "Stats, last week" in replies[0].text
    charts = replies[1:]
    assert len(charts) == 7
    for r in charts:
        assert r.image is not None and r.image.alt
        with PILImage.open(io.BytesIO(r.image.png)) as img:
            assert img.format == "PNG"
            assert img.size == (960, 640)
    assert _plain(charts) == [
        "Sign-ups: 3 (console 1, telegram 1, web 1)",
        "Funnel: 10 searches → 6 profile views (60%) → 8 requests (133%) → 3 accepted (38%)"
        " → 3 paid (100%) → 3 completed (100%) → 2 rated (67%)",
        "Money (INR): revenue ₹1,000 · platform fees ₹150 · mentor share ₹350 · payouts ₹0"
        " · refunds ₹200",
        "Top mentors: Asha 2 sessions ★4.0, answers in 60 min; Bo 1 session, answers in 35 min",
        "Sessions booked: 5; cancelled 1 (20%), no-shows 1 (20%)",
        "Time to answer a request: median 45 min, 90% within 1.5 h (4 answered)",
        "Ranking experiment, learners shown results who asked for a session (95% interval): "
        "no experiment data in this period",
    ]
    # A quarter counts the same here: everything is within the last week, except the old search.
    quarter = await admin.say("/admin stats quarter")
    assert _plain(quarter[1:3])[1].startswith("Funnel: 11 searches → 6 profile views (55%)")
    assert "Usage: /admin stats" in to_plain((await admin.say("/admin stats year"))[0].text)


async def test_stats_with_no_data_still_draws(core: CoreApp) -> None:
    admin = ChatDriver(core, "admin")
    replies = await admin.say("/admin stats month")
    assert len(replies) == 8
    assert all(r.image is not None for r in replies[1:])
    assert "Top mentors: no completed sessions" in replies[4].text


async def test_non_admin_is_refused_stats_and_exports(core: CoreApp, clock: ManualClock) -> None:
    await seed_known(core, clock.now())
    someone = ChatDriver(core, "mallory")
    for command in ("/admin stats", "/admin stats quarter", "/admin export people"):
        replies = await someone.say(command)
        assert [r.text for r in replies] == ["Only admins can do that."]
        assert all(r.image is None and r.attachment is None for r in replies)


async def test_export_csv_rows_match_the_database(core: CoreApp, clock: ManualClock) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    people = await seed_known(core, clock.now())
    [reply] = await admin.say("/admin export bookings")
    assert reply.attachment is not None and reply.attachment.mime == "text/csv"
    assert reply.attachment.filename.startswith("bookings-") and "8 rows" in reply.text
    rows = list(csv.DictReader(io.StringIO(reply.attachment.data.decode())))
    async with core.db.transaction() as s:
        db_rows = list(await s.scalars(select(Booking).order_by(Booking.id)))
    assert [
        (int(r["id"]), int(r["mentor_id"]), r["status"], int(r["amount_minor"]), r["pay_state"])
        for r in rows
    ] == [(b.id, b.mentor_id, b.status, b.amount_minor, b.pay_state) for b in db_rows]
    assert rows[0]["starts_at"] == db_rows[0].starts_at.isoformat()

    [reply] = await admin.say("/admin export people")
    assert reply.attachment is not None
    listed = {
        r["display_name"]: r for r in csv.DictReader(io.StringIO(reply.attachment.data.decode()))
    }
    assert set(listed) == {"Admin", "Asha", "Bo", "Lena", "Li"}
    assert listed["Asha"]["platforms"] == "telegram"
    assert int(listed["Li"]["id"]) == people["Li"]

    [reply] = await admin.say("/admin export payments")
    assert reply.attachment is not None and "0 rows" in reply.text
    assert reply.attachment.data.decode().splitlines()[0].startswith("id,purpose,ref_id")
    assert "Usage" in (await admin.say("/admin export secrets"))[0].text


async def test_export_keeps_formulas_as_text(core: CoreApp, clock: ManualClock) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    async with core.db.transaction() as s:
        s.add(User(display_name="=HYPERLINK(1)", created_at=clock.now()))
    [reply] = await admin.say("/admin export people")
    assert reply.attachment is not None
    names = [r["display_name"] for r in csv.DictReader(io.StringIO(reply.attachment.data.decode()))]
    assert "'=HYPERLINK(1)" in names
