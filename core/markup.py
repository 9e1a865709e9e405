"""The small markup subset replies are written in (DESIGN §2).

`*bold*`, `_italic_`, `` `code` ``, `[label](https://url)`, and lines starting with
"- " as bullets. A backslash escapes the next character; `esc()` makes user text
inert so a bio with stars or underscores shows as typed.
"""

from __future__ import annotations

import html
import re
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


def split_lines(text: str, limit: int) -> list[str]:
    """Cut rendered text into pieces of at most `limit` characters, at line breaks where
    possible (a single overlong line is cut hard). Empty pieces are dropped."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current)
    return [p for p in pieces if p.strip()]
