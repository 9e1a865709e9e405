"""/verify you@college.edu: a six-digit code by email proves the address (issue 18)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.dialogs.engine import Ctx, Dialog, Step, end, goto
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.payloads import Payload
from core.services.verification import CODE, parse_email
from core.views import verified_label


@dataclass(frozen=True)
class Ve(Payload, prefix="ve"):
    what: str


EMAIL_QUESTION = Asks("Your college or company email", max_length=254, placeholder="you@iitb.ac.in")
CODE_QUESTION = Asks("6-digit code from the email", max_length=20, placeholder="123456")
NOT_EMAIL = "That doesn't look like an email address. Write it like `you@iitb.ac.in`."
DEMO = "No mail server is set up here (demo): the code is in the server log."


class VerifyEmail(Dialog):
    name = "verify"
    title = "verifying your email"
    prefixes = ("ve",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        given = args.strip()
        if given:
            return await self._send(ctx, given, state=None)
        mine = await ctx.u.verification.verified(ctx.user.id)
        if mine is not None:
            return end(
                Reply(
                    f"You're {esc(verified_label(mine.domain))} ({esc(mine.email)}). "
                    "To verify another address, send `/verify you@example.edu`."
                )
            )
        return goto("email", await self.prompt(ctx, "email"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "code":
            email = ctx.str_data("email")
            return Reply(
                f"Type the 6-digit code sent to {esc(email)}, or /cancel.",
                asks=CODE_QUESTION,
                buttons=((Button("Send a new code", Ve("new").pack()),),),
            )
        return Reply(
            "Which college or company email should I verify? I'll send it a 6-digit code. "
            "(/cancel to stop)",
            asks=EMAIL_QUESTION,
        )

    async def _send(self, ctx: Ctx, text: str, *, state: str | None) -> Step:
        email = parse_email(text)
        if email is None:
            if state is None:
                return goto("email", Reply(NOT_EMAIL), await self.prompt(ctx, "email"))
            return await self.retry(ctx, state, NOT_EMAIL)
        sent = await ctx.u.verification.send_code(ctx.user, email)
        if not sent.ok:
            if state is None:
                return end(Reply(esc(sent.message)))
            return await self.retry(ctx, state, esc(sent.message))
        ctx.data["email"] = email
        minutes = ctx.u.policies.verify_code_ttl_min
        lines = [
            f"📧 I've sent a 6-digit code to {esc(email)}. It works for {minutes} minutes.",
        ]
        if ctx.deps.mailer.demo:
            lines.append(DEMO)
        lines.append("Type the code here.")
        return goto(
            "code",
            Reply(
                "\n".join(lines),
                asks=CODE_QUESTION,
                buttons=((Button("Send a new code", Ve("new").pack()),),),
            ),
        )

    async def on_email(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "email", "Please type your email address.")
        return await self._send(ctx, text, state="email")

    async def on_code(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ve.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "new":
            return await self._send(ctx, ctx.str_data("email"), state="code")
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "code", "Please type the 6-digit code from the email.")
        if "@" in text:  # another address: a code for that one instead
            return await self._send(ctx, text, state="code")
        digits = re.sub(r"[\s-]", "", text)
        if not CODE.match(digits):
            return await self.retry(
                ctx, "code", "The code is 6 digits, like `123456`. Type just the digits."
            )
        checked = await ctx.u.verification.check(ctx.user, digits)
        if checked.ok:
            ctx.u.profiles_changed([ctx.user.id])
            return end(
                Reply(
                    f"✅ Verified. Your profile and search results now show "
                    f"*{esc(verified_label(checked.domain))}*."
                )
            )
        if checked.dead:
            return goto(
                "code",
                Reply(
                    f"{esc(checked.message)} Tap “Send a new code” for another, "
                    "or type a different address.",
                    buttons=((Button("Send a new code", Ve("new").pack()),),),
                ),
            )
        return await self.retry(ctx, "code", esc(checked.message))
