"""Direct messages in the chat (issue #16): "✉️ Message" puts a person in a thread's writing
mode — what they type goes to the other person until /done, the menu or any command — plus
intro requests (Accept / Decline) and session notes."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.dms import DmRequest
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, keep
from core.markup import esc
from core.messaging import Button, Inbound, Reply, TextIn
from core.payloads import Payload
from core.services.dm_age import minor_dm_refusal
from core.services.dms import DmError, open_items

DONE_HINT = "Type to write to them · /done to stop"


@dataclass(frozen=True)
class Dm(Payload, prefix="dm"):
    """A direct-message button: open | intro | notes (a person or thread id), acc | dec
    (an intro request's id)."""

    what: str
    ref: int


def message_button(other_id: int) -> Button:
    return Button("✉️ Message", Dm("open", other_id).pack())


def intro_button(mentor_id: int) -> Button:
    return Button("✉️ Send an intro", Dm("intro", mentor_id).pack())


async def _name(ctx: Ctx, user_id: int) -> str:
    return (await ctx.profiles.user(user_id)).display_name


class DirectMessage(Dialog):
    name = "dm"
    title = "a direct message"
    # A one-word message ("help", "menu") is asked about once instead of obeyed.
    word_answers = frozenset({"writing"})

    async def start(self, ctx: Ctx, args: str) -> Step:
        verb, _, arg = args.partition(":")
        if verb == "done" or not args:
            return end(Reply("You're not writing to anyone now. /menu"))
        try:
            other = int(arg)
        except ValueError:
            return end(Reply("That button is broken."))
        if verb == "open":
            try:
                t = await ctx.u.dms.open(ctx.user, other)
            except DmError as e:
                return end(Reply(str(e)))
            ctx.data["thread"] = t.id
            ctx.data["to"] = other
            name = await _name(ctx, other)
            lines = [f"✉️ to *{esc(name)}* — {DONE_HINT}."]
            if t.notes:
                lines.append(f"📌 Pinned notes:\n{t.notes}")
            return goto(
                "writing",
                Reply(
                    "\n".join(lines),
                    buttons=((Button("📝 Session notes", Dm("notes", t.id).pack()),),),
                ),
            )
        if verb == "intro":
            refusal = await minor_dm_refusal(ctx.session, ctx.user.id, other)
            if refusal is not None:  # said before they write it, not after
                return end(Reply(refusal))
            ctx.data["to"] = other
            name = await _name(ctx, other)
            return goto(
                "intro",
                Reply(
                    f"Write a short intro to *{esc(name)}* (who you are, what you'd like to ask). "
                    "If they accept, you can message each other. /cancel to stop."
                ),
            )
        if verb == "notes":
            ctx.data["thread"] = other
            return goto(
                "notes",
                Reply(
                    "Write the session notes. Action items go on lines starting with “- ” "
                    "(tick one off as “- [x] …”). They are pinned in your conversation."
                ),
            )
        return end(Reply("That button is broken."))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "writing":
            name = await _name(ctx, ctx.int_data("to"))
            return Reply(f"✉️ to *{esc(name)}* — {DONE_HINT}.")
        if state == "intro":
            return Reply("Write your short intro, or /cancel.")
        return Reply("Write the session notes, or /cancel.")

    async def on_writing(self, ctx: Ctx, inbound: Inbound) -> Step:
        if not isinstance(inbound, TextIn) or not inbound.text.strip():
            return goto("writing")
        try:
            t = await ctx.u.dms.get(ctx.user, ctx.int_data("thread"))
            await ctx.u.dms.send(ctx.user, t, inbound.text, platform=ctx.actor.platform)
        except DmError as e:
            return end(Reply(str(e)))
        return goto("writing")

    async def on_intro(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound) or ""
        mentor = ctx.int_data("to")
        try:
            r = await ctx.u.dms.request_intro(
                ctx.user, mentor, text, ctx.deps.policies.dm_intro_requests_per_day
            )
        except DmError as e:
            return goto("intro", Reply(str(e)))
        await ctx.u.notify(
            mentor,
            [
                Reply(
                    f"✉️ *{esc(ctx.user.display_name)}* would like to message you:\n“{esc(r.text)}”",
                    buttons=(
                        (
                            Button("Accept", Dm("acc", r.id).pack()),
                            Button("Decline", Dm("dec", r.id).pack()),
                        ),
                    ),
                )
            ],
            kind="dm",
        )
        name = await _name(ctx, mentor)
        return end(Reply(f"Sent. I'll tell you when *{esc(name)}* answers."))

    async def on_notes(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound) or ""
        if not text:
            return goto("notes", Reply("Notes are words: type them, or /cancel."))
        try:
            t = await ctx.u.dms.get(ctx.user, ctx.int_data("thread"))
            await ctx.u.dms.write_notes(ctx.user, t, text)
        except DmError as e:
            return end(Reply(str(e)))
        items = open_items(t.notes)
        return end(Reply(f"📌 Pinned. {len(items)} open action item(s)."))


async def on_dm_action(ctx: Ctx, payload: str) -> Step:
    p = Dm.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    verb, n = p.what, p.ref
    if verb in ("open", "intro", "notes"):
        return Step((), None, start=("dm", f"{verb}:{n}"))
    if verb in ("acc", "dec"):
        try:
            t = await ctx.u.dms.decide(ctx.user, n, verb == "acc")
        except DmError as e:
            return keep(Reply(str(e)))
        me = esc(ctx.user.display_name)
        if t is None:
            # The learner hears it was declined; no thread is made.
            r = await ctx.session.get(DmRequest, n)
            if r is not None:
                await ctx.u.notify(
                    r.learner_id,
                    [Reply(f"*{me}* can't take messages from you right now.")],
                    kind="dm",
                )
            return keep(Reply("Declined. No conversation was opened."))
        await ctx.u.notify(
            t.learner_id,
            [
                Reply(
                    f"✉️ *{me}* accepted your intro.",
                    buttons=((message_button(t.mentor_id),),),
                )
            ],
            kind="dm",
        )
        return Step((), None, start=("dm", f"open:{t.learner_id}"))
    return keep(Reply("That button is broken."))
