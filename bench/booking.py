"""Bookings per second through the booking service, next to the bare database doing only
the overlap check and the insert.

    .venv/bin/python -m bench.booking [--mentors 200] [--learners 400] [--attempts 2000]
        [--concurrency 50] [--max-seconds 60] [--database-url postgresql+asyncpg://...]

Concurrent learners (`--concurrency` at a time) book random 10-minute slots with random
mentors, half of them paid (₹100) and half free. Through the service one booking is what
the chat does, in its units of work: the mentor's offering and the request (the slot
checked against both people's bookings, the cells claimed), for a paid one the checkout
and the captured payment (the gateway's event applied: payment recorded, escrow credited),
then the mentor's acceptance (confirmed). A slot someone else got first is refused
(SlotTaken) and counted apart. Attempts per second count confirmed bookings only.

The bare baseline runs the same attempts on a table of its own: SQLite through the
standard sqlite3 module (WAL, synchronous=NORMAL, as core/db/engine.py sets), PostgreSQL
through asyncpg with an advisory lock per person; each attempt one transaction with one
overlap SELECT and one INSERT. PostgreSQL runs in a database of its own, created here and
dropped at the end. After each run: no person holds two overlapping active bookings and the
ledger balances (core.ledger's own check), printed. Bounded by --attempts and --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.app import CoreApp
from core.availability import Window
from core.booking.service import BookingError, SlotTaken
from core.booking.tables import ACTIVE, Booking
from core.clock import ManualClock
from core.db.engine import Database
from core.gateway_events import apply_gateway_event
from core.ledger import Ledger
from core.policies import Policies
from core.services.payments import GatewayEvent
from mentorbot.migrate import upgrade
from payments.sandbox import SandboxGateway
from tests.booking_support import add_mentor, add_user
from tests.e2e.processes import postgres_database

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PRICE = 10000  # ₹100 in paise
LENGTH = 10
ALL_DAY = tuple(Window(d, 0, 24 * 60) for d in range(7))


@dataclass(frozen=True)
class Attempt:
    learner: int  # index into the learners
    mentor: int  # index into the mentors
    slot: int  # index into the slot grid


@dataclass
class Tally:
    confirmed: int = 0
    taken: int = 0
    refused: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def rate(self) -> float:
        return self.confirmed / self.seconds if self.seconds else 0.0


def plan(args: argparse.Namespace, slots: int) -> list[Attempt]:
    rng = random.Random(20)
    return [
        Attempt(i % args.learners, rng.randrange(args.mentors), rng.randrange(slots))
        for i in range(args.attempts)
    ]


def slot_grid(policies: Policies) -> list[datetime]:
    """Every slot start the service offers an all-day mentor (30-minute steps, minimum
    notice, horizon), so every attempt names a slot that is free unless someone took it."""
    first = START + timedelta(minutes=policies.min_notice_min + 30)
    first = first.replace(minute=0 if first.minute < 30 else 30, second=0, microsecond=0)
    end = START + timedelta(days=policies.booking_horizon_days) - timedelta(hours=1)
    out = []
    t = first
    while t < end:
        out.append(t)
        t += timedelta(minutes=policies.slot_step_min)
    return out


async def drive(
    attempts: list[Attempt],
    concurrency: int,
    max_seconds: float,
    one: Callable[[Attempt], Awaitable[str]],
) -> Tally:
    tally = Tally()
    queue = list(reversed(attempts))
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        while queue and time.monotonic() < deadline:
            a = queue.pop()
            t0 = time.perf_counter()
            outcome = await one(a)
            tally.latencies.append(time.perf_counter() - t0)
            if outcome == "confirmed":
                tally.confirmed += 1
            elif outcome == "taken":
                tally.taken += 1
            else:
                tally.refused += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    tally.seconds = time.perf_counter() - t0
    return tally


# ------------------------------------------------------------------ through the service


async def people(db: Database, mentors: int, learners: int) -> tuple[list[int], list[int]]:
    async with db.transaction() as s:
        ms = [
            await add_mentor(
                s,
                f"Mentor {i}",
                START,
                tz="UTC",
                windows=ALL_DAY,
                lengths=(LENGTH, 20),
                price_mode="paid" if i % 2 else "free",
                price_minor=PRICE if i % 2 else 0,
            )
            for i in range(mentors)
        ]
        ls = [await add_user(s, f"Learner {i}", START, tz="UTC") for i in range(learners)]
    return ms, ls


async def service_run(
    db: Database, args: argparse.Namespace, attempts: list[Attempt], grid: list[datetime]
) -> Tally:
    clock = ManualClock(START)
    core = CoreApp.create(db, clock, policies=Policies(), gateway=SandboxGateway())
    mentors, learners = await people(db, args.mentors, args.learners)
    paid_events = iter(range(1, 10**9))

    async def one(a: Attempt) -> str:
        learner, mentor = learners[a.learner], mentors[a.mentor]
        try:
            async with core.uow() as u:
                offer = await u.bookings.offering(mentor)
                assert offer is not None
                b = await u.bookings.request(learner, offer, grid[a.slot], LENGTH, "bench")
                booking_id, pending = b.id, b.pay_state == "pending"
                amount, currency = b.amount_minor, b.currency
            if pending:
                async with core.uow() as u:
                    co = await u.payments.checkout(
                        purpose="booking",
                        ref_id=booking_id,
                        payer_id=learner,
                        amount=amount,
                        currency=currency,
                        description=f"session {booking_id}",
                    )
                    order = f"order_bench{co.payment_id}"
                    await u.payments.attach_order(co.payment_id, order)
                n = next(paid_events)
                outcome = await apply_gateway_event(
                    core.deps,
                    GatewayEvent(
                        event_id=f"evt_bench{n}",
                        kind="captured",
                        gateway_payment_id=f"pay_bench{n}",
                        gateway_order_id=order,
                        amount=amount,
                        currency=currency,
                    ),
                )
                if outcome != "captured":
                    return f"payment {outcome}"
            async with core.uow() as u:
                await u.bookings.accept(booking_id, mentor)
            return "confirmed"
        except SlotTaken:
            return "taken"
        except BookingError as exc:
            return str(exc)

    return await drive(attempts, args.concurrency, args.max_seconds, one)


async def service_checks(db: Database) -> tuple[list[str], dict[str, int]]:
    """(overlaps found, bookings by status) and the ledger's own problems appended."""
    pad = timedelta(minutes=Policies().buffer_min)
    async with db.transaction() as s:
        rows = (
            await s.execute(
                select(Booking.mentor_id, Booking.learner_id, Booking.starts_at, Booking.ends_at)
                .where(Booking.status.in_(ACTIVE))
                .order_by(Booking.starts_at)
            )
        ).all()
        statuses: dict[str, int] = defaultdict(int)
        for (st,) in await s.execute(select(Booking.status)):
            statuses[st] += 1
        problems = await Ledger(s, START).check_invariants()
    problems += overlaps([(m, lr, a, b) for m, lr, a, b in rows], pad)
    return problems, dict(statuses)


