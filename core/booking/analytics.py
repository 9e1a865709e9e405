"""Figures for `/admin stats` and `/admin export` (issue 17): read-only queries over bookings,
the ledger, accounts and the funnel log, plus recording searches and profile views.

It sits in the booking layer because most figures are about bookings; it writes nothing but
funnel events."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking, SessionRating
from core.db.funnel import SEARCH, VIEW, FunnelEvent
from core.db.matching import MatchEvent
from core.db.schema import Account, MentorProfile, User
from core.intervals import wilson
from core.ledger.tables import LedgerAccount, LedgerTransfer, Payment, Withdrawal

PERIODS: dict[str, int] = {"week": 7, "month": 30, "quarter": 91}
# Requests a mentor accepted and that still stand (a cancelled one can't be told apart from a
# request withdrawn before the answer, so it is left out of "accepted").
ACCEPTED = ("accepted", "confirmed", "completed", "disputed")
ANSWERED = (*ACCEPTED, "declined")
# Sessions that were on: everything but requests declined or expired.
BOOKED = (*ACCEPTED, "requested", "cancelled")
FUNNEL_STEPS = (
    "searches",
    "profile views",
    "requests",
    "accepted",
    "paid",
    "completed",
    "rated",
)
# Ledger transfer kinds shown as money lines, in order.
MONEY_KINDS = (
    ("payment", "revenue"),
    ("fee", "platform fees"),
    ("earning", "mentor share"),
    ("payout", "payouts"),
    ("refund", "refunds"),
)
TOP_MENTORS = 8


@dataclass(frozen=True)
class MentorRow:
    user_id: int
    name: str
    sessions: int
    rating: float | None
    answer_min: float | None


@dataclass(frozen=True)
class VariantRow:
    """One ranking variant of the experiment over the period: learners who were shown ranked
    results, and how many of them then asked a mentor for a session."""

    variant: str
    shown: int
    booked: int

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of the booking conversion."""
        return wilson(self.booked, self.shown)


@dataclass(frozen=True)
class StatsReport:
    period: str
    since: datetime
    until: datetime
    currency: str
    signups: dict[str, int]
    funnel: tuple[tuple[str, int], ...]
    money: dict[str, int]  # label -> minor units in `currency`
    top_mentors: tuple[MentorRow, ...]
    scheduled: int  # bookings starting in the period, not declined or expired
    cancelled: int  # of those, cancelled by someone (no-shows not counted)
    no_shows: int
    answer_minutes: tuple[float, ...]  # request -> accept/decline, per answered request
    variants: tuple[VariantRow, ...] = ()  # the ranking experiment's variants, by name


def median(values: tuple[float, ...] | list[float]) -> float | None:
    return statistics.median(values) if values else None


