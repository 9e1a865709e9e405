"""A local fake of the Telegram Bot API (aiohttp on 127.0.0.1, ephemeral port).

It speaks the real wire format aiogram uses: POST /bot<token>/<method> with form fields
(JSON-encoded when complex) and files as multipart parts; answers {"ok": ..., "result"}.
Tests push updates in and read what the bot sent.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "link_preview_options",
    "scope",
    "reply_parameters",
}
_TAG = re.compile(r"<[^>]+>")
MAX_POLL_S = 5.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram sends a bot that never said which update types it wants (Bot API: "all
# update types except chat_member, message_reaction, and message_reaction_count").
DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class Sent:
    chat_id: int
    message_id: int
    kind: str  # text | photo | document | voice
    html: str
    reply_markup: dict[str, Any] | None = None
    filename: str = ""
    data: bytes = b""
    edits: int = 0
    reply_to: dict[str, Any] | None = None  # the user's message this one answers
    reply_to_id: int | None = None  # the message id it replies to (a user's or the bot's)
    deleted: bool = False
    at: float = field(default_factory=time.monotonic)  # when the fake received it
    thread_id: int | None = None  # the forum topic it was posted in (None: General / no forum)

    @property
    def plain(self) -> str:
        return html.unescape(_TAG.sub("", self.html))

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]


@dataclass
class Failure:
    code: int
    description: str
    retry_after: int | None = None


@dataclass
class Hold:
    """One call held in the fake until the test releases it: a slow Bot API, on cue."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class FakeBotAPI:
    token: str = "123456:TEST-token_for-mentorbot"
    username: str = "mentorbot_test_bot"
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: dict[str, list[Failure]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)  # the default scope
    scoped_commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    callback_answers: list[str] = field(default_factory=list)
    # answerCallbackQuery bodies in full (text, show_alert), in order.
    alerts: list[dict[str, Any]] = field(default_factory=list)
    holds: dict[tuple[str, int], Hold] = field(default_factory=dict)
    # What users wrote, so the bot can reply to it: (chat_id, message_id) -> message
    inbox: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    # The bot's allowed_updates, as last given to getUpdates or setWebhook (None: never
    # given). Telegram keeps the last list and sends nothing else; `dropped` is what it
    # did not send.
    allowed_updates: list[str] | None = None
    dropped: list[dict[str, Any]] = field(default_factory=list)
    # Where webhook deliveries really go: the public https URL a bot registers is served by
    # a TLS proxy in front of the app; in tests that is the app's local address.
    webhook_target: str = ""
    # Files people sent, by file_id (getFile and the file download serve them).
    files: dict[str, bytes] = field(default_factory=dict)
    # Forum supergroups (topics on) and their topics: chat_id -> topic ids.
    forums: dict[int, set[int]] = field(default_factory=dict)
    # Profile photos by user id: file_ids (in `files`), newest first (getUserProfilePhotos).
    profile_photos: dict[int, list[str]] = field(default_factory=dict)
    _next_update: int = 1000
    _next_message: int = 1
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _called: asyncio.Condition = field(default_factory=asyncio.Condition)
    server: TestServer | None = None

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # ---- wire -------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        out: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            out.update(await request.json())
            return out
        form = await request.post()
        for k, v in form.items():
            if isinstance(v, web.FileField):
                out[k] = (v.filename, v.file.read())
            elif k in JSON_FIELDS:
                out[k] = json.loads(str(v))
            else:
                out[k] = v
        # Uploads arrive as "attach://<part>" with the bytes in that multipart part.
        for k, v in list(out.items()):
            if isinstance(v, str) and v.startswith("attach://"):
                out[k] = out.pop(v.removeprefix("attach://"))
        return out

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        async with self._called:
            self._called.notify_all()
        hold = self.holds.pop((method, int(params.get("chat_id", 0) or 0)), None)
        if hold is not None:
            hold.entered.set()
            await hold.release.wait()
        queued = self.fail.get(method)
        if queued:
            f = queued.pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": f.code, "description": f.description}
            if f.retry_after is not None:
                body["parameters"] = {"retry_after": f.retry_after}
            return web.json_response(body, status=f.code)
        handler = getattr(self, "m_" + method.casefold(), None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        try:
            result = await handler(params)
        except ConflictError as exc:
            return web.json_response(
                {"ok": False, "error_code": 409, "description": f"Conflict: {exc}"}, status=409
            )
        except LookupError as exc:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400
            )
        return web.json_response({"ok": True, "result": result})

    # ---- methods ------------------------------------------------------------------
    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "MentorBot",
            "username": self.username,
        }

    async def m_getme(self, p: dict[str, Any]) -> Any:
        return self._me()

    async def m_getupdates(self, p: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise ConflictError(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        self._remember_allowed(p)
        offset = int(p.get("offset", 0) or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        self._drop_unwanted()
        wait = min(float(p.get("timeout", 0) or 0), MAX_POLL_S)
        if not self.updates and wait > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), wait)
            except TimeoutError:
                return []
        self._drop_unwanted()
        limit = int(p.get("limit", 100) or 100)
        return self.updates[:limit]

    def _remember_allowed(self, p: dict[str, Any]) -> None:
        given = p.get("allowed_updates")
        if given is None:
            return  # "If not specified, the previous setting will be used."
        if not isinstance(given, list) or not all(isinstance(k, str) for k in given):
            raise LookupError("can't parse allowed updates")
        # An empty list means every type but the three opt-in ones, as never asking does.
        self.allowed_updates = list(given)

    def wants(self, update: dict[str, Any]) -> bool:
        allowed = frozenset(self.allowed_updates) if self.allowed_updates else DEFAULT_UPDATES
        return update_kind(update) in allowed

    def _drop_unwanted(self) -> None:
        keep = []
        for u in self.updates:
            (keep if self.wants(u) else self.dropped).append(u)
        self.updates = keep

    async def m_deletewebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def m_setwebhook(self, p: dict[str, Any]) -> Any:
        if not str(p.get("url", "")).startswith("https://"):
            raise LookupError("bad webhook: An HTTPS URL must be provided for webhook")
        self._remember_allowed(p)
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token", "")}
        return True

    async def m_getwebhookinfo(self, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if self.webhook.get("url") and self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    async def m_setmycommands(self, p: dict[str, Any]) -> Any:
        for c in p["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"]) or not (
                1 <= len(c["description"]) <= 256
            ):
                raise LookupError("BOT_COMMAND_INVALID")
        scope = (p.get("scope") or {}).get("type", "default")
        self.scoped_commands[scope] = list(p["commands"])
        if scope == "default":
            self.commands = list(p["commands"])
        return True

    async def m_sendchataction(self, p: dict[str, Any]) -> Any:
        if p.get("action") not in {"typing", "upload_photo", "upload_document"}:
            raise LookupError("wrong parameter action in request")
        return True

    async def m_answercallbackquery(self, p: dict[str, Any]) -> Any:
        qid = str(p["callback_query_id"])
        if qid in self.callback_answers:
            raise LookupError(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(p.get("text", ""))) > 200:  # the Bot API's limit for this text
            raise LookupError("MESSAGE_TOO_LONG")
        self.callback_answers.append(qid)
        self.alerts.append(
            {
                "id": qid,
                "text": str(p.get("text", "")),
                "show_alert": str(p.get("show_alert", "")).lower() == "true",
            }
        )
        return True

    def _store(
        self, p: dict[str, Any], kind: str, text: str, file: tuple[str, bytes] | None
    ) -> Any:
        _check_markup(p.get("reply_markup"))
        chat_id = int(p["chat_id"])
        topic = p.get("message_thread_id")
        if topic is not None and int(topic) not in self.forums.get(chat_id, set()):
            raise LookupError("message thread not found")  # not a forum, or no such topic
        msg = Sent(chat_id, self._next_message, kind, text, p.get("reply_markup"))
        msg.thread_id = int(topic) if topic is not None else None
        thread = p.get("reply_parameters")
        if thread:
            target = int(thread["message_id"])
            asked = self.inbox.get((chat_id, target))
            exists = asked is not None or (chat_id, target) in self.messages
            if not exists and not thread.get("allow_sending_without_reply"):
                raise LookupError("message to be replied not found")
            msg.reply_to = asked
            msg.reply_to_id = target if exists else None
        if file is not None:
            msg.filename, msg.data = file
        self._next_message += 1
        self.messages[(chat_id, msg.message_id)] = msg
        return self.message_json(msg)

    async def m_sendmessage(self, p: dict[str, Any]) -> Any:
        if not str(p.get("text", "")).strip():
            raise LookupError("message text is empty")
        _check_html(str(p["text"]))
        _check_length(str(p["text"]), MAX_TEXT, "message is too long")
        return self._store(p, "text", str(p["text"]), None)

    async def m_sendphoto(self, p: dict[str, Any]) -> Any:
        _check_length(str(p.get("caption", "")), MAX_CAPTION, "message caption is too long")
        return self._store(p, "photo", str(p.get("caption", "")), p["photo"])

    async def m_senddocument(self, p: dict[str, Any]) -> Any:
        _check_length(str(p.get("caption", "")), MAX_CAPTION, "message caption is too long")
        return self._store(p, "document", str(p.get("caption", "")), p["document"])

    async def m_sendvoice(self, p: dict[str, Any]) -> Any:
        """A voice note must be OGG/Opus to play as one (else Telegram refuses it)."""
        _check_length(str(p.get("caption", "")), MAX_CAPTION, "message caption is too long")
        name, data = p["voice"]
        if not data.startswith(b"OggS") or b"OpusHead" not in data[:200]:
            raise LookupError("VOICE_MESSAGES_FORBIDDEN: not an OGG/Opus voice note")
        return self._store(p, "voice", str(p.get("caption", "")), (name, data))

    async def m_editmessagetext(self, p: dict[str, Any]) -> Any:
        msg = self.messages.get((int(p["chat_id"]), int(p["message_id"])))
        if msg is None or msg.deleted:
            raise LookupError("message to edit not found")
        if msg.kind != "text":
            raise LookupError("there is no text in the message to edit")
        _check_html(str(p["text"]))
        _check_length(str(p["text"]), MAX_TEXT, "message is too long")
        _check_markup(p.get("reply_markup"))
        msg.html, msg.reply_markup = str(p["text"]), p.get("reply_markup")
        msg.edits += 1
        return self.message_json(msg)

    async def m_editmessagecaption(self, p: dict[str, Any]) -> Any:
        msg = self.messages.get((int(p["chat_id"]), int(p["message_id"])))
        if msg is None or msg.deleted:
            raise LookupError("message to edit not found")
        if msg.kind == "text":
            raise LookupError("there is no caption in the message to edit")
        _check_html(str(p.get("caption", "")))
        msg.html = str(p.get("caption", ""))
        msg.edits += 1
        return self.message_json(msg)

    async def m_deletemessage(self, p: dict[str, Any]) -> Any:
        key = (int(p["chat_id"]), int(p["message_id"]))
        msg = self.messages.get(key)
        if msg is None or msg.deleted:
            raise LookupError("message to delete not found")
        msg.deleted = True
        return True

    async def m_getfile(self, p: dict[str, Any]) -> Any:
        data = self.files.get(str(p["file_id"]))
        if data is None:
            raise LookupError("invalid file_id")
        if len(data) > 20 * 1024 * 1024:
            raise LookupError("file is too big")
        return {
            "file_id": p["file_id"],
            "file_unique_id": "u" + str(p["file_id"]),
            "file_size": len(data),
            "file_path": f"documents/{p['file_id']}",
        }

    async def m_getuserprofilephotos(self, p: dict[str, Any]) -> Any:
        """UserProfilePhotos: total_count and photos, each a list of PhotoSize (one size
        here, as the Bot API lists sizes smallest first)."""
        ids = self.profile_photos.get(int(p["user_id"]), [])
        offset, limit = int(p.get("offset", 0)), int(p.get("limit", 100))
        if not 1 <= limit <= 100:
            raise LookupError("Bad Request: limit must be between 1 and 100")
        shown = ids[offset : offset + limit]
        return {
            "total_count": len(ids),
            "photos": [
                [
                    {
                        "file_id": fid,
                        "file_unique_id": "u" + fid,
                        "width": 640,
                        "height": 640,
                        "file_size": len(self.files.get(fid, b"")),
                    }
                ]
                for fid in shown
            ],
        }

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        data = self.files.get(request.match_info["path"].split("/")[-1])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    async def m_editmessagereplymarkup(self, p: dict[str, Any]) -> Any:
        msg = self.messages.get((int(p["chat_id"]), int(p["message_id"])))
        if msg is None:
            raise LookupError("message to edit not found")
        msg.reply_markup = p.get("reply_markup")
        msg.edits += 1
        return self.message_json(msg)

    # ---- helpers for tests --------------------------------------------------------
    async def wait_calls(self, method: str, n: int = 1, within_s: float = 10.0) -> None:
        """Until the bot has called `method` at least n times in all."""
        async with asyncio.timeout(within_s), self._called:
            await self._called.wait_for(lambda: self.count(method) >= n)

    async def wait_polled_past(self, update_id: int, within_s: float = 10.0) -> None:
        """Until the bot has asked for updates after this one: it has taken it over."""

        def past() -> bool:
            return any(
                m == "getUpdates" and int(p.get("offset", 0) or 0) > update_id
                for m, p in self.calls
            )

        async with asyncio.timeout(within_s), self._called:
            await self._called.wait_for(past)

    def hold(self, method: str, chat_id: int) -> Hold:
        """Hold the next `method` call for this chat until hold.release is set."""
        h = self.holds[(method, chat_id)] = Hold()
        return h

    def message_json(self, msg: Sent) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": 1_790_000_000,
            "chat": self._chat_json(msg.chat_id),
            "from": self._me(),
        }
        if msg.thread_id is not None:
            out["message_thread_id"] = msg.thread_id
            out["is_topic_message"] = True
        if msg.kind == "text":
            out["text"] = msg.plain
        elif msg.kind == "photo":
            out["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
            out["caption"] = msg.plain
        elif msg.kind == "voice":
            out["voice"] = {"file_id": "v1", "file_unique_id": "u3", "duration": 1}
        else:
            out["document"] = {"file_id": "d1", "file_unique_id": "u2", "file_name": msg.filename}
        if msg.reply_markup:
            out["reply_markup"] = msg.reply_markup
        if msg.reply_to is not None:
            out["reply_to_message"] = msg.reply_to
        return out

    async def post_update(self, update: dict[str, Any]) -> tuple[int, int | None]:
        """Deliver one update to the registered webhook, as Telegram does: only if the bot
        asked for its type. (update_id, the answer's HTTP status, or None: not sent)."""
        url = self.webhook.get("url")
        if not url:
            raise AssertionError("no webhook is set")
        self._next_update += 1
        update = {"update_id": self._next_update, **update}
        if not self.wants(update):
            self.dropped.append(update)
            return self._next_update, None
        target = self.webhook_target or url
        secret = self.webhook["secret_token"]
        headers = {SECRET_HEADER: secret} if secret else {}
        async with (
            aiohttp.ClientSession() as s,
            s.post(target, json=update, headers=headers) as r,
        ):
            return update["update_id"], r.status

    def push(self, update: dict[str, Any]) -> int:
        self._next_update += 1
        update = {"update_id": self._next_update, **update}
        self.updates.append(update)
        self._arrived.set()
        return self._next_update

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        return {**_chat(chat_id), "is_forum": True} if chat_id in self.forums else _chat(chat_id)

    def add_topic(self, chat_id: int, name: str) -> int:
        """A forum topic created in the supergroup (which becomes a forum): its id, which is
        the id of its forum_topic_created service message, as in Telegram."""
        topic = self._next_message
        self._next_message += 1
        self.forums.setdefault(chat_id, set()).add(topic)
        self.inbox[(chat_id, topic)] = {
            "message_id": topic,
            "date": 1_790_000_000,
            "chat": self._chat_json(chat_id),
            "from": _user(1, "Owner", None),
            "message_thread_id": topic,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        return topic

    def topic_update(
        self, user_id: int, text: str, chat_id: int, topic: int | None, first_name: str = "Test"
    ) -> dict[str, Any]:
        """A message in a forum topic (None: the General topic, which carries no thread id),
        as Telegram sends it: in a topic it "replies" to the topic's first message."""
        update = self.text_update(user_id, text, chat_id=chat_id, first_name=first_name)
        if topic is not None:
            msg = update["message"]
            msg["message_thread_id"] = topic
            msg["is_topic_message"] = True
            msg["reply_to_message"] = self.inbox[(chat_id, topic)]
        return update

    def text_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
    ) -> dict[str, Any]:
        self._next_message += 1
        chat = chat_id if chat_id is not None else user_id
        message = {
            "message_id": self._next_message,
            "date": 1_790_000_000,
            "chat": self._chat_json(chat),
            "from": _user(user_id, first_name, username),
            "text": text,
        }
        self.inbox[(chat, self._next_message)] = message
        return {"message": message}

    def press_update(
        self,
        user_id: int,
        msg: Sent,
        data: str,
        *,
        first_name: str = "Test",
        username: str | None = None,
    ) -> dict[str, Any]:
        self._next_message += 1
        return {
            "callback_query": {
                "id": f"cq{self._next_message}",
                "from": _user(user_id, first_name, username),
                "chat_instance": "ci",
                "data": data,
                "message": self.message_json(msg),
            }
        }

    def membership_update(
        self, chat_id: int, old: str, new: str, *, by: int = 7, title: str = "Study group"
    ) -> dict[str, Any]:
        """my_chat_member: the bot's own status in a chat went from `old` to `new`
        (left, member, administrator, kicked), changed by user `by`."""
        chat = {**_chat(chat_id), "title": title} if chat_id < 0 else _chat(chat_id)
        return {
            "my_chat_member": {
                "chat": chat,
                "from": _user(by, "Admin", None),
                "date": 1_790_000_000,
                "old_chat_member": _member(old, self._me()),
                "new_chat_member": _member(new, self._me()),
            }
        }

    def chat_messages(self, chat_id: int) -> list[Sent]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)


