"""Core's forms (mentor application, profile edit) as Discord modals, five inputs a page.

A modal holds at most five text inputs and cannot open another modal, so a longer form is
shown in pages: each page's submission is checked at once (its own fields only), kept as a
draft in core's key/value facts (not in memory: a restart between pages loses nothing),
and answered with a "Next" button that opens the next page. Select fields, which a modal
here does not hold, follow as select messages. The last step submits everything through
core.submit_form, in the person's conversation like a dialog step.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import discord

from bots.discord import inbound as ib
from bots.discord.render import ButtonSpec, Message, SelectSpec, to_markdown
from bots.discord.ui import (
    TYPED_KINDS,
    form_modal,
    page_count,
    page_fields,
    send_kwargs,
    typed_fields,
)
from core.app import CoreApp
from core.forms import Form, FormField, FormRef
from core.markup import esc
from core.messaging import ActionIn, Actor, Inbound, Reply

log = logging.getLogger(__name__)

OPEN_BUDGET_S = 2.0  # a modal must be the first answer, within Discord's 3 s
Draft = dict[str, str | list[str]]


class Answers(Protocol):
    """What the form pages need from the bot."""

    @staticmethod
    def actor(user: discord.abc.User) -> Actor: ...

    @staticmethod
    def private(interaction: discord.Interaction[Any]) -> bool: ...

    async def run(self, interaction: discord.Interaction[Any], inbound: Inbound) -> None: ...

    async def followups(
        self, interaction: discord.Interaction[Any], replies: list[Reply]
    ) -> None: ...


def select_fields(form: Form) -> list[FormField]:
    return [f for f in form.fields if f not in typed_fields(form)]


def values_of(form: Form, draft: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Every field's value: what the person gave in this form, else what core prefilled."""
    out: dict[str, str | list[str]] = {}
    for f in form.fields:
        initial = f.initial if isinstance(f.initial, str) else list(f.initial)
        if f.kind in TYPED_KINDS and isinstance(initial, list):
            initial = ", ".join(initial)
        out[f.key] = draft.get(f.key, initial)
    return out


