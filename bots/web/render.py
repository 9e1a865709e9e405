"""Neutral replies as the JSON messages the browser renders (see static/chat.js)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.markup import to_html, to_plain
from core.messaging import avatar_of, cards_of, reply_to_json
from core.services.transcript import Entry


def message_json(entry: Entry) -> dict[str, Any]:
    body = reply_to_json(entry.reply)
    is_bot = entry.role == "bot"
    # Results come as cards (issue #22 item 13): the bubble's HTML leaves out the lines the
    # cards show; `text` and `buttons` stay whole for clients that don't draw cards.
    hint = cards_of(entry.reply) if is_bot else None
    return {
        "type": "message",
        "seq": entry.seq,
        "role": entry.role,
        "text": to_plain(entry.reply.text) if is_bot else entry.reply.text,
        "html": (to_html(hint[0] if hint else entry.reply.text)) if is_bot else None,
        "cards": [
            {
                "title": c.title,
                "line": c.line,
                "price": c.price,
                "rating": c.rating,
                "actions": [{"label": b.label, "payload": b.payload} for b in c.actions],
                "picture": c.image,
            }
            for c in (hint[1] if hint else [])
        ],
        "buttons": body["buttons"] if is_bot else [],
        "choices": body["choices"] if is_bot else None,
        "image": body["image"],
        # A profile's picture, a path on this server (/avatars/...): drawn as an <img>.
        "picture": avatar_of(entry.reply) if is_bot else "",
        "attachment": body["attachment"],
        "ephemeral": entry.reply.ephemeral,
        "time": _iso(entry.time),
    }


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
