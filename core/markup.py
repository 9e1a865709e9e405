"""The small markup subset replies are written in (DESIGN §2).

`*bold*`, `_italic_`, `` `code` ``, `[label](https://url)`, and lines starting with
"- " as bullets. A backslash escapes the next character; `esc()` makes user text
inert so a bio with stars or underscores shows as typed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

_SPECIAL = "\\*_`[]"
_URL_OK = re.compile(r"^(https?://|mailto:|/)[^\s<>\"']*$")

Kind = Literal["text", "bold", "italic", "code", "link"]


@dataclass(frozen=True)
class Span:
    kind: Kind
    text: str
    url: str = ""


def esc(text: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def quote(text: str, limit: int = 60) -> str:
    """Echo what a user typed, escaped and cut short: a pasted essay shouldn't fill the chat."""
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return f"“{esc(short)}”"


def _find_close(text: str, start: int, marker: str) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == marker:
            return i
        if text[i] == "\n":
            return -1
        i += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_line(line: str) -> list[Span]:
    spans: list[Span] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            spans.append(Span("text", "".join(buf)))
            buf.clear()

    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            buf.append(line[i + 1])
            i += 2
            continue
        if ch in "*_`":
            end = _find_close(line, i + 1, ch)
            if end > i + 1:
                flush()
                kind: Kind = {"*": "bold", "_": "italic", "`": "code"}[ch]  # type: ignore[assignment]
                spans.append(Span(kind, _unescape(line[i + 1 : end])))
                i = end + 1
                continue
        if ch == "[":
            m = re.match(r"\[((?:\\.|[^\]\\])+)\]\(([^)\s]+)\)", line[i:])
            if m and _URL_OK.match(m.group(2)):
                flush()
                spans.append(Span("link", _unescape(m.group(1)), m.group(2)))
                i += m.end()
                continue
        buf.append(ch)
        i += 1
    flush()
    return spans


def _bullet(line: str) -> str | None:
    if line.startswith("- ") or line.startswith("• "):
        return line[2:]
    return None


def to_plain(text: str) -> str:
    out = []
    for line in text.split("\n"):
        body = _bullet(line)
        spans = parse_line(body if body is not None else line)
        rendered = "".join(
            f"{s.text} ({s.url})" if s.kind == "link" and s.url != s.text else s.text for s in spans
        )
        out.append(("• " + rendered) if body is not None else rendered)
    return "\n".join(out)


def spans_to_html(spans: list[Span]) -> str:
    parts = []
    for s in spans:
        t = html.escape(s.text, quote=False)
        if s.kind == "bold":
            parts.append(f"<b>{t}</b>")
        elif s.kind == "italic":
            parts.append(f"<i>{t}</i>")
        elif s.kind == "code":
            parts.append(f"<code>{t}</code>")
        elif s.kind == "link":
            url = html.escape(s.url, quote=True)
            parts.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{t}</a>')
        else:
            parts.append(t)
    return "".join(parts)


def to_html(text: str, *, bullets_as_list: bool = True) -> str:
    """HTML for the web chat; Telegram's parse mode takes bullets_as_list=False (no <ul>)."""
    blocks: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        body = _bullet(line)
        if body is not None and bullets_as_list:
            items.append(f"<li>{spans_to_html(parse_line(body))}</li>")
            continue
        if items:
            blocks.append("<ul>" + "".join(items) + "</ul>")
            items = []
        rendered = spans_to_html(parse_line(body if body is not None else line))
        blocks.append("• " + rendered if body is not None else rendered)
    if items:
        blocks.append("<ul>" + "".join(items) + "</ul>")
    if not bullets_as_list:
        return "\n".join(blocks)
    out: list[str] = []
    for idx, block in enumerate(blocks):
        if idx and not block.startswith("<ul>") and not blocks[idx - 1].startswith("<ul>"):
            out.append("<br>")
        out.append(block)
    return "".join(out)


def span_markup(s: Span) -> str:
    """One span back in this markup: parse_line reads it as the same span."""
    t = esc(s.text)
    if s.kind == "bold":
        return f"*{t}*"
    if s.kind == "italic":
        return f"_{t}_"
    if s.kind == "code":
        return f"`{t}`"
    if s.kind == "link":
        return f"[{t}]({s.url})"
    return t


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


