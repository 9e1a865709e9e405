"""The bot: a Dispatcher whose handlers acknowledge, call core and send the answer, and the
Channel that delivers core's notifications to Telegram users. Translation lives in inbound.py,
rendering in render.py, start-up in setup.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    TelegramObject,
    Update,
)

from bots.telegram.flood import Pacer, SendPacer, Timer, with_retry_after
from bots.telegram.inbound import (
    BotJoined,
    NotAnUpdate,
    NotYours,
    Redirect,
    Toast,
    Unreadable,
    is_group,
    membership_of,
    read_update,
    translate_message,
    translate_press,
)
from bots.telegram.indicator import Later, TypingIndicator, loop_later
from bots.telegram.relay import TelegramRelay, chat_ref, dm_in, markup_in, relay_in
from bots.telegram.render import Out, OutPhoto, OutText, choice_echo, group_welcome, render
from bots.telegram.session import Session
from core.app import CoreApp
from core.commands import menu_commands
from core.markup import to_plain
from core.messaging import (
    FILE_FETCH_MAX,
    PLATFORM_PHOTO,
    ActionIn,
    Button,
    CommandIn,
    Delivered,
    FileIn,
    Inbound,
    Reply,
)
from core.ports import Destination
from core.tracing import traced

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
STOP_WITHIN_S = 5.0


class ChatOrder:
    """Turns per chat, in the order they were asked for. take() is synchronous, so updates
    that aiogram hands over in order (polling runs each as its own task) keep that order
    for one chat even when an earlier one waits on the network; other chats never wait."""

    def __init__(self) -> None:
        self._tails: dict[int, asyncio.Future[None]] = {}
        self._count: dict[int, int] = {}
        self._parked: dict[int, int] = {}
        self._parked_cond = asyncio.Condition()

    def take(self, chat: int) -> tuple[asyncio.Future[None] | None, asyncio.Future[None]]:
        before = self._tails.get(chat)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat] = mine
        self._count[chat] = self._count.get(chat, 0) + 1
        return before, mine

    async def wait_turn(self, chat: int, before: asyncio.Future[None]) -> None:
        """Park until the update before this one (of the same chat) has finished."""
        self._parked[chat] = self._parked.get(chat, 0) + 1
        async with self._parked_cond:
            self._parked_cond.notify_all()
        try:
            # The one before may fail or be cancelled; this one still runs after it.
            await asyncio.wait([before])
        finally:
            left = self._parked[chat] - 1
            if left:
                self._parked[chat] = left
            else:
                del self._parked[chat]

    async def wait_parked(self, chat: int, n: int = 1) -> None:
        """For tests: until n updates of this chat wait for their turn."""
        async with self._parked_cond:
            await self._parked_cond.wait_for(lambda: self._parked.get(chat, 0) >= n)

    def done(self, chat: int, mine: asyncio.Future[None]) -> None:
        if not mine.done():
            mine.set_result(None)
        left = self._count[chat] - 1
        if left:
            self._count[chat] = left
        else:
            del self._count[chat]
        if self._tails.get(chat) is mine:
            del self._tails[chat]

    def queued(self, chat: int) -> int:
        """Updates of this chat not finished yet (the running one and those waiting)."""
        return self._count.get(chat, 0)


def chat_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.my_chat_member is not None:
        return update.my_chat_member.chat.id
    cq = update.callback_query
    if cq is not None:
        return cq.message.chat.id if cq.message is not None else cq.from_user.id
    return None


def _bot_commands(*, groups: bool) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=c.help) for c in menu_commands(groups=groups)]


def build_dispatcher() -> Dispatcher:
    """The update types the bot handles. What it asks Telegram for (getUpdates and
    setWebhook's allowed_updates) is derived from this: update_types()."""
    router = Router(name="mentorbot")
    router.message.register(_on_message)
    # A linked group's edits follow to the community's other chats.
    router.edited_message.register(_on_edited)
    router.callback_query.register(_on_callback)
    router.my_chat_member.register(_on_my_chat_member)
    dp = Dispatcher()
    dp.include_router(router)
    return dp


def update_types() -> list[str]:
    return build_dispatcher().resolve_used_update_types()


# aiogram hands each handler the Dispatcher's "tg" entry: the TelegramBot it belongs to.
async def _on_message(message: Message, event_update: Update, tg: TelegramBot) -> None:
    await tg.on_message(message, event_update)


async def _on_edited(message: Message, event_update: Update, tg: TelegramBot) -> None:
    await tg.on_edited(message)


async def _on_callback(cq: CallbackQuery, event_update: Update, tg: TelegramBot) -> None:
    await tg.on_callback(cq, event_update)


async def _on_my_chat_member(
    change: ChatMemberUpdated, event_update: Update, tg: TelegramBot
) -> None:
    await tg.on_my_chat_member(change, event_update)


class Unreachable(Exception):
    """Telegram will never deliver to this chat (blocked, deleted, never started)."""


class TelegramBot:
    """Channel for platform "telegram"; one per bot token."""

    platform = "telegram"

    def __init__(
        self,
        core: CoreApp,
        bot: Bot,
        *,
        pacer: SendPacer | None = None,
        timer: Timer | None = None,
        typing_later: Later | None = None,
    ) -> None:
        self.core = core
        self.bot = bot
        self.timer = timer or Timer()
        # Separate from the pacing timer: tests decide when "a second" has passed.
        self.typing_later: Later = typing_later or loop_later
        self.pacer: SendPacer = pacer or Pacer(timer=self.timer)
        self.username = ""
        self.order = ChatOrder()
        self.dp = build_dispatcher()
        self.dp["tg"] = self
        self.update_types = self.dp.resolve_used_update_types()
        self.dp.update.outer_middleware(self._in_turn)
        self._polling: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        if isinstance(bot.session, Session):
            bot.session.backlog = lambda: len(self._inflight)
        # Finished update ids, for tests and the benchmark to wait on (bounded).
        self.finished: deque[int] = deque(maxlen=10_000)
        self._finished_cond = asyncio.Condition()

    # ---- lifecycle ------------------------------------------------------------
    async def start(self, *, polling: bool, polling_timeout: int = 25) -> None:
        me = await self.bot.me()
        self.username = me.username or ""
        await self.bot.set_my_commands(_bot_commands(groups=False))
        # A group's "/" menu offers only what runs there; the rest lives in the DM.
        await self.bot.set_my_commands(
            _bot_commands(groups=True), scope=BotCommandScopeAllGroupChats()
        )
        self.core.delivery.register(self)
        self.core.relay.register(TelegramRelay(self.bot))
        if polling:
            # getUpdates is refused while a webhook is set.
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._polling = asyncio.create_task(
                self.dp.start_polling(
                    self.bot,
                    polling_timeout=polling_timeout,
                    handle_signals=False,
                    close_bot_session=False,
                    allowed_updates=self.update_types,
                )
            )
        else:
            await self._check_webhook()

    async def _check_webhook(self) -> None:
        """Webhook mode: say in the log if Telegram was registered for other update types
        (an older release asked for fewer) or not at all."""
        info = await self.bot.get_webhook_info()
        if not info.url:
            log.warning("No Telegram webhook is registered: run `mentorbot telegram set-webhook`.")
        elif sorted(info.allowed_updates or ()) != self.update_types:
            log.warning(
                "Telegram's webhook sends %s, the bot handles %s: run "
                "`mentorbot telegram set-webhook` again.",
                ", ".join(info.allowed_updates or ["its default types"]),
                ", ".join(self.update_types),
            )

    async def stop(self) -> None:
        self.core.delivery.unregister(self.platform)
        if self._polling is not None:
            # stop_polling ends aiogram's inner polling task too; cancelling ours wouldn't.
            with contextlib.suppress(RuntimeError):  # polling never got going
                await self.dp.stop_polling()
            try:
                await asyncio.wait_for(self._polling, STOP_WITHIN_S)
            except (TimeoutError, asyncio.CancelledError, Exception):
                log.warning("telegram polling did not stop cleanly", exc_info=True)
            self._polling = None
        # Let updates already being handled send their replies before the session closes.
        busy = self._inflight - {asyncio.current_task()}
        if busy:
            _done, late = await asyncio.wait(busy, timeout=STOP_WITHIN_S)
            for t in late:
                t.cancel()
        await self.bot.session.close()

    def read(self, raw: object) -> Update | NotAnUpdate | Unreadable:
        """A webhook body (parsed JSON) as an Update bound to this bot, or why not."""
        return read_update(raw, self.bot)

    async def feed(self, update: Update) -> None:
        """One update from the webhook (authenticated and read)."""
        await self.dp.feed_update(self.bot, update)

    # ---- middleware: one update of a chat at a time, and a signal when it is done ----
    async def _in_turn(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        # Before any await: a press and the text typed right after it must not swap places
        # (the press first answers the callback query over the network).
        chat = chat_of(event)
        turn = self.order.take(chat) if chat is not None else None
        with traced(f"tg:{event.update_id}", f"telegram update {event.update_id}"):
            return await self._turn(handler, event, data, chat, turn, task)

    async def _turn(
        self,
        handler: Handler,
        event: Update,
        data: dict[str, Any],
        chat: int | None,
        turn: tuple[asyncio.Future[None] | None, asyncio.Future[None]] | None,
        task: asyncio.Task[Any] | None,
    ) -> Any:
        try:
            if turn is not None and turn[0] is not None:
                assert chat is not None
                await self.order.wait_turn(chat, turn[0])
            return await handler(event, data)
        finally:
            if turn is not None:
                assert chat is not None
                self.order.done(chat, turn[1])
            if task is not None:
                self._inflight.discard(task)
            async with self._finished_cond:
                self.finished.append(event.update_id)
                self._finished_cond.notify_all()

    def delivered(self, update: Update) -> Delivered:
        """The update's id as core records it, inside the step's own transaction: Telegram
        redelivers (a slow webhook answer, a restart, two pollers overlapping), and core then
        acts once; a step that failed rolled its record back, so the redelivery runs it."""
        return Delivered(f"telegram:{self.bot.id}", str(update.update_id))

    async def _first(self, update: Update) -> bool:
        """For answers the adapter gives by itself (no step runs in core)."""
        return await self.core.first_delivery(self.delivered(update))

    async def wait_finished(self, update_id: int, within_s: float = 10.0, times: int = 1) -> None:
        """Until the update has been handled (or skipped as a duplicate) `times` times."""
        async with asyncio.timeout(within_s), self._finished_cond:
            await self._finished_cond.wait_for(lambda: self.finished.count(update_id) >= times)

    # ---- inbound ------------------------------------------------------------------
    async def on_message(self, message: Message, event_update: Update) -> None:
        routed = translate_message(message, self.username)
        if routed is None:
            if is_group(message.chat):
                # Not for the bot: in a group linked to a community it is relayed.
                await relay_in(self.core, self.bot, message)
            return
        # In a group every answer replies to the message that asked: it reads as a thread,
        # and it is what ties a keyboard to its owner (inbound.owner_of).
        reply_to = message.message_id if is_group(message.chat) else None
        if isinstance(routed, Redirect):
            if await self._first(event_update):
                await self._answer(message.chat.id, [routed.reply], reply_to=reply_to)
            return
        if (
            message.chat.type == "private"
            and not isinstance(routed.inbound, CommandIn | ActionIn)
            and await dm_in(self.core, self.bot, message, routed.actor)
        ):
            return  # a direct message to someone (issue #16), not a word for the bot
        # No lock of our own: _in_turn already runs one update of a chat at a time, reply
        # included, so the next step never overtakes this answer.
        with self._typing_while_slow(message.chat.id):
            inbound = await self._fetched(routed.inbound)
            replies = await self.core.handle(
                routed.actor, inbound, routed.key, once=self.delivered(event_update)
            )
        await self._answer(message.chat.id, replies, reply_to=reply_to)

    async def _profile_photo(self, user_id: int) -> FileIn | None:
        """The person's current Telegram profile photo (getUserProfilePhotos, the biggest
        size), offered as their profile picture; None: they have none we may see."""
        try:
            photos = await self.bot.get_user_profile_photos(user_id, limit=1)
        except TelegramAPIError as exc:
            log.warning("telegram profile photos of %s: %s", user_id, exc)
            return None
        if not photos.photos or not photos.photos[0]:
            return None
        biggest = photos.photos[0][-1]
        got = await self._fetched(
            FileIn("telegram-photo.jpg", "image/jpeg", biggest.file_size or 0, biggest.file_id)
        )
        return got if isinstance(got, FileIn) and got.data is not None else None

    async def _fetched(self, inbound: Inbound) -> Inbound:
        """A photo (or an image sent as a file) with its bytes, for core to read by content
        (a profile picture); other files and big ones keep their reference only."""
        if not isinstance(inbound, FileIn) or inbound.data is not None:
            return inbound
        looks_like_image = inbound.mime.startswith("image/") or inbound.name.lower().endswith(
            IMAGE_SUFFIXES
        )
        if not looks_like_image or inbound.size > FILE_FETCH_MAX:
            return inbound
        try:
            got = await self.bot.download(inbound.ref)
        except (TelegramAPIError, OSError) as exc:
            log.warning("telegram file %s could not be fetched: %s", inbound.ref, exc)
            return inbound
        if got is None:
            return inbound
        data = got.read(FILE_FETCH_MAX + 1)
        return replace(inbound, data=data if len(data) <= FILE_FETCH_MAX else None)

    async def on_edited(self, message: Message) -> None:
        if message.from_user is None or (message.text is None and message.caption is None):
            return
        if is_group(message.chat):
            await self.core.relay_edited(
                chat_ref(message), str(message.message_id), markup_in(message), markup=True
            )
        elif message.chat.type == "private":
            # A direct message edited in the person's chat with the bot: its copy follows.
            text = message.text if message.text is not None else (message.caption or "")
            await self.core.dm_edited(
                "telegram", "telegram", str(message.from_user.id), str(message.message_id), text
            )

    async def on_callback(self, cq: CallbackQuery, event_update: Update) -> None:
        press = translate_press(cq, self.username)
        if isinstance(press, NotYours):
            # Someone else's keyboard in a group: a short alert; their press never reaches core.
            await self._ack(cq, press.alert)
            return
        if isinstance(press, Toast):
            said = await self.core.handle(
                press.routed.actor,
                press.routed.inbound,
                press.routed.key,
                once=self.delivered(event_update),
            )
            text = " ".join(to_plain(r.text) for r in said)[:200]  # Telegram: 200 at most
            await self._ack(cq, text, as_alert=False)
            return
        await self._ack(cq)  # always, first: stops the button's spinner
        msg = cq.message if isinstance(cq.message, Message) else None
        chat_id = msg.chat.id if msg is not None else cq.from_user.id
        # In a group the owner's own message is the one the keyboard replies to.
        asked = msg.reply_to_message if msg is not None and is_group(msg.chat) else None
        reply_to = asked.message_id if asked is not None else None
        if isinstance(press, Redirect):
            if await self._first(event_update):
                await self._answer(chat_id, [press.reply], reply_to=reply_to)
            return
        if press is None or not cq.data:
            return
        inbound = press.inbound
        if isinstance(inbound, ActionIn) and inbound.payload == PLATFORM_PHOTO:
            inbound = await self._profile_photo(cq.from_user.id) or inbound
        with self._typing_while_slow(chat_id):
            replies = await self.core.handle(
                press.actor, inbound, press.key, once=self.delivered(event_update)
            )
        if not replies:
            return  # a redelivered press: the first delivery answered and folded the keyboard
        await self._after_press(chat_id, msg, cq.data, replies, reply_to)

    async def on_my_chat_member(self, change: ChatMemberUpdated, event_update: Update) -> None:
        """The bot's own membership of a chat changed: a group it joined is greeted with how
        members use it there; one it was removed from is recorded as inactive."""
        move = membership_of(change)
        if move is None:
            return
        once = self.delivered(event_update)
        if isinstance(move, BotJoined):
            if await self.core.bot_added(move.place, once=once):
                await self._answer(change.chat.id, [group_welcome()])
        else:
            await self.core.bot_removed(move.place, once=once)

    @contextlib.contextmanager
    def _typing_while_slow(self, chat_id: int) -> Iterator[None]:
        """Show "typing…" if the body takes longer than TYPING_AFTER_S, until it ends."""
        # Not paced and not retried: it is a hint, and never worth a delay.
        indicator = TypingIndicator(
            lambda: self.bot(SendChatAction(chat_id=chat_id, action="typing")),
            self.typing_later,
        )
        indicator.start()
        try:
            yield
        finally:
            indicator.stop()

    async def _ack(self, cq: CallbackQuery, alert: str = "", *, as_alert: bool = True) -> None:
        """answerCallbackQuery, exactly once per press; with text it pops up an alert (or,
        `as_alert` False, a notice that fades)."""
        try:
            if alert:
                await cq.answer(alert, show_alert=as_alert)
            else:
                await cq.answer()
        except TelegramAPIError as exc:
            log.info("answerCallbackQuery failed: %s", exc)

    async def _after_press(
        self,
        chat_id: int,
        msg: Message | None,
        data: str,
        replies: Sequence[Reply],
        reply_to: int | None = None,
    ) -> None:
        if msg is None:
            await self._answer(chat_id, replies)
            return
        if len(replies) == 1 and _same_view(msg, data, replies[0]):
            outs = render(replies[0])
            # Paging or re-sorting the same list: replace it rather than stack copies.
            if (
                len(outs) == 1
                and isinstance(outs[0], OutText)
                and msg.text is not None
                and await self._edit(chat_id, msg.message_id, outs[0])
            ):
                return
        try:
            await self._fold(chat_id, msg, data)
        except Unreachable:
            return
        await self._answer(chat_id, replies, reply_to=reply_to)

    async def _answer(
        self, chat_id: int, replies: Sequence[Reply], *, reply_to: int | None = None
    ) -> None:
        """Replies to someone who just wrote: a failure is logged (they can ask again);
        core has already saved the step."""
        try:
            await self.send(chat_id, replies, reply_to=reply_to)
        except (Unreachable, TelegramAPIError) as exc:
            log.warning("reply to telegram chat %s failed: %s", chat_id, exc)

    async def _fold(self, chat_id: int, msg: Message, data: str) -> None:
        """Replace the pressed keyboard with the choice made: the chat shows what was
        answered, and old buttons can't be pressed again."""
        label = ""
        if msg.reply_markup is not None:
            for row in msg.reply_markup.inline_keyboard:
                for b in row:
                    if b.callback_data == data:
                        label = b.text
        if msg.text is not None:
            await self._edit(chat_id, msg.message_id, OutText(choice_echo(msg.html_text, label)))
        else:
            await self._call(
                chat_id,
                EditMessageReplyMarkup(chat_id=chat_id, message_id=msg.message_id),
                quiet=True,
            )

    async def _edit(self, chat_id: int, message_id: int, out: OutText) -> bool:
        method = EditMessageText(
            chat_id=chat_id,
            message_id=message_id,
            text=out.html,
            parse_mode="HTML",
            reply_markup=out.keyboard,
            link_preview_options=_NO_PREVIEW,
        )
        return await self._call(chat_id, method, quiet=True) is not None

    # ---- outbound -----------------------------------------------------------------
    async def send(
        self, chat_id: int, replies: Sequence[Reply], *, reply_to: int | None = None
    ) -> None:
        for reply in replies:
            for out in render(reply):
                await self._call(chat_id, _method(chat_id, out, reply_to))

    async def _call(self, chat_id: int, method: TelegramMethod[Any], *, quiet: bool = False) -> Any:
        async def once() -> Any:
            await self.pacer.wait(chat_id)
            return await self.bot(method)

        async def paused(seconds: float) -> None:
            await self.pacer.pause(chat_id, seconds)

        try:
            return await with_retry_after(once, self.timer, on_retry_after=paused)
        except TelegramForbiddenError as exc:
            raise Unreachable(str(exc)) from exc
        except (TelegramBadRequest, TelegramNotFound) as exc:
            if "chat not found" in str(exc).casefold():
                raise Unreachable(str(exc)) from exc
            if not quiet:
                raise
            log.info("%s to %s refused: %s", type(method).__name__, chat_id, exc)
            return None

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        try:
            await self.send(int(to.external_id), replies)
        except Unreachable as exc:
            log.info("telegram user %s is unreachable: %s", to.external_id, exc)
            await self.core.delivery.mark_unreachable(to.account_id)
            return False
        except TelegramAPIError as exc:
            log.warning("telegram delivery to %s failed, will retry: %s", to.external_id, exc)
            return False
        return True


def _same_view(msg: Message, data: str, reply: Reply) -> bool:
    """Is the answer a new page of the same view (paging, sorting, filtering)? Then it
    shares the pressed payload's prefix and at least two of the old buttons' labels;
    a dialog's next question shares neither, and reads better as a new message."""
    if reply.image is not None or reply.attachment is not None or msg.reply_markup is None:
        return False
    prefix = data.split(":", 1)[0]
    new = {b.label for b in reply.all_buttons() if isinstance(b, Button)}
    if not any(
        b.payload.split(":", 1)[0] == prefix for b in reply.all_buttons() if isinstance(b, Button)
    ):
        return False
    old = {b.text for row in msg.reply_markup.inline_keyboard for b in row}
    return len(old & new) >= 2


def _method(chat_id: int, out: Out, reply_to: int | None = None) -> TelegramMethod[Any]:
    # If the asking message is gone by now, send anyway (without the thread).
    thread = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to is not None
        else None
    )
    if isinstance(out, OutText):
        return SendMessage(
            chat_id=chat_id,
            text=out.html,
            parse_mode="HTML",
            reply_markup=out.keyboard,
            link_preview_options=_NO_PREVIEW,
            reply_parameters=thread,
        )
    if isinstance(out, OutPhoto):
        return SendPhoto(
            chat_id=chat_id,
            photo=BufferedInputFile(out.png, "image.png"),
            caption=out.caption or None,
            parse_mode="HTML",
            reply_markup=out.keyboard,
            reply_parameters=thread,
        )
    return SendDocument(
        chat_id=chat_id,
        document=BufferedInputFile(out.data, out.filename),
        caption=out.caption or None,
        parse_mode="HTML",
        reply_markup=out.keyboard,
        reply_parameters=thread,
    )