class Analytics:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def record(self, kind: str, user_id: int, mentor_id: int | None = None) -> None:
        """A search answered or a profile opened, in the step's transaction."""
        if kind not in (SEARCH, VIEW):
            raise ValueError(f"unknown funnel event {kind!r}")
        self.s.add(
            FunnelEvent(kind=kind, user_id=user_id, mentor_id=mentor_id, created_at=self.now)
        )

    async def report(self, period: str, currency: str) -> StatsReport:
        until = self.now + timedelta(microseconds=1)  # what happened this instant counts
        since = self.now - timedelta(days=PERIODS[period])
        return StatsReport(
            period=period,
            since=since,
            until=until,
            currency=currency,
            signups=await self._signups(since, until),
            funnel=await self._funnel(since, until),
            money=await self._money(since, until, currency),
            top_mentors=await self._top_mentors(since, until),
            **await self._reliability(since, until),
            answer_minutes=await self._answer_minutes(since, until),
            variants=await self._variants(since, until),
        )

    async def _variants(self, since: datetime, until: datetime) -> tuple[VariantRow, ...]:
        """Per variant (matching's experiment, logged in match_events): distinct learners with
        an impression in the period, and how many of those also sent a request under the same
        variant in the period. Learners, not events, are the trials: one learner's many
        searches are not independent."""

        def learners(kind: str) -> Any:
            return (
                select(MatchEvent.variant, MatchEvent.learner_id)
                .where(
                    MatchEvent.kind == kind,
                    MatchEvent.created_at >= since,
                    MatchEvent.created_at < until,
                )
                .distinct()
                .subquery()
            )

        shown, asked = learners("impression"), learners("request")
        rows = await self.s.execute(
            select(shown.c.variant, func.count(), func.count(asked.c.learner_id))
            .outerjoin(
                asked,
                and_(asked.c.variant == shown.c.variant, asked.c.learner_id == shown.c.learner_id),
            )
            .group_by(shown.c.variant)
            .order_by(shown.c.variant)
        )
        return tuple(VariantRow(str(v), int(n), int(b)) for v, n, b in rows.all())

    async def _signups(self, since: datetime, until: datetime) -> dict[str, int]:
        """New people per platform of their first account."""
        first = (
            select(Account.user_id, func.min(Account.id).label("aid"))
            .group_by(Account.user_id)
            .subquery()
        )
        rows = await self.s.execute(
            select(Account.platform, func.count())
            .join(first, first.c.aid == Account.id)
            .join(User, User.id == Account.user_id)
            .where(User.created_at >= since, User.created_at < until)
            .group_by(Account.platform)
        )
        return {p: int(n) for p, n in sorted(rows.all())}

    async def _funnel(self, since: datetime, until: datetime) -> tuple[tuple[str, int], ...]:
        events = dict(
            (
                await self.s.execute(
                    select(FunnelEvent.kind, func.count())
                    .where(FunnelEvent.created_at >= since, FunnelEvent.created_at < until)
                    .group_by(FunnelEvent.kind)
                )
            ).all()
        )
        accepted = Booking.status.in_(ACCEPTED)
        paid = and_(
            accepted,
            (Booking.price_mode != "paid") | Booking.pay_state.in_(("paid", "refunded")),
        )
        rated = (
            select(SessionRating.booking_id)
            .where(SessionRating.role == "mentor")
            .correlate(Booking)
            .where(SessionRating.booking_id == Booking.id)
            .exists()
        )
        row = (
            await self.s.execute(
                select(
                    func.count(),
                    func.sum(case((accepted, 1), else_=0)),
                    func.sum(case((paid, 1), else_=0)),
                    func.sum(case((Booking.status == "completed", 1), else_=0)),
                    func.sum(case((and_(Booking.status == "completed", rated), 1), else_=0)),
                ).where(Booking.created_at >= since, Booking.created_at < until)
            )
        ).one()
        counts = [int(events.get(SEARCH, 0)), int(events.get(VIEW, 0))]
        counts += [int(x or 0) for x in row]
        return tuple(zip(FUNNEL_STEPS, counts, strict=True))

    async def _money(self, since: datetime, until: datetime, currency: str) -> dict[str, int]:
        rows = dict(
            (
                await self.s.execute(
                    select(LedgerTransfer.kind, func.sum(LedgerTransfer.amount))
                    .where(
                        LedgerTransfer.created_at >= since,
                        LedgerTransfer.created_at < until,
                        LedgerTransfer.currency == currency,
                        LedgerTransfer.kind.in_([k for k, _ in MONEY_KINDS]),
                    )
                    .group_by(LedgerTransfer.kind)
                )
            ).all()
        )
        return {label: int(rows.get(kind) or 0) for kind, label in MONEY_KINDS}

    async def _top_mentors(self, since: datetime, until: datetime) -> tuple[MentorRow, ...]:
        top = (
            await self.s.execute(
                select(Booking.mentor_id, User.display_name, func.count())
                .join(User, User.id == Booking.mentor_id)
                .where(
                    Booking.status == "completed",
                    Booking.starts_at >= since,
                    Booking.starts_at < until,
                )
                .group_by(Booking.mentor_id, User.display_name)
                .order_by(func.count().desc(), Booking.mentor_id)
                .limit(TOP_MENTORS)
            )
        ).all()
        ids = [int(r[0]) for r in top]
        if not ids:
            return ()
        ratings: dict[int, Any] = dict(
            (
                await self.s.execute(
                    select(SessionRating.ratee_id, func.avg(SessionRating.stars))
                    .where(
                        SessionRating.ratee_id.in_(ids),
                        SessionRating.role == "mentor",
                        SessionRating.created_at >= since,
                        SessionRating.created_at < until,
                    )
                    .group_by(SessionRating.ratee_id)
                )
            ).all()
        )
        answers: dict[int, list[float]] = {}
        for mid, created, decided in (
            await self.s.execute(
                select(Booking.mentor_id, Booking.created_at, Booking.decided_at).where(
                    Booking.mentor_id.in_(ids),
                    Booking.created_at >= since,
                    Booking.created_at < until,
                    Booking.decided_at.is_not(None),
                    Booking.status.in_(ANSWERED),
                )
            )
        ).all():
            if decided is not None:
                answers.setdefault(int(mid), []).append((decided - created).total_seconds() / 60)
        return tuple(
            MentorRow(
                int(mid),
                str(name),
                int(n),
                float(ratings[mid]) if ratings.get(mid) is not None else None,
                median(answers.get(int(mid), [])),
            )
            for mid, name, n in top
        )

    async def _reliability(self, since: datetime, until: datetime) -> dict[str, int]:
        no_show = Booking.cancel_reason.like("no-show%")
        row = (
            await self.s.execute(
                select(
                    func.count(),
                    func.sum(case((and_(Booking.status == "cancelled", ~no_show), 1), else_=0)),
                    func.sum(case((no_show, 1), else_=0)),
                ).where(
                    Booking.starts_at >= since,
                    Booking.starts_at < until,
                    Booking.status.in_(BOOKED),
                )
            )
        ).one()
        return {
            "scheduled": int(row[0] or 0),
            "cancelled": int(row[1] or 0),
            "no_shows": int(row[2] or 0),
        }

    async def _answer_minutes(self, since: datetime, until: datetime) -> tuple[float, ...]:
        rows = await self.s.execute(
            select(Booking.created_at, Booking.decided_at).where(
                Booking.created_at >= since,
                Booking.created_at < until,
                Booking.decided_at.is_not(None),
                Booking.status.in_(ANSWERED),
            )
        )
        return tuple((d - c).total_seconds() / 60 for c, d in rows.all() if d is not None)


