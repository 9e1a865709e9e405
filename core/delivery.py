"""The outbox: notifications are written with their cause and delivered after commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.schema import Account, Outbox, User
from core.messaging import Reply, reply_from_json, reply_to_json
from core.ports import Channel, Clock, Destination

log = logging.getLogger(__name__)


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
    session: AsyncSession, user_id: int, replies: Sequence[Reply], now: datetime
) -> list[int]:
    acc = await destination_of(session, user_id)
    if acc is None:
        log.warning("user %s has no reachable account; notification dropped", user_id)
        return []
    rows = [
        Outbox(user_id=acc.user_id, account_id=acc.id, reply=reply_to_json(r), created_at=now)
        for r in replies
    ]
    session.add_all(rows)
    await session.flush()
    return [r.id for r in rows]


class Delivery:
    """Hands outbox rows to the channel of each account's platform."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._channels: dict[str, Channel] = {}
        # One flush at a time in this process, so a row isn't handed over twice.
        self._lock = asyncio.Lock()

    def register(self, channel: Channel) -> None:
        self._channels[channel.platform] = channel

    def unregister(self, platform: str) -> None:
        self._channels.pop(platform, None)

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
        """Deliver pending rows (the given ones, one account's, or all); returns how many."""
        if ids is not None and not ids:
            return 0
        async with self._lock:
            return await self._flush(ids, account_id)

    async def _flush(self, ids: Sequence[int] | None, account_id: int | None) -> int:
        async with self.db.transaction() as s:
            q = (
                select(Outbox, Account)
                .join(Account, Account.id == Outbox.account_id)
                .where(Outbox.delivered_at.is_(None))
                # Held until the person writes again (Identity.resolve clears the flag).
                .where(Account.unreachable.is_(False))
            )
            if ids is not None:
                q = q.where(Outbox.id.in_(list(ids)))
            if account_id is not None:
                q = q.where(Outbox.account_id == account_id)
            rows = list((await s.execute(q.order_by(Outbox.id).limit(500))).all())
        delivered: list[int] = []
        failed: list[int] = []
        by_account: dict[int, list[tuple[Outbox, Account]]] = {}
        for ob, acc in rows:
            by_account.setdefault(acc.id, []).append((ob, acc))
        for items in by_account.values():
            acc = items[0][1]
            channel = self._channels.get(acc.platform)
            if channel is None:
                continue
            dest = Destination(acc.id, acc.platform, acc.workspace, acc.external_id)
            try:
                ok = await channel.deliver(dest, [reply_from_json(ob.reply) for ob, _ in items])
            except Exception:
                log.exception("delivery to %s:%s failed", acc.platform, acc.external_id)
                ok = False
            (delivered if ok else failed).extend(ob.id for ob, _ in items)
        if delivered or failed:
            async with self.db.transaction() as s:
                for ob_id in delivered:
                    row = await s.get(Outbox, ob_id)
                    if row is not None:
                        row.delivered_at = self.clock.now()
                        row.attempts += 1
                for ob_id in failed:
                    row = await s.get(Outbox, ob_id)
                    if row is not None:
                        row.attempts += 1
        return len(delivered)
