"""Moderation of a community (issue #15 item 4): what may go through the bridge (mutes, bans,
slow mode, the word and link filter), reports to a queue, deleting a message everywhere,
rules shown on join; every moderator action is in the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import Community, CommunityMember
from core.db.moderation import CommunityAudit, CommunityReport, CommunityRules, CommunitySanction
from core.db.relay import RelayMessage
from core.db.schema import User
from core.messaging import clean_text
from core.ports import ChatRef
from core.relay import PLATFORM_NAMES
from core.services.relay import Relay, RelayError, member_names, named

RULES_MAX = 1500
WORDS_MAX = 100
_LINK = re.compile(r"(https?://|www\.)\S+|\b[a-z0-9-]+\.(com|net|org|io|in|ru|xyz|ly|gg)\b", re.I)


@dataclass(frozen=True)
class Report:
    id: int
    message_id: int
    author: str
    text: str
    reporters: int
    reason: str


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


class Moderation:
    def __init__(self, session: AsyncSession, now: datetime, relay: Relay) -> None:
        self.s = session
        self.now = now
        self.relay = relay

    async def may_moderate(self, user: User, community_id: int) -> bool:
        return await self.relay.may_manage(user, community_id)

    async def _require(self, user: User, community_id: int) -> None:
        if not await self.may_moderate(user, community_id):
            raise RelayError("Only the community's owners and moderators (or an admin) can.")

    async def _audit(
        self,
        community_id: int,
        actor: User,
        action: str,
        target: int | None = None,
        message_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.s.add(
            CommunityAudit(
                community_id=community_id,
                actor_id=actor.id,
                action=action,
                target_user_id=target,
                message_id=message_id,
                detail=clean_text(detail)[:500],
                at=self.now,
            )
        )
        await self.s.flush()

    # ---- the gate every message passes ----
    async def sanction(self, user_id: int, community_id: int) -> CommunitySanction | None:
        return await self.s.scalar(
            select(CommunitySanction)
            .where(
                CommunitySanction.community_id == community_id,
                CommunitySanction.user_id == user_id,
                CommunitySanction.lifted_at.is_(None),
                or_(CommunitySanction.until.is_(None), CommunitySanction.until > self.now),
            )
            .order_by(CommunitySanction.kind)  # a ban outranks a mute
            .limit(1)
        )

    async def refusal(self, user: User, community_id: int, text: str) -> str | None:
        """Why this message may not go out to the community (None: it may)."""
        s = await self.sanction(user.id, community_id)
        if s is not None:
            until = f" until {s.until:%d %b %H:%M} UTC" if s.until else ""
            what = "banned from" if s.kind == "ban" else "muted in"
            return f"You're {what} this community{until}."
        rules = await self.s.get(CommunityRules, community_id)
        if rules is None or await self.may_moderate(user, community_id):
            return None
        if rules.slow_mode_s:
            last = await self.s.scalar(
                select(func.max(RelayMessage.created_at)).where(
                    RelayMessage.community_id == community_id, RelayMessage.author_id == user.id
                )
            )
            if last is not None and self.now - last < timedelta(seconds=rules.slow_mode_s):
                return f"Slow mode: one message every {rules.slow_mode_s} seconds here."
        folded = text.casefold()
        for word in filter(None, rules.blocked_words.split("\n")):
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
                return "That message has a word this community filters out."
        if rules.block_links and _LINK.search(text):
            return "Links aren't allowed in this community."
        return None

    # ---- settings ----
    async def _rules_row(self, community_id: int) -> CommunityRules:
        row = await self.s.get(CommunityRules, community_id)
        if row is None:
            row = CommunityRules(
                community_id=community_id,
                rules="",
                slow_mode_s=0,
                blocked_words="",
                block_links=False,
                updated_at=self.now,
            )
            self.s.add(row)
            await self.s.flush()
        return row

    async def rules(self, community_id: int) -> CommunityRules | None:
        return await self.s.get(CommunityRules, community_id)

    async def set_rules(self, mod: User, community_id: int, text: str) -> None:
        await self._require(mod, community_id)
        text = clean_text(text).strip()
        if len(text) > RULES_MAX:
            raise RelayError(f"Rules are at most {RULES_MAX} characters.")
        row = await self._rules_row(community_id)
        row.rules, row.updated_at = text, self.now
        await self._audit(community_id, mod, "rules", detail=text[:200])

    async def set_slow_mode(self, mod: User, community_id: int, seconds: int) -> None:
        await self._require(mod, community_id)
        if not 0 <= seconds <= 3600:
            raise RelayError("Slow mode is 0 (off) to 3600 seconds.")
        row = await self._rules_row(community_id)
        row.slow_mode_s, row.updated_at = seconds, self.now
        await self._audit(community_id, mod, "slow_mode", detail=f"{seconds}s")

    async def filter_word(self, mod: User, community_id: int, word: str, add: bool) -> list[str]:
        await self._require(mod, community_id)
        word = " ".join(clean_text(word).casefold().split())
        if not word or len(word) > 40:
            raise RelayError("A filtered word is 1 to 40 characters.")
        row = await self._rules_row(community_id)
        words = [w for w in row.blocked_words.split("\n") if w]
        if add and word not in words:
            if len(words) >= WORDS_MAX:
                raise RelayError(f"At most {WORDS_MAX} filtered words.")
            words.append(word)
        elif not add:
            words = [w for w in words if w != word]
        row.blocked_words, row.updated_at = "\n".join(words), self.now
        await self._audit(community_id, mod, "filter_add" if add else "filter_remove", detail=word)
        return words

    async def filter_links(self, mod: User, community_id: int, on: bool) -> None:
        await self._require(mod, community_id)
        row = await self._rules_row(community_id)
        row.block_links, row.updated_at = on, self.now
        await self._audit(community_id, mod, "links_off" if on else "links_on")

    # ---- people ----
    async def member_named(self, community_id: int, name: str) -> list[User]:
        """Members (and banned people) whose MentorBot name is this, or whose id is #N."""
        name = name.strip().lstrip("@")
        members = select(CommunityMember.user_id).where(
            CommunityMember.community_id == community_id
        )
        # A banned person is no longer a member, and must still be found to be let back.
        sanctioned = select(CommunitySanction.user_id).where(
            CommunitySanction.community_id == community_id
        )
        q = select(User).where(
            or_(User.id.in_(members), User.id.in_(sanctioned)), User.merged_into_id.is_(None)
        )
        if name.startswith("#") and name[1:].isdigit() and len(name) < 12:
            q = q.where(User.id == int(name[1:]))
        else:
            q = q.where(func.lower(User.display_name) == name.casefold())
        return list(await self.s.scalars(q.limit(5)))

    async def sanction_user(
        self,
        mod: User,
        community_id: int,
        target: User,
        kind: str,
        reason: str = "",
        minutes: int | None = None,
    ) -> str:
        await self._require(mod, community_id)
        if target.id == mod.id:
            raise RelayError("You can't do that to yourself.")
        if await self.may_moderate(target, community_id) and not mod.is_admin:
            raise RelayError("Moderators are removed by an owner first.")
        until = self.now + timedelta(minutes=minutes) if minutes else None
        self.s.add(
            CommunitySanction(
                community_id=community_id,
                user_id=target.id,
                kind=kind,
                reason=clean_text(reason)[:255],
                by_id=mod.id,
                at=self.now,
                until=until,
            )
        )
        if kind == "ban":
            member = await self.s.scalar(
                select(CommunityMember).where(
                    CommunityMember.community_id == community_id,
                    CommunityMember.user_id == target.id,
                )
            )
            if member is not None:
                await self.s.delete(member)
        await self._audit(community_id, mod, kind, target.id, detail=reason)
        span = f" for {minutes} minutes" if minutes else ""
        return f"{target.display_name} is {'banned' if kind == 'ban' else 'muted'}{span}."

    async def lift(self, mod: User, community_id: int, target: User) -> str:
        await self._require(mod, community_id)
        rows = list(
            await self.s.scalars(
                select(CommunitySanction).where(
                    CommunitySanction.community_id == community_id,
                    CommunitySanction.user_id == target.id,
                    CommunitySanction.lifted_at.is_(None),
                )
            )
        )
        for r in rows:
            r.lifted_at = self.now
        await self._audit(community_id, mod, "lift", target.id)
        return f"{target.display_name} may write again." if rows else "Nothing to lift."

    async def banned(self, user_id: int, community_id: int) -> bool:
        s = await self.sanction(user_id, community_id)
        return s is not None and s.kind == "ban"

    # ---- messages ----
    async def message(self, community_id: int, message_id: int) -> RelayMessage | None:
        m = await self.s.get(RelayMessage, message_id)
        return m if m is not None and m.community_id == community_id else None

    async def delete(self, mod: User, msg: RelayMessage, reason: str = "") -> str:
        await self._require(mod, msg.community_id)
        if not await self.relay.remove(msg):
            return "That message was deleted already."
        for r in await self.s.scalars(
            select(CommunityReport).where(
                CommunityReport.message_id == msg.id, CommunityReport.state == "open"
            )
        ):
            r.state, r.decided_by, r.decided_at = "removed", mod.id, self.now
        await self._audit(msg.community_id, mod, "delete", msg.author_id, msg.id, reason)
        return "Deleted everywhere."

    async def reacted(
        self, user: User, chat: ChatRef, platform_message_id: str, action: str
    ) -> str | None:
        """A 🚩 (action "report") or 🗑️ ("delete") reaction on a message in a linked chat,
        the original or any copy of it; what to tell the person (None: not a community
        message, nothing to say). RelayError: a delete by someone who doesn't moderate."""
        ch = await self.relay.channel(chat)
        msg = await self.relay.find(ch, platform_message_id) if ch is not None else None
        if msg is None:
            return None
        where = PLATFORM_NAMES.get(chat.platform, chat.platform)
        if action == "report":
            return await self.report(user, msg, f"🚩 on {where}")
        if action != "delete":
            return None
        if not await self.may_moderate(user, msg.community_id):
            raise RelayError(
                "Only the community's moderators can delete a message with 🗑️ — "
                "react with 🚩 to report it to them."
            )
        return await self.delete(user, msg, f"🗑️ on {where}")

    async def report(self, reporter: User, msg: RelayMessage, reason: str = "") -> str:
        try:
            async with self.s.begin_nested():
                self.s.add(
                    CommunityReport(
                        community_id=msg.community_id,
                        message_id=msg.id,
                        reporter_id=reporter.id,
                        reason=clean_text(reason)[:255],
                        state="open",
                        at=self.now,
                    )
                )
        except IntegrityError:
            return "You reported that message already; the moderators have it."
        return "Thanks — the community's moderators will look at it."

    async def queue(self, community_id: int, limit: int = 10) -> list[Report]:
        rows = (
            await self.s.execute(
                select(
                    func.min(CommunityReport.id),
                    RelayMessage,
                    func.count(CommunityReport.id),
                    func.max(CommunityReport.reason),
                )
                .join(RelayMessage, RelayMessage.id == CommunityReport.message_id)
                .where(
                    CommunityReport.community_id == community_id, CommunityReport.state == "open"
                )
                .group_by(RelayMessage.id)
                .order_by(func.min(CommunityReport.id))
                .limit(limit)
            )
        ).all()
        names = await member_names(self.s, [m.text for _, m, _, _ in rows])
        return [
            Report(rid, m.id, m.author_name, named(m.text, names), n, reason)
            for rid, m, n, reason in rows
        ]

    async def dismiss(self, mod: User, community_id: int, message_id: int) -> str:
        await self._require(mod, community_id)
        for r in await self.s.scalars(
            select(CommunityReport).where(
                CommunityReport.message_id == message_id,
                CommunityReport.community_id == community_id,
                CommunityReport.state == "open",
            )
        ):
            r.state, r.decided_by, r.decided_at = "dismissed", mod.id, self.now
        await self._audit(community_id, mod, "dismiss", message_id=message_id)
        return "Report dismissed."

    async def audit(self, community_id: int, limit: int = 15) -> list[AuditLine]:
        actor = User.__table__.alias("actor")
        target = User.__table__.alias("target")
        rows = (
            await self.s.execute(
                select(CommunityAudit, actor.c.display_name, target.c.display_name)
                .join(actor, actor.c.id == CommunityAudit.actor_id)
                .outerjoin(target, target.c.id == CommunityAudit.target_user_id)
                .where(CommunityAudit.community_id == community_id)
                .order_by(CommunityAudit.id.desc())
                .limit(limit)
            )
        ).all()
        return [
            AuditLine(
                a.at,
                who,
                a.action,
                (whom or "") + (f" message #{a.message_id}" if a.message_id else ""),
                a.detail,
            )
            for a, who, whom in rows
        ]

    async def community(self, community_id: int) -> Community | None:
        return await self.s.get(Community, community_id)
