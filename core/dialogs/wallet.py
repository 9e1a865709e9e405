"""/wallet: balances per currency, recent entries, a CSV statement, and withdrawals.

Withdrawals (DESIGN §7): a mentor asks for at least the minimum from their INR wallet; the
amount leaves the wallet at once (so it can never be spent twice) and waits for an admin,
who approves (paid out through the gateway) or rejects (the money comes back).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, tzinfo
from decimal import Decimal

from core.currency import minor_digits, money, parse_money
from core.db.schema import User
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.ledger import InsufficientFunds
from core.markup import esc
from core.messaging import Asks, Attachment, Button, Inbound, Reply
from core.numbers import as_int
from core.ports import GatewayError
from core.services.buttons import Wal, WalConfirm, withdrawal_buttons
from core.services.money import NoGateway, WithdrawalTooSmall
from core.services.statement import Movement, movements
from core.text import amount_text, signed
from core.timezones import zone

RECENT = 8
# Wallets hold rupees: withdrawals are paid over UPI (core.ledger.CURRENCIES).
WALLET = "INR"
MAX_WITHDRAWAL_MINOR = 999_999_999
STATEMENT_MAX = 5000
UPI = re.compile(r"^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9.-]{1,40}$")
KIND_LABELS = {
    "starter": "Starter credits",
    "hold": "Held for a session",
    "earning": "Session earnings",
    "refund": "Refund",
    "withdrawal": "Withdrawal requested",
    "withdrawal_returned": "Withdrawal returned",
    "payment": "Payment",
    "payout": "Payout",
}


def parse_rupees(text: str) -> int | None:
    """'500', '₹1,00,000', 'Rs 750.50', '1 lakh' → paise; None if it isn't an amount."""
    return parse_money(text, WALLET, limit_minor=MAX_WITHDRAWAL_MINOR)


def _zone(user: User) -> tzinfo:
    try:
        return zone(user.timezone or "UTC")
    except ValueError:
        return UTC


def entry_line(m: Movement, tz: tzinfo) -> str:
    when = m.at.astimezone(tz).strftime("%d %b %H:%M")
    label = m.label or KIND_LABELS.get(m.kind, m.kind)
    # Releases, fees and payouts move money that had already left the person.
    amount = signed(m.amount, m.currency) if m.amount else amount_text(m.moved, m.currency)
    return f"- {when} · {amount} · {esc(label)}"


