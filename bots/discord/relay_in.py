"""Messages people write in linked Discord channels, as the community bridge takes them.

Pure: a message's content, its mentions and attachments (from a discord.py Message or a
raw gateway payload) -> the text core relays. Mentions become plain "@Name" / "#name" /
"@role" text and mass mentions plain words, so nothing pings anyone anywhere; attachments
the bridge doesn't carry are named in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.services.relay import FILE_MAX_BYTES

_USER = re.compile(r"<@!?([0-9]{1,20})>")
_ROLE = re.compile(r"<@&([0-9]{1,20})>")
_CHANNEL = re.compile(r"<#([0-9]{1,20})>")
_EMOJI = re.compile(r"<a?:([A-Za-z0-9_]{1,32}):[0-9]{1,20}>")
_SLASH = re.compile(r"</([-_\w ]{1,100}):[0-9]{1,20}>")
_MASS = re.compile(r"@(everyone|here)\b")

Lookup = Callable[[int], str | None]


@dataclass(frozen=True)
class Attached:
    name: str
    size: int
    mime: str


def _nobody(_: int) -> str | None:
    return None


def plain_text(
    content: str,
    users: Mapping[int, str],
    role_name: Lookup = _nobody,
    channel_name: Lookup = _nobody,
) -> str:
    """Discord's mention syntax as words; mass mentions as plain words."""
    text = _USER.sub(lambda m: "@" + (users.get(int(m[1])) or "someone"), content)
    text = _ROLE.sub(lambda m: "@" + (role_name(int(m[1])) or "role"), text)
    text = _CHANNEL.sub(lambda m: "#" + (channel_name(int(m[1])) or "channel"), text)
    text = _EMOJI.sub(lambda m: f":{m[1]}:", text)
    text = _SLASH.sub(lambda m: "/" + m[1], text)
    return _MASS.sub(lambda m: m[1], text)


def relayed_file(attached: Sequence[Attached]) -> Attached | None:
    """The attachment the bridge re-uploads: the first one, when it is small enough."""
    if attached and 0 < attached[0].size <= FILE_MAX_BYTES:
        return attached[0]
    return None


def notes(attached: Sequence[Attached]) -> list[str]:
    """Lines naming the attachments that aren't carried (the same for a message and its
    edits, so an edit doesn't look like a change of text)."""
    carried = relayed_file(attached)
    out = []
    for a in attached:
        if a is carried:
            continue
        out.append(f"📎 {a.name} ({_size(a.size)}, shared on Discord only)")
    return out


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def text_for_relay(
    content: str,
    users: Mapping[int, str],
    attached: Sequence[Attached],
    role_name: Lookup = _nobody,
    channel_name: Lookup = _nobody,
) -> str:
    lines = [plain_text(content, users, role_name, channel_name), *notes(attached)]
    return "\n".join(line for line in lines if line)


# ---- raw gateway payloads (MESSAGE_UPDATE may concern a message discord.py never saw) ----


def _display(user: Mapping[str, Any]) -> str:
    member = user.get("member")
    nick = member.get("nick") if isinstance(member, Mapping) else None
    for name in (nick, user.get("global_name"), user.get("username")):
        if isinstance(name, str) and name:
            return name
    return "someone"


def users_in(data: Mapping[str, Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    mentions = data.get("mentions")
    for u in mentions if isinstance(mentions, list) else []:
        if isinstance(u, Mapping) and isinstance(u.get("id"), str) and u["id"].isdigit():
            out[int(u["id"])] = _display(u)
    return out


def attachments_in(data: Mapping[str, Any]) -> list[Attached]:
    out = []
    raw = data.get("attachments")
    for a in raw if isinstance(raw, list) else []:
        if not isinstance(a, Mapping):
            continue
        name, size = a.get("filename"), a.get("size")
        if isinstance(name, str) and isinstance(size, int) and not isinstance(size, bool):
            mime = a.get("content_type")
            out.append(Attached(name, size, mime if isinstance(mime, str) else ""))
    return out


def from_person(data: Mapping[str, Any], own_id: int | None) -> bool:
    """A person's message: not a bot's (this app's own copies included), not a webhook's."""
    author = data.get("author")
    if not isinstance(author, Mapping) or data.get("webhook_id"):
        return False
    if author.get("bot") or author.get("system"):
        return False
    return own_id is None or str(author.get("id")) != str(own_id)
