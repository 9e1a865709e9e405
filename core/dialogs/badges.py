"""`/badges`: your badges and the leaderboard (all, or per skill); `/badges hide|show`
takes you off or puts you back on leaderboards."""

from __future__ import annotations

from core.dialogs.engine import Ctx, Dialog, Step, end
from core.markup import esc
from core.messaging import Reply


class BadgesDialog(Dialog):
    name = "badges"
    title = "badges"

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("/badges")  # one step

    async def start(self, ctx: Ctx, args: str) -> Step:
        b = ctx.u.badges
        word = args.strip()
        if word.casefold() in ("hide", "show"):
            await b.set_hidden(ctx.user.id, word.casefold() == "hide")
            return end(
                Reply(
                    "You're off the leaderboards; your badges still show on your profile."
                    if word.casefold() == "hide"
                    else "You're on the leaderboards again."
                )
            )
        if word.casefold() == "community":
            lines = []
            for cid, cname in await b.communities_of(ctx.user.id):
                board = await b.leaderboard(limit=5, community_id=cid)
                lines.append(f"*Leaderboard — {esc(cname)}*")
                lines += [f"{i}. {esc(n)} — {c}" for i, (n, c) in enumerate(board, 1)]
                if not board:
                    lines.append("Nobody yet.")
            return end(Reply("\n".join(lines) or "You aren't in a community yet: /community"))
        mine = await b.labels(ctx.user.id)
        board = await b.leaderboard(word)
        lines = ["*Your badges*: " + (esc(" · ".join(mine)) if mine else "none yet")]
        title = f"*Leaderboard — {esc(word)}*" if word else "*Leaderboard*"
        lines.append(title + " (badges held; `/badges hide` takes you off it)")
        lines += [f"{i}. {esc(name)} — {n}" for i, (name, n) in enumerate(board, 1)]
        if not board:
            lines.append("Nobody yet.")
        return end(Reply("\n".join(lines)))
