"""`/mentor <subcommand> ...` -> the neutral commands core knows."""

from __future__ import annotations

from core.messaging import CommandIn, Reply

NOT_YET = {
    "sessions": "Your sessions will show here once booking opens in MentorBot — it's "
    "not available yet. Meanwhile `/mentor find <skill>` shows who can help.",
    "wallet": "Wallets and credits come with booking, which isn't available yet. "
    "Nothing is charged and there is no balance to show.",
}

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
}

SLACK_HELP = (
    "In Slack every command is `/mentor <command>`: `/mentor find react`, `/mentor profile`, "
    "`/mentor apply`, `/mentor link`, `/mentor cancel`, `/mentor sessions`, `/mentor wallet`."
)


def parse_subcommand(text: str) -> CommandIn | Reply:
    """The text after `/mentor`: a core command, or an answer given right away."""
    head, _, rest = text.strip().partition(" ")
    sub = head.casefold()
    if sub in NOT_YET:
        return Reply(NOT_YET[sub])
    name = SUBCOMMANDS.get(sub)
    if name is None:
        return Reply(f"I don't know `/mentor {head}`. " + SLACK_HELP)
    return CommandIn(name=name, args=rest.strip())
