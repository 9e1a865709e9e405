"""Rendered messages and forms as discord.py components: views, the answer modal, form pages.

Views and modals here only carry components to Discord. They are stopped before they are
sent, so discord.py keeps nothing per message in memory; every press and submission is
routed by its custom_id in DiscordBot.on_interaction (bots/discord/inbound.py), which also
works for messages sent before a restart and answers custom_ids nobody knows.
"""

from __future__ import annotations

import io
from typing import Any

import discord

from bots.discord.inbound import QUESTION_PREFIX, answer_custom_id, form_custom_id
from bots.discord.render import Message, SelectSpec
from core.forms import Form, FormField
from core.markup import to_plain
from core.messaging import Asks

MAX_MODAL_INPUTS = 5  # Discord: at most five components in a modal
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_PLACEHOLDER = 100
MAX_INPUT_LENGTH = 4000
TYPED_KINDS = ("text", "long_text")


def _short(text: str, limit: int) -> str:
    text = " ".join(to_plain(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def view_for(message: Message) -> discord.ui.View | None:
    if not message.rows:
        return None
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(message.rows):
        if isinstance(row, SelectSpec):
            options = [discord.SelectOption(label=lbl, value=val) for lbl, val in row.options]
            view.add_item(
                discord.ui.Select(
                    custom_id=row.custom_id,
                    placeholder=row.placeholder or None,
                    options=options or [discord.SelectOption(label="…", value="-")],
                    max_values=max(1, len(options)) if row.multiple else 1,
                    row=r,
                )
            )
            continue
        for b in row:
            if b.url:
                view.add_item(discord.ui.Button(label=b.label, url=b.url, row=r))
            else:
                view.add_item(
                    discord.ui.Button(
                        label=b.label,
                        custom_id=b.custom_id,
                        style=discord.ButtonStyle.secondary,
                        row=r,
                    )
                )
    view.stop()  # sent as components only: routed by custom_id, nothing kept per message
    return view


def send_kwargs(m: Message) -> dict[str, Any]:
    """Components and the file of one rendered message, as keyword arguments for send()."""
    kw: dict[str, Any] = {}
    view = view_for(m)
    if view is not None:
        kw["view"] = view
    if m.embeds:
        embeds = []
        for e in m.embeds:
            embed = discord.Embed(title=e.title, description=e.description or None)
            embed.set_thumbnail(url=e.thumbnail_url)
            embeds.append(embed)
        kw["embeds"] = embeds
    if m.attachment is not None:
        # A fresh File per send: discord.py reads and closes it.
        kw["file"] = discord.File(
            io.BytesIO(m.attachment.data),
            filename=m.attachment.filename,
            description=m.alt or None,
        )
    return kw


def question_modal(asks: Asks) -> discord.ui.Modal:
    """One text input for the question; the submission comes back as the person's text."""
    modal = discord.ui.Modal(
        title=_short(asks.label, MAX_MODAL_TITLE) or "Your answer",
        custom_id=answer_custom_id(asks, QUESTION_PREFIX),
        timeout=None,
    )
    modal.add_item(
        discord.ui.TextInput(
            label=_short(asks.label, MAX_INPUT_LABEL) or "Your answer",
            custom_id="answer",
            style=discord.TextStyle.paragraph if asks.multiline else discord.TextStyle.short,
            placeholder=_short(asks.placeholder, MAX_PLACEHOLDER) or None,
            max_length=max(1, min(asks.max_length, MAX_INPUT_LENGTH)),
        )
    )
    modal.stop()
    return modal


def typed_fields(form: Form) -> list[FormField]:
    """The fields a modal can hold (text inputs); selects are asked otherwise."""
    return [f for f in form.fields if f.kind in TYPED_KINDS]


def page_count(form: Form) -> int:
    n = len(typed_fields(form))
    return max(1, -(-n // MAX_MODAL_INPUTS))


def page_fields(form: Form, page: int) -> list[FormField]:
    fields = typed_fields(form)
    return fields[page * MAX_MODAL_INPUTS : (page + 1) * MAX_MODAL_INPUTS]


def form_modal(form: Form, page: int, drafts: dict[str, str]) -> discord.ui.Modal:
    """Page `page` of the form: up to five text inputs, prefilled with what is known."""
    pages = page_count(form)
    title = form.title if pages == 1 else f"{form.title} ({page + 1}/{pages})"
    modal = discord.ui.Modal(
        title=_short(title, MAX_MODAL_TITLE), custom_id=form_custom_id(form.name, page)
    )
    for f in page_fields(form, page):
        limit = min(f.max_length or MAX_INPUT_LENGTH, MAX_INPUT_LENGTH)
        initial = drafts.get(f.key)
        if initial is None:
            initial = f.initial if isinstance(f.initial, str) else ", ".join(f.initial)
        hint = f.placeholder or f.hint
        modal.add_item(
            discord.ui.TextInput(
                label=_short(f.label, MAX_INPUT_LABEL),
                custom_id=f.key,
                style=discord.TextStyle.paragraph
                if f.kind == "long_text"
                else discord.TextStyle.short,
                placeholder=_short(hint, MAX_PLACEHOLDER) or None,
                default=initial[:limit] or None,
                required=not f.optional,
                max_length=limit,
            )
        )
    modal.stop()
    return modal
