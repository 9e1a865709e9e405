"""The main menu, help, and the commands that open each dialog."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands import dialog_commands, help_text
from core.dialogs.engine import Ctx, Dialog, Step, end, handoff, keep
from core.messaging import Button, Reply
from core.payloads import Payload


@dataclass(frozen=True)
class Menu(Payload, prefix="menu"):
    item: str


# A menu button opens what its command opens (menu:find runs like /find).
MENU_TARGETS = dialog_commands()


def menu_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    if not ctx.user.onboarded:
        rows.append((Button("✨ Set up my profile", Menu("start").pack()),))
    rows.append(
        (
            Button("🔎 Find a mentor", Menu("find").pack()),
            Button("👤 My profile", Menu("profile").pack()),
        )
    )
    rows.append(
        (
            Button("📅 My sessions", Menu("sessions").pack()),
            Button("💰 My wallet", Menu("wallet").pack()),
        )
    )
    third = [Button("🔗 Link accounts", Menu("link").pack())]
    if ctx.user.onboarded and not ctx.user.wants_to_mentor:
        third.insert(0, Button("🎓 Become a mentor", Menu("mentor").pack()))
    rows.append(tuple(third))
    if ctx.user.is_admin:
        rows.append((Button("🛠 Admin", Menu("admin").pack()),))
    return tuple(rows)


def help_reply(ctx: Ctx) -> Reply:
    """The commands as this person's platform runs them (/mentor find on Discord and Slack)."""
    return Reply(help_text(ctx.actor.platform, admin=ctx.user.is_admin))


class MainMenu(Dialog):
    name = "menu"
    title = "the menu"

    async def start(self, ctx: Ctx, args: str) -> Step:
        text = (
            "What next?"
            if args == "quiet"
            else f"Hi {ctx.user.display_name}! What would you like to do?"
        )
        return end(Reply(text, buttons=menu_buttons(ctx)))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("What would you like to do?", buttons=menu_buttons(ctx))


class StartCommand(Dialog):
    """/start: onboarding for newcomers, the menu for everyone else; deep links later."""

    name = "start"
    title = "getting started"

    async def start(self, ctx: Ctx, args: str) -> Step:
        if args.startswith("link_"):
            return handoff("link", args.removeprefix("link_"))
        if not ctx.user.onboarded:
            return handoff("onboarding", "")
        return handoff("menu", "")

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("/start")


class HelpCommand(Dialog):
    name = "help"
    title = "help"

    async def start(self, ctx: Ctx, args: str) -> Step:
        return end(help_reply(ctx))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return help_reply(ctx)


async def on_menu(ctx: Ctx, payload: str) -> Step:
    p = Menu.parse(payload)
    if p is None or p.item not in MENU_TARGETS:
        return keep(Reply("That menu entry doesn't exist any more."))
    target, args = MENU_TARGETS[p.item]
    return handoff(target, args)
