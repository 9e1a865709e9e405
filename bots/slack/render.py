"""Reply -> Slack Block Kit (sections, buttons, static selects, context), within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.markup import parse_line, split_markup, utf16_len
from core.messaging import Button, LinkButton, Reply, avatar_of, cards_of, fit_label

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_ACTIONS = 25
MAX_OPTIONS = 100
ACTION_PREFIX = "mb"  # action_id of buttons and selects carrying a core payload
LINK_PREFIX = "mblink"  # link buttons: Slack still sends an action, we only ack it

Block = dict[str, Any]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _abs_url(url: str, public_url: str) -> str:
    return public_url.rstrip("/") + url if url.startswith("/") else url


def to_mrkdwn(text: str, public_url: str = "") -> str:
    """core.markup -> Slack mrkdwn (*bold*, _italic_, `code`, <url|label>, • bullets)."""
    out: list[str] = []
    for line in text.split("\n"):
        bullet = line.startswith("- ") or line.startswith("• ")
        body = line[2:] if bullet else line
        parts: list[str] = []
        for s in parse_line(body):
            t = _esc(s.text)
            if s.kind == "bold":
                parts.append(f"*{t}*")
            elif s.kind == "italic":
                parts.append(f"_{t}_")
            elif s.kind == "code":
                parts.append(f"`{t}`")
            elif s.kind == "link":
                parts.append(f"<{_abs_url(s.url, public_url)}|{t.replace('|', '¦')}>")
            else:
                parts.append(t)
        out.append(("• " if bullet else "") + "".join(parts))
    return "\n".join(out)


def plain(text: str, limit: int) -> dict[str, Any]:
    text = fit_label(text, limit)  # cut at a word, as on every surface
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def _chunks(text: str, limit: int, public_url: str) -> list[str]:
    """The text as mrkdwn pieces that each fit one section, split as markup (a cut never
    leaves *bold* or a <link|label> open)."""
    parts = split_markup(text, limit, lambda s: utf16_len(to_mrkdwn(s, public_url)))
    return [to_mrkdwn(p, public_url) for p in parts] or [" "]


def _picture_blocks(reply: Reply, public_url: str) -> list[Block]:
    """Profile pictures (issue 18): a result card with a photo becomes a section with the
    photo as its accessory image; a profile's photo is an image accessory on a short
    section. Slack fetches the image from our public URL itself."""
    if not public_url.startswith(("http://", "https://")):
        return []
    out: list[Block] = []
    hint = cards_of(reply)
    for card in hint[1] if hint else []:
        if not card.image:
            continue
        line = " · ".join(x for x in (card.price, card.rating) if x)
        text = f"*{_esc(card.title)}*" + (f"\n{_esc(line)}" if line else "")
        out.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]},
                "accessory": {
                    "type": "image",
                    "image_url": _abs_url(card.image, public_url),
                    "alt_text": fit_label(card.title, 200) or "photo",
                },
            }
        )
    picture = avatar_of(reply)
    if picture:
        out.append(
            {
                "type": "image",
                "image_url": _abs_url(picture, public_url),
                "alt_text": "Profile photo",
            }
        )
    return out


def reply_blocks(reply: Reply, public_url: str = "") -> list[Block]:
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _chunks(reply.text, MAX_SECTION_TEXT, public_url)
    ]
    blocks += _picture_blocks(reply, public_url)
    n = 0
    for row in reply.buttons:
        elements: list[Block] = []
        for b in row:
            n += 1
            if isinstance(b, Button):
                elements.append(
                    {
                        "type": "button",
                        "text": plain(b.label, MAX_BUTTON_TEXT),
                        "action_id": f"{ACTION_PREFIX}:{n}",
                        "value": b.payload,
                    }
                )
            elif isinstance(b, LinkButton):
                elements.append(
                    {
                        "type": "button",
                        "text": plain(b.label, MAX_BUTTON_TEXT),
                        "action_id": f"{LINK_PREFIX}:{n}",
                        "url": _abs_url(b.url, public_url),
                    }
                )
        for i in range(0, len(elements), MAX_ACTIONS):
            blocks.append({"type": "actions", "elements": elements[i : i + MAX_ACTIONS]})
    if reply.choices is not None and reply.choices.options:
        opts = reply.choices.options
        for i in range(0, len(opts), MAX_OPTIONS):
            n += 1
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": f"{ACTION_PREFIX}:{n}",
                            "placeholder": plain(reply.choices.placeholder, MAX_PLACEHOLDER),
                            "options": [
                                {"text": plain(c.label, MAX_OPTION_TEXT), "value": c.payload}
                                for c in opts[i : i + MAX_OPTIONS]
                            ],
                        }
                    ],
                }
            )
    notes: list[str] = []
    if reply.image is not None:
        notes.append(f"🖼 {_esc(reply.image.alt)} (image below)")
    if notes:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": n} for n in notes]}
        )
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text Slack shows where blocks can't be (push, screen readers)."""
    from core.markup import to_plain

    text = to_plain(reply.text)
    return text if len(text) <= 3000 else text[:2999] + "…"


def messages(replies: Sequence[Reply], public_url: str = "") -> list[tuple[str, list[Block]]]:
    """One Slack message per reply; a reply longer than 50 blocks becomes several, its
    buttons, choices and notes all on the last."""
    out: list[tuple[str, list[Block]]] = []
    for reply in replies:
        blocks = reply_blocks(reply, public_url)
        n_text = next((i for i, b in enumerate(blocks) if b["type"] != "section"), len(blocks))
        text_blocks, tail = blocks[:n_text], blocks[n_text:]
        groups = [text_blocks[i : i + MAX_BLOCKS] for i in range(0, len(text_blocks), MAX_BLOCKS)]
        if groups and len(groups[-1]) + len(tail) <= MAX_BLOCKS:
            groups[-1] = groups[-1] + tail
        else:
            groups += [tail[i : i + MAX_BLOCKS] for i in range(0, len(tail), MAX_BLOCKS)]
        text = fallback_text(reply)
        out.extend((text if i == 0 else "(continued)", g) for i, g in enumerate(groups))
    return out


def check_blocks(blocks: Sequence[Block]) -> list[str]:
    """Problems Slack would reject a message for (used by tests and in debug logs)."""
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    for b in blocks:
        if b["type"] == "section" and len(b["text"]["text"]) > MAX_SECTION_TEXT:
            problems.append("section text over 3000")
        if b["type"] == "actions":
            if len(b["elements"]) > MAX_ACTIONS:
                problems.append("too many elements in an actions block")
            for e in b["elements"]:
                if e["type"] == "button" and len(e["text"]["text"]) > MAX_BUTTON_TEXT:
                    problems.append("button text over 75")
                if e["type"] == "static_select":
                    if len(e["options"]) > MAX_OPTIONS:
                        problems.append("too many options")
                    for o in e["options"]:
                        if len(o["text"]["text"]) > MAX_OPTION_TEXT:
                            problems.append("option text over 75")
    return problems
