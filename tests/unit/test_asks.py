"""Questions that take typed text say so (Reply.asks), with limits their parsers accept:
surfaces with forms (Discord's "Answer here") build a text field from it."""

from __future__ import annotations

from core.app import CoreApp
from tests.support import ChatDriver
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_onboarding import onboard_learner


def asked(driver: ChatDriver) -> list[tuple[str, int, bool]]:
    return [(r.asks.label, r.asks.max_length, r.asks.multiline) for r in driver.last if r.asks]


async def test_find_and_link_questions_are_marked(core: CoreApp) -> None:
    ana = ChatDriver(core, "ana")
    await ana.say("/find")
    assert asked(ana) == [("Which skill do you want help with?", 200, False)]
    await ana.say("/link")
    assert asked(ana) == [("Link code from your other app", 20, False)]
    await ana.say("not a code")  # refused: the same question again, still marked
    assert asked(ana) == [("Link code from your other app", 20, False)]


async def test_a_booking_topic_is_marked(core: CoreApp) -> None:
    await apply_as_mentor(core, "meera")
    admin = ChatDriver(core, "boss")
    async with core.uow() as u:  # make an admin to approve Meera
        boss, _ = await u.identity.resolve(admin.actor)
        boss.is_admin = True
    await admin.say("/admin pending")
    await admin.press("Approve")
    learner = await onboard_learner(core, "lee")  # booking asks newcomers for a profile first
    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Book")
    for _ in range(3):  # length, day, time: whatever is offered first
        if asked(learner):
            break
        buttons = [b for r in learner.last for b in r.all_buttons() if hasattr(b, "payload")]
        await learner.press(buttons[0].label)
    assert asked(learner) == [("What would you like to cover?", 300, False)]


async def test_an_admins_reason_is_marked_multiline(core: CoreApp) -> None:
    await apply_as_mentor(core, "rita")
    admin = ChatDriver(core, "boss")
    async with core.uow() as u:
        boss, _ = await u.identity.resolve(admin.actor)
        boss.is_admin = True
    await admin.say("/admin pending")
    await admin.press("Reject")
    assert asked(admin) == [("Reason (they will see it)", 500, True)]