class ConflictError(Exception):
    """Telegram's 409: another getUpdates, or a webhook, is already taking the updates."""


def update_kind(update: dict[str, Any]) -> str:
    """An update carries exactly one optional field besides update_id: its type."""
    kinds = [k for k in update if k != "update_id"]
    return kinds[0] if len(kinds) == 1 else ""


def _user(user_id: int, first_name: str, username: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "en",
    }
    if username is not None:
        out["username"] = username
    return out


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        out["until_date"] = 0
    if status == "administrator":
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_promote_members can_change_info can_invite_users can_post_stories "
            "can_edit_stories can_delete_stories can_send_welcome_messages"
        )
        out |= {"can_be_edited": False, "is_anonymous": False}
        out |= {r: r in ("can_delete_messages", "can_invite_users") for r in rights.split()}
    return out


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Study group"}
    return {"id": chat_id, "type": "private", "first_name": "Test"}


def _check_markup(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for b in row:
            if len(b.get("callback_data", "").encode()) > 64:
                raise LookupError("BUTTON_DATA_INVALID")
            if "url" in b and not b["url"].startswith(("https://", "http://", "tg://")):
                raise LookupError("BUTTON_URL_INVALID")


_ALLOWED = {"b", "i", "code", "a", "pre", "u", "s"}
MAX_TEXT = 4096  # message text, after entities are parsed, in UTF-16 code units
MAX_CAPTION = 1024


def _check_length(text: str, limit: int, error: str) -> None:
    shown = html.unescape(_TAG.sub("", text))
    if len(shown.encode("utf-16-le")) // 2 > limit:
        raise LookupError(error)


def _check_html(text: str) -> None:
    """Telegram refuses unknown tags and bare '<' or '&': so does the fake."""
    for m in re.finditer(r"<(/?)([a-zA-Z]*)([^>]*)>", text):
        if m.group(2) not in _ALLOWED:
            raise LookupError(f"can't parse entities: unsupported tag {m.group(0)!r}")
        if m.group(2) == "a" and m.group(3) and not m.group(3).strip().startswith("href="):
            raise LookupError("can't parse entities: bad <a> attributes")
    stripped = re.sub(r"<[^>]*>", "", text)
    if "<" in stripped or ">" in stripped:
        raise LookupError("can't parse entities: stray angle bracket")
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+);)", stripped):
        raise LookupError("can't parse entities: bare ampersand")
