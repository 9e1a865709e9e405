"""Signed Slack requests (slash commands, events, block actions) and a person who sends them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer

from bots.slack.bot import SLACKBOT
from tests.adapters.slack.fake_slack import FakeSlack, Posted

SECRET = "slack-test-signing-secret"
PATH = "/webhooks/slack/events"
_event_ids = itertools.count(1)


def signed_headers(body: str, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    base = f"v0:{ts}:{body}".encode()
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


async def post_signed(
    server: TestServer,
    body: str,
    content_type: str,
    *,
    ts: int | None = None,
    secret: str = SECRET,
    extra: dict[str, str] | None = None,
) -> tuple[int, str]:
    headers = {"Content-Type": content_type, **signed_headers(body, ts=ts, secret=secret)}
    headers.update(extra or {})
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.make_url(PATH), data=body.encode(), headers=headers) as resp,
    ):
        return resp.status, await resp.text()


def command_body(
    team: str,
    user: str,
    name: str,
    text: str,
    channel: str = "",
    trigger: str = "1.2.3",
    response_url: str = "http://127.0.0.1:9/unused",
) -> str:
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": channel or f"D{user}",
            "channel_name": "directmessage",
            "user_id": user,
            "user_name": name,
            "command": "/mentor",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


def message_event(team: str, user: str, text: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": team,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):06d}",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        },
    }


def view_submission(
    team: str,
    user: str,
    name: str,
    view: dict[str, Any],
    changes: dict[str, str | list[str]],
    trigger: str,
) -> dict[str, Any]:
    """The interactivity payload Slack sends when the modal's submit button is pressed."""
    state: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        key = block["block_id"]
        if el["type"] == "plain_text_input":
            text = changes.get(key, el.get("initial_value", ""))
            assert isinstance(text, str)
            entry: dict[str, Any] = {"type": el["type"], "value": text or None}
        elif el["type"] == "static_select":
            chosen = changes.get(key)
            opt = (
                next(o for o in el["options"] if o["value"] == chosen)
                if chosen
                else el.get("initial_option")
            )
            entry = {"type": el["type"], "selected_option": opt}
        else:
            wanted = changes.get(key)
            opts = (
                [o for o in el["options"] if o["value"] in wanted]
                if wanted is not None
                else el.get("initial_options", [])
            )
            entry = {"type": el["type"], "selected_options": opts}
        state[key] = {el["action_id"]: entry}
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "name": name, "team_id": team},
        "api_app_id": "A1",
        "token": "legacy-unused",
        "trigger_id": trigger,
        "view": {
            "id": "V1",
            "team_id": team,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "title": view["title"],
            "blocks": view["blocks"],
            "state": {"values": state},
            "hash": "1.abc",
            "app_id": "A1",
            "bot_id": "BBOT",
        },
        "response_urls": [],
    }
    return payload


