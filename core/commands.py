"""Every chat command, declared once (DESIGN §1).

Telegram's command menus, Discord's `/mentor` group, Slack's `/mentor` parser, the
runner's aliases, the dialog registry's commands and every /help text are generated
from COMMANDS. A leaf module: it imports nothing from dialogs, so anything may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.messaging import Platform

# Discord and Slack give an app one slash command, so there every command is a word after it.
GROUPED: frozenset[Platform] = frozenset({"discord", "slack"})
GROUP_COMMAND = "mentor"


@dataclass(frozen=True)
class Arg:
    """The one free-text argument a command takes (Discord shows it as an option)."""

    name: str  # Discord option name: lowercase, no spaces
    hint: str  # how help shows it: /find SKILL
    about: str  # Discord option description (≤ 100 characters)
    skills: bool = False  # suggest skill names while typing (Discord autocomplete)


@dataclass(frozen=True)
class Command:
    name: str  # what CommandIn carries; typed as /name on Telegram, web and console
    help: str  # one line, also Telegram's menu description and Discord's (≤ 100 characters)
    # (dialog, preset) it starts; an empty preset passes the typed argument instead.
    # None: the runner answers it itself (cancel).
    opens: tuple[str, str] | None
    aliases: tuple[str, ...] = ()  # other names, accepted everywhere
    sub: str = ""  # the word after /mentor when it can't be the name (`/mentor` itself)
    sub_aliases: tuple[str, ...] = ()  # other words after /mentor (Slack)
    arg: Arg | None = None
    in_groups: bool = False  # runs in a Telegram group; everything else moves to the DM
    admin: bool = False  # listed for admins only; core checks the right, not the menu
    listed: bool = True  # in menus and help; an unlisted command still works when typed

    @property
    def subcommand(self) -> str:
        return self.sub or self.name


COMMANDS: tuple[Command, ...] = (
    Command("start", "set up your profile", ("start", "")),
    Command(
        "find",
        "find a mentor by skill",
        ("find", ""),
        aliases=("search",),
        arg=Arg("query", "SKILL", "a skill, e.g. react hooks", skills=True),
        in_groups=True,
    ),
    Command("profile", "see and edit your profile", ("profile", "")),
    Command(
        "sessions", "your upcoming and past sessions: join, move, cancel, rate", ("sessions", "")
    ),
    Command(
        "mentor",
        "apply to become a mentor",
        ("onboarding", "apply"),
        sub="apply",
        sub_aliases=("become",),
    ),
    Command(
        "link",
        "link this chat with your account on another app",
        ("link", ""),
        arg=Arg("code", "[CODE]", "the code you got on the other app"),
    ),
    Command(
        "verify",
        "verify your college or company email with a code",
        ("verify", ""),
        arg=Arg("email", "EMAIL", "your college or company email, e.g. you@iitb.ac.in"),
    ),
    Command(
        "swap",
        "skill swaps: teach each other, one credit each way",
        ("swap", ""),
        aliases=("swaps",),
    ),
    Command(
        "badges",
        "your badges and the leaderboard (per skill); hide or show yourself on it",
        ("badges", ""),
        aliases=("leaderboard",),
        arg=Arg(
            "what",
            "[SKILL|community|hide|show]",
            "a skill's leaderboard, your communities', or hide / show yourself",
        ),
    ),
    Command(
        "busy",
        "mentors: import a busy calendar (ICS link) so busy times are never offered",
        ("busy", ""),
        arg=Arg("url", "[URL|off]", "your calendar's ICS link, or off to remove it"),
    ),
    Command("wallet", "your money and credits, statement, withdraw", ("wallet", "")),
    Command("withdraw", "withdraw what you earned to UPI", ("wallet", "withdraw")),
    Command(
        "community",
        "communities: browse by skill, join, leave, create, link a group",
        ("community", ""),
        aliases=("communities",),
        arg=Arg(
            "what",
            "[browse SKILL|join CODE|create|leave|link CODE|unlink]",
            "browse SKILL, join CODE, create, leave, or link CODE / unlink this channel",
        ),
        # `/community link CODE` is run in the group being linked.
        in_groups=True,
    ),
    Command(
        "post",
        "mentors: write a post for your communities, list or delete yours, office hours",
        ("post", ""),
        aliases=("posts",),
        arg=Arg("what", "[new|hours]", "new: write a post; hours: announce open slots"),
    ),
    Command(
        "stats",
        "mentors: your earnings, sessions, rating, answer time, search views",
        ("mentorstats", ""),
    ),
    Command(
        "privacy",
        "what is stored about you; export it or delete it",
        ("privacy", ""),
        arg=Arg("what", "[export|delete|cancel]", "export, delete, or cancel a deletion"),
    ),
    Command(
        "group",
        "group sessions: take a seat; mentors offer one or cancel it",
        ("group", ""),
        aliases=("groups",),
        arg=Arg("what", "[new]", "new: offer a group session (mentors)"),
    ),
    Command(
        "quiet",
        "quiet hours: hold news that can wait overnight, in your time zone",
        ("quiet", ""),
        arg=Arg("hours", "[22:00-07:00|off]", "e.g. 22:00-07:00, 10pm to 7am, or off"),
    ),
    Command("menu", "show the main menu", ("menu", "")),
    Command("done", "stop writing to someone (direct messages)", ("dm", "done")),
    Command(
        "cancel",
        "stop what you're doing (answers so far are kept)",
        None,
        aliases=("stop", "quit"),
    ),
    Command("help", "this help", ("help", ""), aliases=("h",), in_groups=True),
    Command(
        "admin",
        "mentors, disputes, refunds, people, broadcast, reports, skill tags, the outbox",
        ("admin", ""),
        arg=Arg(
            "args",
            "[pending | approve ID | reject ID REASON | disputes | decide ID … | refund ID … | "
            "user NAME | suspend ID REASON | reinstate ID REASON | grant ID | revoke ID | "
            "merge KEEP DUP REASON | broadcast | reports | tags | outbox … | domains …]",
            "e.g. pending, disputes, refund 12 50 reason, user asha, reports",
        ),
        admin=True,
    ),
    # Opened from a profile's Book button and t.me links, with a mentor id.
    Command("book", "book a session with a mentor", ("book", ""), listed=False),
)


def by_name() -> dict[str, Command]:
    return {c.name: c for c in COMMANDS}


def command_aliases() -> dict[str, str]:
    """Alias -> command name, for every chat (the runner resolves these first)."""
    return {alias: c.name for c in COMMANDS for alias in c.aliases}


def dialog_commands() -> dict[str, tuple[str, str]]:
    """Command name -> (dialog, preset), for the dialog registry."""
    return {c.name: c.opens for c in COMMANDS if c.opens is not None}


def subcommand_words() -> dict[str, str]:
    """Every word accepted after /mentor -> command name (its subcommand, name and aliases)."""
    words: dict[str, str] = {}
    for c in COMMANDS:
        for word in (c.subcommand, *c.sub_aliases, c.name, *c.aliases):
            words.setdefault(word, c.name)
    return words


def menu_commands(*, groups: bool) -> tuple[Command, ...]:
    """What a "/" menu offers everyone (Telegram): listed, not admin; in groups, what runs there."""
    return tuple(c for c in COMMANDS if c.listed and not c.admin and (c.in_groups or not groups))


def invocation(command: Command, platform: Platform) -> str:
    """How a person runs it on that platform: /mentor find on Discord and Slack, /find elsewhere."""
    if platform in GROUPED:
        return f"/{GROUP_COMMAND} {command.subcommand}"
    return f"/{command.name}"


def help_text(platform: Platform, *, admin: bool) -> str:
    lines = ["*MentorBot* finds you a peer mentor for a short session. Commands:"]
    for c in COMMANDS:
        if not c.listed or (c.admin and not admin):
            continue
        hint = f" {c.arg.hint}" if c.arg else ""
        lines.append(f"- {invocation(c, platform)}{hint} — {c.help}")
    where = " in a DM to me" if platform in GROUPED else ""
    lines.append(f"Or just type what you want to learn, like “python”{where}.")
    return "\n".join(lines)