def overlaps(rows: list[tuple[int, int, datetime, datetime]], mentor_pad: timedelta) -> list[str]:
    by_mentor: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_learner: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for m, lr, a, b in rows:
        by_mentor[m].append((a, b))
        by_learner[lr].append((a, b))
    found = []
    for who, table, pad in (
        ("mentor", by_mentor, mentor_pad),
        ("learner", by_learner, timedelta(0)),
    ):
        for uid, spans in table.items():
            spans.sort()
            for (a1, b1), (a2, _b2) in itertools.pairwise(spans):
                if a2 < b1 + pad:
                    found.append(f"{who} {uid}: {a1}-{b1} overlaps {a2}")
    return found


# ------------------------------------------------------------------ the bare database

RAW_TABLE = """CREATE TABLE raw_bookings (
    id INTEGER PRIMARY KEY, mentor_id INTEGER NOT NULL, learner_id INTEGER NOT NULL,
    starts_at TIMESTAMP NOT NULL, ends_at TIMESTAMP NOT NULL)"""
RAW_INDEXES = (
    "CREATE INDEX raw_m ON raw_bookings (mentor_id, starts_at)",
    "CREATE INDEX raw_l ON raw_bookings (learner_id, starts_at)",
)


def raw_sqlite_run(
    path: Path, args: argparse.Namespace, attempts: list[Attempt], grid: list[datetime]
) -> tuple[Tally, list[str]]:
    pad = timedelta(minutes=Policies().buffer_min)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(RAW_TABLE)
    for ddl in RAW_INDEXES:
        conn.execute(ddl)
    tally = Tally()
    deadline = time.monotonic() + args.max_seconds
    t0 = time.perf_counter()
    for a in attempts:
        if time.monotonic() > deadline:
            break
        t1 = time.perf_counter()
        start = grid[a.slot]
        end = start + timedelta(minutes=LENGTH)
        conn.execute("BEGIN IMMEDIATE")
        clash = conn.execute(
            "SELECT 1 FROM raw_bookings WHERE (mentor_id = ? AND starts_at < ? AND ends_at > ?)"
            " OR (learner_id = ? AND starts_at < ? AND ends_at > ?) LIMIT 1",
            (a.mentor, (end + pad).isoformat(), (start - pad).isoformat(),
             a.learner, end.isoformat(), start.isoformat()),
        ).fetchone()  # fmt: skip
        if clash is None:
            conn.execute(
                "INSERT INTO raw_bookings (mentor_id, learner_id, starts_at, ends_at)"
                " VALUES (?, ?, ?, ?)",
                (a.mentor, a.learner, start.isoformat(), end.isoformat()),
            )
            tally.confirmed += 1
        else:
            tally.taken += 1
        conn.execute("COMMIT")
        tally.latencies.append(time.perf_counter() - t1)
    tally.seconds = time.perf_counter() - t0
    rows = [
        (m, lr, datetime.fromisoformat(s), datetime.fromisoformat(e))
        for m, lr, s, e in conn.execute(
            "SELECT mentor_id, learner_id, starts_at, ends_at FROM raw_bookings"
        )
    ]
    conn.close()
    return tally, overlaps(rows, pad)