def _decimal(amount: int, currency: str) -> str:
    """A plain number for spreadsheets: the currency's own decimals, no symbol or grouping."""
    if currency == "CREDIT":
        return str(amount)
    digits = minor_digits(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def statement_csv(rows: list[Movement], tz: tzinfo, tz_name: str) -> bytes:
    """One row per movement, dated in the person's own zone (ISO 8601 with the offset)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["date", "time_zone", "transfer_id", "currency", "amount", "moved", "kind", "description"]
    )
    for m in rows:
        w.writerow(
            [
                m.at.astimezone(tz).isoformat(timespec="seconds"),
                tz_name,
                m.transfer_id,
                m.currency,
                _decimal(m.amount, m.currency),
                _decimal(m.moved, m.currency),
                m.kind,
                m.label or KIND_LABELS.get(m.kind, m.kind),
            ]
        )
    return out.getvalue().encode("utf-8")


async def wallet_reply(ctx: Ctx) -> Reply:
    ledger = ctx.money.ledger
    balances = await ledger.wallet_balances(ctx.user.id)
    held = await ledger.held_for(ctx.user.id)
    lines = ["*Your wallet*"]
    lines.append(f"- Money: {money(balances.get(WALLET, 0))}")
    lines.append(f"- Credits: {amount_text(balances.get('CREDIT', 0), 'CREDIT')}")
    for cur, amount in held.items():
        lines.append(f"- Waiting to be paid out: {amount_text(amount, cur)}")
    recent = await movements(ctx.session, ctx.user.id, RECENT)
    if recent:
        tz = _zone(ctx.user)
        lines.append("")
        lines.append(f"*Recent* (times in {esc(ctx.user.timezone or 'UTC')})")
        lines += [entry_line(m, tz) for m in recent]
    else:
        lines.append("")
        lines.append("No entries yet.")
    buttons = [Button("📄 Export CSV", Wal("csv", 0).pack())]
    if balances.get(WALLET, 0) > 0 or ctx.user.wants_to_mentor:
        buttons.append(Button("💸 Withdraw", Wal("wd", 0).pack()))
    return Reply("\n".join(lines), buttons=(tuple(buttons),))


async def statement_reply(ctx: Ctx) -> Reply:
    rows = await movements(ctx.session, ctx.user.id, STATEMENT_MAX)
    tz = _zone(ctx.user)
    tz_name = ctx.user.timezone or "UTC"
    stamp = ctx.now.astimezone(tz).strftime("%Y%m%d")
    return Reply(
        f"Your statement: {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}, times in "
        f"{esc(tz_name)}.",
        attachment=Attachment(
            f"mentorbot-statement-{stamp}.csv", "text/csv", statement_csv(rows, tz, tz_name)
        ),
    )


NOT_ADMIN = Reply("Only admins can do that.")


async def request_text(ctx: Ctx, withdrawal_id: int) -> str:
    w = await ctx.money.withdrawal(withdrawal_id)
    if w is None:
        return f"Withdrawal #{withdrawal_id} doesn't exist."
    user = await ctx.session.get(User, w.user_id)
    name = esc(user.display_name) if user else f"user {w.user_id}"
    return (
        f"💸 *Withdrawal #{w.id}*: {name} (#{w.user_id}) asks for "
        f"{amount_text(w.amount, w.currency)} to UPI `{esc(w.destination)}`."
    )


class Wallet(Dialog):
    name = "wallet"
    title = "your wallet"
    prefixes = ("walc",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        words = args.split(maxsplit=1)
        verb = words[0].casefold() if words else ""
        if verb == "withdraw":
            return await self._start_withdraw(ctx)
        if verb == "pending":
            if not ctx.user.is_admin:
                return end(NOT_ADMIN)
            return end(*await self._pending(ctx))
        target = as_int(words[1]) if verb == "reject" and len(words) > 1 else None
        if target is not None:
            if not ctx.user.is_admin:
                return end(NOT_ADMIN)
            ctx.data["target"] = target
            return goto("reason", await self.prompt(ctx, "reason"))
        return end(await wallet_reply(ctx))

    async def _pending(self, ctx: Ctx) -> list[Reply]:
        rows = await ctx.money.pending_withdrawals()
        if not rows:
            return [Reply("No withdrawals are waiting. 🎉")]
        return [
            Reply(await request_text(ctx, w.id), buttons=withdrawal_buttons(w.id)) for w in rows
        ]

    async def _start_withdraw(self, ctx: Ctx) -> Step:
        balance = (await ctx.money.ledger.wallet_balances(ctx.user.id)).get(WALLET, 0)
        minimum = ctx.deps.policies.min_withdrawal_minor
        if balance < minimum:
            return end(
                Reply(
                    f"You can withdraw once your wallet has at least {money(minimum, WALLET)}; "
                    f"it has {money(balance, WALLET)} now. Earnings from sessions land here."
                )
            )
        return goto("amount", await self.prompt(ctx, "amount"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "amount":
            balance = (await ctx.money.ledger.wallet_balances(ctx.user.id)).get(WALLET, 0)
            minimum = ctx.deps.policies.min_withdrawal_minor
            return Reply(
                f"How much would you like to withdraw? You have {money(balance, WALLET)}; the "
                f"minimum is {money(minimum, WALLET)}. Type an amount like `{minimum // 100}`, or "
                "`all`. (/cancel to stop)",
                asks=Asks("Amount to withdraw (rupees, or all)", max_length=12),
            )
        if state == "upi":
            return Reply(
                "Which UPI id should we pay? For example `name@okaxis`.",
                asks=Asks("UPI id to pay", max_length=100, placeholder="name@okaxis"),
            )
        if state == "confirm":
            amount = ctx.int_data("amount")
            upi = ctx.str_data("upi")
            return Reply(
                f"Withdraw *{money(amount, WALLET)}* to UPI `{esc(upi)}`? The amount leaves your "
                "wallet now and an admin approves the payout.",
                buttons=(
                    (
                        Button("✅ Yes, withdraw", WalConfirm(True).pack()),
                        Button("Cancel", WalConfirm(False).pack()),
                    ),
                ),
            )
        if state == "reason":
            return Reply(
                f"Why reject withdrawal #{ctx.int_data('target')}? The mentor sees this reason. "
                "(/cancel to stop)",
                asks=Asks("Why reject it? (the mentor sees this)", max_length=500, multiline=True),
            )
        return Reply("/wallet")

    async def on_amount(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound) or ""
        balance = (await ctx.money.ledger.wallet_balances(ctx.user.id)).get(WALLET, 0)
        amount = balance if text.casefold() in ("all", "everything") else parse_rupees(text)
        minimum = ctx.deps.policies.min_withdrawal_minor
        if amount is None:
            return await self.retry(ctx, "amount", "Please type an amount in rupees, like `500`.")
        if amount < minimum:
            return await self.retry(
                ctx, "amount", f"The minimum withdrawal is {money(minimum, WALLET)}."
            )
        if amount > balance:
            return await self.retry(
                ctx, "amount", f"That's more than your wallet holds ({money(balance, WALLET)})."
            )
        ctx.data["amount"] = amount
        return goto("upi", await self.prompt(ctx, "upi"))

    async def on_upi(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = (ctx.text_of(inbound) or "").strip()
        if not UPI.fullmatch(text):
            return await self.retry(
                ctx, "upi", "That doesn't look like a UPI id (something like `name@okaxis`)."
            )
        ctx.data["upi"] = text
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        raw = ctx.action_of(inbound)
        yes: bool | None
        if raw is not None:
            choice = WalConfirm.parse(raw)
            yes = choice.yes if choice is not None else None
        else:
            text = (ctx.text_of(inbound) or "").casefold()
            yes = True if text in ("yes", "y") else False if text in ("no", "n") else None
        if yes is None:
            return await self.retry(ctx, "confirm", "Please press a button (or type yes / no).")
        if not yes:
            return end(Reply("OK, nothing was withdrawn. Your wallet: /wallet"))
        amount = ctx.int_data("amount")
        try:
            w = await ctx.money.request_withdrawal(ctx.user.id, amount, ctx.str_data("upi"))
        except InsufficientFunds:
            balance = (await ctx.money.ledger.wallet_balances(ctx.user.id)).get(WALLET, 0)
            return end(
                Reply(
                    f"Your wallet has {money(balance, WALLET)} now, less than {money(amount, WALLET)}, so "
                    "nothing was withdrawn. Try again: /withdraw"
                )
            )
        except WithdrawalTooSmall as exc:
            return end(Reply(f"The minimum withdrawal is {money(exc.minimum, WALLET)}."))
        return end(
            Reply(
                f"Done: withdrawal #{w.id} of {money(amount, WALLET)} is waiting for an admin. "
                "I'll tell you when it's paid."
            )
        )

    async def on_reason(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 500:
            return await self.retry(ctx, "reason", "Please give a reason of 3 to 500 characters.")
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        w = await ctx.money.reject_withdrawal(ctx.int_data("target"), ctx.user.id, text)
        if w is None:
            return end(Reply("That withdrawal was already decided."))
        return end(
            Reply(
                f"Rejected withdrawal #{w.id}; {amount_text(w.amount, w.currency)} went back "
                "to the mentor's wallet and they've been told why."
            )
        )


async def on_wallet_action(ctx: Ctx, payload: str) -> Step:
    p = Wal.parse(payload)
    if p is None:
        return keep(Reply("That wallet button is broken."))
    if p.what == "csv":
        return keep(await statement_reply(ctx))
    if p.what == "wd":
        return handoff("wallet", "withdraw")
    if p.what in ("ok", "no", "list") and not ctx.user.is_admin:
        return keep(NOT_ADMIN)
    if p.what == "list":
        return handoff("wallet", "pending")
    if p.what == "no":
        return handoff("wallet", f"reject {p.target}")
    if p.what == "ok":
        try:
            # A savepoint: if the gateway refuses, the claim and ledger move roll back too.
            async with ctx.session.begin_nested():
                w = await ctx.money.approve_withdrawal(p.target, ctx.user.id)
        except (GatewayError, NoGateway) as exc:
            return keep(Reply(f"The payout didn't go through, nothing changed: {esc(str(exc))}"))
        if w is None:
            return keep(Reply("That withdrawal was already decided."))
        return keep(
            Reply(
                f"Paid out withdrawal #{w.id}: {amount_text(w.amount, w.currency)} to "
                f"`{esc(w.destination)}` (payout {esc(w.payout_id or '')})."
            )
        )
    return keep(Reply("Unknown wallet action."))
