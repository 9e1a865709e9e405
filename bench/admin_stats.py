"""How long `/admin stats` takes on many bookings (issue 17).

    .venv/bin/python -m bench.admin_stats [--bookings 100000] [--mentors 500] [--learners 5000]
        [--db PATH] [--repeat 3] [--save-charts DIR]

Seeds a migrated SQLite file (a temporary one unless --db) with people on four platforms and
`--bookings` bookings spread over the last 91 days in every status, with ratings, ledger
transfers (payments, fees, earnings, refunds) and funnel events (searches, profile views),
written in bulk. Then times, for week, month and quarter: the queries alone
(Analytics.report), the charts alone (every PNG), and the whole chat step (`/admin stats
PERIOD` through CoreApp.handle, as any platform runs it). Prints the medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from core.booking.tables import Booking, SessionRating
from core.clock import ManualClock
from core.db.engine import Database
from core.db.funnel import FunnelEvent
from core.db.schema import Account, User
from core.dialogs.admin_stats import draw
from core.ledger.tables import LedgerAccount, LedgerTransfer
from core.messaging import Actor, CommandIn
from mentorbot.migrate import upgrade
from tests.support import make_core

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLATFORMS = ("telegram", "slack", "discord", "web")
# status, share of bookings
STATUS_MIX = (
    ("completed", 0.55),
    ("confirmed", 0.08),
    ("requested", 0.05),
    ("declined", 0.08),
    ("expired", 0.06),
    ("cancelled", 0.16),
    ("disputed", 0.02),
)
CHUNK = 5000


async def _bulk(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        async with db.transaction() as s:
            await s.execute(insert(table), rows[i : i + CHUNK])


async def seed(
    db: Database, bookings: int, mentors: int, learners: int, rnd: random.Random
) -> None:
    people = mentors + learners
    users: list[dict[str, Any]] = [
        {
            "id": i,
            "display_name": f"{'Mentor' if i <= mentors else 'Learner'} {i}",
            "created_at": NOW - timedelta(days=rnd.uniform(0, 200)),
        }
        for i in range(1, people + 1)
    ]
    await _bulk(db, User.__table__, users)
    await _bulk(
        db,
        Account.__table__,
        [
            {
                "user_id": u["id"],
                "platform": PLATFORMS[u["id"] % len(PLATFORMS)],
                "workspace": "w",
                "external_id": f"u{u['id']}",
                "display_name": u["display_name"],
                "created_at": u["created_at"],
            }
            for u in users
        ],
    )
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    rows, ratings, transfers = [], [], []
    for bid in range(1, bookings + 1):
        created = NOW - timedelta(minutes=rnd.uniform(0, 91 * 24 * 60))
        starts = created + timedelta(hours=rnd.uniform(2, 72))
        status = rnd.choices(statuses, weights)[0]
        answered = status not in ("requested",)
        cancel_reason = ""
        if status == "cancelled" and rnd.random() < 0.25:
            cancel_reason = "no-show: the mentor didn't join the call"
        paid = rnd.random() < 0.6
        mentor = rnd.randint(1, mentors)
        learner = rnd.randint(mentors + 1, people)
        rows.append(
            {
                "id": bid,
                "mentor_id": mentor,
                "learner_id": learner,
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=10),
                "length_min": 10,
                "topic": "",
                "status": status,
                "price_mode": "paid" if paid else "credits",
                "amount_minor": 10_000 if paid else 0,
                "currency": "INR",
                "pay_state": "paid" if paid else "none",
                "respond_by": created + timedelta(hours=24),
                "created_at": created,
                "decided_at": created + timedelta(minutes=rnd.expovariate(1 / 45))
                if answered
                else None,
                "cancel_reason": cancel_reason,
            }
        )
        if status == "completed" and rnd.random() < 0.7:
            ratings.append(
                {
                    "booking_id": bid,
                    "rater_id": learner,
                    "ratee_id": mentor,
                    "role": "mentor",
                    "stars": rnd.choice((3, 4, 4, 5, 5, 5)),
                    "text": "",
                    "created_at": starts + timedelta(hours=1),
                }
            )
        if paid:
            transfers.append(("payment", 10_000, created, bid))
            if status == "completed":
                transfers += [
                    ("fee", 3_000, starts, bid),
                    ("earning", 7_000, starts, bid),
                ]
            elif status in ("declined", "expired", "cancelled"):
                transfers.append(("refund", 10_000, starts, bid))
    await _bulk(db, Booking.__table__, rows)
    await _bulk(db, SessionRating.__table__, ratings)
    async with db.transaction() as s:
        accounts = []
        for code, kind in (("bench:a:INR", "gateway_clearing"), ("bench:b:INR", "escrow")):
            acc = LedgerAccount(
                code=code, kind=kind, currency="INR", allow_negative=True, balance=0, created_at=NOW
            )
            s.add(acc)
            await s.flush()
            accounts.append(acc.id)
    await _bulk(
        db,
        LedgerTransfer.__table__,
        [
            {
                "key": f"bench:{kind}:{bid}",
                "source_id": accounts[0],
                "dest_id": accounts[1],
                "amount": amount,
                "currency": "INR",
                "kind": kind,
                "ref": f"booking:{bid}",
                "memo": "",
                "created_at": at,
            }
            for kind, amount, at, bid in transfers
        ],
    )
    events = []
    for _ in range(bookings * 4):
        at = NOW - timedelta(minutes=rnd.uniform(0, 91 * 24 * 60))
        view = rnd.random() < 0.4
        events.append(
            {
                "kind": "view" if view else "search",
                "user_id": rnd.randint(mentors + 1, people),
                "mentor_id": rnd.randint(1, mentors) if view else None,
                "created_at": at,
            }
        )
    await _bulk(db, FunnelEvent.__table__, events)


async def main(args: argparse.Namespace) -> None:
    tmp = None
    if args.db:
        path = Path(args.db)  # removed by cli() before the loop starts
    else:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "stats.db"
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    t0 = time.perf_counter()
    await seed(db, args.bookings, args.mentors, args.learners, random.Random(17))
    seeded = time.perf_counter() - t0
    async with db.transaction() as s:
        n = await s.scalar(select(func.count()).select_from(Booking))
    print(
        f"seeded {n} bookings, {args.mentors} mentors, {args.learners} learners, "
        f"{args.bookings * 4} funnel events in {seeded:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
    )
    core = await make_core(db, ManualClock(NOW), admins=["console:admin"])
    admin = Actor("console", "console", "admin", "Admin")
    await core.handle(admin, CommandIn("help"))  # the admin's account exists before timing
    print(f"{'period':<8} {'queries':>9} {'charts':>9} {'whole step':>11}")
    for period in ("week", "month", "quarter"):
        queries, charts, steps = [], [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            async with core.uow() as u:
                report = await u.analytics.report(period, "INR")
            queries.append(time.perf_counter() - t)
            t = time.perf_counter()
            drawn = draw(report)
            charts.append(time.perf_counter() - t)
            t = time.perf_counter()
            replies = await core.handle(admin, CommandIn("admin", f"stats {period}"))
            steps.append(time.perf_counter() - t)
            assert len(replies) == 8 and all(r.image for r in replies[1:]), replies[0].text
        print(
            f"{period:<8} {statistics.median(queries) * 1000:>7.0f} ms "
            f"{statistics.median(charts) * 1000:>6.0f} ms {statistics.median(steps) * 1000:>8.0f} ms"
        )
        if period == "quarter":
            for i, c in enumerate(drawn):
                print("  " + c.summary)
                if args.save_charts:
                    out = Path(args.save_charts) / f"admin-stats-{i + 1}.png"
                    out.write_bytes(c.png)
    await db.dispose()
    if tmp is not None:
        tmp.cleanup()


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    p.add_argument("--bookings", type=int, default=100_000)
    p.add_argument("--mentors", type=int, default=500)
    p.add_argument("--learners", type=int, default=5000)
    p.add_argument("--db", default="", help="SQLite file to (re)create; a temporary one if unset")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--save-charts", default="", help="folder to write the quarter's PNGs to")
    args = p.parse_args()
    if args.db:
        Path(args.db).unlink(missing_ok=True)
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
