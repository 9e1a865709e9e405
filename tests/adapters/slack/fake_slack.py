"""A local fake of Slack: the Web API (aiohttp on 127.0.0.1) that records every call, and
Slack's side of a request to the app (events, commands, interactivity), with its rules.

Slack counts a request the app did not answer with a 2xx within 3 seconds as a failed
delivery (docs.slack.dev: "respond ... within 3 seconds", events "retry ... up to 3
times" with X-Slack-Retry-Num); `send_to_app` is that sender, so every test that delivers a
payload through it asserts the acknowledgement rule, not a speed.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

# The bot scope each Web API method needs (docs.slack.dev/reference/methods/*); methods
# not listed need none beyond a valid token (auth.test, views.open, views.publish).
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.info": "channels:read",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
}
# The scope a bot event subscription needs (docs.slack.dev/reference/events/*).
EVENT_SCOPES = {
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "member_joined_channel": "channels:read",
    "reaction_added": "reactions:read",
}
ACK_WITHIN_S = 3.0  # Slack's acknowledgement deadline
# Slack's generated avatar for someone who uploaded none (an 8 px PNG here).
DEFAULT_AVATAR = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGOMijrBgA0wYRUdtBIALJEBjL4noA8AAAAASUVORK5CYII="
)
EVENT_RETRIES = 3  # Events API: a failed delivery is retried this many times


class AckMissing(AssertionError):
    """Slack got no acknowledgement in time: it counts a failed delivery."""


@dataclass
class Sent:
    """One request Slack made to the app and how it went."""

    status: int | None  # None: no answer within 3 s (Slack gives up on it)
    text: str
    retry: int = 0  # X-Slack-Retry-Num it carried (0: the first attempt)

    @property
    def acked(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def send_to_app(url: str, body: bytes, headers: dict[str, str]) -> Sent:
    """POST as Slack does: an answer after 3 s is no answer, whatever it would have said."""
    timeout = aiohttp.ClientTimeout(total=ACK_WITHIN_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, data=body, headers=headers) as resp,
        ):
            return Sent(resp.status, await resp.text())
    except TimeoutError:
        return Sent(None, "")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float
    team: str = ""  # the workspace of the token the call carried


@dataclass
class Uploaded:
    """A file shared in a channel through files.getUploadURLExternal → upload → complete."""

    channel: str
    file_id: str
    filename: str
    title: str
    data: bytes
    thread_ts: str = ""
    initial_comment: str = ""
    alt_txt: str = ""  # files.getUploadURLExternal's alt_txt (an image's description)


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    updates: list[list[dict[str, Any]]] = field(default_factory=list)
    team: str = ""  # posted with the bot token of this workspace
    thread_ts: str = ""  # a reply in the thread under this message
    user: str = ""  # a person's message in a channel ("": the app's own)
    deleted: bool = False


@dataclass
class Channel:
    """A channel in the fake workspace: whether the app was invited, archived or deleted."""

    id: str
    private: bool = False
    app_member: bool = True
    archived: bool = False
    deleted: bool = False


@dataclass
class SharedFile:
    """A file a person shared in a channel, behind url_private (bot token, files:read)."""

    file_id: str
    name: str
    mime: str
    data: bytes
    downloads: int = 0


class FakeSlack:
    def __init__(self, team_id: str = "T1") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.views: list[dict[str, Any]] = []
        self.modals: dict[str, dict[str, Any]] = {}  # trigger_id -> the modal opened with it
        self.uploads: list[Uploaded] = []
        self._pending: dict[str, tuple[str, int, bytes | None]] = {}  # id -> name, length, data
        self._alts: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.rate_limit: dict[str, int] = {}  # method -> how many 429s to answer first
        self.errors: dict[str, str] = {}  # method -> error to answer with (ok: false)
        self.retry_after = 1
        # Slack's own limits, as it keeps them: method -> (calls, per seconds), per workspace;
        # one more inside the window is 429 with Retry-After (whole seconds until a call frees).
        self.method_limits: dict[str, tuple[int, float]] = {}
        self._recent: dict[tuple[str, str], list[float]] = {}
        self.down = False  # True: every Web API call answers 503, as during an outage
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, SharedFile] = {}
        # Profile images people uploaded to Slack (user id -> bytes), served without a token
        # at image_512 / image_192 as Slack's avatar host does; everyone else has Slack's
        # generated default (is_custom_image false).
        self.avatars: dict[str, bytes] = {}
        self.avatar_fetches: list[str] = []
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        # Socket Mode: the app's WebSocket, and acks waited for by envelope id.
        self.socket: web.WebSocketResponse | None = None
        self.socket_open = asyncio.Event()
        self.socket_connections = 0
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._envelopes = itertools.count(1)
        # Several workspaces (OAuth): the app's credentials, the codes Slack hands out when
        # someone approves the install, the bot token issued per team, who is in which team.
        self.client_id = "111.222"
        self.client_secret = "fake-client-secret"
        self.codes: dict[str, str] = {}  # code -> team
        self.tokens: dict[str, str] = {}  # bot token -> team
        self.members: dict[str, str] = {}  # user id -> team
        self.issued_only = False  # True: only tokens issued by oauth.v2.access are valid
        self.responses: list[dict[str, Any]] = []  # what was posted to a response_url
        # The scopes the installed app was granted (None: any); a call needing another one
        # is refused with missing_scope, as Slack does.
        self.granted: set[str] | None = None
        self.refused: list[Call] = []
        self.ephemerals: list[dict[str, Any]] = []  # chat.postEphemeral: channel, user, text

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_get("/avatars/{user}/{name}", self._avatar)
        app.router.add_get("/link", self._socket_mode)
        app.router.add_post("/response", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/api/"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def in_channel(self, channel: str) -> list[Posted]:
        return [p for p in self.posted if p.channel == channel]

    def files_in(self, channel: str) -> list[Uploaded]:
        return [u for u in self.uploads if u.channel == channel]

    def live(self, channel: str) -> list[Posted]:
        """Messages in a channel as people see it now (deleted ones gone)."""
        return [p for p in self.posted if p.channel == channel and not p.deleted]

    def add_channel(self, channel: str, *, app_member: bool = True, private: bool = False) -> None:
        self.channels[channel] = Channel(channel, private=private, app_member=app_member)

    def user_says(self, channel: str, user: str, text: str, thread_ts: str = "") -> dict[str, Any]:
        """A person posts in a channel: recorded, and the message event Slack sends for it."""
        ts = f"{next(self._ts)}.000200"
        self.posted.append(
            Posted(channel, ts, text, [], team=self.team_id, thread_ts=thread_ts, user=user)
        )
        return self._message_event(channel, user, text, ts, thread_ts)

    def _message_event(
        self, channel: str, user: str, text: str, ts: str, thread_ts: str = ""
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "channel_type": self._kind(channel),
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": self.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = "UPARENT"
        return event

    def _kind(self, channel: str) -> str:
        """The event's channel_type: a D… channel is a person's DM with the app."""
        if channel.startswith("D"):
            return "im"
        return "group" if self._private(channel) else "channel"

    def _private(self, channel: str) -> bool:
        known = self.channels.get(channel)
        return known is not None and known.private

    def user_shares(
        self,
        channel: str,
        user: str,
        name: str,
        mime: str,
        data: bytes,
        text: str = "",
        *,
        stub: bool = False,
    ) -> dict[str, Any]:
        """A person shares a file: the file_share message event (files carry url_private)."""
        file_id = f"F{next(self._ts)}"
        shared = self.files[file_id] = SharedFile(file_id, name, mime, data)
        event = self.user_says(channel, user, text)
        event["subtype"] = "file_share"
        event["upload"] = False
        if stub:
            # Slack may send only the id: "check_file_info" means ask files.info.
            event["files"] = [
                {"id": file_id, "mode": "file_access", "file_access": "check_file_info"}
            ]
        else:
            event["files"] = [self._file_json(shared, self.team_id)]
        return event

    def _file_json(self, f: SharedFile, team: str) -> dict[str, Any]:
        url = f"{self.base}/files-pri/{team}-{f.file_id}/{f.name}"
        return {
            "id": f.file_id,
            "name": f.name,
            "title": f.name,
            "mimetype": f.mime,
            "filetype": f.name.rpartition(".")[2],
            "size": len(f.data),
            "mode": "hosted",
            "url_private": url,
            "url_private_download": url + "?download=1",
        }

    def user_edits(self, post: Posted, text: str) -> dict[str, Any]:
        """A person edits their message: message_changed, with the new message inside."""
        post.text = text
        new = self._message_event(post.channel, post.user, text, post.ts, post.thread_ts)
        new["edited"] = {"user": post.user, "ts": f"{next(self._ts)}.000300"}
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": post.channel,
            "channel_type": new["channel_type"],
            "message": new,
            "previous_message": {"type": "message", "user": post.user, "ts": post.ts},
            "ts": f"{next(self._ts)}.000300",
            "event_ts": f"{next(self._ts)}.000300",
        }

    def user_deletes(self, post: Posted) -> dict[str, Any]:
        post.deleted = True
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": post.channel,
            "channel_type": self._kind(post.channel),
            "deleted_ts": post.ts,
            "previous_message": {"type": "message", "user": post.user, "ts": post.ts},
            "ts": f"{next(self._ts)}.000400",
            "event_ts": f"{next(self._ts)}.000400",
        }

    def user_reacts(self, post: Posted, user: str, reaction: str) -> dict[str, Any] | None:
        """A person adds a reaction (Slack's name, e.g. triangular_flag_on_post) to a message:
        the reaction_added event, which Slack sends only to an app granted reactions:read
        (None otherwise: nothing arrives)."""
        if self.granted is not None and "reactions:read" not in self.granted:
            return None
        return {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": post.user or "UBOT",
            "item": {"type": "message", "channel": post.channel, "ts": post.ts},
            "event_ts": f"{next(self._ts)}.000500",
        }

    def echo(self, post: Posted) -> dict[str, Any]:
        """The message event Slack sends the app for a message the app itself posted."""
        event = self._message_event(post.channel, "UBOT", post.text, post.ts, post.thread_ts)
        event.update({"bot_id": "BBOT", "app_id": "A1"})
        return event

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """url_private: the file for a bot token of its workspace with files:read; otherwise
        Slack redirects to its sign-in page."""
        team, _, file_id = request.match_info["file_id"].partition("-")
        f = self.files.get(file_id)
        if f is None:
            return web.Response(status=404, text="file not found")
        auth = request.headers.get("Authorization", "")
        owner = self._team_of_token(auth) if auth.startswith("Bearer xoxb-") else None
        scoped = self.granted is None or "files:read" in self.granted
        if owner != team or not scoped:
            raise web.HTTPFound("/signin")
        f.downloads += 1
        return web.Response(body=f.data, content_type=f.mime)

    async def _avatar(self, request: web.Request) -> web.Response:
        """A profile image: public (no token), as on Slack's avatar host."""
        user = request.match_info["user"]
        self.avatar_fetches.append(user)
        if user == "default":  # Slack's generated initials-on-colour picture
            return web.Response(body=DEFAULT_AVATAR, content_type="image/png")
        data = self.avatars.get(user)
        if data is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=data, content_type="image/jpeg")

    def _channel_refusal(self, method: str, p: dict[str, Any]) -> str | None:
        """What Slack answers a call about a channel the app can't use."""
        channel = self.channels.get(str(p.get("channel") or ""))
        if channel is None or method not in (
            "chat.postMessage", "chat.update", "chat.delete", "chat.postEphemeral"
        ):  # fmt: skip
            return None
        if channel.deleted or (channel.private and not channel.app_member):
            return "channel_not_found"
        if channel.archived:
            return "is_archived"
        if not channel.app_member:
            return "not_in_channel"
        return None

    def _find_post(self, p: dict[str, Any]) -> Posted | None:
        for post in self.posted:
            if post.ts == p.get("ts") and post.channel == p.get("channel") and not post.deleted:
                return post
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        """A command's response_url (hooks.slack.com): no token, the message as JSON."""
        self.responses.append(await request.json())
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL (like files.slack.com): raw bytes, no token, length must match."""
        file_id = request.match_info["file_id"]
        if file_id not in self._pending:
            return web.Response(status=404, text="unknown upload")
        name, length, _ = self._pending[file_id]
        data = await request.read()
        if len(data) != length:
            return web.Response(status=400, text="length mismatch")
        self._pending[file_id] = (name, length, data)
        return web.Response(text="OK - " + str(len(data)))

    def approve(self, team: str, team_name: str = "") -> str:
        """Someone in `team` approved the install on Slack's page: the code it redirects with."""
        code = f"code-{team}-{next(self._ts)}"
        self.codes[code] = team
        self.names.setdefault(f"team:{team}", team_name or f"Team {team}")
        return code

    def token_of(self, team: str) -> str:
        [token] = [t for t, owner in self.tokens.items() if owner == team]
        return token

    def _over_limit(self, team: str, method: str) -> int | None:
        """Retry-After seconds if this call breaks the method's limit in the team, else None
        (the call is counted)."""
        if method not in self.method_limits:
            return None
        calls, per_s = self.method_limits[method]
        now = time.monotonic()
        recent = [t for t in self._recent.get((team, method), []) if t > now - per_s]
        if len(recent) >= calls:
            self._recent[(team, method)] = recent
            return max(1, math.ceil(recent[0] + per_s - now))
        recent.append(now)
        self._recent[(team, method)] = recent
        return None

    def _team_of_token(self, auth: str) -> str | None:
        token = auth.removeprefix("Bearer ")
        if token in self.tokens:
            return self.tokens[token]
        return None if self.issued_only else self.team_id

    def _oauth_access(self, request: web.Request, p: dict[str, Any]) -> web.Response:
        """oauth.v2.access: the app's id and secret (HTTP Basic), a one-time code."""
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            self.calls.append(Call("oauth.v2.access", p, 200, time.monotonic()))
            return web.json_response({"ok": False, "error": "invalid_client_id"})
        team = self.codes.pop(str(p.get("code", "")), None)
        self.calls.append(Call("oauth.v2.access", p, 200, time.monotonic(), team or ""))
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_code"})
        token = f"xoxb-{team}-{next(self._ts)}"
        self.tokens[token] = team
        return web.json_response(
            {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": f"UINSTALLER{team}"},
                "scope": "commands,chat:write,files:write,im:history,im:write,users:read",
                "token_type": "bot",
                "access_token": token,
                "bot_user_id": f"UBOT{team}",
                "team": {"id": team, "name": self.names[f"team:{team}"]},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        )

    def _wrong_team(self, team: str, p: dict[str, Any]) -> str | None:
        """A bot token of one workspace can't reach people or DMs of another."""
        user = p.get("users") or p.get("user") or p.get("user_id")
        if user is not None:
            known = self.members.get(str(user))
            return "user_not_found" if known is not None and known != team else None
        channel = str(p.get("channel") or p.get("channel_id") or "")
        known = self.members.get(channel[1:]) if channel.startswith("D") else None
        return "channel_not_found" if known is not None and known != team else None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update({k: str(v) for k, v in (await request.post()).items()})
        if method == "oauth.v2.access":
            return self._oauth_access(request, params)
        # Socket Mode connections open with the app-level token; everything else the bot's.
        token_kind = "Bearer xapp-" if method == "apps.connections.open" else "Bearer xoxb-"
        auth = request.headers.get("Authorization", "")
        if not auth.startswith(token_kind):
            self.calls.append(Call(method, params, 200, time.monotonic()))
            return web.json_response({"ok": False, "error": "not_authed"})
        team = self.team_id if token_kind == "Bearer xapp-" else self._team_of_token(auth)
        if team is None:
            self.calls.append(Call(method, params, 200, time.monotonic()))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.down:
            self.calls.append(Call(method, params, 503, time.monotonic(), team))
            return web.Response(status=503, text="<html>Service Unavailable</html>")
        wrong = self._wrong_team(team, params)
        if wrong is not None:
            self.calls.append(Call(method, params, 200, time.monotonic(), team))
            return web.json_response({"ok": False, "error": wrong})
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            self.calls.append(Call(method, params, 429, time.monotonic(), team))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        over = self._over_limit(team, method)
        if over is not None:
            self.calls.append(Call(method, params, 429, time.monotonic(), team))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(over)},
            )
        self.calls.append(Call(method, params, 200, time.monotonic(), team))
        needed = METHOD_SCOPES.get(method)
        if self.granted is not None and needed is not None and needed not in self.granted:
            self.refused.append(self.calls[-1])
            return web.json_response(
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.granted)),
                }
            )
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        refusal = self._channel_refusal(method, params)
        if refusal is not None:
            return web.json_response({"ok": False, "error": refusal})
        if method in ("chat.postMessage", "chat.update"):
            refusal = _message_refusal(params)
            if refusal is not None:
                self.refused.append(self.calls[-1])
                return web.json_response(refusal)
        return web.json_response(self._answer(method, params, team))

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        """wss-link of apps.connections.open: hello, then envelopes pushed by tests, acks back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        self.socket_connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        self.socket_open.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            future = self._acks.pop(str(data.get("envelope_id")), None)
            if future is not None and not future.done():
                future.set_result(data)
        if self.socket is ws:
            self.socket, self.socket_open = None, asyncio.Event()
        return ws

    async def push(
        self, kind: str, payload: dict[str, Any], limit_s: float = 5.0
    ) -> dict[str, Any]:
        """Send one Socket Mode envelope (events_api, slash_commands, interactive); the ack.

        As over HTTP, an envelope not acked within 3 s is a failed delivery: AckMissing."""
        await asyncio.wait_for(self.socket_open.wait(), limit_s)
        assert self.socket is not None
        envelope_id = f"env-{next(self._envelopes)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self.socket.send_str(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": 0,
                    "retry_reason": "",
                }
            )
        )
        try:
            return await asyncio.wait_for(future, ACK_WITHIN_S)
        except TimeoutError:
            self._acks.pop(envelope_id, None)
            raise AckMissing(f"{kind} envelope {envelope_id} not acked within 3 s") from None

    def _answer(self, method: str, p: dict[str, Any], team: str = "") -> dict[str, Any]:
        team = team or self.team_id
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http://", "ws://") + "/link?ticket=t1"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.example/",
                "team": self.names.get(f"team:{team}", "Acme"),
                "team_id": team,
                "user": "mentorbot",
                "user_id": "UBOT" if team == self.team_id else f"UBOT{team}",
                "bot_id": "BBOT" if team == self.team_id else f"BBOT{team}",
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(p["users"])}}
        if method == "files.info":
            shared = self.files.get(str(p.get("file") or ""))
            if shared is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self._file_json(shared, team or self.team_id)}
        if method == "users.info":
            user = str(p["user"])
            custom = user in self.avatars
            who = user if custom else "default"
            profile = {
                "real_name": self.names.get(user, user),
                "is_custom_image": custom,
                **{f"image_{n}": f"{self.base}/avatars/{who}/{n}.png" for n in (192, 512)},
            }
            return {"ok": True, "user": {"id": user, "profile": profile}}
        if method == "chat.postMessage":
            blocks = p.get("blocks") or []
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            ts = f"{next(self._ts)}.000100"
            thread = str(p.get("thread_ts") or "")
            self.posted.append(
                Posted(
                    str(p["channel"]),
                    ts,
                    str(p.get("text", "")),
                    blocks,
                    team=team,
                    thread_ts=thread,
                )
            )
            return {"ok": True, "channel": p["channel"], "ts": ts}
        if method == "chat.postEphemeral":
            if not p.get("user") or (not p.get("text") and not p.get("blocks")):
                return {"ok": False, "error": "invalid_arguments"}
            home = self.members.get(str(p["user"]))
            if home is not None and home != team:
                return {"ok": False, "error": "user_not_in_channel"}
            self.ephemerals.append(
                {"channel": str(p["channel"]), "user": str(p["user"]), "text": str(p["text"])}
            )
            return {"ok": True, "message_ts": f"{next(self._ts)}.000600"}
        if method in ("chat.update", "chat.delete"):
            post = self._find_post(p)
            if post is None:
                return {"ok": False, "error": "message_not_found"}
            if post.user:  # a bot token changes only the app's own messages
                verb = "update" if method == "chat.update" else "delete"
                return {"ok": False, "error": f"cant_{verb}_message"}
            if method == "chat.delete":
                post.deleted = True
            else:
                blocks = p.get("blocks") or []
                blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
                post.updates.append(blocks)
                post.text, post.blocks = str(p.get("text", post.text)), blocks or post.blocks
            return {"ok": True, "channel": p["channel"], "ts": p["ts"]}
        if method == "conversations.info":
            known = self.channels.get(str(p.get("channel") or ""))
            if known is None or known.deleted or (known.private and not known.app_member):
                return {"ok": False, "error": "channel_not_found"}
            return {
                "ok": True,
                "channel": {
                    "id": known.id,
                    "is_channel": not known.private,
                    "is_group": known.private,
                    "is_private": known.private,
                    "is_archived": known.archived,
                    "is_member": known.app_member,
                },
            }
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            self._pending[file_id] = (str(p["filename"]), int(p["length"]), None)
            self._alts[file_id] = str(p.get("alt_txt") or "")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = p["files"]
            files = json.loads(files) if isinstance(files, str) else files
            done = []
            for f in files:
                name, _, data = self._pending.pop(str(f["id"]), ("", 0, None))
                if data is None:
                    return {"ok": False, "error": "file_not_found"}
                title = str(f.get("title") or name)
                self.uploads.append(
                    Uploaded(
                        str(p["channel_id"]),
                        f["id"],
                        name,
                        title,
                        data,
                        thread_ts=str(p.get("thread_ts") or ""),
                        initial_comment=str(p.get("initial_comment") or ""),
                        alt_txt=self._alts.pop(str(f["id"]), ""),
                    )
                )
                done.append({"id": f["id"], "name": name, "title": title})
            return {"ok": True, "files": done}
        if method in ("views.publish", "views.open"):
            raw = p.get("view")
            view = json.loads(raw) if isinstance(raw, str) else raw
            if method == "views.open":
                trigger = str(p.get("trigger_id") or "")
                if not trigger or trigger in self.modals:
                    return {"ok": False, "error": "invalid_trigger_id"}  # one use, like Slack
                problems = modal_problems(view)
                if problems:
                    return {
                        "ok": False,
                        "error": "invalid_arguments",
                        "response_metadata": {"messages": problems},
                    }
            view_id = f"V{len(self.views) + 1}"
            view = {**view, "id": view_id, "hash": f"{view_id}.hash"}  # as Slack answers it
            if method == "views.open":
                self.modals[trigger] = view
            self.views.append(view)
            return {"ok": True, "view": view}
        return {"ok": False, "error": "unknown_method"}


def _text_len(obj: dict[str, Any] | None) -> int:
    return len(obj["text"]) if obj else 0


def modal_problems(view: dict[str, Any]) -> list[str]:
    """What Slack answers invalid_arguments for (docs.slack.dev: modal views, input block)."""
    out: list[str] = []
    if view.get("type") != "modal":
        out.append("type must be modal")
    for key, limit in (("title", 24), ("submit", 24), ("close", 24)):
        if key in view and (view[key].get("type") != "plain_text" or _text_len(view[key]) > limit):
            out.append(f"{key} must be plain_text of at most {limit}")
    if not view.get("title"):
        out.append("title is required")
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        out.append("at most 100 blocks")
    if len(view.get("callback_id", "")) > 255 or len(view.get("private_metadata", "")) > 3000:
        out.append("callback_id or private_metadata too long")
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        out.append("block_id must be unique")
    for b in blocks:
        if b["type"] != "input":
            continue
        if "submit" not in view:
            out.append("must define submit to use an input block in modals")
        if len(b.get("block_id", "")) > 255:
            out.append("block_id over 255")
        if b["label"]["type"] != "plain_text" or _text_len(b["label"]) > 2000:
            out.append("label must be plain_text of at most 2000")
        if _text_len(b.get("hint")) > 2000:
            out.append("hint over 2000")
        el = b["element"]
        if _text_len(el.get("placeholder")) > 150:
            out.append("placeholder over 150")
        if el["type"] == "plain_text_input":
            limit = el.get("max_length", 3000)
            if limit > 3000 or len(el.get("initial_value", "")) > limit:
                out.append("plain_text_input max_length/initial_value")
        elif el["type"] in ("static_select", "multi_static_select"):
            opts = el.get("options") or []
            if not 1 <= len(opts) <= 100:
                out.append("1 to 100 options")
            for o in opts:
                if _text_len(o["text"]) > 75 or len(o["value"]) > 150:
                    out.append("option text over 75 or value over 150")
            values = [o["value"] for o in opts]
            initial = el.get("initial_options") or (
                [el["initial_option"]] if "initial_option" in el else []
            )
            if any(o not in opts for o in initial) or len(values) != len(set(values)):
                out.append("initial options must be among the options")
        else:
            out.append(f"unexpected element {el['type']}")
    return out


def manifest_problems(manifest: dict[str, Any]) -> list[str]:
    """What Slack's "Create app from manifest" refuses (docs.slack.dev/reference/app-manifest)."""
    out: list[str] = []
    info = manifest.get("display_information", {})
    if not 1 <= len(info.get("name", "")) <= 35 or len(info.get("description", "")) > 140:
        out.append("display_information: name 1-35, description up to 140")
    features = manifest.get("features", {})
    if len(features.get("bot_user", {}).get("display_name", "")) > 80:
        out.append("bot_user.display_name over 80")
    shortcuts = features.get("shortcuts", [])
    if len(shortcuts) > 10:
        out.append("at most 10 shortcuts")
    for sc in shortcuts:
        if sc.get("type") not in ("global", "message") or not sc.get("callback_id"):
            out.append(f"shortcut {sc.get('name')}: type global|message and a callback_id")
        if len(sc.get("name", "")) > 24 or len(sc.get("description", "")) > 150:
            out.append(f"shortcut {sc.get('name')}: name up to 24, description up to 150")
    settings = manifest.get("settings", {})
    scopes = set(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))
    urls = [c.get("url", "") for c in features.get("slash_commands", [])]
    for cmd in features.get("slash_commands", []):
        if not str(cmd.get("command", "")).startswith("/") or len(cmd.get("command", "")) > 32:
            out.append(f"slash command {cmd.get('command')}: /name up to 32")
        if len(cmd.get("description", "")) > 2000 or len(cmd.get("usage_hint", "")) > 1000:
            out.append(f"slash command {cmd.get('command')}: description or usage_hint too long")
    if (features.get("slash_commands") or shortcuts) and "commands" not in scopes:
        out.append("slash commands and shortcuts need the commands scope")
    events = settings.get("event_subscriptions", {})
    for event in events.get("bot_events", []):
        if event not in EVENT_SCOPES:
            out.append(f"unknown bot event {event}")
        elif EVENT_SCOPES[event] is not None and EVENT_SCOPES[event] not in scopes:
            out.append(f"bot event {event} needs the {EVENT_SCOPES[event]} scope")
    interactivity = settings.get("interactivity", {})
    if shortcuts and not interactivity.get("is_enabled"):
        out.append("shortcuts need interactivity")
    urls += [events.get("request_url", ""), interactivity.get("request_url", "")]
    urls += manifest.get("oauth_config", {}).get("redirect_urls", [])
    if not settings.get("socket_mode_enabled") and not all(u.startswith("https://") for u in urls):
        out.append("request and redirect URLs must be https")
    home = features.get("app_home", {})
    if home.get("messages_tab_read_only_enabled") and home.get("messages_tab_enabled"):
        out.append("a read-only messages tab can't take DMs")
    return out


MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_MESSAGE_TEXT = 40000


def _message_refusal(p: dict[str, Any]) -> dict[str, Any] | None:
    """Slack refuses a message with more than 50 blocks or a section text over 3,000
    characters (invalid_blocks), and a text over 40,000 (msg_too_long)."""
    if len(str(p.get("text") or "")) > MAX_MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    blocks = p.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    problems = []
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"must provide an array with no more than {MAX_MESSAGE_BLOCKS} items")
    for i, b in enumerate(blocks):
        text = (b.get("text") or {}).get("text", "") if b.get("type") == "section" else ""
        if len(text) > MAX_SECTION_TEXT:
            problems.append(
                f"must be less than {MAX_SECTION_TEXT + 1} characters [json-pointer:/blocks/{i}/text]"
            )
    if not problems:
        return None
    return {
        "ok": False,
        "error": "invalid_blocks",
        "response_metadata": {"messages": [f"[ERROR] {m}" for m in problems]},
    }
