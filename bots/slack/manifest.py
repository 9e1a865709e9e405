"""The Slack app manifest (docs.slack.dev/reference/app-manifest), generated from what the
code does: the /mentor command and its words from core's command table, the events the
bot acts on, the shortcuts, the scopes its Web API calls need, the request URLs.

`mentorbot slack manifest --url PUBLIC_URL` prints it; paste it into "Create New App →
From a manifest".
"""

from __future__ import annotations

from typing import Any

from bots.slack.inbound import (
    ASK_SHORTCUT,
    FIND_SHORTCUT,
    HANDLED_EVENTS,
    MESSAGE_IM,
)
from bots.slack.oauth import SCOPES
from bots.slack.paths import EVENTS_PATH, REDIRECT_PATH
from core.commands import COMMANDS, GROUP_COMMAND

NAME = "MentorBot"
DESCRIPTION = "Find a peer mentor by skill and book a short session."
# An event type as the manifest subscribes to it: `message` in the app's DM and in the
# channels it is in (public, private), which the community bridge relays when linked.
_SUBSCRIBED = {MESSAGE_IM: ("message.im", "message.channels", "message.groups")}
SHORTCUTS = (
    {
        "name": "Find a mentor",
        "type": "global",
        "callback_id": FIND_SHORTCUT,
        "description": "Search peer mentors by skill",
    },
    {
        "name": "Ask a mentor about this",
        "type": "message",
        "callback_id": ASK_SHORTCUT,
        "description": "Find a mentor for what this message asks",
    },
)


def bot_events() -> list[str]:
    return [s for e in HANDLED_EVENTS for s in _SUBSCRIBED.get(e, (e,))]


def usage_hint() -> str:
    """The words after /mentor that everyone may use, from core's command table."""
    words = [
        c.subcommand + (f" {c.arg.hint}" if c.arg else "")
        for c in COMMANDS
        if c.listed and not c.admin
    ]
    return " | ".join(words)


def manifest(public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    url = base + EVENTS_PATH
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": NAME, "description": DESCRIPTION},
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": NAME, "always_online": True},
            "shortcuts": [dict(s) for s in SHORTCUTS],
            "slash_commands": [
                {
                    "command": f"/{GROUP_COMMAND}",
                    "url": url,
                    "description": DESCRIPTION,
                    "usage_hint": usage_hint(),
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {
            # Used only by the several-workspaces install flow (MENTORBOT_SLACK_CLIENT_ID).
            "redirect_urls": [base + REDIRECT_PATH],
            "scopes": {"bot": list(SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": bot_events()},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
