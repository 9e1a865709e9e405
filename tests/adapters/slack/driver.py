"""Signed Slack requests (slash commands, events, block actions) and a person who sends them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp.test_utils import TestServer

from bots.slack.setup import SLACKBOT
from tests.adapters.slack.fake_slack import (
    ACK_WITHIN_S,
    EVENT_RETRIES,
    FakeSlack,
    Posted,
    Sent,
    send_to_app,
)

SECRET = "slack-test-signing-secret"
PATH = "/webhooks/slack/events"
_event_ids = itertools.count(1)


def signed_headers(body: str, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    base = f"v0:{ts}:{body}".encode()
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


async def deliver(
    server: TestServer,
    body: str,
    content_type: str,
    *,
    ts: int | None = None,
    secret: str = SECRET,
    extra: dict[str, str] | None = None,
) -> list[Sent]:
    """Slack delivering one payload: an event not acked within 3 s is sent again with
    X-Slack-Retry-Num 1..3, as Slack does; every attempt is returned."""
    url = str(server.make_url(PATH))
    attempts: list[Sent] = []
    is_event = content_type == "application/json" and '"event_callback"' in body
    for retry in range(EVENT_RETRIES + 1 if is_event else 1):
        headers = {"Content-Type": content_type, **signed_headers(body, ts=ts, secret=secret)}
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"})
        headers.update(extra or {})
        sent = await send_to_app(url, body.encode(), headers)
        sent.retry = retry
        attempts.append(sent)
        if sent.acked or sent.status in (401, 403):
            break
    return attempts


async def post_signed(
    server: TestServer,
    body: str,
    content_type: str,
    *,
    ts: int | None = None,
    secret: str = SECRET,
    extra: dict[str, str] | None = None,
) -> tuple[int, str]:
    """One request as Slack sends it; fails the test if it wasn't answered within 3 s."""
    headers = {"Content-Type": content_type, **signed_headers(body, ts=ts, secret=secret)}
    headers.update(extra or {})
    sent = await send_to_app(str(server.make_url(PATH)), body.encode(), headers)
    assert sent.status is not None, f"not acknowledged within {ACK_WITHIN_S} s: Slack gives up"
    return sent.status, sent.text


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
            "id": view.get("id", "V1"),
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


def event_body(team: str, event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):06d}",
            "event_time": int(time.time()),
            "event": event,
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _who(team: str, user: str) -> dict[str, Any]:
    return {
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy-unused",
    }


def shortcut(team: str, user: str, callback_id: str, trigger: str) -> dict[str, Any]:
    """A global shortcut (the lightning menu / search bar)."""
    return {
        "type": "shortcut",
        "callback_id": callback_id,
        "trigger_id": trigger,
        **_who(team, user),
    }