class FormPages:
    def __init__(self, core: CoreApp, bot: Answers) -> None:
        self.core = core
        self.bot = bot

    @staticmethod
    def _key(actor: Actor, name: str) -> str:
        return f"discord:form:{actor.external_id}:{name}"

    async def _draft(self, actor: Actor, name: str) -> Draft:
        raw = await self.core.get_value(self._key(actor, name))
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    async def _form(self, actor: Actor, name: str, *, draft: bool) -> tuple[Form | None, Draft]:
        """The form (and the draft so far) within the budget: a modal must be the first
        answer. None: not open to this person, or too slow — the step dialog answers."""

        async def read() -> tuple[Form | None, Draft]:
            form = await self.core.open_form(actor, name)
            return form, (await self._draft(actor, name) if draft and form else {})

        try:
            return await asyncio.wait_for(read(), OPEN_BUDGET_S)
        except TimeoutError:
            log.warning("discord: opening form %s took too long; asking in steps", name)
            return None, {}

    async def open_for(self, interaction: discord.Interaction[Any], inbound: Inbound) -> bool:
        """Open the first page of the form that stands in for this command or button."""
        name = self.core.form_for(inbound)
        if name is None:
            return False
        actor = self.bot.actor(interaction.user)
        form, _ = await self._form(actor, name, draft=False)
        if form is None:
            return False  # not open to this person (or slow): the step dialog answers
        await interaction.response.send_modal(form_modal(form, 0, {}))
        await self.core.put_value(self._key(actor, name), None)  # a fresh start
        return True

    async def open_page(self, interaction: discord.Interaction[Any], name: str, page: int) -> None:
        """ "Next" or "Try again": that page, prefilled with the draft."""
        actor = self.bot.actor(interaction.user)
        form, draft = await self._form(actor, name, draft=True)
        if form is None:
            await interaction.response.defer(ephemeral=self.bot.private(interaction))
            await self.bot.run(interaction, ActionIn(FormRef(name).pack()))
            return
        if page >= page_count(form):
            await interaction.response.send_message(ib.EXPIRED, ephemeral=True)
            return
        texts = {k: v for k, v in draft.items() if isinstance(v, str)}
        await interaction.response.send_modal(form_modal(form, page, texts))

    async def submitted(self, interaction: discord.Interaction[Any], what: ib.FormPage) -> None:
        """A page's modal, or a select message's choice: check it, keep it, then go on."""
        private = self.bot.private(interaction)
        if what.choices is None:
            await interaction.response.defer(ephemeral=private, thinking=True)
        else:
            await interaction.response.edit_message(view=None)
        actor = self.bot.actor(interaction.user)
        form = await self.core.open_form(actor, what.form)
        pages = page_count(form) if form is not None else 0
        selects = select_fields(form) if form is not None else []
        if form is None or what.page >= pages + len(selects):
            await self.bot.followups(interaction, [Reply(ib.EXPIRED)])
            return
        draft = await self._draft(actor, form.name)
        if what.choices is None:
            if what.page >= pages:
                await self.bot.followups(interaction, [Reply(ib.EXPIRED)])
                return
            keys = {f.key for f in page_fields(form, what.page)}
            draft.update({k: v for k, v in what.values.items() if k in keys})
        else:
            if what.page < pages:
                await self.bot.followups(interaction, [Reply(ib.EXPIRED)])
                return
            keys = {selects[what.page - pages].key}
            draft[selects[what.page - pages].key] = list(what.choices)
        await self.core.put_value(self._key(actor, form.name), json.dumps(draft))
        values = values_of(form, draft)
        errors = await self.core.check_form(actor, form.name, values)
        mine = {k: v for k, v in errors.items() if k in keys}
        if mine:
            await self._send(interaction, _problems(form, mine), what.form, what.page, "Try again")
            return
        following = what.page + 1
        if following < pages:
            text = f"Page {what.page + 1} of {pages} saved."
            await self._send(interaction, text, form.name, following, "Next")
            return
        if following < pages + len(selects):
            await self._ask_select(interaction, form, selects[following - pages], following)
            return
        await self._submit(interaction, actor, form, values)

    async def _send(
        self, interaction: discord.Interaction[Any], text: str, name: str, page: int, label: str
    ) -> None:
        button = ButtonSpec(label, ib.form_custom_id(name, page))
        message = Message(to_markdown(text)[:2000], [(button,)])
        await interaction.followup.send(
            message.content, ephemeral=self.bot.private(interaction), **send_kwargs(message)
        )

    async def _ask_select(
        self, interaction: discord.Interaction[Any], form: Form, f: FormField, page: int
    ) -> None:
        spec = SelectSpec(
            ib.form_custom_id(form.name, page),
            f.label[:150],
            tuple((o.label[:100], o.value[:100]) for o in f.options[:25]),
            multiple=f.kind == "multi_select",
        )
        message = Message(f"**{discord.utils.escape_markdown(f.label)}**", [spec])
        await interaction.followup.send(
            message.content, ephemeral=self.bot.private(interaction), **send_kwargs(message)
        )

    async def _submit(
        self,
        interaction: discord.Interaction[Any],
        actor: Actor,
        form: Form,
        values: dict[str, str | list[str]],
    ) -> None:
        outcome = await self.core.submit_form(actor, form.name, values)
        if outcome.ok:
            await self.core.put_value(self._key(actor, form.name), None)
            await self.bot.followups(interaction, list(outcome.replies))
            return
        # Changed between the checks and the save: say what, and reopen that page.
        page = next((p for p, f in _numbered(form) if f.key in outcome.errors), 0)
        await self._send(interaction, _problems(form, outcome.errors), form.name, page, "Try again")


def _numbered(form: Form) -> list[tuple[int, FormField]]:
    return [(p, f) for p in range(page_count(form)) for f in page_fields(form, p)]


def _problems(form: Form, errors: Mapping[str, str]) -> str:
    lines = []
    for key, message in errors.items():
        f = form.field(key)
        lines.append(f"- {esc(f.label if f else key)}: {message}")
    return "Nothing was saved yet — please check:\n" + "\n".join(lines)
