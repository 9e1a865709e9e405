"""Direct messages between a learner and a mentor (issue #16), on the community bridge's
machinery (DESIGN §11): a thread's messages are relay_messages with dm_thread_id set, and
each person's side of a thread is a community_channels row (community_id None) whose chat is
their primary account's DM with the bot. A message queues one relay_job for the other
person's side; core.relay posts it there in order, exactly once, within the platform's rate.
The web (/messages) reads the messages themselves. Nobody's handle is shown: copies carry
the display name only."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, column, delete, func, or_, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.dms import DmReport, DmRequest, DmThread
from core.db.quiet import hold_until
from core.db.relay import CommunityChannel, RelayCopy, RelayFile, RelayJob, RelayMessage
from core.db.schema import User
from core.delivery import destination_of
from core.messaging import clean_text
from core.services.dm_age import minor_dm_refusal
from core.services.relay import TEXT_MAX, RoomMessage, Upload, inert, room_message
from core.services.safety import blocked_between

# Platforms where a person's side of a thread is a chat the bridge posts to.
DM_PLATFORMS = frozenset({"telegram", "slack", "discord"})
FILE_MAX_BYTES = 20 * 1024 * 1024
INTRO_MAX = 500
# A file is typed by what it holds, not by its name: these are shown inline on the web.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"OggS", 0, "audio/ogg"),
    (b"\x1a\x45\xdf\xa3", 0, "audio/webm"),
    (b"ID3", 0, "audio/mpeg"),
    (b"%PDF-", 0, "application/pdf"),
)

# Bookings are the booking layer's; only whether a pair ever booked is read here.
_bookings = table("bookings", column("learner_id"), column("mentor_id"), column("status"))


BLOCKED = "You can't write to each other here: one of you has blocked the other."


class DmError(Exception):
    """What a person can't do here, said in words for them."""


@dataclass(frozen=True)
class ThreadView:
    id: int
    other_id: int
    other_name: str
    last_text: str
    last_at: datetime | None
    unseen: int
    notes: str


def sniff(data: bytes, claimed: str) -> str:
    """The type a file's content shows; webp and mp4/m4a by their boxes; else a download."""
    for magic, at, mime in _MAGIC:
        if data[at : at + len(magic)] == magic:
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "audio/mp4" if claimed.startswith("audio/") else "video/mp4"
    return "application/octet-stream"


def open_items(notes: str) -> list[str]:
    """Action items still open in session notes: lines "- ..." not ticked "- [x]"."""
    items = []
    for line in notes.splitlines():
        s = line.strip()
        # Notes are stored as markup: a typed "[x]" reads "\\[x\\]" there.
        rest = s[2:].lstrip().replace("\\[", "[").replace("\\]", "]")
        if s.startswith(("- ", "* ")) and not rest.lower().startswith("[x]"):
            items.append(s[2:].lstrip().removeprefix("\\[ \\]").strip())
    return [i for i in items if i]


