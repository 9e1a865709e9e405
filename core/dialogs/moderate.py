"""/community's moderation words (issue #15 item 4), from any platform: report a message,
delete it everywhere, mute or ban a person (every linked account of theirs), slow mode, the
word and link filter, rules shown on join, the report queue and the audit log.

Which community: the one the chat is linked to; elsewhere the only one the person moderates.
A message is `#123` (its number in the web room) or, in a linked chat, the message the
command replied to (adapters add it as `msg:<platform id>`)."""

from __future__ import annotations

from core.db.relay import RelayMessage
from core.db.schema import User
from core.dialogs.engine import Ctx
from core.markup import esc
from core.messaging import Button, Reply
from core.ports import ChatRef
from core.services.buttons import Cm
from core.services.relay import RelayError

WORDS = frozenset(
    {"report", "delete", "ban", "mute", "unban", "unmute", "slowmode", "rules", "filter",
     "queue", "reports", "audit"}
)  # fmt: skip
MOD_HELP = (
    "Moderation: `/community delete #ID` · `ban NAME` · `mute NAME [minutes]` · `unban NAME` · "
    "`slowmode SECONDS` · `rules TEXT` · `filter add|remove WORD` · `filter links on|off` · "
    "`queue` · `audit`"
)


def here(ctx: Ctx) -> ChatRef | None:
    key = ctx.key
    if key.platform in ("web", "console") or key.chat_id == key.external_id:
        return None
    return ChatRef.of_key(key.platform, key.workspace, key.chat_id)


async def which_community(ctx: Ctx) -> int:
    chat = here(ctx)
    if chat is not None:
        ch = await ctx.u.relay.channel(chat)
        if ch is None:
            raise RelayError("This chat isn't linked to a community: `/community link CODE`.")
        return ch.community_id
    modded = [c for c in await ctx.u.communities.mine(ctx.user.id) if c.role != "member"]
    if len(modded) == 1:
        return modded[0].id
    if not modded:
        raise RelayError("Only a community's owners and moderators (or an admin) can do that.")
    raise RelayError("You moderate several communities: run this in the one's linked chat.")


async def message_ref(ctx: Ctx, token: str) -> RelayMessage | None:
    token = token.strip()
    if token.startswith("msg:"):
        chat = here(ctx)
        ch = await ctx.u.relay.channel(chat) if chat is not None else None
        return await ctx.u.relay.find(ch, token[4:]) if ch is not None else None
    raw = token.lstrip("#")
    if raw.isdigit() and len(raw) < 12:
        return await ctx.session.get(RelayMessage, int(raw))
    return None


async def person(ctx: Ctx, community_id: int, words: list[str]) -> tuple[User, list[str]]:
    """The person a command names (a name, #user-id, or a message's author) and the rest."""
    if words and (words[0].startswith("msg:") or words[0].startswith("#m")):
        msg = await message_ref(ctx, words[0].replace("#m", "#"))
        author = await ctx.session.get(User, msg.author_id) if msg is not None else None
        if author is None:
            raise RelayError("I can't find that message.")
        return author, words[1:]
    # Names may have spaces: the longest run of words that names a member.
    for n in range(min(len(words), 4), 0, -1):
        found = await ctx.u.moderation.member_named(community_id, " ".join(words[:n]))
        if len(found) == 1:
            return found[0], words[n:]
        if len(found) > 1:
            ids = ", ".join(f"#{u.id}" for u in found)
            raise RelayError(f"Several members are called that: use their number ({ids}).")
    raise RelayError("I don't know that member here: use their name as shown, or #number.")


async def moderate(ctx: Ctx, verb: str, rest: str) -> Reply:
    try:
        return await _moderate(ctx, verb, rest.split())
    except RelayError as exc:
        return Reply(esc(str(exc)))