Atom = tuple[Kind, str, str]  # kind, url, a word or a run of whitespace (a link: all of it)


def split_markup(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Split markup into parts that each render within `limit` and read the same together.

    Cuts at a paragraph break (a blank line) where one is in reach, else at a line break,
    else (one overlong line) between words, and only a single word longer than the limit
    is cut inside. Parts are markup again: a cut inside *bold* closes it and reopens it in
    the next part, a link is never cut unless it alone is over the limit (then it becomes
    its text and address). `size(markup)` is the rendered length the platform counts; it
    must add up over lines (size(a + "\\n" + b) == size(a) + 1 + size(b)), as every
    renderer here renders line by line. No part is blank; the whitespace at a cut is
    dropped."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    cur: list[tuple[str, int]] = []  # lines of the part being filled, with their sizes

    def total(lines: list[tuple[str, int]]) -> int:
        return sum(n for _, n in lines) + max(len(lines) - 1, 0)

    def emit(lines: list[tuple[str, int]]) -> None:
        kept = [line for line, _ in lines]
        while kept and not kept[0].strip():
            kept.pop(0)
        while kept and not kept[-1].strip():
            kept.pop()
        part = "\n".join(kept)
        if to_plain(part).strip():
            parts.append(part)

    for line in text.split("\n"):
        n = size(line)
        if n > limit:
            emit(cur)
            pieces = _split_line(line, limit, size)
            for piece in pieces[:-1]:
                emit([(piece, 0)])
            cur = [(pieces[-1], size(pieces[-1]))] if pieces else []
            continue
        if total([*cur, (line, n)]) <= limit:
            cur.append((line, n))
            continue
        # Full: end the part at its last paragraph break, if it has one after some text.
        breaks = [i for i, (ln, _) in enumerate(cur) if i and not ln.strip()]
        head_end = next((i for i in reversed(breaks) if _has_text(cur[:i])), None)
        if head_end is not None:
            emit(cur[:head_end])
            cur = cur[head_end + 1 :]
            if total([*cur, (line, n)]) <= limit:
                cur.append((line, n))
                continue
        emit(cur)
        cur = [(line, n)]
    emit(cur)
    return parts


def _has_text(lines: list[tuple[str, int]]) -> bool:
    return any(line.strip() for line, _ in lines)


def _atoms(body: str) -> list[Atom]:
    out: list[Atom] = []
    for s in parse_line(body):
        if s.kind == "link":
            out.append((s.kind, s.url, s.text))
        else:
            out.extend((s.kind, s.url, w) for w in re.findall(r"\s+|\S+", s.text))
    return out


def _line_of(atoms: Sequence[Atom], bullet: bool) -> str:
    """Atoms as one line of markup, without whitespace at either end."""
    lo, hi = 0, len(atoms)
    while lo < hi and atoms[lo][2].isspace():
        lo += 1
    while hi > lo and atoms[hi - 1][2].isspace():
        hi -= 1
    spans: list[Span] = []
    for kind, url, t in atoms[lo:hi]:
        if spans and spans[-1].kind == kind and spans[-1].url == url and kind != "link":
            spans[-1] = Span(kind, spans[-1].text + t, url)
        else:
            spans.append(Span(kind, t, url))
    line = "".join(span_markup(s) for s in spans)
    if bullet:
        return "- " + line
    return "\\" + line if _bullet(line) is not None else line  # not a bullet by accident


def _split_line(line: str, limit: int, size: Callable[[str], int]) -> list[str]:
    body = _bullet(line)
    atoms = _atoms(body if body is not None else line)
    bullet = body is not None  # the first piece keeps the bullet
    pieces: list[str] = []
    i = 0
    while i < len(atoms):
        if atoms[i][2].isspace():
            i += 1
            continue
        # The most atoms from i that fit (adding an atom never makes the line shorter).
        lo, hi = i, len(atoms)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if size(_line_of(atoms[i:mid], bullet)) <= limit:
                lo = mid
            else:
                hi = mid - 1
        if lo > i:
            pieces.append(_line_of(atoms[i:lo], bullet))
            i, bullet = lo, False
            continue
        kind, url, word = atoms[i]
        if kind == "link":  # a link over the limit by itself: its words, then its address
            shown = word if url == word else f"{word} ({url})"
            atoms[i : i + 1] = [("text", "", w) for w in re.findall(r"\s+|\S+", shown)]
            continue
        cut = _fitting_prefix((kind, url, word), bullet, limit, size)
        if cut == 0 and kind != "text":
            atoms[i] = ("text", "", word)  # even one character with its marks is too long
            continue
        if cut == 0:
            raise ValueError(f"limit {limit} is too small for one character")
        pieces.append(_line_of([(kind, url, word[:cut])], bullet))
        atoms[i] = (kind, url, word[cut:])
        bullet = False
    return pieces


def _fitting_prefix(atom: Atom, bullet: bool, limit: int, size: Callable[[str], int]) -> int:
    """How many characters of the atom's word fit on a line of their own."""
    kind, url, word = atom
    lo, hi = 0, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size(_line_of([(kind, url, word[:mid])], bullet)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ---- mentions of people in relayed community messages (DESIGN §11) ----
#
# A person is mentioned in markup with private-use characters that no renderer touches:
# an adapter writes who on its platform (platform_mention), core turns that into the
# MentorBot member (member_mention) or their name, and each platform's bridge turns a
# member it can reach into its own mention. Typed text never carries these characters
# (typed() and strip_private drop them), so nobody can forge a mention.
_M_OPEN, _M_SEP, _M_CLOSE = "\ue000", "\ue002", "\ue001"
_PRIVATE = re.compile("[\ue000-\ue002]")
MENTION = re.compile("\ue000([^\ue000-\ue002]{1,300})(?:\ue002([^\ue000-\ue002]{0,100}))?\ue001")


def strip_private(text: str) -> str:
    return _PRIVATE.sub("", text)


def typed(text: str) -> str:
    """What a person typed, as inert markup (escaped, no mention characters)."""
    return esc(strip_private(text))


def platform_mention(platform: str, workspace: str, external_id: str, name: str) -> str:
    """A person mentioned on their platform (name: shown if they aren't a member)."""
    who = strip_private(f"{platform}:{workspace}:{external_id}")[:300]
    return f"{_M_OPEN}{who}{_M_SEP}{strip_private(name)[:100]}{_M_CLOSE}"


def member_mention(user_id: int | str, name: str = "") -> str:
    """A MentorBot member mentioned (core's stored form; a bridge puts the platform id in
    place of the user id, with the name to show)."""
    tail = f"{_M_SEP}{strip_private(name)[:100]}" if name else ""
    return f"{_M_OPEN}{user_id}{tail}{_M_CLOSE}"


def mentions_in(text: str) -> list[tuple[str, str]]:
    """The (who, name) of every mention in the text, in order."""
    return [(m.group(1), m.group(2) or "") for m in MENTION.finditer(text)]


def replace_mentions(text: str, with_: Callable[[str, str], str]) -> str:
    """Each mention replaced by with_(who, name); stray mention characters dropped."""
    out: list[str] = []
    last = 0
    for m in MENTION.finditer(text):
        out.append(strip_private(text[last : m.start()]))
        out.append(with_(m.group(1), m.group(2) or ""))
        last = m.end()
    out.append(strip_private(text[last:]))
    return "".join(out)


def styled(kind: Kind, text: str) -> str:
    """Typed text in one style as markup, line by line (a style never spans lines)."""
    if kind in ("text", "link"):
        return typed(text)
    mark = {"bold": "*", "italic": "_", "code": "`"}[kind]
    return "\n".join(f"{mark}{typed(p)}{mark}" if p.strip() else typed(p) for p in text.split("\n"))


def linked(label: str, url: str) -> str:
    """A link a person made on their platform, as markup: only to http(s) or mailto (else
    its words)."""
    ok = url.startswith(("http://", "https://", "mailto:")) and _URL_OK.match(url)
    if not ok or ")" in url or "\n" in label:
        return typed(label)
    return f"[{typed(label)}]({url})" if label.strip() else typed(url)