class SlackUser:
    """One person in the fake workspace: types in the app DM, runs /mentor, presses buttons."""

    def __init__(
        self, server: TestServer, fake: FakeSlack, user_id: str, name: str, team: str = "T1"
    ) -> None:
        self.server = server
        self.fake = fake
        self.user_id = user_id
        self.name = name
        self.team = team
        self.channel = f"D{user_id}"
        self.last: list[Posted] = []
        self.trigger = ""  # the trigger_id of the last command or button press
        self._triggers = itertools.count(1)
        fake.names[user_id] = name
        fake.members[user_id] = team

    def _next_trigger(self) -> str:
        self.trigger = f"{self.user_id}.{next(self._triggers)}.trigger"
        return self.trigger

    def modal(self) -> dict[str, Any] | None:
        """The modal opened in answer to the last command or button press, if any."""
        return self.fake.modals.get(self.trigger)

    async def _settle(self, seen: int) -> list[Posted]:
        await self.server.app[SLACKBOT].settle()
        self.last = self.fake.in_channel(self.channel)[seen:]
        return self.last

    async def command(self, text: str, channel: str = "") -> list[Posted]:
        seen = len(self.fake.in_channel(self.channel))
        body = command_body(self.team, self.user_id, self.name, text, channel, self._next_trigger())
        status, _ = await post_signed(self.server, body, "application/x-www-form-urlencoded")
        assert status == 200
        return await self._settle(seen)

    async def say(self, text: str, *, event_id: str | None = None) -> list[Posted]:
        seen = len(self.fake.in_channel(self.channel))
        body = json.dumps(message_event(self.team, self.user_id, text, event_id))
        status, _ = await post_signed(self.server, body, "application/json")
        assert status == 200
        return await self._settle(seen)

    def _find(self, label: str, where: list[Posted]) -> tuple[Posted, dict[str, Any], str, str]:
        labels: list[str] = []
        for post in reversed(where):
            for block in post.blocks:
                if block["type"] != "actions":
                    continue
                for el in block["elements"]:
                    if el["type"] == "button" and "value" in el:
                        labels.append(el["text"]["text"])
                        if label.casefold() in el["text"]["text"].casefold():
                            return post, el, el["value"], el["text"]["text"]
                    if el["type"] == "static_select":
                        for opt in el["options"]:
                            labels.append(opt["text"]["text"])
                            if label.casefold() in opt["text"]["text"].casefold():
                                return post, el, opt["value"], opt["text"]["text"]
        raise AssertionError(f"no button like {label!r}; have {labels}")

    async def press(self, label: str, where: list[Posted] | None = None) -> list[Posted]:
        post, element, value, text = self._find(label, self.last if where is None else where)
        if element["type"] == "button":
            action: dict[str, Any] = {
                "type": "button",
                "action_id": element["action_id"],
                "block_id": "b1",
                "text": {"type": "plain_text", "text": text},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        else:
            action = {
                "type": "static_select",
                "action_id": element["action_id"],
                "block_id": "b1",
                "selected_option": {"text": {"type": "plain_text", "text": text}, "value": value},
                "action_ts": f"{time.time():.6f}",
            }
        payload = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "acme"},
            "user": {"id": self.user_id, "name": self.name, "team_id": self.team},
            "api_app_id": "A1",
            "token": "legacy-unused",
            "container": {"type": "message", "message_ts": post.ts, "channel_id": post.channel},
            "trigger_id": self._next_trigger(),
            "channel": {"id": post.channel, "name": "directmessage"},
            "message": {"type": "message", "ts": post.ts, "text": post.text, "blocks": post.blocks},
            "response_url": "http://127.0.0.1:9/unused",
            "actions": [action],
        }
        seen = len(self.fake.in_channel(self.channel))
        body = urlencode({"payload": json.dumps(payload)})
        status, _ = await post_signed(self.server, body, "application/x-www-form-urlencoded")
        assert status == 200
        return await self._settle(seen)

    def text(self) -> str:
        return "\n".join(
            b["text"]["text"] for p in self.last for b in p.blocks if b["type"] == "section"
        )

    async def submit(
        self, changes: dict[str, str | list[str]], view: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any] | None, list[Posted]]:
        """Press the modal's submit button after changing some fields (others as shown).

        Returns the HTTP status, the JSON answer (None: empty body, the modal closes) and
        what was posted to the DM afterwards.
        """
        view = view if view is not None else self.modal()
        assert view is not None, "no modal is open"
        payload = view_submission(
            self.team, self.user_id, self.name, view, changes, f"{self.user_id}.submit"
        )
        seen = len(self.fake.in_channel(self.channel))
        body = urlencode({"payload": json.dumps(payload)})
        status, text = await post_signed(self.server, body, "application/x-www-form-urlencoded")
        posted = await self._settle(seen)
        return status, (json.loads(text) if text.strip() else None), posted

    async def open_home(self) -> Posted:
        """Open the App Home tab; returns what was published, shaped like a message."""
        seen = len(self.fake.views)
        body = json.dumps(
            {
                "token": "legacy-unused",
                "team_id": self.team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": f"Ev{next(_event_ids):06d}",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": self.user_id, "tab": "home"},
            }
        )
        status, _ = await post_signed(self.server, body, "application/json")
        assert status == 200
        await self.server.app[SLACKBOT].settle()
        published = [v for v in self.fake.views[seen:] if v.get("type") == "home"]
        assert published, "nothing was published to the App Home"
        return Posted("home", "0", "", published[-1]["blocks"])
