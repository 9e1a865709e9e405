"""A guess about what someone wants, asked before it is acted on: "Shall I find a mentor for
“…”?" — one tap to go on, one to choose something else."""

from __future__ import annotations

from dataclasses import dataclass

from core.dialogs.engine import Ctx, Dialog, Step, goto, handoff
from core.markup import quote
from core.messaging import Button, Inbound, Reply
from core.payloads import Payload
from core.understand.intents import Reading


def search_or_guess(ctx: Ctx, reading: Reading, text: str) -> tuple[str, str]:
    """(dialog, args) for a reading that wants a search: a bare skill name ("react") or a
    clear request searches at once; a skill named in passing is asked about first."""
    sure = reading.sure or ctx.deps.catalog.index.exact(text.strip()) is not None
    return ("find" if sure else "guess", reading.rest or text)


@dataclass(frozen=True)
class Gs(Payload, prefix="gs"):
    answer: str  # yes | no


class ConfirmGuess(Dialog):
    name = "guess"
    title = "that question"
    prefixes = ("gs",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        ctx.data["text"] = args[:500]
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply(
            f"Shall I find a mentor for {quote(ctx.str_data('text'))}?",
            buttons=(
                (
                    Button("🔎 Yes, search", Gs("yes").pack()),
                    Button("No, show me the choices", Gs("no").pack()),
                ),
            ),
        )

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Gs.parse(ctx.action_of(inbound) or "")
        if p is not None and p.answer == "yes":
            return handoff("find", self._query(ctx, ctx.str_data("text")))
        if p is not None:
            return handoff("menu", "") if ctx.user.onboarded else handoff("onboarding", "quiet")
        # Typed something else instead: that is the new request.
        return handoff("find", self._query(ctx, ctx.text_of(inbound) or ctx.str_data("text")))

    @staticmethod
    def _query(ctx: Ctx, text: str) -> str:
        """The whole sentence for plain-words search; the skill it names for the basic one."""
        if ctx.deps.recommender is not None:
            return text
        named = ctx.deps.catalog.index.names_in(text)
        return named[0] if named else text
