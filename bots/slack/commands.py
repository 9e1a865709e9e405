"""`/mentor <subcommand> ...` -> the neutral commands core knows (words from core's table)."""

from __future__ import annotations

from core.commands import help_text, subcommand_words
from core.messaging import CommandIn, Reply

SUBCOMMANDS: dict[str, str] = {"": "menu", **subcommand_words()}
# Said after core's help: the two dialogs that Slack runs as one modal each.
SLACK_FORMS = "In Slack, `/mentor apply` and `/mentor profile edit` open a form."


def parse_subcommand(text: str) -> CommandIn | Reply:
    """The text after `/mentor`: a core command, or an answer given right away."""
    head, _, rest = text.strip().partition(" ")
    sub = head.casefold()
    name = SUBCOMMANDS.get(sub)
    if name is None:
        return Reply(f"I don't know `/mentor {head}`.\n" + help_text("slack", admin=False))
    return CommandIn(name=name, args=rest.strip())
