"""What is stored about a person, the export of it, and erasure after a grace period
(issue 18, part 5).

Export is generic: every table (every module imported through core/tables.py joins
`Base.metadata`) is searched for rows that belong to the person — a column referring to them
(users.id), to one of their chat accounts (accounts.id) or to one of their ledger accounts.
Columns that say who *else* is involved are written as that person's name only, never their
id, handles or anything of theirs. Rows that are about the person but written by others
(reviews received, reports or blocks against them) are not theirs to export.

Erasure keeps what the ledger and bookings need (amounts, times, the ids that tie transfers to
bookings) and replaces the person's name with "Deleted user #ID"; reviews stay, anonymised;
chat accounts are unlinked (their platform ids are overwritten), and the rest of their personal
data is deleted or blanked. A last pass replaces the person's names and handles anywhere they
still appear as text (messages sent to other people mention them by name).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, Table, Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.avatars import AvatarStore
from core.db.safety import ConsentRecord, ErasureRequest, PersonReport
from core.db.schema import Account, Base, User

# (table, column): a reference to the person that doesn't make the row theirs.
NOT_THEIRS = frozenset(
    {
        ("session_ratings", "ratee_id"),
        ("reviews", "mentor_id"),
        ("person_reports", "target_user_id"),
        ("person_reports", "decided_by"),
        ("blocks", "blocked_id"),
        ("community_audit", "target_user_id"),
        ("community_sanctions", "by_id"),
        ("community_reports", "decided_by"),
        ("mentor_profiles", "decided_by"),
        ("withdrawals", "decided_by"),
        ("mentor_follows", "mentor_id"),
        ("match_events", "mentor_id"),
        ("skills", "created_by"),
        ("users", "merged_into_id"),
    }
)
# Internal bookkeeping, not personal data worth exporting.
SKIP_TABLES = frozenset({"booking_cells", "match_embeddings", "match_events", "link_codes"})
# Never exported: secrets and hashes.
SECRET_COLUMNS = frozenset({"token", "code_hash", "text_hash", "invite_code"})
# Kept exactly as they are by erasure's text pass: ledger keys and references, dedupe keys.
UNTOUCHED_TABLES = frozenset(
    {"ledger_transfers", "ledger_accounts", "processed_events", "skills", "alembic_version"}
)
DELETED = "(deleted)"


def deleted_name(user_id: int) -> str:
    return f"Deleted user #{user_id}"


@dataclass(frozen=True)
class Stored:
    """What is stored about a person: rows per table."""

    tables: dict[str, list[dict[str, Any]]]

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items() if rows}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def _fk_target(table: Table, column: str) -> str | None:
    for fk in table.c[column].foreign_keys:
        return fk.column.table.name
    return None


class Privacy:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        grace_days: int,
        avatars: AvatarStore | None = None,
    ) -> None:
        self.s = session
        self.now = now
        self.grace = timedelta(days=grace_days)
        self.avatars = avatars

    # ------------------------------------------------------------------ consent

    async def record_consent(
        self, user_id: int, kind: str, version: str, *, given: bool, detail: str = ""
    ) -> None:
        self.s.add(
            ConsentRecord(
                user_id=user_id,
                kind=kind,
                version=version[:32],
                given=given,
                at=self.now,
                detail=detail[:100],
            )
        )
        await self.s.flush()

    # ------------------------------------------------------------------ what is stored

    async def _names(self, user_ids: Iterable[int]) -> dict[int, str]:
        ids = set(user_ids)
        if not ids:
            return {}
        rows = await self.s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
        return {int(uid): str(name) for uid, name in rows.all()}

    async def stored(self, user_id: int) -> Stored:
        accounts = set(await self.s.scalars(select(Account.id).where(Account.user_id == user_id)))
        ledger = Base.metadata.tables.get("ledger_accounts")
        wallets: dict[int, str] = {}
        if ledger is not None:
            found = await self.s.execute(
                select(ledger.c.id, ledger.c.code).where(ledger.c.user_id == user_id)
            )
            wallets = {int(lid): str(code) for lid, code in found.all()}
        mine = {"users": {user_id}, "accounts": accounts, "ledger_accounts": set(wallets)}
        out: dict[str, list[dict[str, Any]]] = {}
        others: set[int] = set()
        raw: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            conds = []
            if table.name == "users":
                conds.append(table.c.id == user_id)
            for col in table.c:
                target = _fk_target(table, col.name)
                if target in mine and (table.name, col.name) not in NOT_THEIRS and mine[target]:
                    conds.append(col.in_(mine[target]))
            if table.name == "conversations":
                conds.extend(await self._conversation_conds(table, user_id))
            if not conds:
                continue
            result = await self.s.execute(select(table).where(or_(*conds)))
            found_rows = [dict(r) for r in result.mappings()]
            if not found_rows:
                continue
            raw[table.name] = found_rows
            for col in table.c:
                if _fk_target(table, col.name) == "users":
                    others.update(
                        r[col.name] for r in found_rows if r[col.name] not in (None, user_id)
                    )
        names = await self._names(others)
        other_wallets = await self._ledger_labels(raw, set(wallets), names)
        for name, table_rows in raw.items():
            table = Base.metadata.tables[name]
            out[name] = [self._present(table, r, user_id, names, other_wallets) for r in table_rows]
        return Stored(out)

    async def _conversation_conds(self, table: Table, user_id: int) -> list[Any]:
        rows = await self.s.execute(
            select(Account.platform, Account.workspace, Account.external_id).where(
                Account.user_id == user_id
            )
        )
        return [
            (table.c.platform == p) & (table.c.workspace == w) & (table.c.external_id == e)
            for p, w, e in [tuple(r) for r in rows.all()]
        ]

    async def _ledger_labels(
        self, raw: dict[str, list[dict[str, Any]]], own: set[int], names: dict[int, str]
    ) -> dict[int, str]:
        """Ledger accounts on the other side of the person's transfers: platform accounts by
        their code, another person's wallet only as "wallet of NAME"."""
        ledger = Base.metadata.tables.get("ledger_accounts")
        transfers = raw.get("ledger_transfers", [])
        ids = {t[c] for t in transfers for c in ("source_id", "dest_id")} - own
        if ledger is None or not ids:
            return {}
        rows = await self.s.execute(
            select(ledger.c.id, ledger.c.code, ledger.c.user_id).where(ledger.c.id.in_(ids))
        )
        found = [tuple(r) for r in rows.all()]
        missing = {uid for _, _, uid in found if uid is not None} - set(names)
        names.update(await self._names(missing))
        return {
            lid: f"wallet of {names.get(uid, 'someone')}" if uid is not None else code
            for lid, code, uid in found
        }

    def _present(
        self,
        table: Table,
        row: dict[str, Any],
        user_id: int,
        names: dict[int, str],
        other_ledger: dict[int, str],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for col in table.c:
            if col.name in SECRET_COLUMNS:
                continue
            value = row[col.name]
            target = _fk_target(table, col.name)
            if target == "users" and value is not None and value != user_id:
                out[col.name] = names.get(value, "someone")
            elif target == "ledger_accounts" and value in other_ledger:
                out[col.name] = other_ledger[value]
            else:
                out[col.name] = _plain(value)
        return out

    async def export_zip(self, user_id: int) -> bytes:
        stored = await self.stored(user_id)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(
                "README.txt",
                "Everything MentorBot stores about you, exported "
                f"{self.now.isoformat()}.\ndata.json holds every table; each CSV holds one. "
                "Other people appear only by name.\n",
            )
            z.writestr("data.json", json.dumps(stored.tables, indent=2, ensure_ascii=False))
            for name, rows in stored.tables.items():
                text = io.StringIO()
                columns = list(rows[0])
                writer = csv.DictWriter(text, fieldnames=columns)
                writer.writeheader()
                for r in rows:
                    writer.writerow(
                        {
                            k: json.dumps(v, ensure_ascii=False)
                            if isinstance(v, dict | list)
                            else v
                            for k, v in r.items()
                        }
                    )
                z.writestr(f"{name}.csv", text.getvalue())
        return buf.getvalue()

    # ------------------------------------------------------------------ erasure

    async def pending_erasure(self, user_id: int) -> ErasureRequest | None:
        return await self.s.scalar(
            select(ErasureRequest).where(
                ErasureRequest.user_id == user_id, ErasureRequest.state == "pending"
            )
        )

    async def request_erasure(self, user_id: int) -> ErasureRequest:
        existing = await self.pending_erasure(user_id)
        if existing is not None:
            return existing
        req = ErasureRequest(
            user_id=user_id, requested_at=self.now, due_at=self.now + self.grace, state="pending"
        )
        self.s.add(req)
        await self.s.flush()
        return req

    async def cancel_erasure(self, user_id: int) -> bool:
        req = await self.pending_erasure(user_id)
        if req is None:
            return False
        req.state = "cancelled"
        return True

    async def due_erasures(self, limit: int = 20) -> list[int]:
        return list(
            await self.s.scalars(
                select(ErasureRequest.user_id)
                .where(ErasureRequest.state == "pending", ErasureRequest.due_at <= self.now)
                .order_by(ErasureRequest.due_at)
                .limit(limit)
            )
        )

    async def active_bookings(self, user_id: int) -> list[int]:
        """Bookings still to happen (the caller cancels them under the usual policy)."""
        b = Base.metadata.tables["bookings"]
        return list(
            await self.s.scalars(
                select(b.c.id).where(
                    b.c.status.in_(("requested", "accepted", "confirmed")),
                    or_(b.c.mentor_id == user_id, b.c.learner_id == user_id),
                )
            )
        )

    async def erase(self, user_id: int) -> None:
        """Erase the person's personal data (active bookings were cancelled by the caller)."""
        user = await self.s.get(User, user_id)
        if user is None:
            return
        accounts = list(await self.s.scalars(select(Account).where(Account.user_id == user_id)))
        needles = {user.display_name, *(a.display_name for a in accounts)}
        # Handles (a console or web name, a Slack member id); a bare number (a Telegram id)
        # would match unrelated numbers in text, so those only go with the account row.
        needles |= {a.external_id for a in accounts if not a.external_id.isdigit()}
        replacement = deleted_name(user_id)
        conversations = Base.metadata.tables["conversations"]
        for a in accounts:
            await self.s.execute(
                delete(conversations).where(
                    conversations.c.platform == a.platform,
                    conversations.c.workspace == a.workspace,
                    conversations.c.external_id == a.external_id,
                )
            )
        account_ids = [a.id for a in accounts]
        user.primary_account_id = None
        await self.s.flush()
        chat_log = Base.metadata.tables.get("chat_log")
        if chat_log is not None and account_ids:
            await self.s.execute(delete(chat_log).where(chat_log.c.account_id.in_(account_ids)))
        # Their own data: gone.
        for name, col in (
            ("user_skills", "user_id"),
            ("user_languages", "user_id"),
            ("availability_windows", "user_id"),
            ("skill_wishes", "user_id"),
            ("calendar_feeds", "user_id"),
            ("link_codes", "user_id"),
            ("match_embeddings", "user_id"),
            ("community_members", "user_id"),
            ("outbox", "user_id"),
            ("mentor_follows", "follower_id"),
            ("mentor_follows", "mentor_id"),
            ("blocks", "blocker_id"),
            ("blocks", "blocked_id"),
            ("email_codes", "user_id"),  # email verification (issue 18): the addresses go
            ("verified_emails", "user_id"),
            ("dm_requests", "learner_id"),  # intro requests they sent (issue 16)
            ("busy_times", "user_id"),  # an imported calendar (issue 19): its link is private
            ("busy_feeds", "user_id"),
            ("user_badges", "user_id"),
            ("quiet_hours", "user_id"),
            ("post_helpful_marks", "user_id"),  # posts they found helpful
        ):
            table = Base.metadata.tables.get(name)
            if table is not None:
                await self.s.execute(delete(table).where(table.c[col] == user_id))
        for n, a in enumerate(accounts):
            a.external_id = f"deleted:{user_id}:{a.id}:{n}"
            a.display_name = replacement[:100]
            a.unreachable = True
        user.display_name = replacement
        user.goals = ""
        user.timezone = None
        user.wants_to_learn = user.wants_to_mentor = user.is_admin = False
        await self._blank(
            "mentor_profiles",
            "user_id",
            user_id,
            headline="",
            bio="",
            certifications="",
            intro_video_url="",
            status="suspended",
            status_reason="account deleted",
        )
        await self._blank("bookings", "learner_id", user_id, topic="")
        await self._blank("bookings", "cancelled_by", user_id, cancel_reason="")
        await self._blank(
            "relay_messages", "author_id", user_id, text=DELETED, author_name=replacement
        )
        await self._blank("room_messages", "user_id", user_id, text=DELETED)
        await self._blank("mentor_posts", "author_id", user_id, title=DELETED, body="")
        await self._blank("withdrawals", "user_id", user_id, destination="")
        await self._blank("dispute_statements", "user_id", user_id, text=DELETED)
        await self._blank("dm_threads", "notes_by", user_id, notes="")
        await self._forget_picture(user_id)
        await self.s.execute(
            update(PersonReport).where(PersonReport.reporter_id == user_id).values(text="")
        )
        # Reviews they wrote stay (anonymised: the author is now "Deleted user #ID").
        await self._replace_everywhere(needles, replacement)
        req = await self.pending_erasure(user_id)
        if req is not None:
            req.state, req.done_at = "done", self.now

    async def _forget_picture(self, user_id: int) -> None:
        """The profile picture's files and the age group (core.db.trust): personal data."""
        table = Base.metadata.tables.get("user_trust")
        if table is None:
            return
        name = await self.s.scalar(select(table.c.avatar).where(table.c.user_id == user_id))
        await self.s.execute(delete(table).where(table.c.user_id == user_id))
        if name and self.avatars is not None:
            self.avatars.delete(name)

    async def _blank(self, name: str, col: str, user_id: int, **values: Any) -> None:
        table = Base.metadata.tables.get(name)
        if table is None:
            return
        values = {k: v for k, v in values.items() if k in table.c}
        await self.s.execute(update(table).where(table.c[col] == user_id).values(**values))

    async def _replace_everywhere(self, needles: set[str], replacement: str) -> None:
        """The person's names and handles wherever they are still written as text."""
        words = sorted((n for n in needles if n and len(n) >= 3), key=len, reverse=True)
        if not words:
            return
        for table in Base.metadata.sorted_tables:
            if table.name in UNTOUCHED_TABLES:
                continue
            pk = list(table.primary_key.columns)
            for col in table.c:
                if col.primary_key or col.foreign_keys:
                    continue
                if isinstance(col.type, JSON):
                    await self._replace_json(table, col.name, pk, words, replacement)
                elif isinstance(col.type, String | Text):
                    for w in words:
                        await self.s.execute(
                            update(table)
                            .where(col.contains(w, autoescape=True))
                            .values({col.name: func.replace(col, w, replacement)})
                        )

    async def _replace_json(
        self, table: Table, name: str, pk: list[Any], words: list[str], replacement: str
    ) -> None:
        col = table.c[name]
        as_text = cast(col, Text)
        cond = or_(*(as_text.contains(w, autoescape=True) for w in words))
        rows = (await self.s.execute(select(*pk, col).where(cond))).all()
        for row in rows:
            *keys, value = row
            new = _replace_in(value, words, replacement)
            await self.s.execute(
                update(table)
                .where(*(c == k for c, k in zip(pk, keys, strict=True)))
                .values({name: new})
            )


def _replace_in(value: Any, words: list[str], replacement: str) -> Any:
    if isinstance(value, str):
        for w in words:
            value = value.replace(w, replacement)
        return value
    if isinstance(value, list):
        return [_replace_in(v, words, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, words, replacement) for k, v in value.items()}
    return value
