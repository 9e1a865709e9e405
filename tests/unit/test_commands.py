"""The command table: every platform's words and help come from it, old names keep working."""

from __future__ import annotations

from core.app import CoreApp
from core.commands import (
    COMMANDS,
    command_aliases,
    dialog_commands,
    help_text,
    menu_commands,
    subcommand_words,
)
from core.dialogs import build_registry
from core.runner import COMMAND_ALIASES
from tests.support import ChatDriver


def test_names_are_unique_and_fit_every_platform() -> None:
    words = [w for c in COMMANDS for w in (c.name, *c.aliases)]
    assert len(words) == len(set(words))
    for c in COMMANDS:
        # Telegram's BotCommand and Discord's option and description limits.
        assert c.name.isascii() and c.name.islower() and len(c.name) <= 32
        assert 0 < len(c.help) <= 100
        assert c.arg is None or len(c.arg.about) <= 100


def test_every_name_operators_use_still_resolves() -> None:
    registry = build_registry()
    typed = {
        "start": ("start", ""),
        "menu": ("menu", ""),
        "help": ("help", ""),
        "h": ("help", ""),
        "profile": ("profile", ""),
        "find": ("find", ""),
        "search": ("find", ""),
        "mentor": ("onboarding", "apply"),
        "admin": ("admin", ""),
        "link": ("link", ""),
        "book": ("book", ""),
        "sessions": ("sessions", ""),
        "wallet": ("wallet", ""),
        "withdraw": ("wallet", "withdraw"),
    }
    for word, target in typed.items():
        assert registry.commands[COMMAND_ALIASES.get(word, word)] == target, word
    assert command_aliases() == COMMAND_ALIASES
    assert COMMAND_ALIASES["stop"] == COMMAND_ALIASES["quit"] == "cancel"
    assert "cancel" not in dialog_commands()  # the runner answers it
    # Every dialog a command opens exists.
    assert {d for d, _ in dialog_commands().values()} <= set(registry.dialogs)


def test_words_after_slash_mentor() -> None:
    words = subcommand_words()
    old = {
        "menu": "menu", "start": "start", "help": "help", "find": "find", "search": "find",
        "profile": "profile", "link": "link", "admin": "admin", "apply": "mentor",
        "become": "mentor", "cancel": "cancel", "sessions": "sessions", "wallet": "wallet",
        "withdraw": "withdraw",
    }  # fmt: skip
    assert {w: words[w] for w in old} == old


def test_help_shows_commands_the_way_each_platform_runs_them() -> None:
    for platform in ("discord", "slack"):
        text = help_text(platform, admin=False)
        assert "- /mentor find SKILL — find a mentor by skill" in text
        assert "/mentor apply — apply to become a mentor" in text
        assert "\n- /find" not in text
    for platform in ("telegram", "console", "web"):
        text = help_text(platform, admin=False)
        assert "- /find SKILL — find a mentor by skill" in text
        assert "- /mentor — apply to become a mentor" in text
        assert "/mentor find" not in text
    assert "/admin" not in help_text("telegram", admin=False)
    assert "- /admin [pending" in help_text("telegram", admin=True)
    assert "- /mentor admin [pending" in help_text("discord", admin=True)
    assert "/book" not in help_text("web", admin=True)  # unlisted


def test_menus() -> None:
    assert [c.name for c in menu_commands(groups=True)] == ["find", "community", "help"]
    private = [c.name for c in menu_commands(groups=False)]
    assert private[0] == "start" and "admin" not in private and "book" not in private


async def test_slash_help_answers_in_the_askers_platform_style(core: CoreApp) -> None:
    for platform, find in (
        ("discord", "/mentor find"),
        ("slack", "/mentor find"),
        ("web", "/find"),
    ):
        asker = ChatDriver(core, f"help-{platform}", platform)
        await asker.say("/help")
        assert f"- {find} SKILL — find a mentor by skill" in asker.text(), platform
    console = ChatDriver(core, "help-console")
    await console.say("/h")  # an alias from the table
    assert "- /find SKILL" in console.text() and "/mentor find" not in console.text()