async def raw_pg_run(
    dsn: str, args: argparse.Namespace, attempts: list[Attempt], grid: list[datetime]
) -> tuple[Tally, list[str]]:
    pad = timedelta(minutes=Policies().buffer_min)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=min(args.concurrency, 20))
    assert pool is not None
    try:
        async with pool.acquire() as conn:
            await conn.execute(RAW_TABLE.replace("TIMESTAMP", "TIMESTAMPTZ").replace(
                "id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY"))  # fmt: skip
            for ddl in RAW_INDEXES:
                await conn.execute(ddl)

        async def one(a: Attempt) -> str:
            start = grid[a.slot]
            end = start + timedelta(minutes=LENGTH)
            async with pool.acquire() as conn, conn.transaction():
                # Mentors and learners in separate key spaces, in order (no deadlock).
                for key in sorted((a.mentor, 1_000_000 + a.learner)):
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
                clash = await conn.fetchval(
                    "SELECT 1 FROM raw_bookings WHERE (mentor_id = $1 AND starts_at < $2"
                    " AND ends_at > $3) OR (learner_id = $4 AND starts_at < $5 AND ends_at > $6)"
                    " LIMIT 1",
                    a.mentor, end + pad, start - pad, a.learner, end, start,
                )  # fmt: skip
                if clash is not None:
                    return "taken"
                await conn.execute(
                    "INSERT INTO raw_bookings (mentor_id, learner_id, starts_at, ends_at)"
                    " VALUES ($1, $2, $3, $4)",
                    a.mentor, a.learner, start, end,
                )  # fmt: skip
                return "confirmed"

        tally = await drive(attempts, args.concurrency, args.max_seconds, one)
        async with pool.acquire() as conn:
            rows = [
                (r[0], r[1], r[2], r[3])
                for r in await conn.fetch(
                    "SELECT mentor_id, learner_id, starts_at, ends_at FROM raw_bookings"
                )
            ]
    finally:
        await pool.close()
    return tally, overlaps(rows, pad)


