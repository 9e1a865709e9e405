"""A local fake of Discord: REST (v10) and a gateway WebSocket, on 127.0.0.1.

Good enough for the real discord.py client: login (users/@me, applications/@me),
HELLO / IDENTIFY / READY / GUILD_CREATE, heartbeats, INTERACTION_CREATE and
MESSAGE_CREATE pushed by tests, interaction callbacks and follow-ups, DMs, guild
members and their roles. Every JSON answer has Content-Type exactly application/json
(discord.py checks).

Like Discord, it delivers an application command only once that command (and its
subcommand) is registered (PUT .../commands, global or for the guild), in a context the
command allows, to a member holding its default_member_permissions: pushing anything
else raises in the test (fake_discord.Unregistered).

Like Discord's interaction endpoints (discord.com/developers/docs/interactions/
receiving-and-responding), it takes exactly one initial callback per interaction token,
within 3 seconds of the interaction: a second one is 400 with code 40060 ("Interaction has
already been acknowledged."), a late one or an unknown token 404 with code 10062 ("Unknown
interaction"). Follow-ups need an acknowledged interaction (else 404, 10015 "Unknown
Webhook"). A modal (callback type 9) must fit Discord's limits and can't answer a modal
submission. A request body must be application/json or multipart/form-data (else 415);
JSON that doesn't parse is 400 with code 50109. Every refusal is also kept in `refused`.
The fake's clock can be moved on (`elapse`) so a slow bot is simulated without waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "800000000000000001"
CHANNEL_ID = "800000000000000002"
ANNOUNCE_CHANNEL_ID = "800000000000000003"
MEMBER_PERMISSIONS = 1071698660929  # no Manage Server (1 << 5), no Administrator (1 << 3)
MANAGE_GUILD, ADMINISTRATOR, MANAGE_MESSAGES = 1 << 5, 1 << 3, 1 << 13
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
ACK_WINDOW_S = 3.0  # the initial response must come within 3 s of the interaction
TOKEN_LIFETIME_S = 15 * 60  # follow-ups work for 15 minutes
ALREADY_ACKED = {"message": "Interaction has already been acknowledged.", "code": 40060}
UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}
INVALID_JSON = {"message": "The request body contains invalid JSON.", "code": 50109}
BODY_TYPES = ("application/json", "multipart/form-data")
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
EMPTY_MESSAGE = {"message": "Cannot send an empty message", "code": 50006}
NOT_AUTHOR = {"message": "Cannot edit a message authored by another user", "code": 50005}
TOO_LARGE = {"message": "Request entity too large", "code": 40005}
UPLOAD_LIMIT = 10 * 1024 * 1024  # a server without boosts (discord.py: DEFAULT_FILE_SIZE_LIMIT)
MAX_CONTENT = 2000
GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 15  # gateway intents
# Discord's answers come through its proxy: a 429 without Via is Cloudflare's ban page, and
# discord.py raises instead of waiting (http.py).
VIA = "1.1 google"
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
MAX_MESSAGE_COMMANDS = 5  # message context-menu commands an app may register (per scope)
_ids = itertools.count(100)
_NAME = re.compile(r"^[-_\w]{1,32}$")


class Unregistered(AssertionError):
    """Discord would never deliver this interaction: the command isn't registered (here)."""


def role_json(rid: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": rid,
        "name": name,
        "permissions": str(MEMBER_PERMISSIONS) if rid == GUILD_ID else "0",
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def channel_json(cid: str, name: str) -> dict[str, Any]:
    return {
        "id": cid,
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": GUILD_ID,
        "permission_overwrites": [],
        "nsfw": False,
        "permissions": str(MEMBER_PERMISSIONS),
    }


def thread_json(tid: str) -> dict[str, Any]:
    """A public thread in #general, as an interaction's partial channel carries it."""
    return {
        "id": tid,
        "type": 11,
        "guild_id": GUILD_ID,
        "parent_id": CHANNEL_ID,
        "owner_id": "1",
        "name": "study group",
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
        "permissions": str(MEMBER_PERMISSIONS),
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2026-01-01T00:00:00+00:00",
            "locked": False,
        },
    }


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

    kind: str  # "channel", "followup", "callback", "edit" (of a follow-up), "channel_edit"
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

    @property
    def flags(self) -> int:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return int((data or {}).get("flags") or 0)

    @property
    def type(self) -> int | None:
        """The callback type (4 message, 5 deferred, 7 update, 8 choices, 9 modal)."""
        return self.body.get("type") if self.kind == "callback" else None


@dataclass
class Pending:
    """An interaction Discord sent: when, and whether it has had its one initial answer."""

    at: float
    kind: int
    acked: bool = False


