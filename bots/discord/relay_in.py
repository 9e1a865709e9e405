"""Messages people write in linked Discord channels, as the community bridge takes them.

Pure: a message's content, its mentions and attachments (from a discord.py Message or a
raw gateway payload) -> the core markup it relays: Discord's formatting kept, a person
mentioned as that Discord account (core makes it a member or a name), "#name" and "@role"
as words and mass mentions as plain words, so nothing pings anyone by itself; attachments
the bridge doesn't carry are named in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.markup import linked, platform_mention, strip_private, styled, typed
from core.services.relay import FILE_MAX_BYTES

Lookup = Callable[[int], str | None]


@dataclass(frozen=True)
class Attached:
    name: str
    size: int
    mime: str


def _nobody(_: int) -> str | None:
    return None


# Discord's entities and masked links, taken out before the styles are read.
_HOLED = re.compile(
    r"<@!?(?P<user>[0-9]{1,20})>|<@&(?P<role>[0-9]{1,20})>|<#(?P<channel>[0-9]{1,20})>"
    r"|<a?:(?P<emoji>[A-Za-z0-9_]{1,32}):[0-9]{1,20}>|</(?P<slash>[-_\w ]{1,100}):[0-9]{1,20}>"
    r"|<(?P<bare>https?://[^\s<>]+)>"
    r"|\[(?P<label>[^\[\]\n]{1,200})\]\((?P<url>https?://[^\s()]+)\)"
    r"|@(?P<mass>everyone|here)\b"
    r"|\\(?P<escaped>[\\*_`~|\[\]()<>#@-])"
)
_STYLE = re.compile(
    r"```(?:[A-Za-z0-9+#-]{0,20}\n)?(?P<block>[\s\S]*?)```"
    r"|``(?P<code2>[^`]+?)``|`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|__(?P<under>[^_\n]+?)__"
    r"|~~(?P<strike>[^~\n]+?)~~"
    r"|\|\|(?P<spoiler>[^|\n]+?)\|\|"
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:[^*\n]*[^*\s])?)\*(?!\*)"
    r"|(?<!\w)_(?P<italic2>[^_\s](?:[^_\n]*[^_\s])?)_(?!\w)"
)
_HOLE = re.compile("\ue010([0-9]{1,4})\ue011")


def markup_text(
    content: str,
    users: Mapping[int, str],
    role_name: Lookup = _nobody,
    channel_name: Lookup = _nobody,
) -> str:
    """Discord markdown as core markup: **bold**, *italic* / _italic_, `code` and code
    blocks, [masked](https://links) kept; underline, strike and spoilers as their words;
    <@id> a mention of that Discord account (its name where it isn't a MentorBot member);
    roles, channels and emoji as words; @everyone and @here as plain words. Typed text
    stays escaped."""
    pieces: list[tuple[str, str]] = []  # (markup, its words inside a style)

    def hole(m: re.Match[str]) -> str:
        kind = m.lastgroup or ""
        if kind == "user":
            name = users.get(int(m["user"])) or "someone"
            made = (platform_mention("discord", "discord", m["user"], name), "@" + name)
        elif kind in ("label", "url"):
            made = (linked(m["label"], m["url"]), m["label"])
        else:
            words = _words(kind, m, role_name, channel_name)
            made = (typed(words), words)
        pieces.append(made)
        return f"\ue010{len(pieces) - 1}\ue011"

    clean = strip_private(content).replace("\ue010", "").replace("\ue011", "")
    holed = _HOLED.sub(hole, clean)

    def words(chunk: str) -> str:
        return _HOLE.sub(lambda m: pieces[int(m.group(1))][1], chunk)

    def plain(chunk: str) -> str:
        out, last = [], 0
        for m in _HOLE.finditer(chunk):
            out.append(typed(chunk[last : m.start()]))
            out.append(pieces[int(m.group(1))][0])
            last = m.end()
        out.append(typed(chunk[last:]))
        return "".join(out)

    out, last = [], 0
    for m in _STYLE.finditer(holed):
        out.append(plain(holed[last : m.start()]))
        kind = m.lastgroup or "strike"
        inner = m.group(kind)
        if kind in ("block", "code", "code2"):
            out.append(styled("code", words(inner).strip("\n")))
        elif kind == "bold":
            out.append(styled("bold", words(inner)))
        elif kind in ("italic", "italic2"):
            out.append(styled("italic", words(inner)))
        else:
            out.append(plain(inner))
        last = m.end()
    out.append(plain(holed[last:]))
    return "".join(out)


def _words(kind: str, m: re.Match[str], role_name: Lookup, channel_name: Lookup) -> str:
    """An entity other than a person or a link, as the words it shows."""
    if kind == "role":
        return "@" + (role_name(int(m["role"])) or "role")
    if kind == "channel":
        return "#" + (channel_name(int(m["channel"])) or "channel")
    if kind == "emoji":
        return f":{m['emoji']}:"
    if kind == "slash":
        return "/" + m["slash"]
    return str(m[kind])  # a bare link, everyone / here (without the @), an escaped mark


def markup_for_relay(
    content: str,
    users: Mapping[int, str],
    attached: Sequence[Attached],
    role_name: Lookup = _nobody,
    channel_name: Lookup = _nobody,
) -> str:
    """The message as core markup, with the attachments not carried named after it."""
    lines = [markup_text(content, users, role_name, channel_name), *map(typed, notes(attached))]
    return "\n".join(line for line in lines if line)


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
