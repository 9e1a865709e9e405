"""The community bridge's bookkeeping (DESIGN §11): which chats are linked to a community,
every message said in one of them (or in its web room), and a queued copy for each other
linked chat. Posting the copies is core.relay's job, after commit."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import Community, CommunityMember
from core.db.relay import CommunityChannel, RelayCopy, RelayFile, RelayJob, RelayMessage
from core.db.schema import Account, User
from core.markup import (
    Span,
    esc,
    member_mention,
    mentions_in,
    parse_line,
    replace_mentions,
    span_markup,
    strip_private,
)
from core.messaging import clean_text
from core.ports import ChatRef
from core.relay import PLATFORM_NAMES, file_url

TEXT_MAX = 4000
FILE_MAX_BYTES = 20 * 1024 * 1024  # what a Telegram bot may download (getFile)
# Words that would notify a whole chat if passed through raw; shown inert instead.
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
MAX_MENTIONS = 20  # people resolved per message; more are shown by name


class RelayError(Exception):
    """A link or a message the bridge refuses, said in words for the person."""


@dataclass(frozen=True)
class Upload:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class RoomMessage:
    """A message as the web room shows it."""

    id: int
    author: str
    platform: str
    text: str  # core.markup
    at: datetime
    reply_to: int | None
    edited: bool
    deleted: bool
    file_name: str = ""
    file_mime: str = ""
    file_url: str = ""
    author_id: int = 0  # whose it is (the web's edit and delete of one's own messages)


def _defused(text: str) -> str:
    return _MASS_MENTION.sub(lambda m: "@\u2060" + m.group(1), text)


def inert(text: str) -> str:
    """Typed text as community markup: escaped, mass mentions defused (a word joiner after
    the @ keeps the word readable and notifies nobody on any platform)."""
    return esc(_defused(strip_private(clean_text(text))))


def remade(markup: str) -> str:
    """Markup an adapter made from a platform's formatting, made again span by span: only
    the subset passes (links only to http(s), mailto or our own pages), mass mentions
    defused inside every span, mentions kept as they are."""
    lines = []
    for line in clean_text(markup).split("\n"):
        bullet = line[:2] in ("- ", "• ")
        body = line[2:] if bullet else line
        made = "".join(span_markup(Span(s.kind, _defused(s.text), s.url)) for s in parse_line(body))
        lines.append(("- " if bullet else "") + made)
    return "\n".join(lines)


def named(text: str, names: dict[int, str]) -> str:
    """Stored markup with each member mentioned as @Name (the web room, the report queue)."""
    return replace_mentions(
        text, lambda who, _: inert("@" + names.get(int(who), "someone")) if who.isdigit() else ""
    )


async def member_names(s: AsyncSession, texts: list[str]) -> dict[int, str]:
    ids = {int(w) for t in texts for w, _ in mentions_in(t) if w.isdigit() and len(w) < 12}
    if not ids:
        return {}
    rows = (await s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all()
    return {uid: name for uid, name in rows}


class Relay:
    def __init__(
        self, session: AsyncSession, now: datetime, written: list[tuple[int, int]]
    ) -> None:
        self.s = session
        self.now = now
        # (community_id, message_id) written in this unit of work: web rooms hear of them
        # after commit.
        self.written = written

    # ---- links ----
    async def channel(self, chat: ChatRef) -> CommunityChannel | None:
        return await self.s.scalar(
            select(CommunityChannel).where(
                CommunityChannel.platform == chat.platform,
                CommunityChannel.workspace == chat.workspace,
                CommunityChannel.chat_id == chat.chat_id,
                CommunityChannel.thread_id == chat.thread_id,
                CommunityChannel.active.is_(True),
            )
        )

    async def may_manage(self, user: User, community_id: int) -> bool:
        if user.is_admin:
            return True
        role = await self.s.scalar(
            select(CommunityMember.role).where(
                CommunityMember.community_id == community_id, CommunityMember.user_id == user.id
            )
        )
        return role in ("owner", "moderator")

    async def link(self, user: User, community: Community, chat: ChatRef, title: str) -> str:
        """Links the chat to the community; returns what to say in the chat."""
        if not await self.may_manage(user, community.id):
            raise RelayError(
                f"Only {community.name}'s owners and moderators (or an admin) can link a chat to it."
            )
        row = await self.s.scalar(
            select(CommunityChannel).where(
                CommunityChannel.platform == chat.platform,
                CommunityChannel.workspace == chat.workspace,
                CommunityChannel.chat_id == chat.chat_id,
                CommunityChannel.thread_id == chat.thread_id,
            )
        )
        if row is not None and row.active:
            if row.community_id == community.id:
                return f"This chat is already linked to {community.name}."
            other = await self.s.get(Community, row.community_id)
            name = other.name if other is not None else "another community"
            raise RelayError(f"This chat is linked to {name}: unlink it there first.")
        if row is None:
            row = CommunityChannel(
                community_id=community.id,
                platform=chat.platform,
                workspace=chat.workspace,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                title=clean_text(title)[:255],
                linked_by=user.id,
                linked_at=self.now,
                active=True,
            )
            self.s.add(row)
        else:
            row.community_id, row.active, row.linked_by, row.linked_at = (
                community.id, True, user.id, self.now,
            )  # fmt: skip
        await self.s.flush()
        return (
            f"Linked to {community.name}: messages here now reach its other chats and its "
            f"web room, and theirs arrive here."
        )

    async def unlink(self, user: User, chat: ChatRef) -> str:
        row = await self.channel(chat)
        if row is None:
            raise RelayError("This chat isn't linked to a community.")
        if not await self.may_manage(user, row.community_id):
            raise RelayError("Only the community's owners and moderators can unlink it.")
        await self.drop(row)
        c = await self.s.get(Community, row.community_id)
        return f"Unlinked from {c.name if c else 'the community'}."

    async def drop(self, row: CommunityChannel) -> None:
        """The chat stops taking part: its queue is dropped, its copies keep their ids."""
        row.active = False
        await self.s.execute(
            update(RelayJob)
            .where(RelayJob.channel_id == row.id, RelayJob.state == "pending")
            .values(state="dead", error="chat unlinked or gone")
        )

    async def channels(self, community_id: int) -> list[CommunityChannel]:
        return list(
            await self.s.scalars(
                select(CommunityChannel)
                .where(
                    CommunityChannel.community_id == community_id,
                    CommunityChannel.active.is_(True),
                )
                .order_by(CommunityChannel.id)
            )
        )

    # ---- messages ----
    async def said(
        self,
        author: User,
        chat: ChatRef,
        message_id: str,
        text: str,
        reply_to: str | None = None,
        upload: Upload | None = None,
        markup: bool = False,
    ) -> RelayMessage | None:
        """A message in a linked chat; None when the chat isn't linked or the message was
        relayed before (a platform's redelivery). `markup`: the adapter translated the
        platform's formatting and mentions (core.markup, typed text escaped); else `text`
        is plain words."""
        ch = await self.channel(chat)
        if ch is None:
            return None
        known = await self.s.scalar(
            select(RelayMessage.id).where(
                RelayMessage.origin_channel_id == ch.id,
                RelayMessage.origin_message_id == message_id,
            )
        )
        if known is not None:
            return None
        parent = await self.find(ch, reply_to) if reply_to else None
        try:
            async with self.s.begin_nested():
                msg = await self._record(
                    ch.community_id, author, chat.platform, ch, message_id, text, parent, upload,
                    markup,
                )  # fmt: skip
        except IntegrityError:
            return None  # the same message at once from a redelivery
        await self._queue(msg, "post", exclude=ch.id)
        await self._member(ch.community_id, author.id)
        return msg

    async def said_on_web(
        self,
        author: User,
        community_id: int,
        text: str,
        reply_to_id: int | None = None,
        upload: Upload | None = None,
    ) -> RelayMessage:
        role = await self.s.scalar(
            select(CommunityMember.role).where(
                CommunityMember.community_id == community_id,
                CommunityMember.user_id == author.id,
            )
        )
        if role is None:
            raise RelayError("Join the community to write in its room.")
        parent = None
        if reply_to_id is not None:
            parent = await self.s.get(RelayMessage, reply_to_id)
            if parent is None or parent.community_id != community_id:
                parent = None
        # The room takes the markup subset as typed (*bold*, _italic_, `code`, [label](url)).
        msg = await self._record(
            community_id, author, "web", None, None, text, parent, upload, markup=True
        )
        await self._queue(msg, "post", exclude=None)
        return msg

    async def announce(self, community_id: int, author: User, text: str) -> RelayMessage:
        """A message the bot writes for a person (a mentor's post or office hours) to every
        linked chat and the web room. `text` is core.markup the caller made safe (user parts
        passed through inert)."""
        msg = RelayMessage(
            community_id=community_id,
            author_id=author.id,
            author_name=author.display_name[:100],
            origin_platform="web",
            text=text[:TEXT_MAX],
            created_at=self.now,
        )
        self.s.add(msg)
        await self.s.flush()
        self.written.append((community_id, msg.id))
        await self._queue(msg, "post", exclude=None)
        return msg

    async def _record(
        self,
        community_id: int,
        author: User,
        platform: str,
        ch: CommunityChannel | None,
        message_id: str | None,
        text: str,
        parent: RelayMessage | None,
        upload: Upload | None,
        markup: bool = False,
    ) -> RelayMessage:
        body = clean_text(text).strip()
        if len(body) > TEXT_MAX:
            body = body[: TEXT_MAX - 1] + "…"
        if not body and upload is None:
            raise RelayError("An empty message has nothing to relay.")
        file_id = None
        if upload is not None:
            if len(upload.data) > FILE_MAX_BYTES:
                raise RelayError(f"Files up to {FILE_MAX_BYTES // (1024 * 1024)} MB can be shared.")
            f = RelayFile(
                name=clean_text(upload.name)[:255] or "file",
                mime=upload.mime[:100] or "application/octet-stream",
                size=len(upload.data),
                data=upload.data,
                token=secrets.token_urlsafe(18),
            )
            self.s.add(f)
            await self.s.flush()
            file_id = f.id
        msg = RelayMessage(
            community_id=community_id,
            author_id=author.id,
            author_name=author.display_name[:100],
            origin_platform=platform,
            origin_channel_id=ch.id if ch else None,
            origin_message_id=message_id,
            reply_to_id=parent.id if parent else None,
            text=await self._markup(body) if markup else inert(body),
            file_id=file_id,
            created_at=self.now,
        )
        self.s.add(msg)
        await self.s.flush()
        self.written.append((community_id, msg.id))
        return msg

    async def _member(self, community_id: int, user_id: int) -> None:
        """Talking in a linked chat makes a person a member of its community."""
        exists = await self.s.scalar(
            select(CommunityMember.id).where(
                CommunityMember.community_id == community_id, CommunityMember.user_id == user_id
            )
        )
        if exists is None:
            try:
                async with self.s.begin_nested():
                    self.s.add(
                        CommunityMember(
                            community_id=community_id,
                            user_id=user_id,
                            role="member",
                            joined_at=self.now,
                        )
                    )
            except IntegrityError:
                pass

    async def _queue(self, msg: RelayMessage, op: str, exclude: int | None) -> None:
        for ch in await self.channels(msg.community_id):
            if ch.id == exclude:
                continue
            self.s.add(
                RelayJob(
                    channel_id=ch.id,
                    message_id=msg.id,
                    op=op,
                    state="pending",
                    attempts=0,
                    not_before=self.now,
                    created_at=self.now,
                )
            )
        await self.s.flush()

    async def find(self, ch: CommunityChannel, platform_message_id: str) -> RelayMessage | None:
        """The community message a platform message in this chat is (its origin or a copy)."""
        return await self.s.scalar(
            select(RelayMessage).where(
                RelayMessage.community_id == ch.community_id,
                or_(
                    (RelayMessage.origin_channel_id == ch.id)
                    & (RelayMessage.origin_message_id == platform_message_id),
                    RelayMessage.id.in_(
                        select(RelayCopy.message_id).where(
                            RelayCopy.channel_id == ch.id,
                            RelayCopy.platform_message_id == platform_message_id,
                        )
                    ),
                ),
            )
        )

    async def _markup(self, text: str) -> str:
        """An adapter's markup as stored: each person mentioned on their platform becomes the
        MentorBot member of that account, or their name when nobody has it."""
        members: dict[str, int] = {}
        for who, _ in mentions_in(text)[:MAX_MENTIONS]:
            platform, _, rest = who.partition(":")
            workspace, _, external = rest.rpartition(":")
            uid = await self.s.scalar(
                select(Account.user_id).where(
                    Account.platform == platform,
                    Account.workspace == workspace,
                    Account.external_id == external,
                )
            )
            if uid is not None:
                members[who] = uid
        return remade(
            replace_mentions(
                text,
                lambda who, name: (
                    member_mention(members[who]) if who in members else esc("@" + name)
                ),
            )
        )

    async def edited(self, chat: ChatRef, message_id: str, text: str, markup: bool = False) -> bool:
        """The source platform reports an edit: every copy follows."""
        ch, msg = await self._original(chat, message_id)
        if ch is None or msg is None or msg.deleted_at is not None:
            return False
        body = clean_text(text).strip()[:TEXT_MAX]
        new = await self._markup(body) if markup else inert(body)
        if new == msg.text:
            return False  # e.g. Discord reports an embed unfurling as an edit
        msg.text, msg.edited_at = new, self.now
        self.written.append((msg.community_id, msg.id))
        await self._queue(msg, "edit", exclude=ch.id)
        return True

    async def deleted(self, chat: ChatRef, message_id: str) -> bool:
        """The source platform reports a delete: every copy goes too."""
        ch, msg = await self._original(chat, message_id)
        if ch is None or msg is None:
            return False
        return await self.remove(msg, exclude=ch.id)

    async def _original(
        self, chat: ChatRef, message_id: str
    ) -> tuple[CommunityChannel | None, RelayMessage | None]:
        """A linked chat and the community message first said there with this id."""
        ch = await self.channel(chat)
        if ch is None:
            return None, None
        msg = await self.s.scalar(
            select(RelayMessage).where(
                RelayMessage.origin_channel_id == ch.id,
                RelayMessage.origin_message_id == message_id,
            )
        )
        return ch, msg

    async def remove(self, msg: RelayMessage, exclude: int | None = None) -> bool:
        """Deletes a message everywhere (its origin too, unless the origin deleted it)."""
        if msg.deleted_at is not None:
            return False
        msg.deleted_at = self.now
        self.written.append((msg.community_id, msg.id))
        # Every linked chat, the origin included (a job there deletes the original).
        await self._queue(msg, "delete", exclude=exclude)
        return True

    # ---- the web room ----
    async def history(
        self, community_id: int, public_url: str, before_id: int | None = None, limit: int = 50
    ) -> list[RoomMessage]:
        """The newest `limit` messages (older than before_id), oldest first."""
        q = select(RelayMessage, RelayFile).outerjoin(
            RelayFile, RelayFile.id == RelayMessage.file_id
        )
        q = q.where(RelayMessage.community_id == community_id)
        if before_id is not None:
            q = q.where(RelayMessage.id < before_id)
        rows = (await self.s.execute(q.order_by(RelayMessage.id.desc()).limit(limit))).all()
        names = await member_names(self.s, [m.text for m, _ in rows])
        return [room_message(m, f, public_url, names) for m, f in reversed(rows)]

    async def one(self, message_id: int, public_url: str) -> RoomMessage | None:
        row = (
            await self.s.execute(
                select(RelayMessage, RelayFile)
                .outerjoin(RelayFile, RelayFile.id == RelayMessage.file_id)
                .where(RelayMessage.id == message_id)
            )
        ).first()
        if row is None:
            return None
        return room_message(row[0], row[1], public_url, await member_names(self.s, [row[0].text]))

    async def file(self, file_id: int, token: str) -> RelayFile | None:
        f = await self.s.get(RelayFile, file_id)
        if f is None or not secrets.compare_digest(f.token.encode(), token.encode()):
            return None
        return f


def room_message(
    m: RelayMessage, f: RelayFile | None, public_url: str, names: dict[int, str] | None = None
) -> RoomMessage:
    deleted = m.deleted_at is not None
    return RoomMessage(
        id=m.id,
        author=m.author_name,
        platform=PLATFORM_NAMES.get(m.origin_platform, m.origin_platform),
        text="" if deleted else named(m.text, names or {}),
        at=m.created_at,
        reply_to=m.reply_to_id,
        edited=m.edited_at is not None,
        deleted=deleted,
        file_name=f.name if f is not None and not deleted else "",
        file_mime=f.mime if f is not None and not deleted else "",
        file_url=file_url(public_url, f) if f is not None and not deleted else "",
        author_id=m.author_id or 0,
    )