# ------------------------------------------------------------------ report


def show(name: str, t: Tally) -> None:
    lat = sorted(t.latencies)
    p50 = statistics.median(lat) * 1000 if lat else 0.0
    p95 = lat[int(len(lat) * 0.95) - 1] * 1000 if lat else 0.0
    print(
        f"  {name:<34} {t.rate():8.0f} bookings/s   {t.confirmed:5d} confirmed, "
        f"{t.taken:4d} slot taken, {t.refused:3d} refused in {t.seconds:6.2f} s; "
        f"per attempt p50 {p50:6.1f} ms, p95 {p95:6.1f} ms",
        flush=True,
    )


def verdict(problems: list[str]) -> str:
    return "OK" if not problems else f"{len(problems)} PROBLEMS: " + "; ".join(problems[:5])


async def sqlite_backend(
    args: argparse.Namespace, attempts: list[Attempt], grid: list[datetime]
) -> None:
    with tempfile.TemporaryDirectory(prefix="mb-booking-") as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/service.db")
        await upgrade(db.engine)
        try:
            svc = await service_run(db, args, attempts, grid)
            problems, statuses = await service_checks(db)
        finally:
            await db.dispose()
        raw, raw_problems = raw_sqlite_run(Path(tmp) / "raw.db", args, attempts, grid)
    print("SQLite:")
    show("through the booking service", svc)
    show("raw sqlite3: overlap check + insert", raw)
    print(f"  ratio service / raw: {svc.rate() / raw.rate():.3f}" if raw.rate() else "")
    print(f"  bookings by status: {statuses}")
    print(f"  service: no overlap, ledger balanced: {verdict(problems)}")
    print(f"  raw: no overlap: {verdict(raw_problems)}", flush=True)


async def pg_backend(
    url: str, args: argparse.Namespace, attempts: list[Attempt], grid: list[datetime]
) -> None:
    async with postgres_database(url) as fresh:
        db = Database.from_url(fresh)
        await upgrade(db.engine)
        try:
            svc = await service_run(db, args, attempts, grid)
            problems, statuses = await service_checks(db)
        finally:
            await db.dispose()
        async with postgres_database(url) as raw_url:
            dsn = make_url(raw_url).set(drivername="postgresql").render_as_string(False)
            raw, raw_problems = await raw_pg_run(dsn, args, attempts, grid)
    print(f"PostgreSQL ({make_url(url).host}):")
    show("through the booking service", svc)
    show("raw asyncpg: overlap check + insert", raw)
    print(f"  ratio service / raw: {svc.rate() / raw.rate():.3f}" if raw.rate() else "")
    print(f"  bookings by status: {statuses}")
    print(f"  service: no overlap, ledger balanced: {verdict(problems)}")
    print(f"  raw: no overlap: {verdict(raw_problems)}", flush=True)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mentors", type=int, default=200)
    ap.add_argument("--learners", type=int, default=400)
    ap.add_argument("--attempts", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument(
        "--database-url",
        default=os.environ.get("MENTORBOT_TEST_DATABASE_URL", PG_DEFAULT),
        help="PostgreSQL server to create a scratch database on; 'none' skips PostgreSQL",
    )
    args = ap.parse_args()
    # The bench's people have no chat account: every notice would log that it was dropped.
    logging.getLogger("core.delivery").setLevel(logging.ERROR)
    args.attempts = max(1, min(args.attempts, 100_000))
    grid = slot_grid(Policies())
    attempts = plan(args, len(grid))
    print(
        f"{args.attempts} attempts by {args.learners} learners over {args.mentors} mentors "
        f"(half paid), {args.concurrency} at a time, {len(grid)} slots each; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    await sqlite_backend(args, attempts, grid)
    if args.database_url != "none":
        await pg_backend(args.database_url, args, attempts, grid)


if __name__ == "__main__":
    asyncio.run(main())
