"""Drive whole dialogs quickly for tests that need ready-made people."""

from __future__ import annotations

from core.app import CoreApp
from tests.support import ChatDriver, answer_age


async def apply_as_mentor(
    core: CoreApp,
    name: str,
    *,
    skills: str = "Python: advanced",
    price: str = "100",
    language: str = "English",
    years: str = "3",
    headline: str | None = None,
    platform: str = "console",
) -> ChatDriver:
    c = ChatDriver(core, name, platform)
    await c.say("/start")
    await c.press("Mentor")
    await c.press("Keep")
    await answer_age(c)
    await c.say(skills)
    if "What level" in c.text() or "At what level" in c.text():
        await c.press("Advanced")
    await c.say(language)
    await c.say("Mumbai")
    await c.press("Weekday evenings")
    await c.say(headline or f"{name.capitalize()} · engineer who teaches")
    await c.say(f"I am {name} and I have been teaching this for years, happily.")
    await c.say(years)
    await c.say(price)
    await c.press("10, 20, 30")
    await c.press("Skip")
    assert "Your mentor application is with the admins" in c.text(), c.text()
    return c