async def _moderate(ctx: Ctx, verb: str, words: list[str]) -> Reply:
    m = ctx.u.moderation
    if verb == "report":
        msg = await message_ref(ctx, words[0]) if words else None
        if msg is None and words:
            return Reply(f"I can't find message {esc(words[0])} — check its number.")
        if msg is None:
            return Reply(
                "Report a message with `/community report #ID reason` (the number the web "
                "room shows), or reply to it with `/community report`."
            )
        return Reply(await m.report(ctx.user, msg, " ".join(words[1:])))
    cid = await which_community(ctx)
    if not await m.may_moderate(ctx.user, cid):
        return Reply("Only the community's owners and moderators (or an admin) can do that.")
    reason = ""
    if verb == "delete":
        msg = await message_ref(ctx, words[0]) if words else None
        if msg is None or msg.community_id != cid:
            return Reply("Which message? `/community delete #ID`, or reply to it.")
        return Reply(await m.delete(ctx.user, msg, " ".join(words[1:])))
    if verb in ("ban", "mute"):
        target, rest = await person(ctx, cid, words)
        minutes = None
        if verb == "mute" and rest and rest[0].isdigit() and len(rest[0]) < 7:
            minutes, rest = int(rest[0]), rest[1:]
        reason = " ".join(rest)
        return Reply(esc(await m.sanction_user(ctx.user, cid, target, verb, reason, minutes)))
    if verb in ("unban", "unmute"):
        target, _ = await person(ctx, cid, words)
        return Reply(esc(await m.lift(ctx.user, cid, target)))
    if verb == "slowmode":
        if not words or not words[0].isdigit() or len(words[0]) > 5:
            return Reply("`/community slowmode SECONDS` (0 turns it off).")
        await m.set_slow_mode(ctx.user, cid, int(words[0]))
        n = int(words[0])
        return Reply(f"Slow mode: one message every {n} seconds." if n else "Slow mode is off.")
    if verb == "rules":
        if not words:
            rules = await m.rules(cid)
            shown = rules.rules if rules is not None and rules.rules else "No rules set yet."
            return Reply(esc(shown))
        await m.set_rules(ctx.user, cid, " ".join(words))
        return Reply("Rules saved: new members see them when they join.")
    if verb == "filter":
        if len(words) >= 2 and words[0] == "links" and words[1] in ("on", "off"):
            await m.filter_links(ctx.user, cid, words[1] == "on")
            return Reply("Links are filtered out." if words[1] == "on" else "Links are allowed.")
        if len(words) >= 2 and words[0] in ("add", "remove"):
            now = await m.filter_word(ctx.user, cid, " ".join(words[1:]), words[0] == "add")
            return Reply("Filtered words: " + (esc(", ".join(now)) if now else "none"))
        return Reply("`/community filter add WORD`, `filter remove WORD`, `filter links on|off`.")
    if verb in ("queue", "reports"):
        reports = await m.queue(cid)
        if not reports:
            return Reply("No open reports.")
        lines, rows = [], []
        for r in reports:
            quoted = r.text if len(r.text) <= 120 else r.text[:119] + "…"
            lines.append(
                f"- #{r.message_id} by *{esc(r.author)}* ({r.reporters} report"
                f"{'s' if r.reporters != 1 else ''}"
                + (f": {esc(r.reason)}" if r.reason else "")
                + f")\n  {quoted}"
            )
            rows.append(
                (
                    Button(f"🗑 Delete #{r.message_id}", Cm("qdel", r.message_id).pack()),
                    Button(f"Dismiss #{r.message_id}", Cm("qok", r.message_id).pack()),
                )
            )
        return Reply("*Reported messages*\n" + "\n".join(lines), buttons=tuple(rows))
    if verb == "audit":
        lines = [
            f"- {a.at:%d %b %H:%M} {esc(a.actor)}: "
            + " ".join(filter(None, [a.action, esc(a.target)]))
            + (f" ({esc(a.detail)})" if a.detail else "")
            for a in await m.audit(cid)
        ]
        return Reply("*Audit log*\n" + "\n".join(lines) if lines else "Nothing logged yet.")
    return Reply(MOD_HELP)


async def queue_action(ctx: Ctx, what: str, message_id: int) -> Reply:
    """The queue's Delete and Dismiss buttons."""
    msg = await ctx.session.get(RelayMessage, message_id)
    if msg is None:
        return Reply("That message is gone.")
    try:
        if what == "qdel":
            return Reply(await ctx.u.moderation.delete(ctx.user, msg))
        return Reply(await ctx.u.moderation.dismiss(ctx.user, msg.community_id, msg.id))
    except RelayError as exc:
        return Reply(esc(str(exc)))
