"""A guess about what someone wants, asked before it is acted on: "Shall I find a mentor for
“…”?" — one tap to go on, one to choose something else."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.dialogs.answers import ANSWERS
from core.dialogs.engine import Ctx, Dialog, Step, goto, handoff
from core.markup import quote
from core.messaging import Button, Inbound, Reply
from core.payloads import Payload
from core.understand.intents import Reading, read_intent


def search_or_guess(ctx: Ctx, reading: Reading, text: str) -> tuple[str, str]:
    """(dialog, args) for a reading that wants a search: a bare skill name ("react") or a
    clear request searches at once; a skill named in passing is asked about first."""
    sure = reading.sure or ctx.deps.catalog.index.exact(text.strip()) is not None
    return ("find" if sure else "guess", reading.rest or text)


# What an unsure reading is shown as, asked before it is acted on ("Did you mean …?").
UNDERSTOOD = {
    "teach": "you'd like to teach as a mentor here",
    "ask_price": "how much a session costs",
    "ask_free": "whether MentorBot is free",
    "ask_how": "how MentorBot works",
    "ask_refund": "how refunds work",
    "ask_credits": "how credits work",
}
ASKED = "?"  # args of the guess dialog that carry an intent: "?ask_price how much is it"


def unsure(reading: Reading, text: str) -> tuple[str, str] | None:
    """(dialog, args) that asks about an unsure reading that would act (start the mentor
    application, answer a question) before acting on it; None when it may act at once."""
    if reading.sure or reading.intent not in UNDERSTOOD:
        return None
    return ("guess", f"{ASKED}{reading.intent} {text.strip()[:400]}")


@dataclass(frozen=True)
class Gs(Payload, prefix="gs"):
    answer: str  # yes | no | find


class ConfirmGuess(Dialog):
    name = "guess"
    title = "that question"
    prefixes = ("gs",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        intent, _, text = args[1:].partition(" ") if args.startswith(ASKED) else ("", "", args)
        ctx.data["text"] = text[:500]
        ctx.data["intent"] = intent if intent in UNDERSTOOD else ""
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        intent = ctx.str_data("intent")
        if intent:
            # What was understood, one tap to go on, one to choose; typing is a new request.
            return Reply(
                f"Did you mean {UNDERSTOOD[intent]}?",
                buttons=(
                    (
                        Button("Yes", Gs("yes").pack()),
                        Button("No, show me the choices", Gs("no").pack()),
                    ),
                    (Button("🔎 Find a mentor for it", Gs("find").pack()),),
                ),
            )
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
        intent = ctx.str_data("intent")
        if p is not None and p.answer == "yes" and intent:
            return self._act(ctx, intent, ctx.str_data("text"))
        if p is not None and p.answer in ("yes", "find"):
            return handoff("find", self._query(ctx, ctx.str_data("text")))
        if p is not None:
            return handoff("menu", "") if ctx.user.onboarded else handoff("onboarding", "quiet")
        # Typed something else instead: that is the new request.
        return handoff("find", self._query(ctx, ctx.text_of(inbound) or ctx.str_data("text")))

    @staticmethod
    def _act(ctx: Ctx, intent: str, text: str) -> Step:
        """The confirmed reading, done as a sure one would have been."""
        if intent == "teach":
            # Imported here: onboarding asks its own guesses through this dialog.
            from core.dialogs.onboarding import offer_to_teach

            reading = read_intent(text, ctx.deps.catalog.index.names_in)
            return offer_to_teach(ctx, replace(reading, intent="teach"))
        after = ("menu", "quiet") if ctx.user.onboarded else ("onboarding", "quiet")
        return Step((Reply(ANSWERS[intent](ctx.deps.policies)),), None, start=after)

    @staticmethod
    def _query(ctx: Ctx, text: str) -> str:
        """The whole sentence for plain-words search; the skill it names for the basic one."""
        if ctx.deps.recommender is not None:
            return text
        named = ctx.deps.catalog.index.names_in(text)
        return named[0] if named else text
