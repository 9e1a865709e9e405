"""The neutral conversation model (DESIGN §2): what adapters translate to and from."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Platform: TypeAlias = Literal["telegram", "discord", "slack", "web", "console"]
PLATFORMS: tuple[Platform, ...] = ("telegram", "discord", "slack", "web", "console")


@dataclass(frozen=True)
class Actor:
    """Who spoke, as the platform knows them."""

    platform: Platform
    workspace: str
    external_id: str
    display_name: str
    locale: str = "en"


@dataclass(frozen=True)
class ConversationKey:
    """Where dialog state lives: one per (platform, workspace, chat, person)."""

    platform: Platform
    workspace: str
    chat_id: str
    external_id: str

    @classmethod
    def private(cls, actor: Actor) -> ConversationKey:
        return cls(actor.platform, actor.workspace, actor.external_id, actor.external_id)


@dataclass(frozen=True)
class Delivered:
    """A platform's id for one delivery of an event (Telegram update_id, Slack event_id).

    Platforms deliver at least once; core acts on an id once, recording it inside the
    transaction that does the work, so a crash forgets both and a retry does it again."""

    source: str  # "telegram:<bot id>", "slack:<team>": ids are unique per source
    event_id: str


@dataclass(frozen=True)
class TextIn:
    text: str


@dataclass(frozen=True)
class CommandIn:
    name: str
    args: str = ""


@dataclass(frozen=True)
class ActionIn:
    payload: str


@dataclass(frozen=True)
class FileIn:
    """A file or photo sent in chat. `data`: its bytes, when the adapter fetched them (it
    does for images up to FILE_FETCH_MAX bytes); None: only the platform's reference."""

    name: str
    mime: str
    size: int
    ref: str
    data: bytes | None = field(default=None, repr=False)


FILE_FETCH_MAX = 10 * 1024 * 1024  # adapters fetch files up to this for core to read
# The button "Use my <platform> photo" (the profile photo step): an adapter whose platform
# gives profile photos answers a press with a FileIn of that photo; otherwise core says so.
PLATFORM_PHOTO = "ob:photo:platform"
PLATFORMS_WITH_PHOTOS: frozenset[str] = frozenset({"telegram", "slack", "discord"})


Inbound: TypeAlias = TextIn | CommandIn | ActionIn | FileIn


MAX_TEXT = 4000  # characters of one typed message; a longer one is refused in words
# Control characters other than tab and newline, and lone UTF-16 surrogates (which can't be
# stored as UTF-8): what a chat client sends by accident or a fuzzer on purpose.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    return _UNPRINTABLE.sub("", _SURROGATE.sub("\ufffd", text))


def normalised(inbound: Inbound) -> Inbound:
    """Typed text made safe to store and show, once, where it enters core."""
    if isinstance(inbound, TextIn):
        return TextIn(clean_text(inbound.text))
    if isinstance(inbound, CommandIn):
        return CommandIn(clean_text(inbound.name), clean_text(inbound.args))
    if isinstance(inbound, ActionIn):
        return ActionIn(clean_text(inbound.payload))
    return inbound


def too_long(inbound: Inbound) -> bool:
    if isinstance(inbound, TextIn):
        return len(inbound.text) > MAX_TEXT
    if isinstance(inbound, CommandIn):
        return len(inbound.args) > MAX_TEXT
    return False


def parse_text(text: str) -> TextIn | CommandIn:
    """Typed text becomes a command when it starts with a slash ("/find react" -> find)."""
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped.startswith("//"):
        head, _, rest = stripped[1:].partition(" ")
        # Telegram appends the bot name in groups: /find@MentorBot
        name = head.split("@", 1)[0].casefold()
        if name and name.replace("_", "").isalnum():
            return CommandIn(name=name, args=rest.strip())
    return TextIn(text=stripped)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class LinkButton:
    label: str
    url: str


AnyButton: TypeAlias = Button | LinkButton

_CLOSE_PAIRS = {"(": ")", "[": "]", "“": "”"}