def message_shortcut(
    team: str, user: str, callback_id: str, trigger: str, text: str, channel: str = "C0GEN"
) -> dict[str, Any]:
    """A message shortcut (a message's ⋮ menu)."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": trigger,
        "message_ts": "1700000000.000100",
        "response_url": "http://127.0.0.1:9/unused",
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "user": "UOTHER", "ts": "1700000000.000100", "text": text},
        **_who(team, user),
    }


def mention(team: str, user: str, text: str, channel: str = "C0GEN") -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": f"{time.time():.6f}",
        "channel": channel,
        "event_ts": f"{time.time():.6f}",
    }


FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


def payload_kinds(team: str = "T1", user: str = "UKIND") -> dict[str, tuple[str, str]]:
    """A valid, signed-as-Slack-sends-it body of every kind Slack may deliver to the app's
    request URLs (docs.slack.dev: Events API types, slash commands, interactivity payloads),
    whether MentorBot acts on it or not -> (body, Content-Type)."""
    ts = f"{time.time():.6f}"
    view = {"id": "VX", "team_id": team, "type": "modal", "hash": "h", "state": {"values": {}}}
    events: dict[str, dict[str, Any]] = {
        "message.im": {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": "hi",
            "ts": ts,
        },
        "message.im edited": {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": f"D{user}",
            "ts": ts,
            "message": {"text": "edited", "user": user},
        },
        "message.im from a bot": {
            "type": "message",
            "channel_type": "im",
            "bot_id": "BBOT",
            "channel": f"D{user}",
            "text": "echo",
            "ts": ts,
        },
        "message.channels": {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0GEN",
            "user": user,
            "text": "hello all",
            "ts": ts,
        },
        "app_home_opened home": {"type": "app_home_opened", "user": user, "tab": "home"},
        "app_home_opened messages": {
            "type": "app_home_opened",
            "user": user,
            "tab": "messages",
            "channel": f"D{user}",
        },
        "app_mention": mention(team, user, "<@UBOT> help"),
        "member_joined_channel": {
            "type": "member_joined_channel",
            "user": "UBOT",
            "channel": "C0GEN",
            "channel_type": "C",
            "team": team,
        },
        "app_uninstalled": {"type": "app_uninstalled"},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [user], "bot": []}},
        "reaction_added": {
            "type": "reaction_added",
            "user": user,
            "reaction": "tada",
            "item": {"type": "message", "channel": "C0GEN", "ts": ts},
            "event_ts": ts,
        },
    }
    kinds = {f"event {k}": (event_body(team, e), JSON_TYPE) for k, e in events.items()}
    kinds["url_verification"] = (
        json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}),
        JSON_TYPE,
    )
    kinds["app_rate_limited"] = (
        json.dumps(
            {
                "token": "x",
                "type": "app_rate_limited",
                "team_id": team,
                "minute_rate_limited": 1518467820,
                "api_app_id": "A1",
            }
        ),
        JSON_TYPE,
    )
    kinds["command /mentor help"] = (command_body(team, user, "kind", "help"), FORM_TYPE)
    other = dict(parse_qsl(command_body(team, user, "kind", "x")), command="/other")
    kinds["command /other"] = (urlencode(other), FORM_TYPE)
    action = {
        "type": "button",
        "action_id": "mb:1",
        "block_id": "b1",
        "value": "menu",
        "text": {"type": "plain_text", "text": "Menu"},
        "action_ts": ts,
    }
    interactions: dict[str, dict[str, Any]] = {
        "block_actions": {"type": "block_actions", "trigger_id": "k.1", "actions": [action]},
        "block_actions stale action_id": {
            "type": "block_actions",
            "trigger_id": "k.2",
            "actions": [{**action, "action_id": "old_button_7"}],
        },
        "block_actions link button": {
            "type": "block_actions",
            "trigger_id": "k.3",
            "actions": [
                {
                    "type": "button",
                    "action_id": "mblink:2",
                    "block_id": "b1",
                    "url": "https://example.com",
                    "action_ts": ts,
                }
            ],
        },
        "block_suggestion": {
            "type": "block_suggestion",
            "action_id": "ext_select",
            "block_id": "b1",
            "value": "pyt",
        },
        "shortcut find_mentor": shortcut(team, user, "find_mentor", "k.4"),
        "shortcut unknown": shortcut(team, user, "someone_elses", "k.5"),
        "message_action ask_mentor": message_shortcut(team, user, "ask_mentor", "k.6", "hooks?"),
        "message_action unknown": message_shortcut(team, user, "unknown_action", "k.7", "x"),
        "view_submission find": {
            "type": "view_submission",
            "trigger_id": "k.8",
            "view": {
                **view,
                "callback_id": "mbfind",
                "state": {
                    "values": {"query": {"v": {"type": "plain_text_input", "value": "python"}}}
                },
            },
        },
        "view_submission unknown": {
            "type": "view_submission",
            "trigger_id": "k.9",
            "view": {**view, "callback_id": "not_ours"},
        },
        "view_closed": {
            "type": "view_closed",
            "is_cleared": False,
            "view": {**view, "callback_id": "mbfind"},
        },
        "interactive_message": {
            "type": "interactive_message",
            "callback_id": "legacy",
            "actions": [{"name": "a", "type": "button", "value": "1"}],
            "channel": {"id": "C0GEN"},
            "action_ts": ts,
        },
        "dialog_submission": {
            "type": "dialog_submission",
            "callback_id": "legacy_dialog",
            "submission": {"a": "1"},
            "state": "",
            "action_ts": ts,
        },
    }
    for k, payload in interactions.items():
        kinds[k] = (interaction_body({**_who(team, user), **payload}), FORM_TYPE)
    return kinds


def channel_body(team: str, event: dict[str, Any], event_id: str | None = None) -> str:
    """An event_callback as Slack sends it for a channel message: with the authorizations
    that name the app's bot user in that workspace."""
    body = json.loads(event_body(team, event, event_id))
    body["authorizations"] = [
        {
            "enterprise_id": None,
            "team_id": team,
            "user_id": "UBOT",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    body["event_context"] = f"4-{team}-{event.get('channel', '')}"
    return json.dumps(body)
