"""`/mentor <subcommand> ...` -> the neutral commands core knows."""

from __future__ import annotations

from core.messaging import CommandIn, Reply

SUBCOMMANDS: dict[str, str] = {
    "": "menu",
    "menu": "menu",
    "start": "start",
    "help": "help",
    "find": "find",
    "search": "find",
    "profile": "profile",
    "link": "link",
    "admin": "admin",
    "apply": "mentor",
    "become": "mentor",
    "cancel": "cancel",
    "sessions": "sessions",
    "wallet": "wallet",
    "withdraw": "withdraw",
}

SLACK_HELP = (
    "In Slack every command is `/mentor <command>`: `/mentor find react`, `/mentor profile`, "
    "`/mentor profile edit` (a form), `/mentor apply` (a form), `/mentor link`, "
    "`/mentor cancel`, `/mentor sessions`, `/mentor wallet`."
)


def parse_subcommand(text: str) -> CommandIn | Reply:
    """The text after `/mentor`: a core command, or an answer given right away."""
    head, _, rest = text.strip().partition(" ")
    sub = head.casefold()
    name = SUBCOMMANDS.get(sub)
    if name is None:
        return Reply(f"I don't know `/mentor {head}`. " + SLACK_HELP)
    return CommandIn(name=name, args=rest.strip())
