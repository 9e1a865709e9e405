"""Chat transcripts for surfaces without their own history (the web chat)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import Account, ChatLog
from core.messaging import Reply, reply_from_json, reply_to_json


@dataclass(frozen=True)
class Entry:
    seq: int
    role: str  # user | bot
    reply: Reply
    time: datetime


class Transcript:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def account_id(self, platform: str, workspace: str, external_id: str) -> int | None:
        return await self.s.scalar(
            select(Account.id).where(
                Account.platform == platform,
                Account.workspace == workspace,
                Account.external_id == external_id,
            )
        )

    async def add(
        self, account_id: int, role: str, replies: Sequence[Reply], now: datetime
    ) -> list[Entry]:
        rows = [
            ChatLog(account_id=account_id, role=role, body=reply_to_json(r), created_at=now)
            for r in replies
        ]
        self.s.add_all(rows)
        await self.s.flush()
        return [Entry(r.id, role, rep, now) for r, rep in zip(rows, replies, strict=True)]

    async def since(self, account_id: int, after_seq: int, limit: int = 200) -> list[Entry]:
        rows = list(
            await self.s.scalars(
                select(ChatLog)
                .where(ChatLog.account_id == account_id, ChatLog.id > after_seq)
                .order_by(ChatLog.id.desc())
                .limit(limit)
            )
        )
        rows.reverse()
        return [Entry(r.id, r.role, reply_from_json(r.body), r.created_at) for r in rows]
