"""The outbox: notifications are written with their cause and delivered after commit.

A row is claimed before it is handed to a channel: claiming counts the attempt and sets
when the next one may happen (the backoff), in the transaction that selected it, so no
other sweep (this process or another) takes it meanwhile. Rows are claimed per platform,
so one platform's backlog never fills the batch of another. The app's sweep sends a
switched-off platform's rows to the person's other reachable account, or parks them until
the platform is back ("switched off": no channel registered in this process; every process
of one deployment runs the same platforms, from the same settings).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.quiet import hold_until
from core.db.schema import Account, Outbox, User
from core.messaging import Reply, reply_from_json, reply_to_json
from core.policies import Policies
from core.ports import Channel, Clock, Destination
from core.quiet import DEFAULT_KIND, check_kind

log = logging.getLogger(__name__)

PENDING, PARKED, DEAD, SENT = "pending", "parked", "dead", "sent"
PARK_BATCH = 2000  # rows of switched-off platforms moved per sweep


async def destination_of(session: AsyncSession, user_id: int) -> Account | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    if user.merged_into_id is not None:
        return await destination_of(session, user.merged_into_id)
    if user.primary_account_id is not None:
        acc = await session.get(Account, user.primary_account_id)
        if acc is not None and acc.user_id == user.id and not acc.unreachable:
            return acc
    # The chosen account is gone or unreachable: fall back to the newest reachable one.
    return await session.scalar(
        select(Account)
        .where(Account.user_id == user.id, Account.unreachable.is_(False))
        .order_by(Account.id.desc())
        .limit(1)
    )


async def enqueue(
    session: AsyncSession,
    user_id: int,
    replies: Sequence[Reply],
    now: datetime,
    kind: str = DEFAULT_KIND,
) -> list[int]:
    """Write the rows; a kind quiet hours hold (core.quiet.KINDS) written in the person's
    quiet hours carries not_before = their end, and no claim takes it before then."""
    check_kind(kind)
    acc = await destination_of(session, user_id)
    if acc is None:
        log.warning("user %s has no reachable account; notification dropped", user_id)
        return []
    held = await hold_until(session, acc.user_id, kind, now)
    rows = [
        Outbox(
            user_id=acc.user_id,
            account_id=acc.id,
            reply=reply_to_json(r),
            created_at=now,
            kind=kind,
            not_before=held,
        )
        for r in replies
    ]
    session.add_all(rows)
    await session.flush()
    return [r.id for r in rows]


async def due_now(session: AsyncSession, account_id: int) -> None:
    """The person is back (they wrote): their waiting notifications are tried at once (the
    backoff is cleared; a quiet-hours hold is the person's own setting and stays)."""
    await session.execute(
        update(Outbox)
        .where(Outbox.account_id == account_id, Outbox.state == PENDING)
        .values(next_attempt_at=None)
    )


def backoff(policies: Policies, attempts: int) -> timedelta:
    """How long after its attempt number `attempts` (1, 2, ...) a row waits."""
    exp = min(max(attempts - 1, 0), 30)  # 2**30 x base is past any sensible cap
    return timedelta(
        seconds=min(policies.outbox_retry_base_s * 2**exp, policies.outbox_retry_max_delay_s)
    )


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    reply: Reply
    account: Destination


@dataclass(frozen=True)
class DeadLetter:
    id: int
    user_id: int
    platform: str
    attempts: int
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxReport:
    counts: dict[tuple[str, str], int]  # (state, platform) -> rows
    dead: list[DeadLetter]  # the latest


class Delivery:
    """Hands outbox rows to the channel of each account's platform."""

    def __init__(self, db: Database, clock: Clock, policies: Policies | None = None) -> None:
        self.db = db
        self.clock = clock
        self.policies = policies or Policies()
        self._channels: dict[str, Channel] = {}
        # One flush at a time in this process: fewer, larger claims (the claim itself is
        # what keeps a row from being handed over twice, across processes too).
        self._lock = asyncio.Lock()

    def register(self, channel: Channel) -> None:
        self._channels[channel.platform] = channel

    def unregister(self, platform: str) -> None:
        self._channels.pop(platform, None)

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms switched on here (a channel is registered)."""
        return frozenset(self._channels)

    async def mark_unreachable(self, account_id: int) -> None:
        """The platform refuses this account for good (e.g. the bot was blocked): stop
        retrying it, and route new notifications to another linked account."""
        async with self.db.transaction() as s:
            acc = await s.get(Account, account_id)
            if acc is not None and not acc.unreachable:
                acc.unreachable = True
                log.info("account %s (%s) marked unreachable", account_id, acc.platform)

    async def mark_workspace_unreachable(self, platform: str, workspace: str) -> int:
        """The app was removed from a whole workspace (Slack app_uninstalled): every account
        there is held, as mark_unreachable does for one; returns how many were marked."""
        async with self.db.transaction() as s:
            result = await s.execute(
                update(Account)
                .where(
                    Account.platform == platform,
                    Account.workspace == workspace,
                    Account.unreachable.is_(False),
                )
                .values(unreachable=True)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def flush(self, ids: Sequence[int] | None = None, account_id: int | None = None) -> int:
        """Deliver due rows (the given ones, one account's, or all); returns how many. All
        rows are claimed per platform, so no platform's backlog takes another's turn."""
        if ids is not None and not ids:
            return 0
        async with self._lock:
            if ids is not None or account_id is not None:
                return await self._deliver(await self._claim(self.platforms, ids, account_id))
            return await self._each_platform()

    async def sweep(self) -> int:
        """The periodic pass of the app: rows of platforms switched off here go to the
        person's other reachable account or are parked (and parked rows of platforms on
        again are taken back), then every platform's due rows are delivered."""
        async with self._lock:
            await self._park()
            return await self._each_platform()

    async def _each_platform(self) -> int:
        delivered = 0
        for platform in sorted(self.platforms):
            delivered += await self._deliver(await self._claim({platform}, None, None))
        return delivered

    # ---- switched-off platforms ------------------------------------------------------
    async def _park(self) -> None:
        on = self.platforms
        async with self.db.transaction() as s:
            # A platform switched back on takes its parked rows again.
            await s.execute(
                update(Outbox)
                .where(
                    Outbox.state == PARKED,
                    Outbox.account_id.in_(select(Account.id).where(Account.platform.in_(on))),
                )
                .values(state=PENDING, next_attempt_at=None, reason=None)
            )
            rows = (
                await s.execute(
                    select(Outbox.id, Outbox.user_id, Account.platform)
                    .join(Account, Account.id == Outbox.account_id)
                    .where(Outbox.state == PENDING, Account.platform.not_in(on))
                    .order_by(Outbox.id)
                    .limit(PARK_BATCH)
                )
            ).all()
            if not rows:
                return
            other = await _reachable_elsewhere(s, {r.user_id for r in rows}, on)
            moved: dict[tuple[int | None, str], list[int]] = {}
            for r in rows:
                moved.setdefault((other.get(r.user_id), r.platform), []).append(r.id)
            for (to, platform), row_ids in moved.items():
                why = f"{platform} is switched off"
                values = (
                    {"account_id": to, "next_attempt_at": None, "reason": why + "; sent on"}
                    if to is not None
                    else {"state": PARKED, "reason": why}
                )
                await s.execute(update(Outbox).where(Outbox.id.in_(row_ids)).values(**values))
        log.info("outbox: %d rows of switched-off platforms sent on or parked", len(rows))

    # ---- claim, deliver, settle --------------------------------------------------------
    async def _claim(
        self, platforms: Collection[str], ids: Sequence[int] | None, account_id: int | None
    ) -> list[Claimed]:
        if not platforms:
            return []
        now = self.clock.now()
        async with self.db.transaction() as s:
            q = (
                select(Outbox, Account)
                .join(Account, Account.id == Outbox.account_id)
                .where(
                    Outbox.state == PENDING,
                    Account.platform.in_(list(platforms)),
                    or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= now),
                    # Held for the person's quiet hours (core.db.quiet): released once past.
                    or_(Outbox.not_before.is_(None), Outbox.not_before <= now),
                    # Held until the person writes again (Identity.resolve clears the flag).
                    Account.unreachable.is_(False),
                )
            )
            if ids is not None:
                q = q.where(Outbox.id.in_(list(ids)))
            if account_id is not None:
                q = q.where(Outbox.account_id == account_id)
            q = (
                q.order_by(Outbox.id)
                .limit(self.policies.outbox_batch)
                # PostgreSQL: rows another sweep is claiming are skipped, not waited for.
                # SQLite has one writer at a time (BEGIN IMMEDIATE) and renders no clause.
                .with_for_update(skip_locked=True, of=Outbox)
            )
            claimed = [
                Claimed(
                    ob.id,
                    ob.attempts + 1,
                    reply_from_json(ob.reply),
                    Destination(acc.id, acc.platform, acc.workspace, acc.external_id),
                )
                for ob, acc in (await s.execute(q)).all()
            ]
            by_attempts: dict[int, list[int]] = {}
            for c in claimed:
                by_attempts.setdefault(c.attempts, []).append(c.id)
            for attempts, row_ids in by_attempts.items():
                # The next attempt is due after the backoff, should this one never report.
                due = now + backoff(self.policies, attempts)
                await s.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(row_ids))
                    .values(attempts=attempts, next_attempt_at=due)
                )
        return claimed

    async def _deliver(self, claimed: list[Claimed]) -> int:
        if not claimed:
            return 0
        by_account: dict[int, list[Claimed]] = {}
        for c in claimed:
            by_account.setdefault(c.account.account_id, []).append(c)
        delivered: list[int] = []
        failed: dict[int, str] = {}
        for items in by_account.values():
            dest = items[0].account
            channel = self._channels.get(dest.platform)
            reason = "the platform did not take it"
            try:
                if channel is None:  # unregistered since the claim: the next sweep parks it
                    ok, reason = False, f"{dest.platform} is switched off"
                else:
                    ok = await channel.deliver(dest, [c.reply for c in items])
            except Exception as exc:
                log.exception("delivery to %s:%s failed", dest.platform, dest.external_id)
                ok, reason = False, f"{type(exc).__name__}: {exc}"
            if ok:
                delivered.extend(c.id for c in items)
            else:
                failed.update((c.id, reason) for c in items)
        await self._settle(delivered, failed, {c.id: c.attempts for c in claimed})
        return len(delivered)

    async def _settle(
        self, delivered: list[int], failed: dict[int, str], attempts: dict[int, int]
    ) -> None:
        if not delivered and not failed:
            return
        now = self.clock.now()
        limit = self.policies.outbox_max_attempts
        async with self.db.transaction() as s:
            if delivered:
                await s.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(delivered))
                    .values(state=SENT, delivered_at=now, next_attempt_at=None, reason=None)
                )
            for ob_id, reason in failed.items():
                n = attempts[ob_id]
                values: dict[str, object] = {"reason": f"attempt {n}: {reason}"[:200]}
                if n >= limit:
                    values |= {"state": DEAD, "next_attempt_at": None}
                    log.warning("outbox row %s is a dead letter after %d attempts", ob_id, n)
                await s.execute(update(Outbox).where(Outbox.id == ob_id).values(**values))

    # ---- what admins see -------------------------------------------------------------
    async def report(self, session: AsyncSession, latest: int = 10) -> OutboxReport:
        counts = {
            (state, platform): int(n)
            for state, platform, n in (
                await session.execute(
                    select(Outbox.state, Account.platform, func.count())
                    .join(Account, Account.id == Outbox.account_id)
                    .where(Outbox.state != SENT)
                    .group_by(Outbox.state, Account.platform)
                )
            ).all()
        }
        dead = [
            DeadLetter(ob.id, ob.user_id, platform, ob.attempts, ob.reason or "", ob.created_at)
            for ob, platform in (
                await session.execute(
                    select(Outbox, Account.platform)
                    .join(Account, Account.id == Outbox.account_id)
                    .where(Outbox.state == DEAD)
                    .order_by(Outbox.id.desc())
                    .limit(latest)
                )
            ).all()
        ]
        return OutboxReport(counts, dead)