EXPORTS = ("bookings", "payments", "people", "payouts")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One CSV field: datetimes in ISO 8601 UTC, None empty, and text that a spreadsheet would
    run as a formula ("=HYPERLINK(...)" as a display name) kept as text with a leading '."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


class Exports:
    """Whole tables as rows for `/admin export`, oldest first."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _query(self, what: str) -> tuple[tuple[str, ...], list[Any], Select[Any]]:
        """Header, the column each header names (to sort by), and the unsorted query."""
        cols: tuple[Any, ...]
        if what == "bookings":
            cols = (
                Booking.id, Booking.mentor_id, Booking.learner_id, Booking.status,
                Booking.starts_at, Booking.length_min, Booking.price_mode, Booking.amount_minor,
                Booking.currency, Booking.pay_state, Booking.created_at, Booking.decided_at,
                Booking.completed_at, Booking.cancelled_by,
            )  # fmt: skip
        elif what == "payments":
            cols = (
                Payment.id, Payment.purpose, Payment.ref_id, Payment.payer_id, Payment.amount,
                Payment.currency, Payment.state, Payment.gateway, Payment.gateway_payment_id,
                Payment.refund_id, Payment.created_at, Payment.updated_at,
            )  # fmt: skip
        elif what == "payouts":
            cols = (
                Withdrawal.id, Withdrawal.user_id, Withdrawal.amount, Withdrawal.currency,
                Withdrawal.state, Withdrawal.payout_id, Withdrawal.decided_by,
                Withdrawal.created_at, Withdrawal.decided_at,
            )  # fmt: skip
        elif what == "people":
            platforms = (
                select(func.group_concat(Account.platform))
                if self.s.get_bind().dialect.name == "sqlite"
                else select(func.string_agg(Account.platform, ","))
            )
            cols = (
                User.id,
                User.display_name,
                User.created_at,
                User.is_admin,
                platforms.where(Account.user_id == User.id)
                .correlate(User)
                .scalar_subquery()
                .label("platforms"),
                MentorProfile.status.label("mentor_status"),
            )
            stmt = (
                select(*cols)
                .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
                .where(User.merged_into_id.is_(None))
            )
            return tuple(str(c.key) for c in cols), list(cols), stmt
        else:
            raise ValueError(f"unknown export {what!r}")
        return tuple(str(c.key) for c in cols), list(cols), select(*cols)

    async def rows(self, what: str) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
        header, cols, stmt = self._query(what)
        return header, [tuple(r) for r in await self.s.execute(stmt.order_by(cols[0]))]

    async def page(
        self, what: str, sort: str, descending: bool, limit: int, offset: int = 0
    ) -> tuple[tuple[str, ...], list[tuple[object, ...]], int]:
        """One page sorted by the column named `sort` (the first if unknown), and the total."""
        header, cols, stmt = self._query(what)
        col = cols[header.index(sort)] if sort in header else cols[0]
        order = col.desc() if descending else col.asc()
        total = int(await self.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = await self.s.execute(stmt.order_by(order, cols[0]).limit(limit).offset(offset))
        return header, [tuple(r) for r in rows], total


MENTOR_WEEKS = 12


@dataclass(frozen=True)
class MentorWeek:
    start: datetime  # Monday 00:00 UTC
    earned: int  # minor units of the report's currency
    sessions: int  # completed sessions that started this week
    rating: float | None  # mean stars received this week


@dataclass(frozen=True)
class MentorStats:
    currency: str
    weeks: tuple[MentorWeek, ...]  # oldest first
    answer_min: float | None  # median over requests answered in these weeks
    answered: int
    shown: int  # search results that showed this mentor (ranked search)
    opened: int  # profile opened from a search
    requested: int  # booking requests received


class MentorAnalytics:
    """One mentor's own figures (`/mentor stats`), over the last MENTOR_WEEKS weeks."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def stats(self, mentor_id: int, currency: str) -> MentorStats:
        monday = (self.now - timedelta(days=self.now.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        since = monday - timedelta(weeks=MENTOR_WEEKS - 1)
        starts = [since + timedelta(weeks=i) for i in range(MENTOR_WEEKS)]

        def week_of(at: datetime) -> int:
            return min(MENTOR_WEEKS - 1, max(0, (at - since).days // 7))

        earned = [0] * MENTOR_WEEKS
        for amount, at in (
            await self.s.execute(
                select(LedgerTransfer.amount, LedgerTransfer.created_at)
                .join(LedgerAccount, LedgerAccount.id == LedgerTransfer.dest_id)
                .where(
                    LedgerAccount.user_id == mentor_id,
                    LedgerAccount.kind == "wallet",
                    LedgerTransfer.kind == "earning",
                    LedgerTransfer.currency == currency,
                    LedgerTransfer.created_at >= since,
                )
            )
        ).all():
            earned[week_of(at)] += int(amount)
        sessions = [0] * MENTOR_WEEKS
        for (at,) in (
            await self.s.execute(
                select(Booking.starts_at).where(
                    Booking.mentor_id == mentor_id,
                    Booking.status == "completed",
                    Booking.starts_at >= since,
                )
            )
        ).all():
            sessions[week_of(at)] += 1
        stars: list[list[int]] = [[] for _ in range(MENTOR_WEEKS)]
        for n, at in (
            await self.s.execute(
                select(SessionRating.stars, SessionRating.created_at).where(
                    SessionRating.ratee_id == mentor_id,
                    SessionRating.role == "mentor",
                    SessionRating.created_at >= since,
                    # Only ratings the mentor may already see.
                    SessionRating.visible_at.is_not(None),
                    SessionRating.visible_at <= self.now,
                )
            )
        ).all():
            stars[week_of(at)].append(int(n))
        answers = [
            (d - c).total_seconds() / 60
            for c, d in (
                await self.s.execute(
                    select(Booking.created_at, Booking.decided_at).where(
                        Booking.mentor_id == mentor_id,
                        Booking.created_at >= since,
                        Booking.decided_at.is_not(None),
                        Booking.status.in_(ANSWERED),
                    )
                )
            ).all()
            if d is not None
        ]
        requested = int(
            await self.s.scalar(
                select(func.count()).where(
                    Booking.mentor_id == mentor_id, Booking.created_at >= since
                )
            )
            or 0
        )
        opened = int(
            await self.s.scalar(
                select(func.count()).where(
                    FunnelEvent.mentor_id == mentor_id,
                    FunnelEvent.kind == VIEW,
                    FunnelEvent.created_at >= since,
                )
            )
            or 0
        )
        shown = int(
            await self.s.scalar(
                select(func.count()).where(
                    MatchEvent.mentor_id == mentor_id,
                    MatchEvent.kind == "impression",
                    MatchEvent.created_at >= since,
                )
            )
            or 0
        )
        return MentorStats(
            currency,
            tuple(
                MentorWeek(
                    starts[i],
                    earned[i],
                    sessions[i],
                    sum(stars[i]) / len(stars[i]) if stars[i] else None,
                )
                for i in range(MENTOR_WEEKS)
            ),
            median(answers),
            len(answers),
            shown,
            opened,
            requested,
        )