class FakeDiscord:
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {BOT_ID: user_json(BOT_ID, "MentorBot", True)}
        self.sent: list[Sent] = []
        self.requests: list[tuple[str, str]] = []
        self.identified = asyncio.Event()
        self.ready_sent = asyncio.Event()
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.base = ""
        self.dm_channels: dict[str, str] = {}  # channel id -> user id
        self.connections = 0
        self.open_sockets = 0  # gateway connections open now, and the most at once
        self.most_open = 0
        self.identifies = 0
        # Sharding, as Discord does it: IDENTIFY says `shard: [id, count]` (absent: [0, 1]);
        # a guild's events go only to shard (guild_id >> 22) % count, DMs to shard 0; a
        # second IDENTIFY for a shard that is connected is refused (op 9, the session is
        # invalid), so two workers can never both run one shard unnoticed.
        self.shard_count = 1
        self.shards: dict[int, web.WebSocketResponse] = {}  # shard id -> its live socket
        self.shard_identifies: Counter[int] = Counter()
        self.shard_refusals: Counter[int] = Counter()
        # Answers to give once, first match wins: (path prefix, status, JSON body, headers).
        self.failures: list[tuple[str, int, dict[str, Any], dict[str, str]]] = []
        self.failed_at: list[float] = []  # when each queued failure was answered (monotonic)
        # Registered application commands: None is global, else the guild id.
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.overwrites: list[str | None] = []  # every bulk overwrite, by scope
        self.roles: dict[str, dict[str, Any]] = {GUILD_ID: role_json(GUILD_ID, "@everyone", 0)}
        self.members: dict[str, set[str]] = {}  # user id -> role ids, for guild members
        self.permissions: dict[str, int] = {}  # member permission bits, if not the default
        self.interactions: dict[str, Pending] = {}  # by token
        self.refused: list[tuple[str, int, int]] = []  # (path, status, Discord code)
        self._offset = 0.0  # seconds the fake's clock has been moved on
        self.intents = 0  # what the bot asked for in IDENTIFY
        # The intents the application may use (privileged ones are switched on in the
        # Developer Portal); asking for more closes the gateway with 4014, as Discord does.
        self.allowed_intents = ~0
        self.bot_permissions = MEMBER_PERMISSIONS  # the bot's in the server's channels
        # Channel messages (the bot's and people's), by id; threads besides the guild's
        # channels; files people attached, served from /attachments/.
        self.messages: dict[str, dict[str, Any]] = {}
        self.threads: set[str] = set()
        self.deleted_channels: set[str] = set()
        self.deleted: list[tuple[str, str]] = []  # (channel, message) the bot deleted
        self.blobs: dict[str, bytes] = {}
        self.avatars: dict[str, bytes] = {}  # avatar hash -> image, served as the CDN does
        self.avatar_fetches: list[str] = []  # each CDN request's path and query
        self.dm_messages: dict[str, dict[str, Any]] = {}  # people's messages in DMs
        self.downloads: dict[str, int] = {}  # attachment id -> downloads at its signed URL
        self._echoes: set[asyncio.Task[None]] = set()
        # Rate limits as Discord keeps them (off unless a test sets them): per route pattern
        # ("POST channels/{id}/messages") a bucket of `limit` calls per `window` seconds for
        # each major parameter (the channel, guild, webhook), told in X-RateLimit-* headers
        # on every answer of that route; and the bot's global limit (calls per second).
        # Over either: 429 with Retry-After and a JSON retry_after, as Discord answers.
        self.route_limits: dict[str, tuple[int, float]] = {}
        self.global_limit: tuple[int, float] | None = None
        self.limited: list[tuple[str, bool, float]] = []  # 429s given: (path, global, at)
        self.arrivals: list[tuple[str, float]] = []  # every limited route's call: (path, at)
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}  # start, count
        self._global_calls: list[float] = []

    def now(self) -> float:
        return time.monotonic() + self._offset

    def elapse(self, seconds: float) -> None:
        """Move the fake's clock on: as if the bot had taken that long."""
        self._offset += seconds

    # ---- server -------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{key}/{name}", self._attachment)
        app.router.add_get("/avatars/{uid}/{file}", self._avatar)
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
        for ws in list(self.shards.values()):
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(self, uid: str, name: str, *, member: bool = True) -> None:
        self.users[uid] = user_json(uid, name)
        if member:
            self.members.setdefault(uid, set())

    def set_avatar(self, uid: str, image: bytes) -> None:
        """The person uploads an avatar: user objects carry its hash from now on."""
        key = f"{secrets.token_hex(16)}"
        self.avatars[key] = image
        self.users[uid]["avatar"] = key

    def add_role(self, name: str) -> str:
        rid = snowflake()
        self.roles[rid] = role_json(rid, name, len(self.roles))
        return rid

    # ---- gateway ------------------------------------------------------------
    def shard_of(self, guild_id: str | None) -> int:
        """The shard a guild's events go to (DMs: shard 0), by Discord's formula."""
        return 0 if guild_id is None else (int(guild_id) >> 22) % self.shard_count

    @property
    def _ws(self) -> web.WebSocketResponse | None:
        """The socket the server's (GUILD_ID's) events go to, if its shard is connected."""
        return self.shards.get(self.shard_of(GUILD_ID))

    async def _send(
        self, op: int, d: Any, t: str | None = None, ws: web.WebSocketResponse | None = None
    ) -> None:
        ws = ws if ws is not None else self._ws
        assert ws is not None
        payload: dict[str, Any] = {"op": op, "d": d, "t": t, "s": None}
        if op == 0:
            self._seq += 1
            payload["s"] = self._seq
        await ws.send_str(json.dumps(payload))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self.open_sockets += 1
        self.most_open = max(self.most_open, self.open_sockets)
        try:
            await self._session(ws)
        finally:
            self.open_sockets -= 1
            for shard, live in list(self.shards.items()):
                if live is ws:
                    del self.shards[shard]
        return ws

    async def _session(self, ws: web.WebSocketResponse) -> None:
        await self._send(10, {"heartbeat_interval": 41250}, ws=ws)
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                await self._send(11, None, ws=ws)
            elif data["op"] == 2:
                self.intents = int(data["d"].get("intents") or 0)
                if self.intents & ~self.allowed_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                shard, count = data["d"].get("shard") or [0, 1]
                if not (isinstance(count, int) and count >= 1 and 0 <= shard < count):
                    await ws.close(code=4010, message=b"Invalid shard.")
                    break
                if self.shards and count != self.shard_count:
                    await ws.close(code=4010, message=b"Invalid shard.")  # counts must agree
                    break
                live = self.shards.get(shard)
                if live is not None and not live.closed:
                    self.shard_refusals[shard] += 1
                    await self._send(9, False, ws=ws)  # Invalid Session: not resumable
                    continue
                self.shard_count = count
                self.shards[shard] = ws
                self.identified.set()
                self.identifies += 1
                self.shard_identifies[shard] += 1
                await self._ready(ws, shard)

    async def _ready(self, ws: web.WebSocketResponse, shard: int = 0) -> None:
        ours = self.shard_of(GUILD_ID) == shard
        await self._send(
            0,
            {
                "v": 10,
                "user": self.users[BOT_ID],
                "guilds": [{"id": GUILD_ID, "unavailable": True}] if ours else [],
                "session_id": f"fake-session-{shard}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": APP_ID, "flags": 0},
                "shard": [shard, self.shard_count],
            },
            "READY",
            ws=ws,
        )
        if ours:
            await self._send(0, self.guild_json(), "GUILD_CREATE", ws=ws)
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
            "roles": list(self.roles.values()),
            "channels": [
                channel_json(CHANNEL_ID, "general"),
                channel_json(ANNOUNCE_CHANNEL_ID, "mentors"),
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
        """An event goes to its guild's shard (a DM's: shard 0), as Discord routes them."""
        shard = self.shard_of(d.get("guild_id"))
        assert shard in self.shards, f"shard {shard} is not connected: Discord would drop {t}"
        await self._send(0, d, t, ws=self.shards[shard])

    async def interact(self, d: dict[str, Any], *, deliver: bool = True) -> str:
        """Deliver an interaction; its token from now on takes one initial callback.
        deliver=False: only issue the token (tests of the fake itself, with no bot)."""
        self.interactions[str(d["token"])] = Pending(self.now(), int(d["type"]))
        if deliver:
            await self.dispatch("INTERACTION_CREATE", d)
        return str(d["token"])

    def raw(self, uid: str, kind: int, data: Any, *, guild: bool = True) -> dict[str, Any]:
        """An interaction of any type and data, as a forger or a future Discord might send.
        Commands (2) and autocompletes (4) still only for a registered command name."""
        if kind in (2, 4):
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or self.registered(name, guild) is None:
                raise Unregistered(f"/{name} is not registered")
        d = self._interaction_base(uid, guild)
        d["type"] = kind
        d["data"] = data
        return d

    def _interaction_base(self, uid: str, guild: bool, channel: str = CHANNEL_ID) -> dict[str, Any]:
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
            base["channel_id"] = channel
            base["guild_locale"] = "en-US"
            base["member"] = {
                "user": self.users[uid],
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "permissions": str(self.permissions.get(uid, MEMBER_PERMISSIONS)),
                "flags": 0,
            }
            base["channel"] = (
                thread_json(channel)
                if channel in self.threads
                else {"id": channel, "type": 0, "guild_id": GUILD_ID, "name": "general"}
            )
            base["context"] = 0
        else:
            dm = self._dm_for(uid)
            base["channel_id"] = dm
            base["channel"] = {"id": dm, "type": 1, "recipients": [self.users[uid]]}
            base["user"] = self.users[uid]
            base["context"] = 1
        return base

    def registered(self, name: str, guild: bool) -> dict[str, Any] | None:
        scopes = [GUILD_ID, None] if guild else [None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        return None

    def deliverable(self, uid: str, command: str, sub: str, guild: bool) -> dict[str, Any]:
        cmd = self.registered(command, guild)
        if cmd is None:
            raise Unregistered(f"/{command} is not registered {'here' if guild else 'for DMs'}")
        contexts = cmd.get("contexts")
        if contexts is not None and (0 if guild else 1) not in contexts:
            raise Unregistered(f"/{command} is not allowed in this context ({contexts})")
        needed = cmd.get("default_member_permissions")
        if guild and needed is not None:
            have = self.permissions.get(uid, MEMBER_PERMISSIONS)
            if not have & ADMINISTRATOR and have & int(needed) != int(needed):
                raise Unregistered(f"/{command} needs permissions {needed}: hidden from them")
        for option in cmd.get("options") or []:
            if option["type"] == 1 and option["name"] == sub:
                return dict(option)
        raise Unregistered(f"/{command} {sub} is not registered")

    async def slash(
        self,
        uid: str,
        sub: str,
        options: dict[str, str] | None = None,
        *,
        guild: bool = True,
        command: str = "mentor",
        forged_types: dict[str, int] | None = None,
        kind: int = 2,
        channel: str = CHANNEL_ID,
    ) -> str:
        """`forged_types`: send an option with another type than registered (a client bug
        or a forger; Discord checks types, the bot must not rely on it). kind 4: the person
        is typing in an option marked `focused` (autocomplete)."""
        declared = self.deliverable(uid, command, sub, guild)
        types = {o["name"]: o["type"] for o in declared.get("options") or []}
        d = self._interaction_base(uid, guild, channel)
        d["type"] = kind
        values = []
        resolved: dict[str, dict[str, Any]] = {}
        for k, v in (options or {}).items():
            if k not in types:
                raise Unregistered(f"/{command} {sub} has no option {k!r}")
            value: Any = v
            sent_type = (forged_types or {}).get(k, types[k])
            if sent_type in (4, 10):
                value = int(v)
            values.append({"name": k, "type": sent_type, "value": value})
            if kind == 4:
                values[-1]["focused"] = True
            if types[k] == 7:
                resolved.setdefault("channels", {})[v] = channel_json(v, "channel")
            elif types[k] == 8:
                resolved.setdefault("roles", {})[v] = self.roles.get(v) or role_json(v, "?", 1)
        registered = self.registered(command, guild)
        assert registered is not None
        d["data"] = {
            "id": registered["id"],
            "name": command,
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": values}],
        }
        if guild:
            d["data"]["guild_id"] = GUILD_ID
        if resolved:
            d["data"]["resolved"] = resolved
        return await self.interact(d)

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
        return await self.interact(d)

    async def submit(
        self, uid: str, modal: Sent, values: dict[str, str], *, guild: bool = True
    ) -> str:
        """Fill in and submit a modal the bot opened (callback type 9)."""
        data = modal.body["data"]
        inputs = [c for row in data["components"] for c in row["components"]]
        for key in values:
            if key not in {c["custom_id"] for c in inputs}:
                raise AssertionError(f"the modal has no input {key!r}")
        d = self._interaction_base(uid, guild)
        d["type"] = 5
        d["data"] = {
            "custom_id": data["custom_id"],
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "custom_id": c["custom_id"],
                            "value": values.get(c["custom_id"], c.get("value") or ""),
                        }
                    ],
                }
                for c in inputs
            ],
        }
        return await self.interact(d)

    async def dm(
        self,
        uid: str,
        text: str,
        files: Sequence[tuple[str, str, bytes]] = (),
        reply_to: str | None = None,
    ) -> str:
        """A person writes in their DM with the bot; `files` (name, type, bytes) arrive as
        attachments served from /attachments/, as Discord's CDN serves them; a Discord reply
        when reply_to is set (type 19 with a message_reference). Returns the message id."""
        channel = self._dm_for(uid)
        attachments = [self._attach(name, kind, blob) for name, kind, blob in files]
        mid = snowflake()
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra = {
                "type": 19,
                "message_reference": {"message_id": reply_to, "channel_id": channel},
            }
        data = {
            "id": mid,
            "channel_id": channel,
            "author": self.users[uid],
            "content": text,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            **extra,
        }
        self.dm_messages[mid] = data
        await self.dispatch("MESSAGE_CREATE", json.loads(json.dumps(data)))
        return mid

    async def dm_edit(self, uid: str, mid: str, text: str) -> None:
        """A person edits their message in their DM with the bot: MESSAGE_UPDATE (no
        guild_id), sent to a bot that asked for DIRECT_MESSAGES."""
        data = self.dm_messages[mid]
        assert data["author"]["id"] == uid, "only its author edits a message"
        data["content"] = text
        data["edited_timestamp"] = "2026-01-01T00:02:00+00:00"
        if self.intents & DIRECT_MESSAGES:
            await self.dispatch("MESSAGE_UPDATE", json.loads(json.dumps(data)))

    async def dm_remove(self, uid: str, mid: str) -> None:
        """A person deletes their message in their DM with the bot: MESSAGE_DELETE (ids)."""
        data = self.dm_messages.pop(mid)
        if self.intents & DIRECT_MESSAGES:
            await self.dispatch("MESSAGE_DELETE", {"id": mid, "channel_id": data["channel_id"]})

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

    def _route(self, method: str, tail: str) -> tuple[str, str]:
        """(route pattern, major parameter) of a REST call, as Discord buckets it."""
        parts = tail.split("/")
        major = "/".join(parts[:2]) if parts[0] in ("channels", "guilds", "webhooks") else ""
        pattern = "/".join("{id}" if p.isdigit() else p for p in parts)
        return f"{method} {pattern}", major

    def _rate_limit(self, method: str, tail: str) -> web.Response | dict[str, str]:
        """A 429 for a call over a limit, else the headers its answer carries."""
        now = time.monotonic()
        if self.global_limit is not None:
            calls, per_s = self.global_limit
            self._global_calls = [t for t in self._global_calls if t > now - per_s]
            if len(self._global_calls) >= calls:
                retry = self._global_calls[0] + per_s - now
                self.limited.append((tail, True, now))
                return web.json_response(
                    {"message": "You are being rate limited.", "retry_after": retry,
                     "global": True},
                    status=429,
                    headers={"Retry-After": str(math.ceil(retry)), "X-RateLimit-Global": "true",
                             "X-RateLimit-Scope": "global", "Via": VIA},
                )  # fmt: skip
            self._global_calls.append(now)
        pattern, major = self._route(method, tail)
        if pattern not in self.route_limits:
            return {}
        self.arrivals.append((tail, now))
        limit, window = self.route_limits[pattern]
        start, count = self._windows.get((pattern, major), (0.0, 0))
        if now >= start + window:
            start, count = now, 0
        reset_after = start + window - now
        bucket = hashlib.sha1(pattern.encode()).hexdigest()[:16]
        headers = {
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        }
        if count >= limit:
            self.limited.append((tail, False, now))
            headers |= {
                "X-RateLimit-Remaining": "0",
                "Retry-After": str(math.ceil(reset_after)),
                "X-RateLimit-Scope": "user",
                "Via": VIA,
            }
            return web.json_response(
                {"message": "You are being rate limited.", "retry_after": reset_after,
                 "global": False},
                status=429,
                headers=headers,
            )  # fmt: skip
        self._windows[(pattern, major)] = (start, count + 1)
        headers["X-RateLimit-Remaining"] = str(limit - count - 1)
        return headers

    async def _rest(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        limited = self._rate_limit(request.method, tail)
        if isinstance(limited, web.Response):
            self.requests.append((request.method, tail))
            return limited
        response = await self._rest_call(request)
        response.headers.update(limited)
        return response

    async def _rest_call(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        method = request.method
        self.requests.append((method, tail))
        body: Any = {}
        files: list[tuple[str, str, bytes]] = []
        if request.can_read_body:
            if request.content_type not in BODY_TYPES:
                return self._refuse(tail, 415, {"message": "Unsupported Content-Type", "code": 0})
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.text())
                except ValueError:
                    return self._refuse(tail, 400, INVALID_JSON)
            else:
                form = await request.post()
                raw = form.get("payload_json") or "{}"
                if isinstance(raw, web.FileField):  # sent as a part with its own type
                    raw = raw.file.read()
                try:
                    body = json.loads(raw if isinstance(raw, str) else bytes(raw))
                except ValueError:
                    return self._refuse(tail, 400, INVALID_JSON)
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
                self.failed_at.append(time.monotonic())
                return self._json(answer, status, headers)
        too_long = _content_too_long(tail, body)
        if too_long is not None:
            return self._refuse(tail, 400, too_long)
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
        if parts[0] == "channels" and parts[2:] == ["messages"] and method == "POST":
            return self._create_message(tail, parts[1], body, files)
        if parts[0] == "channels" and len(parts) == 4 and parts[2] == "messages":
            return self._change_message(tail, parts[1], parts[3], method, body)
        if parts[0] == "interactions" and parts[-1] == "callback":
            refusal = self._acknowledge(parts[2], body)
            if refusal is not None:
                return self._refuse(tail, *refusal)
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
            pending = self.interactions.get(parts[2])
            if pending is None or not pending.acked or self.now() - pending.at > TOKEN_LIFETIME_S:
                return self._refuse(tail, 404, UNKNOWN_WEBHOOK)
            sent = Sent("followup", parts[2], body, files=files)
            self.sent.append(sent)
            return self._json(self.message_json(sent))
        if parts[0] == "webhooks" and method == "PATCH":
            sent = Sent("edit", parts[2], body)
            self.sent.append(sent)
            return self._json(self.message_json(sent))
        if parts[0] == "applications" and parts[-1] == "commands":
            return await self._commands(request, parts, method)
        if parts[0] == "guilds" and len(parts) >= 4 and parts[2] == "members":
            return self._member(parts, method)
        if parts[0] == "guilds" and len(parts) == 2 and method == "GET":
            return self._json(self.guild_json())
        return self._json({"message": f"fake: no route {method} {tail}", "code": 0}, 404)

    # ---- channel messages ---------------------------------------------------
    def add_thread(self) -> str:
        """A thread in #general (a channel of its own, with its own id)."""
        tid = snowflake()
        self.threads.add(tid)
        return tid

    def channel_known(self, cid: str) -> bool:
        if cid in self.deleted_channels:
            return False
        return (
            cid in (CHANNEL_ID, ANNOUNCE_CHANNEL_ID)
            or cid in self.threads
            or (cid in self.dm_channels)
        )

    def _create_message(
        self, tail: str, cid: str, body: dict[str, Any], files: list[tuple[str, str, bytes]]
    ) -> web.Response:
        """POST channels/{c}/messages: what Discord refuses, refused; the rest kept, and
        echoed on the gateway as Discord does (the bot hears its own messages)."""
        if not self.channel_known(cid):
            return self._refuse(tail, 404, UNKNOWN_CHANNEL)
        content = str(body.get("content") or "")
        if len(content) > MAX_CONTENT:
            return self._refuse(tail, 400, {"message": "Invalid Form Body", "code": 50035})
        if not content and not files and not body.get("embeds") and not body.get("components"):
            return self._refuse(tail, 400, EMPTY_MESSAGE)
        if sum(len(f[2]) for f in files) > UPLOAD_LIMIT:
            return self._refuse(tail, 413, TOO_LARGE)
        # Files are described by body.attachments, each id the n of its files[n] part; a
        # description (an image's alt text) is at most 1,024 characters.
        described = body.get("attachments") or []
        if files and (
            not isinstance(described, list)
            or any(
                not isinstance(a, dict)
                or not 0 <= int(a.get("id", -1)) < len(files)
                or len(str(a.get("description") or "")) > 1024
                for a in described
            )
        ):
            return self._refuse(tail, 400, {"message": "Invalid Form Body", "code": 50035})
        ref = body.get("message_reference")
        if isinstance(ref, dict) and ref.get("fail_if_not_exists", True):
            parent = self.messages.get(str(ref.get("message_id")))
            if parent is None or parent["channel_id"] != cid:
                return self._refuse(tail, 400, {"message": "Invalid Form Body", "code": 50035})
        sent = Sent("channel", cid, body, files=files)
        self.sent.append(sent)
        data = self.message_json(sent)
        if cid not in self.dm_channels:
            data["guild_id"] = GUILD_ID
            data["attachments"] = [self._attach(name, kind, blob) for name, kind, blob in files]
            if isinstance(ref, dict) and str(ref.get("message_id")) in self.messages:
                data["type"] = 19
                data["message_reference"] = {**ref, "channel_id": cid, "guild_id": GUILD_ID}
            self.messages[sent.id] = data
            self._echo("MESSAGE_CREATE", data)
        else:
            self.messages[sent.id] = data  # the bot may edit and delete its DMs too
        return self._json(data)

    def _change_message(
        self, tail: str, cid: str, mid: str, method: str, body: dict[str, Any]
    ) -> web.Response:
        """PATCH / DELETE channels/{c}/messages/{m}: only the bot's own are edited."""
        if method not in ("PATCH", "DELETE"):
            return self._json({"message": "405: Method Not Allowed", "code": 0}, 405)
        if not self.channel_known(cid):
            return self._refuse(tail, 404, UNKNOWN_CHANNEL)
        data = self.messages.get(mid)
        if data is None or data["channel_id"] != cid:
            return self._refuse(tail, 404, UNKNOWN_MESSAGE)
        mine = data["author"]["id"] == BOT_ID
        if method == "DELETE":
            if not mine and not self.bot_permissions & MANAGE_MESSAGES:
                return self._refuse(tail, 403, MISSING_PERMISSIONS)
            del self.messages[mid]
            self.deleted.append((cid, mid))
            if cid not in self.dm_channels:
                self._echo("MESSAGE_DELETE", {"id": mid, "channel_id": cid, "guild_id": GUILD_ID})
            return web.Response(status=204)
        if not mine:
            return self._refuse(tail, 403, NOT_AUTHOR)
        content = str(body.get("content") or "")
        if len(content) > MAX_CONTENT:
            return self._refuse(tail, 400, {"message": "Invalid Form Body", "code": 50035})
        self.sent.append(Sent("channel_edit", cid, body, id=mid))
        data["content"] = content
        data["edited_timestamp"] = "2026-01-01T00:01:00+00:00"
        if cid not in self.dm_channels:
            self._echo("MESSAGE_UPDATE", data)
        return self._json(data)

    def _attach(self, name: str, kind: str, blob: bytes) -> dict[str, Any]:
        aid = snowflake()
        self.blobs[aid] = blob
        # Discord's CDN serves an attachment only at its signed URL (ex/is/hm parameters);
        # without a valid signature it answers 404.
        url = f"{self.base}/attachments/{aid}/{name}?{self._signed(aid)}"
        return {
            "id": aid,
            "filename": name,
            "size": len(blob),
            "url": url,
            "proxy_url": url,
            "content_type": kind,
        }

    async def _avatar(self, request: web.Request) -> web.Response:
        """The CDN's avatars/{user id}/{hash}.{png|jpg|webp|gif}?size=N: N a power of two from
        16 to 4096, else 400, as Discord's CDN answers; an unknown hash is a 404."""
        self.avatar_fetches.append(request.path_qs)
        uid, file = request.match_info["uid"], request.match_info["file"]
        key, _, ext = file.rpartition(".")
        size = request.query.get("size", "")
        if size and (not size.isdigit() or int(size) not in {2**n for n in range(4, 13)}):
            return web.Response(status=400, text="invalid size")
        data = self.avatars.get(key)
        if data is None or ext not in ("png", "jpg", "jpeg", "webp", "gif"):
            return web.Response(status=404)
        if self.users.get(uid, {}).get("avatar") != key:
            return web.Response(status=404)
        return web.Response(body=data, content_type=f"image/{ext}")

    def _signed(self, aid: str) -> str:
        ex = f"{int(time.time()) + 86400:x}"
        hm = hmac.new(b"fake-cdn", f"{aid}:{ex}".encode(), hashlib.sha256).hexdigest()
        return f"ex={ex}&is={int(time.time()):x}&hm={hm}"

    async def _attachment(self, request: web.Request) -> web.Response:
        aid = request.match_info["key"]
        blob = self.blobs.get(aid)
        ex, hm = request.query.get("ex", ""), request.query.get("hm", "")
        want = hmac.new(b"fake-cdn", f"{aid}:{ex}".encode(), hashlib.sha256).hexdigest()
        if blob is None or not hmac.compare_digest(hm, want) or int(ex or "0", 16) < time.time():
            return web.Response(status=404, text="This content is no longer available.")
        self.downloads[aid] = self.downloads.get(aid, 0) + 1
        return web.Response(body=blob, content_type="application/octet-stream")

    def _echo(self, t: str, d: dict[str, Any]) -> None:
        """Gateway events follow the REST answer, as on Discord (guild messages only when
        the bot asked for GUILD_MESSAGES)."""
        if not self.intents & GUILD_MESSAGES or self._ws is None or self._ws.closed:
            return
        task = asyncio.get_running_loop().create_task(self.dispatch(t, json.loads(json.dumps(d))))
        self._echoes.add(task)
        task.add_done_callback(self._echoes.discard)

    def bot_messages(self, cid: str = CHANNEL_ID) -> list[dict[str, Any]]:
        """The bot's messages now in a channel, oldest first."""
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == cid and m["author"]["id"] == BOT_ID
        ]

    def _gateway_copy(self, data: dict[str, Any]) -> dict[str, Any]:
        """A guild message as the gateway shows it to the bot: without MESSAGE_CONTENT,
        Discord sends people's messages with empty content, embeds and attachments."""
        out: dict[str, Any] = json.loads(json.dumps(data))
        if not self.intents & MESSAGE_CONTENT:
            out.update(content="", embeds=[], attachments=[])
        return out

    async def say(
        self,
        uid: str,
        text: str,
        *,
        channel: str = CHANNEL_ID,
        reply_to: str | None = None,
        mentions: tuple[str, ...] = (),
        files: tuple[tuple[str, str, bytes], ...] = (),
        claimed_size: int | None = None,
        bot: bool = False,
        webhook: bool = False,
    ) -> str:
        """A person (or another bot, or a webhook) writes in a server channel or thread; the
        gateway delivers MESSAGE_CREATE if the bot asked for GUILD_MESSAGES. The message id.
        `claimed_size`: the attachment's size as Discord reports it (a file too big to fetch)."""
        author = {**self.users[uid], "bot": bot}
        mid = snowflake()
        data: dict[str, Any] = {
            "id": mid,
            "channel_id": channel,
            "guild_id": GUILD_ID,
            "author": author,
            "member": self._member_json(uid),
            "content": text,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [{**self.users[m], "member": self._member_json(m)} for m in mentions],
            "mention_roles": [],
            "attachments": [self._attach(*f) for f in files],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if claimed_size is not None:
            data["attachments"][0]["size"] = claimed_size
        if webhook:
            data["webhook_id"] = snowflake()
        if reply_to is not None:
            data["type"] = 19
            data["message_reference"] = {
                "type": 0,
                "message_id": reply_to,
                "channel_id": channel,
                "guild_id": GUILD_ID,
            }
            parent = self.messages.get(reply_to)
            if parent is not None:
                data["referenced_message"] = parent
        self.messages[mid] = data
        if self.intents & GUILD_MESSAGES:
            await self.dispatch("MESSAGE_CREATE", self._gateway_copy(data))
        return mid

    async def edit(self, mid: str, text: str) -> None:
        """Its author edits a message: MESSAGE_UPDATE with the whole message (as Discord)."""
        data = self.messages[mid]
        data["content"] = text
        data["edited_timestamp"] = "2026-01-01T00:02:00+00:00"
        if self.intents & GUILD_MESSAGES:
            await self.dispatch("MESSAGE_UPDATE", self._gateway_copy(data))

    async def remove(self, mid: str) -> None:
        """Someone deletes a message in the app: MESSAGE_DELETE (ids only)."""
        data = self.messages.pop(mid)
        if self.intents & GUILD_MESSAGES:
            await self.dispatch(
                "MESSAGE_DELETE",
                {"id": mid, "channel_id": data["channel_id"], "guild_id": GUILD_ID},
            )

    async def react(self, uid: str, mid: str, emoji: str) -> None:
        """A person adds a (unicode) reaction to a channel message: MESSAGE_REACTION_ADD,
        delivered only to a bot that asked for GUILD_MESSAGE_REACTIONS."""
        data = self.messages[mid]
        if not self.intents & GUILD_MESSAGE_REACTIONS:
            return
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": uid,
                "channel_id": data["channel_id"],
                "message_id": mid,
                "guild_id": GUILD_ID,
                "member": {**self._member_json(uid), "user": self.users[uid]},
                "emoji": {"id": None, "name": emoji},
                "message_author_id": data["author"]["id"],
                "burst": False,
                "burst_colors": [],
                "type": 0,
            },
        )

    async def context_menu(self, uid: str, name: str, mid: str) -> str:
        """A person picks Apps → NAME on a channel message: only a registered message
        command (type 3) is offered, in the contexts it was registered for. Its token."""
        cmd = self.registered(name, True)
        if cmd is None or cmd.get("type") != 3:
            raise Unregistered(f"no message command {name!r} is registered")
        contexts = cmd.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise Unregistered(f"{name!r} is not allowed in servers ({contexts})")
        data = self.messages[mid]
        d = self._interaction_base(uid, True, data["channel_id"])
        d["type"] = 2
        d["data"] = {
            "id": cmd["id"],
            "name": name,
            "type": 3,
            "target_id": mid,
            "guild_id": GUILD_ID,
            "resolved": {"messages": {mid: json.loads(json.dumps(data))}},
        }
        return await self.interact(d)

    def _member_json(self, uid: str) -> dict[str, Any]:
        return {
            "roles": sorted(self.members.get(uid, set())),
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }

    def _refuse(self, path: str, status: int, error: dict[str, Any]) -> web.Response:
        self.refused.append((path, status, int(error.get("code") or 0)))
        return self._json(error, status)

    def _acknowledge(self, token: str, body: Any) -> tuple[int, dict[str, Any]] | None:
        """Discord's rules for the one initial response to an interaction."""
        pending = self.interactions.get(token)
        if pending is None or self.now() - pending.at > ACK_WINDOW_S:
            return 404, UNKNOWN_INTERACTION
        if pending.acked:
            return 400, ALREADY_ACKED
        kind = body.get("type") if isinstance(body, dict) else None
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
        if kind not in allowed.get(pending.kind, set()):
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": {"type": kind}}
        if kind == 9:
            problem = _invalid_modal(body.get("data"))
            if problem:
                return 400, {"message": "Invalid Form Body", "code": 50035, "errors": problem}
        pending.acked = True
        return None

    async def _commands(self, request: web.Request, parts: list[str], method: str) -> web.Response:
        """applications/{app}/commands and applications/{app}/guilds/{guild}/commands."""
        if parts[1] != APP_ID:
            return self._json({"message": "Unknown Application", "code": 10002}, 404)
        scope = parts[3] if len(parts) == 5 and parts[2] == "guilds" else None
        if scope is not None and scope != GUILD_ID:
            return self._json({"message": "Missing Access", "code": 50001}, 403)
        if method == "GET":
            return self._json(self.commands.get(scope, []))
        if method != "PUT":
            return self._json({"message": "405: Method Not Allowed", "code": 0}, 405)
        body = await request.json()
        problem = _invalid_commands(body)
        if problem:
            return self._json(
                {"message": "Invalid Form Body", "code": 50035, "errors": problem}, 400
            )
        self.overwrites.append(scope)
        stored = []
        for cmd in body:
            permissions = cmd.get("default_member_permissions")
            stored.append(
                {
                    "description": "",  # as Discord answers a context menu's
                    **cmd,
                    # Discord answers permission bits as a string, whatever it was sent.
                    "default_member_permissions": None if permissions is None else str(permissions),
                    "id": snowflake(),
                    "application_id": APP_ID,
                    "version": snowflake(),
                    **({"guild_id": scope} if scope else {}),
                }
            )
        self.commands[scope] = stored
        return self._json(stored)

    def _member(self, parts: list[str], method: str) -> web.Response:
        """GET guilds/{g}/members/{u}; PUT guilds/{g}/members/{u}/roles/{r}."""
        uid = parts[3]
        if parts[1] != GUILD_ID:
            return self._json({"message": "Unknown Guild", "code": 10004}, 404)
        if uid not in self.members:
            return self._json({"message": "Unknown Member", "code": 10007}, 404)
        if len(parts) == 4 and method == "GET":
            return self._json(
                {
                    "user": self.users[uid],
                    "roles": sorted(self.members[uid]),
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            )
        if len(parts) == 6 and parts[4] == "roles" and method == "PUT":
            if parts[5] not in self.roles:
                return self._json({"message": "Unknown Role", "code": 10011}, 404)
            self.members[uid].add(parts[5])
            return web.Response(status=204)
        return self._json({"message": "fake: no member route", "code": 0}, 404)

    # ---- test helpers -------------------------------------------------------
    async def wait_for(self, predicate: Any, limit_s: float = 10.0) -> None:
        deadline = time.monotonic() + limit_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("fake Discord: condition not met in time")
            await asyncio.sleep(0.02)


def _invalid_modal(data: Any) -> dict[str, str]:
    """What Discord refuses in a modal: title, custom_id, 1-5 text inputs and their limits."""
    if not isinstance(data, dict):
        return {"data": "a modal needs data"}
    if not 1 <= len(str(data.get("title") or "")) <= 45:
        return {"title": "1-45 characters"}
    if not 1 <= len(str(data.get("custom_id") or "")) <= 100:
        return {"custom_id": "1-100 characters"}
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        return {"components": "1-5 components"}
    seen: set[str] = set()
    for row in rows:
        inner = row.get("components") if row.get("type") == 1 else [row.get("component")]
        for c in inner or []:
            if c.get("type") != 4:
                return {"components": f"component type {c.get('type')} in a modal row"}
            cid, label = str(c.get("custom_id") or ""), c.get("label") or row.get("label") or ""
            if not 1 <= len(cid) <= 100 or cid in seen:
                return {"custom_id": f"bad or duplicate input custom_id {cid!r}"}
            seen.add(cid)
            if not 1 <= len(label) <= 45:
                return {"label": f"label of {cid!r} must be 1-45 characters"}
            if len(c.get("placeholder") or "") > 100:
                return {"placeholder": f"placeholder of {cid!r} over 100 characters"}
            if not 1 <= int(c.get("max_length") or 4000) <= 4000:
                return {"max_length": f"max_length of {cid!r} must be 1-4000"}
            if len(c.get("value") or "") > int(c.get("max_length") or 4000):
                return {"value": f"value of {cid!r} over its max_length"}
    return {}


def _invalid_commands(body: Any) -> dict[str, str]:
    """What Discord would refuse in a bulk overwrite (names, descriptions, counts)."""
    if not isinstance(body, list) or len(body) > 100:
        return {"_": "a list of at most 100 commands"}
    names = [(c.get("type", 1), c.get("name")) for c in body]
    if len(set(names)) != len(names):
        return {"name": "duplicate command names"}  # per type: a menu may share a name
    if sum(1 for kind, _ in names if kind == 3) > MAX_MESSAGE_COMMANDS:
        return {"_": f"at most {MAX_MESSAGE_COMMANDS} message commands"}

    def check(item: dict[str, Any], where: str) -> dict[str, str]:
        name, desc = str(item.get("name", "")), str(item.get("description", ""))
        if not _NAME.match(name) or name != name.lower():
            return {where: f"bad name {name!r}"}
        if not 1 <= len(desc) <= 100:
            return {where: f"description of {name!r} must be 1-100 characters"}
        options = item.get("options") or []
        if len(options) > 25:
            return {where: f"{name!r} has more than 25 options"}
        for i, option in enumerate(options):
            found = check(option, f"{where}.options.{i}")
            if found:
                return found
        return {}

    def check_menu(item: dict[str, Any], where: str) -> dict[str, str]:
        """User and message commands: a name of 1-32 characters (any case, spaces), an
        empty description and no options."""
        name = str(item.get("name", ""))
        if not 1 <= len(name) <= 32 or name != name.strip():
            return {where: f"bad context menu name {name!r}"}
        if item.get("description") or item.get("options"):
            return {where: f"context menu {name!r} takes no description or options"}
        return {}

    for i, cmd in enumerate(body):
        if cmd.get("type", 1) in (2, 3):
            found = check_menu(cmd, str(i))
            if found:
                return found
            continue
        found = check(cmd, str(i))
        if found:
            return found
    return {}


MAX_CONTENT = 2000


def _content_too_long(tail: str, body: Any) -> dict[str, Any] | None:
    """Discord refuses message content over 2,000 characters (messages, interaction
    responses, follow-ups and edits alike) with Invalid Form Body."""
    if not isinstance(body, dict):
        return None
    data = body.get("data") if tail.startswith("interactions/") else body
    content = (data or {}).get("content") if isinstance(data, dict) else None
    if not isinstance(content, str) or len(content) <= MAX_CONTENT:
        return None
    return {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "content": {
                "_errors": [
                    {
                        "code": "BASE_TYPE_MAX_LENGTH",
                        "message": "Must be 2000 or fewer in length.",
                    }
                ]
            }
        },
    }
