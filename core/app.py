"""The core's facade for adapters: one inbound in, replies out; forms; home; the clock's work.

Built from a complete, frozen `Deps` (mentorbot/bootstrap.py); nothing is set on it afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select

from core.avatars import AvatarStore
from core.booking.feed import feed_of_token
from core.clockwork import TickReport, tick
from core.db.engine import Database
from core.db.inbound import first_seen
from core.db.kv import get_value, put_value
from core.db.relay import RelayFile, RelayMessage
from core.db.schema import Conversation, User
from core.delivery import Delivery
from core.dialogs import build_registry
from core.dialogs.forms import check_form, form_for, open_form, submit_form
from core.dialogs.home import home
from core.forms import Form, FormOutcome, FormValues
from core.mail import LogMailer
from core.markup import strip_private, to_plain
from core.messaging import Actor, ConversationKey, Delivered, Inbound, Reply
from core.notices.table import core_handlers
from core.policies import Policies
from core.ports import (
    ChatRef,
    Clock,
    Mailer,
    PaymentGateway,
    Recommender,
    SenderLimits,
    StepObserver,
)
from core.ratelimit import LocalLimits
from core.relay import RelayQueue
from core.runner import Runner
from core.services.announcements import Announcements
from core.services.catalog import SkillCatalog
from core.services.communities import CommunityView
from core.services.dms import DmError, ThreadView
from core.services.identity import Who
from core.services.places import Place
from core.services.posts import PostView
from core.services.relay import RelayError, RoomMessage, Upload, room_message
from core.signing import Keys, SigningKeys
from core.understand.intents import control_word
from core.uow import Deps, Handler, UnitOfWork, unit_of_work


class CoreApp:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.registry = build_registry()
        self.runner = Runner(deps, self.registry)

    @classmethod
    def create(
        cls,
        db: Database,
        clock: Clock,
        *,
        policies: Policies | None = None,
        admins: frozenset[str] = frozenset(),
        signing_key: Keys | None = None,
        gateway: PaymentGateway | None = None,
        recommender: Recommender | None = None,
        catalog: SkillCatalog | None = None,
        extra_handlers: dict[type, tuple[Handler, ...]] | None = None,
        observer: StepObserver | None = None,
        data_dir: Path | None = None,
        mailer: Mailer | None = None,
        sender_limits: SenderLimits | None = None,
    ) -> CoreApp:
        """A complete core; what is not given is the default (random signing key: links
        handed out in chat are valid for this process only; no gateway: no paid features;
        no recommender: "find a mentor" uses the basic Directory ranking; no mailer: emails
        go to the server log)."""
        return cls(
            Deps(
                db=db,
                clock=clock,
                policies=policies or Policies(),
                signing_keys=SigningKeys.of(signing_key or secrets.token_bytes(32)),
                catalog=catalog or SkillCatalog(),
                delivery=Delivery(db, clock, policies or Policies()),
                handlers=core_handlers(extra_handlers),
                relay=RelayQueue(db, clock, (policies or Policies()).public_url),
                admins=admins,
                gateway=gateway,
                recommender=recommender,
                observer=observer,
                avatars=AvatarStore(data_dir / "avatars" if data_dir is not None else None),
                mailer=mailer or LogMailer(),
                sender_limits=sender_limits or LocalLimits(),
            )
        )

    # Read-only views of the dependencies, for adapters.
    @property
    def db(self) -> Database:
        return self.deps.db

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    @property
    def policies(self) -> Policies:
        return self.deps.policies

    @property
    def signing_keys(self) -> SigningKeys:
        return self.deps.signing_keys

    @property
    def catalog(self) -> SkillCatalog:
        return self.deps.catalog

    @property
    def delivery(self) -> Delivery:
        return self.deps.delivery

    @property
    def recommender(self) -> Recommender | None:
        return self.deps.recommender

    @property
    def payments_gateway(self) -> PaymentGateway | None:
        return self.deps.gateway

    @property
    def admins(self) -> frozenset[str]:
        return self.deps.admins

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for entry points outside a conversation (pages, webhooks, CLI)."""
        async with unit_of_work(self.deps) as u:
            yield u

    async def handle(
        self,
        actor: Actor,
        inbound: Inbound,
        key: ConversationKey | None = None,
        *,
        once: Delivered | None = None,
    ) -> list[Reply]:
        """Replies to one inbound. `once`: the platform's delivery id (Telegram update_id,
        Slack event_id); a redelivery of it answers [] and changes nothing."""
        return await self.runner.handle(actor, inbound, key, once=once)

    async def first_delivery(self, once: Delivered) -> bool:
        """Records a delivery the adapter answers by itself, with no step in core (e.g. "let's
        do that in a private chat"); False if it was recorded before. A step records its own
        delivery: pass `once` to handle() instead."""
        async with unit_of_work(self.deps) as u:
            return await first_seen(u.session, once.source, once.event_id, u.now)

    async def bot_added(self, place: Place, *, once: Delivered | None = None) -> bool:
        """The bot was added to a group (or is back in one); False if `once` was handled
        before, and then nothing changed (don't greet the group twice)."""
        async with unit_of_work(self.deps) as u:
            if once is not None and not await first_seen(
                u.session, once.source, once.event_id, u.now
            ):
                return False
            await u.places.added(place)
            return True

    async def bot_removed(self, place: Place, *, once: Delivered | None = None) -> bool:
        """The bot was removed from (or kicked out of) a group: recorded as inactive."""
        async with unit_of_work(self.deps) as u:
            if once is not None and not await first_seen(
                u.session, once.source, once.event_id, u.now
            ):
                return False
            await u.places.removed(place)
            return True

    # ---- the community bridge (DESIGN §11) ----
    @property
    def relay(self) -> RelayQueue:
        """Adapters register their Bridge here; web rooms listen for new messages."""
        return self.deps.relay

    async def is_linked(self, chat: ChatRef) -> bool:
        """Whether messages in this chat belong to a community (else the bot ignores them)."""
        async with unit_of_work(self.deps) as u:
            return await u.relay.channel(chat) is not None

    async def relay_said(
        self,
        actor: Actor,
        chat: ChatRef,
        message_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        upload: Upload | None = None,
        markup: bool = False,
    ) -> bool:
        """A message in a linked chat: recorded once, copied to the community's other chats
        and its web room. False when the chat isn't linked or it was relayed before.
        `markup`: the text is core.markup the adapter made from the platform's formatting
        (typed text escaped, people mentioned with core.markup.platform_mention)."""
        async with unit_of_work(self.deps) as u:
            ch = await u.relay.channel(chat)
            if ch is None:
                return False
            user, _ = await u.identity.resolve(actor)
            # A muted or banned person, slow mode, the filter: the message stops here.
            words = strip_private(to_plain(text)) if markup else text
            if await u.moderation.refusal(user, ch.community_id, words) is not None:
                return False
            try:
                return (
                    await u.relay.said(user, chat, message_id, text, reply_to, upload, markup)
                    is not None
                )
            except RelayError:
                return False

    async def relay_edited(
        self, chat: ChatRef, message_id: str, text: str, *, markup: bool = False
    ) -> bool:
        async with unit_of_work(self.deps) as u:
            return await u.relay.edited(chat, message_id, text, markup)

    async def relay_deleted(self, chat: ChatRef, message_id: str) -> bool:
        async with unit_of_work(self.deps) as u:
            return await u.relay.deleted(chat, message_id)

    async def relay_reacted(
        self, actor: Actor, chat: ChatRef, message_id: str, action: str
    ) -> tuple[bool, str] | None:
        """A 🚩 ("report") or 🗑️ ("delete") reaction on a message (or a copy) in a linked chat:
        (done, what to tell the person); None when it isn't a community message."""
        async with unit_of_work(self.deps) as u:
            ch = await u.relay.channel(chat)
            if ch is None or await u.relay.find(ch, message_id) is None:
                return None  # any other reaction anywhere: no account made for it
            user, _ = await u.identity.resolve(actor)
            try:
                said = await u.moderation.reacted(user, chat, message_id, action)
            except RelayError as exc:
                return False, str(exc)
            return None if said is None else (True, said)

    async def room(self, slug: str, actor: Actor | None) -> CommunityView | None:
        """A community's web room, as the viewer sees it (None: no such room to show)."""
        async with unit_of_work(self.deps) as u:
            c = await u.communities.by_slug(slug)
            if c is None:
                return None
            viewer = None
            if actor is not None:
                found = await u.identity.find(actor)
                viewer = found.id if found is not None else None
            view = await u.communities.view(c.id, viewer)
            return view if view.visibility != "invite" or view.role is not None else None

    async def room_history(
        self, community_id: int, before_id: int | None = None, limit: int = 50
    ) -> list[RoomMessage]:
        async with unit_of_work(self.deps) as u:
            return await u.relay.history(
                community_id, self.deps.policies.public_url, before_id, limit
            )

    async def room_message(self, message_id: int) -> RoomMessage | None:
        async with unit_of_work(self.deps) as u:
            return await u.relay.one(message_id, self.deps.policies.public_url)

    async def room_join(self, actor: Actor, community_id: int) -> CommunityView:
        """Joins from the web room (public and unlisted rooms; CommunityError otherwise)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            return await u.communities.join(user, community_id)

    async def room_say(
        self,
        actor: Actor,
        community_id: int,
        text: str,
        reply_to: int | None = None,
        upload: Upload | None = None,
    ) -> int:
        """A message written in the web room (RelayError: said why not); returns its id."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            refused = await u.moderation.refusal(user, community_id, text)
            if refused is not None:
                raise RelayError(refused)
            msg = await u.relay.said_on_web(user, community_id, text, reply_to, upload)
            return msg.id

    async def room_moderate(
        self, actor: Actor, community_id: int, action: str, message_id: int, reason: str = ""
    ) -> str:
        """A web room's Report, Delete or Ban-author button; says what happened (RelayError:
        said why not)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            msg = await u.moderation.message(community_id, message_id)
            if msg is None:
                raise RelayError("That message isn't in this community.")
            if action == "report":
                return await u.moderation.report(user, msg, reason)
            if action == "delete":
                return await u.moderation.delete(user, msg, reason)
            if action == "ban":
                author = await u.session.get(User, msg.author_id)
                if author is None:
                    raise RelayError("Its author is gone.")
                said = await u.moderation.sanction_user(user, community_id, author, "ban", reason)
                await u.moderation.delete(user, msg, reason)
                return said
            raise RelayError("Unknown action.")

    async def room_rules(self, actor: Actor | None, community_id: int) -> tuple[str, bool]:
        """The community's rules (shown on join) and whether the viewer moderates it."""
        async with unit_of_work(self.deps) as u:
            rules = await u.moderation.rules(community_id)
            user = await u.identity.find(actor) if actor is not None else None
            mod = user is not None and await u.moderation.may_moderate(user, community_id)
            return (rules.rules if rules is not None else ""), mod

    async def shared_file(self, file_id: int, token: str) -> tuple[str, str, bytes] | None:
        """A file shared in a community (name, type, bytes), by its unguessable address."""
        async with unit_of_work(self.deps) as u:
            f = await u.relay.file(file_id, token)
            return None if f is None else (f.name, f.mime, f.data)

    # ---- profile pictures and age safeguards (issue 18) ----
    def avatar_file(self, name: str, size: str = "thumb") -> bytes | None:
        """A stored profile picture (JPEG bytes) by its unguessable name."""
        return self.deps.avatars.read(name, size)

    async def minors(self, user_ids: Iterable[int]) -> set[int]:
        """Who of these people said they are under 18 (never recorded, never public)."""
        async with unit_of_work(self.deps) as u:
            return await u.trust.minors(user_ids)

    # ---- mentor posts: the public page and Atom feeds ----
    # Public pages never show a person under 18 (age safeguards, issue 18).
    async def post(self, post_id: int) -> PostView | None:
        async with unit_of_work(self.deps) as u:
            post = await u.posts.get(post_id)
            if post is None or await u.trust.is_minor(post.author_id):
                return None
            return post

    async def mentor_posts(self, mentor_id: int) -> tuple[str, list[PostView]] | None:
        """The mentor's name and posts, newest first (None: not an approved mentor)."""
        async with unit_of_work(self.deps) as u:
            offer = await u.bookings.offering(mentor_id)
            if offer is None or await u.trust.is_minor(mentor_id):
                return None
            return offer.name, await u.posts.by_mentor(mentor_id)

    async def community_posts(self, slug: str) -> tuple[str, list[PostView]] | None:
        """A public or unlisted community's name and the posts announced in it."""
        async with unit_of_work(self.deps) as u:
            c = await u.posts.community_by_slug(slug)
            if c is None:
                return None
            posts = await u.posts.by_community(c.id)
            hidden = await u.trust.minors(p.author_id for p in posts)
            return c.name, [p for p in posts if p.author_id not in hidden]

    # ---- forms (surfaces with forms, e.g. Slack modals; others use the step dialogs) ----
    def form_for(self, inbound: Inbound) -> str | None:
        """The form that can stand in for this command or button, if any."""
        return form_for(inbound)

    async def open_form(self, actor: Actor, name: str) -> Form | None:
        """The form prefilled with the person's answers; None: handle the inbound as steps."""
        return await open_form(self.runner, actor, name)

    async def check_form(self, actor: Actor, name: str, values: FormValues) -> dict[str, str]:
        return await check_form(self.runner, actor, name, values)

    async def submit_form(
        self, actor: Actor, name: str, values: FormValues, *, once: Delivered | None = None
    ) -> FormOutcome:
        return await submit_form(self.runner, actor, name, values, once=once)

    @property
    def announcements(self) -> Announcements:
        """Servers' announcement setups and the approved mentors announced there (Discord)."""
        return Announcements(self.db, self.clock)

    # ---- small lookups adapters need at their boundary ----
    def knows_action(self, payload: str) -> bool:
        """Whether some dialog or handler takes this button payload (else it is stale)."""
        prefix = payload.split(":", 1)[0]
        reg = self.registry
        return prefix in reg.actions or any(prefix in d.prefixes for d in reg.dialogs.values())

    def skill_names(self, typed: str, limit: int = 25) -> list[str]:
        """Skill names for autocomplete: those starting like `typed`, then close matches."""
        index = self.catalog.index
        start = typed.strip().casefold()
        names = sorted(ref.name for ref in index.by_id.values())
        hits = [n for n in names if n.casefold().startswith(start)] if start else names
        if start and len(hits) < limit:
            hits += [r.name for r in index.suggest(typed, limit=10) if r.name not in hits]
        return hits[:limit]

    async def get_value(self, key: str) -> str | None:
        """A fact an adapter keeps between restarts (core's key/value table)."""
        async with self.db.transaction() as s:
            return await get_value(s, key)

    async def put_value(self, key: str, value: str | None) -> None:
        """Store (None: forget) a fact an adapter keeps between restarts."""
        async with self.db.transaction() as s:
            await put_value(s, key, value, self.clock.now())

    async def who(self, actor: Actor) -> Who | None:
        """The name the person gave and their admin flag, for a surface's header (the web
        chat shows the name and an Admin badge); None before their first message."""
        async with unit_of_work(self.deps) as u:
            return await u.identity.who(actor)

    async def home(self, actor: Actor) -> list[Reply]:
        """Profile, upcoming sessions and wallet at a glance (e.g. Slack's App Home)."""
        return await home(self.runner, actor)

    async def calendar_feed(self, token: str) -> bytes | None:
        """A person's sessions as an iCalendar feed (the private /calendar/{token}.ics);
        None when the token is not ours or its owner has reset the feed since."""
        async with unit_of_work(self.deps) as u:
            return await feed_of_token(
                u.session, self.deps.policies.public_url, self.deps.signing_keys, token, u.now
            )

    async def tick(self) -> TickReport:
        """Advance everything time-driven (expiries, reminders, completions)."""
        return await tick(self.deps)

    # ---- direct messages (issue #16) ----
    async def _dm_allowed(self, user_id: int) -> bool:
        """Per-sender rate limit (every worker's together when bootstrap gave a shared
        store): a burst gets "slow down"."""
        p = self.deps.policies
        return await self.deps.sender_limits.allow(
            f"dm:{user_id}", p.dm_rate_per_min / 60, p.dm_burst, self.deps.clock.now().timestamp()
        )

    async def dm_target(self, actor: Actor, reply_to: str | None, text: str = "") -> int | None:
        """The thread a message in a person's DM with the bot belongs to: the thread of the
        relayed message it replies to, else the one they are writing in ("✉️ to …" mode).
        None: it is for the bot (a command word, or no thread)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            if reply_to:
                parent = await u.dms.target(user, actor.platform, reply_to)
                if parent is not None:
                    return parent.dm_thread_id
            if text and len(text.split()) == 1 and control_word(text) is not None:
                return None  # "menu", "cancel", "help": the bot's words
            key = ConversationKey.private(actor)
            conv = await u.session.scalar(
                select(Conversation).where(
                    Conversation.platform == key.platform,
                    Conversation.workspace == key.workspace,
                    Conversation.chat_id == key.chat_id,
                    Conversation.external_id == key.external_id,
                )
            )
            if conv is None or conv.dialog != "dm" or conv.state != "writing":
                return None
            t = conv.data.get("thread")
            return t if isinstance(t, int) else None

    async def dm_said(
        self,
        actor: Actor,
        thread_id: int,
        message_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        upload: Upload | None = None,
    ) -> str | None:
        """A message written in a person's DM with the bot, for a thread: recorded once and
        queued for the other person. Returns what to tell the writer when it was refused."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            if not await self._dm_allowed(user.id):
                return "Slow down a little — that message wasn't sent. Try again in a moment."
            try:
                t = await u.dms.get(user, thread_id)
                parent = await u.dms.target(user, actor.platform, reply_to) if reply_to else None
                await u.dms.send(
                    user, t, text, platform=actor.platform, origin_message_id=message_id,
                    reply_to_id=parent.id if parent is not None else None, upload=upload,
                )  # fmt: skip
            except DmError as e:
                return str(e)
        return None

    async def dm_edited(
        self, platform: str, workspace: str, author: str | None, message_id: str, text: str
    ) -> bool:
        """A person edited a message they wrote in their DM with the bot (author: their
        platform id, None on Discord): the copy on the other side follows."""
        async with unit_of_work(self.deps) as u:
            msg = await u.dms.original(platform, workspace, message_id, author)
            if msg is None:
                return False
            try:
                return await u.dms.edited(msg, text)
            except DmError:
                return False  # emptied by the edit, or the pair is blocked: the copy stays

    async def dm_deleted(
        self, platform: str, workspace: str, author: str | None, message_id: str
    ) -> bool:
        """A person deleted a message they wrote in their DM with the bot: the copy goes."""
        async with unit_of_work(self.deps) as u:
            msg = await u.dms.original(platform, workspace, message_id, author)
            return msg is not None and await u.dms.deleted(msg)

    async def dm_me(self, actor: Actor) -> int:
        """The person's user id (a /messages page marks their own messages)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            return user.id

    async def dm_edit_web(self, actor: Actor, message_id: int, text: str) -> None:
        """Their own message edited on /messages (DmError: said why not)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            await u.dms.edited(await u.dms.own(user, message_id), text)

    async def dm_delete_web(self, actor: Actor, message_id: int) -> None:
        """Their own message deleted on /messages (DmError: said why not)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            await u.dms.deleted(await u.dms.own(user, message_id))

    async def dm_threads(self, actor: Actor) -> list[ThreadView]:
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            return await u.dms.threads(user)

    async def dm_history(self, actor: Actor, thread_id: int) -> tuple[str, list[RoomMessage], int]:
        """(the other person's name, the messages, the newest the other side has seen)."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            t = await u.dms.get(user, thread_id)
            other = t.mentor_id if t.learner_id == user.id else t.learner_id
            them = await u.session.get(User, other)
            seen = t.mentor_seen_id if t.learner_id == user.id else t.learner_seen_id
            msgs = await u.dms.history(t, self.deps.policies.public_url)
            return (them.display_name if them else "Someone", msgs, seen)

    async def dm_member(self, actor: Actor, thread_id: int) -> bool:
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            try:
                await u.dms.get(user, thread_id)
            except DmError:
                return False
            return True

    async def dm_say_web(
        self,
        actor: Actor,
        thread_id: int,
        text: str,
        reply_to_id: int | None = None,
        upload: Upload | None = None,
    ) -> int:
        """A message written on /messages (DmError: said why not); returns its id."""
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            if not await self._dm_allowed(user.id):
                raise DmError("Slow down a little — that message wasn't sent.")
            t = await u.dms.get(user, thread_id)
            msg = await u.dms.send(
                user, t, text, platform="web", reply_to_id=reply_to_id, upload=upload
            )
            return msg.id

    async def dm_seen(self, actor: Actor, thread_id: int, message_id: int) -> None:
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            await u.dms.seen(user, thread_id, message_id)

    async def dm_report(self, actor: Actor, message_id: int, reason: str) -> None:
        async with unit_of_work(self.deps) as u:
            user, _ = await u.identity.resolve(actor)
            await u.dms.report(user, message_id, reason)

    async def dm_message(self, message_id: int) -> tuple[int, RoomMessage] | None:
        """(thread id, message) of one direct message, for /messages pages."""
        async with unit_of_work(self.deps) as u:
            m = await u.session.get(RelayMessage, message_id)
            if m is None or m.dm_thread_id is None:
                return None
            f = await u.session.get(RelayFile, m.file_id) if m.file_id else None
            return m.dm_thread_id, room_message(m, f, self.deps.policies.public_url)
