"""What the chat page's WebSocket sends, read into the neutral model (pure translation)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.messaging import MAX_TEXT, ActionIn, Inbound, parse_text
from core.numbers import MAX_DB_INT
from core.payloads import MAX_CHARS

NOT_UNDERSTOOD = "I didn't understand that message."
EXPIRED = "That button has expired — type /menu to start again."


@dataclass(frozen=True)
class Hello:
    """The page (re)connected and has seen the transcript up to `last_seq`."""

    last_seq: int


@dataclass(frozen=True)
class Said:
    """Something to hand to core, and the line the person's own bubble shows for it.
    `pressed_on`: for a button, the transcript seq of the message it was on (a press of the
    same button on the same message acts once)."""

    echo: str
    inbound: Inbound
    pressed_on: int | None = None


@dataclass(frozen=True)
class Refused:
    """A message we answer with an error (and otherwise ignore). `too_big`: refused for its
    size, which the page never sends; a client that keeps doing it is closed (limits.py)."""

    text: str
    too_big: bool = False


Ignored = None
Message = Hello | Said | Refused | None


def _seq(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_DB_INT
    return value if ok else None


def read(raw: str) -> Message:
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return Refused(NOT_UNDERSTOOD)
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "hello":
        last = data.get("last_seq", 0)
        ok = isinstance(last, int) and not isinstance(last, bool) and 0 <= last <= MAX_DB_INT
        return Hello(last if ok else 0)
    if kind == "text" and isinstance(data.get("text"), str):
        text = data["text"].strip()
        if not text:
            return Ignored
        if len(text) > MAX_TEXT:
            return Refused(f"Messages can be at most {MAX_TEXT} characters.", too_big=True)
        return Said(text, parse_text(text))
    if kind == "action" and isinstance(data.get("payload"), str):
        payload = data["payload"]
        if len(payload) > MAX_CHARS:
            return Refused(EXPIRED, too_big=True)
        label = data.get("label") if isinstance(data.get("label"), str) else payload
        return Said(f"» {str(label)[:80]}", ActionIn(payload), _seq(data.get("seq")))
    return Refused(NOT_UNDERSTOOD)