def fit_label(label: str, limit: int) -> str:
    """A button label of at most `limit` characters, shortened at a word boundary with "…"
    ("✖ today evening (Mon 17:00–Mon 21:00)" -> "✖ today evening…", never "…(Mon 17:00–Mon").
    A bracket left open by the cut goes with the words inside it; a single word too long for
    the limit is cut where it must be."""
    if len(label) <= limit:
        return label
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    if limit <= 1:
        return "…"[:limit]
    room = label[: limit - 1]
    cut = room.rsplit(" ", 1)[0] if " " in room and label[limit - 1] != " " else room
    for opener, closer in _CLOSE_PAIRS.items():
        at = cut.rfind(opener)
        if at > 0 and closer not in cut[at:]:
            cut = cut[:at]
    cut = cut.rstrip(" ,;:–—-·(")
    return (cut or room.rstrip()) + "…"


@dataclass(frozen=True)
class Choice:
    label: str
    payload: str


@dataclass(frozen=True)
class Choices:
    placeholder: str
    options: tuple[Choice, ...]


@dataclass(frozen=True)
class Image:
    png: bytes
    alt: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Asks:
    """This reply is a question answered with typed text. Surfaces with forms may offer a text
    field for it (Discord's "Answer here" modal in a server); the answer comes back as TextIn."""

    label: str  # short: a modal's title and field label (Discord allows 45 characters)
    max_length: int = 4000
    multiline: bool = False
    placeholder: str = ""


@dataclass(frozen=True)
class Reply:
    """One outbound message. `text` uses the markup subset of core.markup."""

    text: str
    buttons: tuple[tuple[AnyButton, ...], ...] = ()
    choices: Choices | None = None
    image: Image | None = None
    attachment: Attachment | None = None
    ephemeral: bool = False
    meta: tuple[tuple[str, str], ...] = field(default=())
    asks: Asks | None = None

    def all_buttons(self) -> tuple[AnyButton, ...]:
        return tuple(b for row in self.buttons for b in row)


JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None

# Reply.meta keys for results a surface may show as cards (the web chat does): one CARD entry
# per result, and CARDS_TEXT, the reply's text without the lines the cards repeat. The full
# text and every button stay in the Reply, so surfaces that show text only lose nothing.
CARD = "card"
CARDS_TEXT = "cards_text"


@dataclass(frozen=True)
class Card:
    """One search result: plain text fields (not markup). `actions` are the small buttons
    on the card (short labels); their payloads are those of buttons in the same reply, which
    a surface drawing the card leaves out of the rows below it."""

    title: str
    line: str = ""
    price: str = ""
    rating: str = ""
    actions: tuple[Button, ...] = ()
    image: str = ""  # the person's picture: a URL path on our server ("/avatars/...")


def with_cards(reply: Reply, cards: list[Card], cards_text: str) -> Reply:
    card_meta = tuple(
        (
            CARD,
            json.dumps(
                {
                    "title": c.title,
                    "line": c.line,
                    "price": c.price,
                    "rating": c.rating,
                    "actions": [[b.label, b.payload] for b in c.actions],
                    "image": c.image,
                },
                ensure_ascii=False,
            ),
        )
        for c in cards
    )
    return Reply(
        text=reply.text,
        buttons=reply.buttons,
        choices=reply.choices,
        image=reply.image,
        attachment=reply.attachment,
        ephemeral=reply.ephemeral,
        meta=(*reply.meta, (CARDS_TEXT, cards_text), *card_meta),
        asks=reply.asks,
    )


def cards_of(reply: Reply) -> tuple[str, list[Card]] | None:
    """The cards hint of a reply (None: show it as text); malformed entries are skipped."""
    text = next((v for k, v in reply.meta if k == CARDS_TEXT), None)
    if text is None:
        return None
    cards = []
    for key, value in reply.meta:
        if key != CARD:
            continue
        try:
            raw = json.loads(value)
        except ValueError:
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
            continue
        actions = raw.get("actions")
        buttons = tuple(
            Button(a[0], a[1])
            for a in (actions if isinstance(actions, list) else [])
            if isinstance(a, list) and len(a) == 2 and all(isinstance(x, str) for x in a)
        )
        cards.append(
            Card(
                raw["title"],
                str(raw.get("line") or ""),
                str(raw.get("price") or ""),
                str(raw.get("rating") or ""),
                buttons,
                _image_path(raw.get("image")),
            )
        )
    return (text, cards) if cards else None