class DirectMessages:
    def __init__(
        self, session: AsyncSession, now: datetime, written: list[tuple[int, int]]
    ) -> None:
        self.s = session
        self.now = now
        # (thread_id, message_id) written in this unit of work: /messages pages hear of them.
        self.written = written

    # ---- threads ----
    async def thread_of(self, a: int, b: int) -> DmThread | None:
        return await self.s.scalar(
            select(DmThread).where(
                or_(
                    and_(DmThread.learner_id == a, DmThread.mentor_id == b),
                    and_(DmThread.learner_id == b, DmThread.mentor_id == a),
                )
            )
        )

    async def get(self, user: User, thread_id: int) -> DmThread:
        t = await self.s.get(DmThread, thread_id)
        if t is None or user.id not in (t.learner_id, t.mentor_id):
            raise DmError("That conversation isn't yours or is gone.")
        return t

    async def has_booked(self, learner_id: int, mentor_id: int) -> bool:
        n = await self.s.scalar(
            select(func.count())
            .select_from(_bookings)
            .where(_bookings.c.learner_id == learner_id, _bookings.c.mentor_id == mentor_id)
        )
        return bool(n)

    async def open(self, user: User, other_id: int) -> DmThread:
        """The thread of a pair that booked each other (either way round); made on first use."""
        if await blocked_between(self.s, user.id, other_id):
            raise DmError(BLOCKED)
        await self._age_rule(user.id, other_id)
        t = await self.thread_of(user.id, other_id)
        if t is None:
            if await self.has_booked(user.id, other_id):
                learner, mentor = user.id, other_id
            elif await self.has_booked(other_id, user.id):
                learner, mentor = other_id, user.id
            else:
                raise DmError(
                    "You can write to a mentor once you've booked them — or send a short intro "
                    "request from their profile."
                )
            t = await self._make(learner, mentor)
        await self.sides(t)
        return t

    async def _age_rule(self, sender_id: int, other_id: int) -> None:
        """Under-18s and adults write to each other only about a booking (core.services.dm_age)."""
        refusal = await minor_dm_refusal(self.s, sender_id, other_id)
        if refusal is not None:
            raise DmError(refusal)

    async def _make(self, learner_id: int, mentor_id: int) -> DmThread:
        try:
            async with self.s.begin_nested():
                t = DmThread(learner_id=learner_id, mentor_id=mentor_id, created_at=self.now)
                self.s.add(t)
                await self.s.flush()
        except IntegrityError:
            found = await self.thread_of(learner_id, mentor_id)
            assert found is not None
            return found
        return t

    async def sides(self, t: DmThread) -> dict[int, CommunityChannel]:
        """Each person's side of the thread on their primary platform (kept in step with it:
        a person who changed platform gets new copies there)."""
        mine: dict[int, CommunityChannel] = {}
        for uid in (t.learner_id, t.mentor_id):
            acc = await destination_of(self.s, uid)
            rows = list(
                await self.s.scalars(
                    select(CommunityChannel).where(
                        CommunityChannel.dm_thread_id == t.id, CommunityChannel.linked_by == uid
                    )
                )
            )
            want = None
            if acc is not None and acc.platform in DM_PLATFORMS:
                want = (acc.platform, acc.workspace, acc.external_id)
            for r in rows:
                same = (r.platform, r.workspace, r.chat_id) == want
                if same and r.active:
                    mine[uid] = r
                elif not same and r.active:
                    r.active = False
            if want is not None and uid not in mine:
                old = next((r for r in rows if (r.platform, r.workspace, r.chat_id) == want), None)
                if old is not None:
                    old.active = True
                    mine[uid] = old
                else:
                    ch = CommunityChannel(
                        community_id=None,  # a DM row (see core.db.relay)
                        dm_thread_id=t.id,
                        platform=want[0],
                        workspace=want[1],
                        chat_id=want[2],
                        thread_id=f"dm{t.id}",
                        title="",
                        linked_by=uid,
                        linked_at=self.now,
                        active=True,
                    )
                    self.s.add(ch)
                    await self.s.flush()
                    mine[uid] = ch
        return mine

    async def threads(self, user: User) -> list[ThreadView]:
        rows = list(
            await self.s.scalars(
                select(DmThread).where(
                    or_(DmThread.learner_id == user.id, DmThread.mentor_id == user.id)
                )
            )
        )
        views = []
        for t in rows:
            other = t.mentor_id if t.learner_id == user.id else t.learner_id
            other_user = await self.s.get(User, other)
            seen = t.learner_seen_id if t.learner_id == user.id else t.mentor_seen_id
            last = await self.s.scalar(
                select(RelayMessage)
                .where(RelayMessage.dm_thread_id == t.id)
                .order_by(RelayMessage.id.desc())
                .limit(1)
            )
            unseen = await self.s.scalar(
                select(func.count()).where(
                    RelayMessage.dm_thread_id == t.id,
                    RelayMessage.id > seen,
                    RelayMessage.author_id != user.id,
                )
            )
            views.append(
                ThreadView(
                    t.id,
                    other,
                    other_user.display_name if other_user else "Someone",
                    last.text if last else "",
                    last.created_at if last else None,
                    int(unseen or 0),
                    t.notes,
                )
            )
        views.sort(key=lambda v: v.last_at or datetime.min.replace(tzinfo=self.now.tzinfo))
        return views[::-1]

    # ---- intro requests ----
    async def request_intro(
        self, learner: User, mentor_id: int, text: str, per_day: int
    ) -> DmRequest:
        if mentor_id == learner.id:
            raise DmError("That's you.")
        if await blocked_between(self.s, learner.id, mentor_id):
            raise DmError(BLOCKED)
        if await self.thread_of(learner.id, mentor_id) is not None:
            raise DmError("You already have a conversation with them: tap ✉️ Message.")
        await self._age_rule(learner.id, mentor_id)
        body = clean_text(text).strip()
        if not body:
            raise DmError("Say in a line or two who you are and what you'd like to ask.")
        if len(body) > INTRO_MAX:
            raise DmError(f"Keep an intro under {INTRO_MAX} characters.")
        pending = await self.s.scalar(
            select(func.count()).where(
                DmRequest.learner_id == learner.id,
                DmRequest.mentor_id == mentor_id,
                DmRequest.state == "open",
            )
        )
        if pending:
            raise DmError("Your intro to them is still waiting for an answer.")
        today = await self.s.scalar(
            select(func.count()).where(
                DmRequest.learner_id == learner.id,
                DmRequest.created_at > self.now - timedelta(days=1),
            )
        )
        if (today or 0) >= per_day:
            raise DmError(f"You can send {per_day} intro requests a day. Try again tomorrow.")
        r = DmRequest(
            learner_id=learner.id, mentor_id=mentor_id, text=body, state="open",
            created_at=self.now,
        )  # fmt: skip
        self.s.add(r)
        await self.s.flush()
        return r

    async def decide(self, mentor: User, request_id: int, accept: bool) -> DmThread | None:
        r = await self.s.get(DmRequest, request_id)
        if r is None or r.mentor_id != mentor.id:
            raise DmError("That request isn't yours.")
        if r.state != "open":
            raise DmError(f"That request was {r.state} already.")
        if accept and await blocked_between(self.s, r.learner_id, r.mentor_id):
            raise DmError(BLOCKED)
        if accept:
            await self._age_rule(mentor.id, r.learner_id)
        r.state, r.decided_at = ("accepted" if accept else "declined"), self.now
        if not accept:
            return None
        t = await self.thread_of(r.learner_id, r.mentor_id) or await self._make(
            r.learner_id, r.mentor_id
        )
        await self.sides(t)
        learner = await self.s.get(User, r.learner_id)
        assert learner is not None
        await self.send(learner, t, r.text, platform="web")
        return t

    # ---- messages ----
    async def target(self, user: User, platform: str, reply_to: str) -> RelayMessage | None:
        """The thread message a platform message in this person's DM is (their own original
        or a copy they received) — a reply to it goes to its thread."""
        mine = select(CommunityChannel.id).where(
            CommunityChannel.dm_thread_id.is_not(None),
            CommunityChannel.linked_by == user.id,
            CommunityChannel.platform == platform,
        )
        return await self.s.scalar(
            select(RelayMessage)
            .where(
                RelayMessage.dm_thread_id.is_not(None),
                or_(
                    RelayMessage.origin_channel_id.in_(mine)
                    & (RelayMessage.origin_message_id == reply_to),
                    RelayMessage.id.in_(
                        select(RelayCopy.message_id).where(
                            RelayCopy.channel_id.in_(mine),
                            RelayCopy.platform_message_id == reply_to,
                        )
                    ),
                ),
            )
            .order_by(RelayMessage.id.desc())
            .limit(1)
        )

    async def send(
        self,
        author: User,
        t: DmThread,
        text: str,
        *,
        platform: str,
        origin_message_id: str | None = None,
        reply_to_id: int | None = None,
        upload: Upload | None = None,
    ) -> RelayMessage:
        if author.id not in (t.learner_id, t.mentor_id):
            raise DmError("That conversation isn't yours.")
        if await blocked_between(self.s, t.learner_id, t.mentor_id):
            raise DmError(BLOCKED)
        other = t.mentor_id if author.id == t.learner_id else t.learner_id
        await self._age_rule(author.id, other)
        sides = await self.sides(t)
        origin = sides.get(author.id)
        if origin is not None and origin.platform != platform:
            origin = None  # written on the web (or another platform than their DM)
        if origin is not None and origin_message_id is not None:
            known = await self.s.scalar(
                select(RelayMessage).where(
                    RelayMessage.origin_channel_id == origin.id,
                    RelayMessage.origin_message_id == origin_message_id,
                )
            )
            if known is not None:
                return known  # the platform delivered it again
        body = clean_text(text).strip()
        if len(body) > TEXT_MAX:
            body = body[: TEXT_MAX - 1] + "…"
        if not body and upload is None:
            raise DmError("An empty message has nothing to send.")
        file_id = None
        if upload is not None:
            if len(upload.data) > FILE_MAX_BYTES:
                raise DmError(f"Files up to {FILE_MAX_BYTES // (1024 * 1024)} MB can be sent.")
            f = RelayFile(
                name=clean_text(upload.name)[:255] or "file",
                mime=sniff(upload.data, upload.mime),
                size=len(upload.data),
                data=upload.data,
                token=secrets.token_urlsafe(18),
            )
            self.s.add(f)
            await self.s.flush()
            file_id = f.id
        parent = None
        if reply_to_id is not None:
            p = await self.s.get(RelayMessage, reply_to_id)
            parent = p.id if p is not None and p.dm_thread_id == t.id else None
        msg = RelayMessage(
            community_id=None,  # a DM row (see core.db.relay)
            dm_thread_id=t.id,
            author_id=author.id,
            author_name=author.display_name[:100],
            origin_platform=platform,
            origin_channel_id=origin.id if origin is not None and origin_message_id else None,
            origin_message_id=origin_message_id if origin is not None else None,
            reply_to_id=parent,
            text=inert(body),
            file_id=file_id,
            created_at=self.now,
        )
        self.s.add(msg)
        await self.s.flush()
        self.written.append((t.id, msg.id))
        other = t.mentor_id if author.id == t.learner_id else t.learner_id
        ch = sides.get(other)
        if ch is not None:
            # The push to their platform waits for the end of their quiet hours (core.quiet).
            held = await hold_until(self.s, other, "dm", self.now)
            self.s.add(
                RelayJob(
                    channel_id=ch.id, message_id=msg.id, op="post", state="pending", attempts=0,
                    not_before=held or self.now, created_at=self.now,
                )
            )  # fmt: skip
            await self.s.flush()
        # Writing is seeing everything before.
        self._seen(t, author.id, msg.id)
        return msg

    def _seen(self, t: DmThread, user_id: int, message_id: int) -> None:
        if user_id == t.learner_id:
            t.learner_seen_id = max(t.learner_seen_id, message_id)
        else:
            t.mentor_seen_id = max(t.mentor_seen_id, message_id)

    async def seen(self, user: User, thread_id: int, message_id: int) -> None:
        t = await self.get(user, thread_id)
        self._seen(t, user.id, message_id)
        self.written.append((t.id, 0))  # 0: a seen mark, not a message

    async def history(self, t: DmThread, public_url: str, limit: int = 100) -> list[RoomMessage]:
        rows = (
            await self.s.execute(
                select(RelayMessage, RelayFile)
                .outerjoin(RelayFile, RelayFile.id == RelayMessage.file_id)
                .where(RelayMessage.dm_thread_id == t.id)
                .order_by(RelayMessage.id.desc())
                .limit(limit)
            )
        ).all()
        return [room_message(m, f, public_url) for m, f in reversed(rows)]

    # ---- edits and deletes ----
    # Every copy follows: a job per side of the thread; core.relay finds the copy there
    # through the message-id map (relay_copies), as for a community's channels, and skips
    # a side the message never reached.
    async def original(
        self, platform: str, workspace: str, message_id: str, author: str | None = None
    ) -> RelayMessage | None:
        """The thread message first written on a platform with this id; `author` (their
        platform id, the chat of their side) where ids are unique per chat only (Telegram,
        Slack); Discord's ids are unique everywhere."""
        sides = select(CommunityChannel.id).where(
            CommunityChannel.dm_thread_id.is_not(None),
            CommunityChannel.platform == platform,
            CommunityChannel.workspace == workspace,
        )
        if author is not None:
            sides = sides.where(CommunityChannel.chat_id == author)
        return await self.s.scalar(
            select(RelayMessage)
            .where(
                RelayMessage.origin_channel_id.in_(sides),
                RelayMessage.origin_message_id == message_id,
            )
            .order_by(RelayMessage.id.desc())
            .limit(1)
        )

    async def own(self, user: User, message_id: int) -> RelayMessage:
        """A message of theirs still in a thread of theirs (the web's edit and delete)."""
        m = await self.s.get(RelayMessage, message_id)
        if m is None or m.dm_thread_id is None or m.deleted_at is not None:
            raise DmError("That message is gone.")
        await self.get(user, m.dm_thread_id)
        if m.author_id != user.id:
            raise DmError("You can change only your own messages.")
        return m

    async def edited(self, msg: RelayMessage, text: str) -> bool:
        """New words for a message: its copies follow. False: nothing changed."""
        if msg.deleted_at is not None or msg.dm_thread_id is None:
            return False
        body = clean_text(text).strip()
        if len(body) > TEXT_MAX:
            body = body[: TEXT_MAX - 1] + "…"
        if not body and msg.file_id is None:
            raise DmError("An edit can't leave a message empty: delete it instead.")
        t = await self.s.get(DmThread, msg.dm_thread_id)
        if t is not None and await blocked_between(self.s, t.learner_id, t.mentor_id):
            raise DmError(BLOCKED)  # a block stops new words; a delete still goes
        new = inert(body)
        if new == msg.text:
            return False  # e.g. Discord reports an embed unfurling as an edit
        msg.text, msg.edited_at = new, self.now
        await self._follow(msg, "edit")
        return True

    async def deleted(self, msg: RelayMessage) -> bool:
        """A message deleted: its copies go too; the web shows it deleted."""
        if msg.deleted_at is not None or msg.dm_thread_id is None:
            return False
        msg.deleted_at = self.now
        await self._follow(msg, "delete")
        return True

    async def _follow(self, msg: RelayMessage, op: str) -> None:
        assert msg.dm_thread_id is not None
        self.written.append((msg.dm_thread_id, msg.id))
        t = await self.s.get(DmThread, msg.dm_thread_id)
        if t is None:
            return
        for ch in (await self.sides(t)).values():
            if ch.id == msg.origin_channel_id:
                continue  # the original: its author changed it there
            self.s.add(
                RelayJob(
                    channel_id=ch.id, message_id=msg.id, op=op, state="pending", attempts=0,
                    not_before=self.now, created_at=self.now,
                )
            )  # fmt: skip
        await self.s.flush()

    # ---- notes ----
    async def write_notes(self, user: User, t: DmThread, text: str) -> None:
        if user.id not in (t.learner_id, t.mentor_id):
            raise DmError("That conversation isn't yours.")
        body = clean_text(text).strip()[:TEXT_MAX]
        t.notes, t.notes_by, t.notes_at = inert(body), user.id, self.now
        await self.send(user, t, f"📌 Session notes\n{body}", platform="web")

    async def open_items_of(self, learner_id: int, mentor_id: int) -> list[str]:
        t = await self.thread_of(learner_id, mentor_id)
        return open_items(t.notes) if t is not None else []

    # ---- safety ----
    async def report(self, user: User, message_id: int, reason: str) -> DmReport:
        m = await self.s.get(RelayMessage, message_id)
        if m is None or m.dm_thread_id is None:
            raise DmError("That message is gone.")
        await self.get(user, m.dm_thread_id)
        r = DmReport(
            message_id=m.id, reporter_id=user.id, reason=clean_text(reason)[:255], state="open",
            at=self.now,
        )  # fmt: skip
        self.s.add(r)
        await self.s.flush()
        return r

    async def purge(self, keep_days: int) -> int:
        """Retention: messages older than the policy go (reported ones stay as evidence while
        their report is open); their files and queued jobs with them."""
        cutoff = self.now - timedelta(days=keep_days)
        held = select(DmReport.message_id).where(DmReport.state == "open")
        old = list(
            await self.s.execute(
                select(RelayMessage.id, RelayMessage.file_id).where(
                    RelayMessage.dm_thread_id.is_not(None),
                    RelayMessage.created_at < cutoff,
                    RelayMessage.id.not_in(held),
                )
            )
        )
        if not old:
            return 0
        ids = [i for i, _ in old]
        files = [f for _, f in old if f is not None]
        await self.s.execute(
            update(RelayMessage).where(RelayMessage.reply_to_id.in_(ids)).values(reply_to_id=None)
        )
        await self.s.execute(delete(RelayJob).where(RelayJob.message_id.in_(ids)))
        await self.s.execute(delete(RelayCopy).where(RelayCopy.message_id.in_(ids)))
        await self.s.execute(delete(DmReport).where(DmReport.message_id.in_(ids)))
        await self.s.execute(delete(RelayMessage).where(RelayMessage.id.in_(ids)))
        if files:
            await self.s.execute(delete(RelayFile).where(RelayFile.id.in_(files)))
        return len(ids)
