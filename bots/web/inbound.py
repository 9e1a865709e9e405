"""What the chat page's WebSocket sends, read into the neutral model (pure translation)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from core.messaging import MAX_TEXT, ActionIn, Inbound, parse_text
from core.numbers import MAX_DB_INT
from core.payloads import MAX_CHARS

NOT_UNDERSTOOD = "I didn't understand that message."
EXPIRED = "That button has expired — type /menu to start again."
BAD_ID = (
    "That message's id is not valid (1-64 letters, digits, '-', '_', '.' or ':'), "
    "so nothing was done. Reload the page."
)
# The page's own id for a text or action: answered once per person however often it is sent.
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True)
class Hello:
    """The page (re)connected and has seen the transcript up to `last_seq`."""

    last_seq: int


@dataclass(frozen=True)
class Said:
    """Something to hand to core, and the line the person's own bubble shows for it.
    `pressed_on`: for a button, the transcript seq of the message it was on (a press of the
    same button on the same message acts once). `client_id`: the page's id for this message
    (re-sent under the same id after a reconnect; handled once)."""

    echo: str
    inbound: Inbound
    pressed_on: int | None = None
    client_id: str | None = None


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
    client_id = data.get("id") if isinstance(data, dict) else None
    bad_id = not isinstance(client_id, str) or CLIENT_ID.fullmatch(client_id) is None
    if kind in ("text", "action") and client_id is not None and bad_id:
        return Refused(BAD_ID)
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
        return Said(text, parse_text(text), client_id=client_id)
    if kind == "action" and isinstance(data.get("payload"), str):
        payload = data["payload"]
        if len(payload) > MAX_CHARS:
            return Refused(EXPIRED, too_big=True)
        label = data.get("label") if isinstance(data.get("label"), str) else payload
        return Said(f"» {str(label)[:80]}", ActionIn(payload), _seq(data.get("seq")), client_id)
    return Refused(NOT_UNDERSTOOD)
