"""A local fake of Discord: REST (v10) and a gateway WebSocket, on 127.0.0.1.

Good enough for the real discord.py client: login (users/@me, applications/@me),
HELLO / IDENTIFY / READY / GUILD_CREATE, heartbeats, INTERACTION_CREATE and
MESSAGE_CREATE pushed by tests, interaction callbacks and follow-ups, DMs.
Every JSON answer has Content-Type exactly application/json (discord.py checks).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "800000000000000001"
CHANNEL_ID = "800000000000000002"
_ids = itertools.count(100)


def snowflake() -> str:
    return str(700000000000000000 + next(_ids))


def user_json(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name.lower().replace(" ", "_"),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Sent:
    """A message the bot created: in a channel, as an interaction follow-up, or an edit."""

    kind: str  # "channel", "followup", "callback", "edit"
    where: str  # channel id, or interaction token
    body: dict[str, Any]
    id: str = field(default_factory=snowflake)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, data

    @property
    def content(self) -> str:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return str(data.get("content") or "")

    @property
    def components(self) -> list[dict[str, Any]]:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return list(data.get("components") or [])


class FakeDiscord:
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {BOT_ID: user_json(BOT_ID, "MentorBot", True)}
        self.sent: list[Sent] = []
        self.requests: list[tuple[str, str]] = []
        self.identified = asyncio.Event()
        self.ready_sent = asyncio.Event()
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.base = ""
        self.dm_channels: dict[str, str] = {}  # channel id -> user id
        self.connections = 0
        # Answers to give once, first match wins: (path prefix, status, JSON body, headers).
        self.failures: list[tuple[str, int, dict[str, Any], dict[str, str]]] = []

    # ---- server -------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/gateway"

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(self, uid: str, name: str) -> None:
        self.users[uid] = user_json(uid, name)

    # ---- gateway ------------------------------------------------------------
    async def _send(self, op: int, d: Any, t: str | None = None) -> None:
        assert self._ws is not None
        payload: dict[str, Any] = {"op": op, "d": d, "t": t, "s": None}
        if op == 0:
            self._seq += 1
            payload["s"] = self._seq
        await self._ws.send_str(json.dumps(payload))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.connections += 1
        await self._send(10, {"heartbeat_interval": 41250})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                await self._send(11, None)
            elif data["op"] == 2:
                self.identified.set()
                await self._ready()
        return ws

    async def _ready(self) -> None:
        await self._send(
            0,
            {
                "v": 10,
                "user": self.users[BOT_ID],
                "guilds": [{"id": GUILD_ID, "unavailable": True}],
                "session_id": "fake-session",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": APP_ID, "flags": 0},
            },
            "READY",
        )
        await self._send(0, self.guild_json(), "GUILD_CREATE")
        self.ready_sent.set()

    def guild_json(self) -> dict[str, Any]:
        return {
            "id": GUILD_ID,
            "name": "College CS Club",
            "owner_id": "1",
            "unavailable": False,
            "member_count": 3,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [
                {
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": "1071698660929",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": [
                {
                    "id": CHANNEL_ID,
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "guild_id": GUILD_ID,
                    "permission_overwrites": [],
                    "nsfw": False,
                }
            ],
            "members": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-US",
        }

    async def dispatch(self, t: str, d: dict[str, Any]) -> None:
        await self._send(0, d, t)

    def _interaction_base(self, uid: str, guild: bool) -> dict[str, Any]:
        token = "itok-" + snowflake()
        base: dict[str, Any] = {
            "id": snowflake(),
            "application_id": APP_ID,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": "1071698660929",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "attachment_size_limit": 10485760,
        }
        if guild:
            base["guild_id"] = GUILD_ID
            base["channel_id"] = CHANNEL_ID
            base["guild_locale"] = "en-US"
            base["member"] = {
                "user": self.users[uid],
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "permissions": "1071698660929",
                "flags": 0,
            }
            base["channel"] = {"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "general"}
            base["context"] = 0
        else:
            dm = self._dm_for(uid)
            base["channel_id"] = dm
            base["channel"] = {"id": dm, "type": 1, "recipients": [self.users[uid]]}
            base["user"] = self.users[uid]
            base["context"] = 1
        return base

    async def slash(
        self, uid: str, sub: str, options: dict[str, str] | None = None, *, guild: bool = True
    ) -> str:
        d = self._interaction_base(uid, guild)
        d["type"] = 2
        d["data"] = {
            "id": "600000000000000001",
            "name": "mentor",
            "type": 1,
            "options": [
                {
                    "name": sub,
                    "type": 1,
                    "options": [
                        {"name": k, "type": 3, "value": v} for k, v in (options or {}).items()
                    ],
                }
            ],
        }
        await self.dispatch("INTERACTION_CREATE", d)
        return str(d["token"])

    async def click(
        self,
        uid: str,
        message: Sent,
        custom_id: str,
        values: list[str] | None = None,
        *,
        guild: bool = True,
    ) -> str:
        d = self._interaction_base(uid, guild)
        d["type"] = 3
        d["message"] = self.message_json(message)
        d["data"] = {"custom_id": custom_id, "component_type": 3 if values else 2}
        if values:
            d["data"]["values"] = values
        await self.dispatch("INTERACTION_CREATE", d)
        return str(d["token"])

    async def dm(self, uid: str, text: str) -> None:
        channel = self._dm_for(uid)
        await self.dispatch(
            "MESSAGE_CREATE",
            {
                "id": snowflake(),
                "channel_id": channel,
                "author": self.users[uid],
                "content": text,
                "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
                "flags": 0,
            },
        )

    def _dm_for(self, uid: str) -> str:
        for ch, u in self.dm_channels.items():
            if u == uid:
                return ch
        ch = snowflake()
        self.dm_channels[ch] = uid
        return ch

    def message_json(self, sent: Sent) -> dict[str, Any]:
        channel = sent.where if sent.kind == "channel" else CHANNEL_ID
        return {
            "id": sent.id,
            "channel_id": channel,
            "author": self.users[BOT_ID],
            "content": sent.content,
            "components": sent.components,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": int(sent.body.get("flags") or 0),
            "application_id": APP_ID,
        }

    # ---- REST ---------------------------------------------------------------
    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def fail_once(
        self, prefix: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.failures.append((prefix, status, body, headers or {}))

    async def _rest(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        method = request.method
        self.requests.append((method, tail))
        body: dict[str, Any] = {}
        files: list[tuple[str, str, bytes]] = []
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
            elif request.content_type.startswith("multipart/"):
                form = await request.post()
                body = json.loads(str(form.get("payload_json") or "{}"))
                for key, value in form.items():
                    if key.startswith("files[") and isinstance(value, web.FileField):
                        files.append((value.filename, value.content_type, value.file.read()))
        if request.headers.get(
            "Authorization", ""
        ) != "Bot fake-discord-token" and not tail.startswith(("interactions/", "webhooks/")):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        for i, (prefix, status, answer, headers) in enumerate(self.failures):
            if tail.startswith(prefix):
                del self.failures[i]
                return self._json(answer, status, headers)
        parts = tail.split("/")
        if tail == "users/@me" and method == "GET":
            return self._json(self.users[BOT_ID])
        if tail == "oauth2/applications/@me":
            return self._json(
                {
                    "id": APP_ID,
                    "name": "MentorBot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user_json("1", "Owner"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "summary": "",
                    "rpc_origins": [],
                    "team": None,
                }
            )
        if tail == "users/@me/channels" and method == "POST":
            uid = str(body["recipient_id"])
            ch = self._dm_for(uid)
            return self._json(
                {"id": ch, "type": 1, "recipients": [self.users[uid]], "last_message_id": None}
            )
        if parts[0] == "users" and len(parts) == 2 and method == "GET":
            user = self.users.get(parts[1])
            return (
                self._json(user)
                if user
                else self._json({"message": "Unknown User", "code": 10013}, 404)
            )
        if (
            parts[0] == "channels"
            and len(parts) == 3
            and parts[2] == "messages"
            and method == "POST"
        ):
            sent = Sent("channel", parts[1], body, files=files)
            self.sent.append(sent)
            return self._json(self.message_json(sent))
        if parts[0] == "interactions" and parts[-1] == "callback":
            sent = Sent("callback", parts[2], body)
            self.sent.append(sent)
            return self._json(
                {
                    "interaction": {
                        "id": parts[1],
                        "type": 2,
                        "response_message_loading": body.get("type") == 5,
                        "response_message_ephemeral": bool(
                            (body.get("data") or {}).get("flags", 0) & 64
                        ),
                    }
                }
            )
        if parts[0] == "webhooks" and len(parts) == 3 and method == "POST":
            sent = Sent("followup", parts[2], body, files=files)
            self.sent.append(sent)
            return self._json(self.message_json(sent))
        if parts[0] == "webhooks" and method == "PATCH":
            sent = Sent("edit", parts[2], body)
            self.sent.append(sent)
            return self._json(self.message_json(sent))
        if parts[0] == "applications" and method == "PUT":
            return self._json(body if isinstance(body, list) else [])
        return self._json({"message": f"fake: no route {method} {tail}", "code": 0}, 404)

    # ---- test helpers -------------------------------------------------------
    async def wait_for(self, predicate: Any, limit_s: float = 10.0) -> None:
        deadline = time.monotonic() + limit_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("fake Discord: condition not met in time")
            await asyncio.sleep(0.02)
