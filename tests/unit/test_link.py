"""One identity across platforms: /link codes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import Account, User
from tests.support import ChatDriver, RecordingChannel
from tests.unit.test_onboarding import onboard_learner


def _code(text: str) -> str:
    return text.split("`")[1]


async def _user_of(core: CoreApp, platform: str, ext: str) -> User:
    async with core.db.transaction() as s:
        acc = await s.scalar(
            select(Account).where(Account.platform == platform, Account.external_id == ext)
        )
        assert acc is not None
        u = await s.get(User, acc.user_id)
        assert u is not None
        return u


async def test_link_web_to_console_profile(core: CoreApp, inbox: RecordingChannel) -> None:
    console = await onboard_learner(core, "asha")
    await console.say("/link")
    code = _code(console.text())
    web = ChatDriver(core, "browser-xyz", platform="web")
    await web.say(f"/link {code}")
    assert "Linked ✅" in web.text()
    a = await _user_of(core, "console", "asha")
    b = await _user_of(core, "web", "browser-xyz")
    assert a.id == b.id
    await web.say("/profile")
    assert "Asha Rao" in web.text() and "console: Asha" in web.text() and "web:" in web.text()
    # Notifications stay on console until the user picks the web chat.
    await web.press("Send notifications here")
    assert "notifications will go to web" in web.text()
    # The code works once.
    other = ChatDriver(core, "someone-else", platform="web")
    await other.say(f"/link {code}")
    assert "already used" in other.text()


async def test_link_code_errors(core: CoreApp, clock: ManualClock, inbox: RecordingChannel) -> None:
    c = ChatDriver(core, "ravi")
    await c.say("/link")
    code = _code(c.text())
    await c.say(code)
    assert "enter it on your *other* chat app" in c.text()
    w = ChatDriver(core, "w1", platform="web")
    await w.say("/link 1234")
    assert "looks like" in w.text()
    await w.say("ZZZZ-ZZZZ")
    assert "doesn't exist" in w.text()
    clock.advance(timedelta(minutes=11))
    await w.say(code)
    assert "expired" in w.text()


async def test_linking_an_onboarded_profile_asks_first(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    a = await onboard_learner(core, "asha")
    await a.say("/link")
    code = _code(a.text())
    b = await onboard_learner(core, "bina")
    await b.say(f"/link {code}")
    assert "already has its own profile" in b.text()
    await b.press("No")
    assert "nothing was linked" in b.text()
    assert (await _user_of(core, "console", "bina")).id != (
        await _user_of(core, "console", "asha")
    ).id
    await b.say(f"/link {code}")
    await b.press("Yes")
    assert (await _user_of(core, "console", "bina")).id == (
        await _user_of(core, "console", "asha")
    ).id
