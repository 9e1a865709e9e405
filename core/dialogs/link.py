"""/link: one profile across Telegram, Discord, Slack and the web (DESIGN §4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.db.schema import User
from core.dialogs.engine import Ctx, Dialog, Step, end, goto
from core.events import AccountsLinked
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.payloads import Payload

CODE = re.compile(r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$")


@dataclass(frozen=True)
class Lk(Payload, prefix="lk"):
    what: str


CODE_QUESTION = Asks("Link code from your other app", max_length=20, placeholder="ABCD-2345")


class LinkAccounts(Dialog):
    name = "link"
    title = "linking accounts"
    prefixes = ("lk",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        code = args.strip()
        if not code:
            new = await ctx.identity.issue_link_code(ctx.user, ctx.account)
            return goto(
                "code",
                Reply(
                    f"Your link code is `{new}` (valid 10 minutes, works once).\n"
                    f"Open MentorBot on your other app (Telegram, Discord, Slack or the web chat) "
                    f"and send `/link {new}` there. Both chats will then share one profile, "
                    "wallet and reputation.\n"
                    "Or paste a code from your other app here.",
                    asks=CODE_QUESTION,
                ),
            )
        return await self._check(ctx, code)

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "confirm":
            return Reply(
                "Link this chat to that profile?",
                buttons=((Button("Yes, link", Lk("yes").pack()), Button("No", Lk("no").pack())),),
            )
        return Reply(
            "Paste a link code from your other app, or /cancel.",
            asks=CODE_QUESTION,
        )

    async def _check(self, ctx: Ctx, code: str) -> Step:
        if not CODE.match(code):
            return await self.retry(ctx, "code", "A link code looks like `ABCD-2345`.")
        check = await ctx.identity.check_link_code(code, ctx.user)
        if not check.ok or check.into_user_id is None:
            return await self.retry(ctx, "code", check.message)
        ctx.data["code"] = code
        other = await ctx.session.get(User, check.into_user_id)
        other_name = esc(other.display_name) if other else "your other profile"
        if ctx.user.onboarded:
            return goto(
                "confirm",
                Reply(
                    f"This chat already has its own profile ({esc(ctx.user.display_name)}). "
                    f"Linking moves this chat to the profile of *{other_name}*; the profile "
                    "made here will no longer be used."
                ),
                await self.prompt(ctx, "confirm"),
            )
        return await self._redeem(ctx)

    async def _redeem(self, ctx: Ctx) -> Step:
        res = await ctx.identity.redeem_link_code(ctx.str_data("code"), ctx.user)
        if not res.ok or res.into_user_id is None:
            return end(Reply(res.message))
        ctx.events.append(AccountsLinked(res.into_user_id, ctx.account.id))
        into = await ctx.session.get(User, res.into_user_id)
        name = esc(into.display_name) if into else "your profile"
        return end(
            Reply(
                f"Linked ✅ This chat now uses the profile of *{name}*. "
                "Notifications keep going to the app you chose; change it in /profile."
            )
        )

    async def on_code(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "code", "Paste the code as text.")
        return await self._check(ctx, text)

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Lk.parse(ctx.action_of(inbound) or "")
        text = (ctx.text_of(inbound) or "").casefold()
        if (p is not None and p.what == "yes") or text in ("yes", "y"):
            return await self._redeem(ctx)
        if (p is not None and p.what == "no") or text in ("no", "n"):
            return end(Reply("OK, nothing was linked."))
        return await self.retry(ctx, "confirm", "Please answer Yes or No.")