async def retry_dead(session: AsyncSession, row_id: int | None = None) -> list[int]:
    """Dead letters (one, or all) are pending again with a fresh count; returns their ids."""
    q = select(Outbox.id).where(Outbox.state == DEAD)
    if row_id is not None:
        q = q.where(Outbox.id == row_id)
    ids = list((await session.scalars(q)).all())
    if ids:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids))
            .values(state=PENDING, attempts=0, next_attempt_at=None, reason=None)
        )
    return ids


async def _reachable_elsewhere(
    s: AsyncSession, user_ids: Collection[int], platforms: Collection[str]
) -> dict[int, int]:
    """Each user's account to notify on the platforms that are on: the chosen (primary) one
    if it is there and reachable, else the newest reachable one (as destination_of)."""
    if not platforms:
        return {}
    rows = (
        await s.execute(
            select(Account.user_id, Account.id, User.primary_account_id)
            .join(User, User.id == Account.user_id)
            .where(
                Account.user_id.in_(list(user_ids)),
                Account.platform.in_(list(platforms)),
                Account.unreachable.is_(False),
            )
            .order_by(Account.id)
        )
    ).all()
    best: dict[int, int] = {}
    for user_id, acc_id, primary in rows:
        if best.get(user_id) != primary:
            best[user_id] = acc_id  # ascending ids: the newest wins unless the primary is here
    return best