def _image_path(value: object) -> str:
    """Only a path on our own server is an image (never another site's address)."""
    ok = isinstance(value, str) and value.startswith("/avatars/") and len(value) < 200
    return value if ok and isinstance(value, str) else ""


# Reply.meta key of a profile's picture (a URL path on our server): surfaces that show
# images put it beside the profile; the text says nothing of it.
AVATAR = "avatar"


def avatar_of(reply: Reply) -> str:
    return next((_image_path(v) for k, v in reply.meta if k == AVATAR), "")


def reply_to_json(reply: Reply) -> dict[str, JSON]:
    """Serialise for the outbox and transcripts (not a platform format)."""
    rows: list[JSON] = []
    for row in reply.buttons:
        out_row: list[JSON] = []
        for b in row:
            if isinstance(b, Button):
                out_row.append({"label": b.label, "payload": b.payload})
            else:
                out_row.append({"label": b.label, "url": b.url})
        rows.append(out_row)
    choices: JSON = None
    if reply.choices is not None:
        choices = {
            "placeholder": reply.choices.placeholder,
            "options": [{"label": c.label, "payload": c.payload} for c in reply.choices.options],
        }
    image: JSON = None
    if reply.image is not None:
        image = {"png_base64": base64.b64encode(reply.image.png).decode(), "alt": reply.image.alt}
    attachment: JSON = None
    if reply.attachment is not None:
        attachment = {
            "filename": reply.attachment.filename,
            "mime": reply.attachment.mime,
            "data_base64": base64.b64encode(reply.attachment.data).decode(),
        }
    return {
        "text": reply.text,
        "buttons": rows,
        "choices": choices,
        "image": image,
        "attachment": attachment,
        "ephemeral": reply.ephemeral,
        "meta": [[k, v] for k, v in reply.meta],
        "asks": None
        if reply.asks is None
        else {
            "label": reply.asks.label,
            "max_length": reply.asks.max_length,
            "multiline": reply.asks.multiline,
            "placeholder": reply.asks.placeholder,
        },
    }


def _str(d: dict[str, JSON], key: str) -> str:
    value = d.get(key)
    if not isinstance(value, str):
        raise ValueError(f"expected a string at {key!r}")
    return value


def _dict(value: JSON) -> dict[str, JSON]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return value


def _list(value: JSON) -> list[JSON]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def reply_from_json(data: JSON) -> Reply:
    d = _dict(data)
    buttons: list[tuple[AnyButton, ...]] = []
    for row in _list(d.get("buttons")):
        out_row: list[AnyButton] = []
        for raw in _list(row):
            b = _dict(raw)
            if "url" in b:
                out_row.append(LinkButton(_str(b, "label"), _str(b, "url")))
            else:
                out_row.append(Button(_str(b, "label"), _str(b, "payload")))
        buttons.append(tuple(out_row))
    choices = None
    if d.get("choices") is not None:
        c = _dict(d["choices"])
        choices = Choices(
            _str(c, "placeholder"),
            tuple(
                Choice(_str(_dict(o), "label"), _str(_dict(o), "payload"))
                for o in _list(c.get("options"))
            ),
        )
    image = None
    if d.get("image") is not None:
        i = _dict(d["image"])
        image = Image(base64.b64decode(_str(i, "png_base64")), _str(i, "alt"))
    attachment = None
    if d.get("attachment") is not None:
        a = _dict(d["attachment"])
        attachment = Attachment(
            _str(a, "filename"), _str(a, "mime"), base64.b64decode(_str(a, "data_base64"))
        )
    meta = tuple((str(_list(m)[0]), str(_list(m)[1])) for m in _list(d.get("meta")))
    asks = None
    if d.get("asks") is not None:
        q = _dict(d["asks"])
        length = q.get("max_length")
        asks = Asks(
            _str(q, "label"),
            length if isinstance(length, int) and not isinstance(length, bool) else 4000,
            bool(q.get("multiline", False)),
            str(q.get("placeholder") or ""),
        )
    return Reply(
        text=_str(d, "text"),
        buttons=tuple(buttons),
        choices=choices,
        image=image,
        attachment=attachment,
        ephemeral=bool(d.get("ephemeral", False)),
        meta=meta,
        asks=asks,
    )
