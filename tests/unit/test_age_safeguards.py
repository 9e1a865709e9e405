"""Age safeguards (issue 18): onboarding asks an age group; under-18s learn, but paid
sessions and mentoring are for adults, and people who joined before the question are asked
at their next paid booking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.app import CoreApp
from core.booking.base import BookingError
from core.booking.payloads import Bk
from core.clock import ManualClock
from core.db.schema import User
from core.messaging import ActionIn
from core.policies import Policies
from core.services.trust import MENTOR_ADULTS_ONLY, PAID_ADULTS_ONLY
from tests.booking_support import add_mentor
from tests.picture_support import image_bytes, photo
from tests.support import ChatDriver, onboard_learner, rebuilt

ASKING = Policies(page_size=5, ask_age_band=True, ask_photo=True)
NOT_ASKING = Policies(page_size=5, ask_age_band=False)  # MENTORBOT_ASK_AGE_BAND=false


async def user_id(core: CoreApp, name: str) -> int:
    from sqlalchemy import select

    from core.db.schema import Account

    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == name))
        assert uid is not None
        return uid


async def onboard_minor_learner(core: CoreApp, name: str = "kid") -> ChatDriver:
    c = ChatDriver(core, name)
    await c.say("/start")
    await c.press("Learn")
    await c.say("Kiran")
    assert "How old are you?" in c.text()
    await c.press("13–17")
    assert "Which skills do you want to learn?" in c.text()
    return c


async def test_an_under_18_who_picks_mentor_is_set_up_to_learn(core: CoreApp) -> None:
    core = rebuilt(core, policies=ASKING)
    c = ChatDriver(core, "teen")
    await c.say("/start")
    await c.press("Mentor")
    await c.say("Tara")
    await c.say("16")  # typed ages are read too
    assert "Mentors must be 18 or older, so I've set you up to learn instead." in c.text()
    assert "Which skills do you want to learn?" in c.text()
    uid = await user_id(core, "teen")
    async with core.db.transaction() as s:
        user = await s.get(User, uid)
        assert user is not None and user.wants_to_learn and not user.wants_to_mentor


async def test_an_adult_mentor_is_asked_age_and_offered_the_photo_step(core: CoreApp) -> None:
    core = rebuilt(core, policies=ASKING)
    c = ChatDriver(core, "meera")
    await c.say("/start")
    await c.press("Mentor")
    await c.say("Meera")
    await c.press("18 or older")
    assert "Which skills can you teach?" in c.text()
    uid = await user_id(core, "meera")
    async with core.uow() as u:
        assert await u.trust.age_band(uid) == "18plus"


async def test_an_under_18_cannot_apply_as_a_mentor(core: CoreApp) -> None:
    core = rebuilt(core, policies=ASKING)
    c = await onboard_minor_learner(core)
    await c.say("/mentor apply")
    assert MENTOR_ADULTS_ONLY in c.text()
    # The service refuses too, whatever surface calls it (a Slack form, say).
    uid = await user_id(core, "kid")
    async with core.uow() as u:
        mp = await u.mentors.profile(uid)
        mp.headline, mp.bio = "Teen coder", "I have built three games in Python."
        decision = await u.mentors.submit(mp.user_id)
        assert not decision.ok and decision.message == MENTOR_ADULTS_ONLY
        assert mp.status == "draft"


async def test_an_under_18_is_refused_a_paid_booking_but_may_book_free(
    core: CoreApp, clock: ManualClock
) -> None:
    core = rebuilt(core, policies=ASKING)
    async with core.uow() as u:
        paid = await add_mentor(u.session, "Paras", u.now, price_mode="paid", price_minor=10000)
        free = await add_mentor(u.session, "Farah", u.now)
    c = await onboard_minor_learner(core)
    await c.say("python")
    await c.press("Beginner")
    await c.press("Skip")
    await c.press("English")
    await c.say("Pune")
    await c.press("Skip")
    assert "All set" in c.text()
    await c.send(ActionIn(Bk("book", paid).pack()))
    assert PAID_ADULTS_ONLY in c.text()
    await c.send(ActionIn(Bk("book", free).pack()))
    assert "How long a session" in c.text()
    # The booking service refuses a paid request too, not only the dialog.
    learner = await user_id(core, "kid")
    async with core.uow() as u:
        offer = await u.bookings.offering(paid)
        assert offer is not None
        with pytest.raises(BookingError, match="Paid sessions are for people 18 or older"):
            await u.bookings.request(learner, offer, clock.now() + timedelta(days=2), 10, "x")


async def test_someone_without_an_age_group_is_asked_at_a_paid_booking(core: CoreApp) -> None:
    """People who joined before age groups were asked: the question comes once, at their
    next paid booking, and an adult's booking goes on from there."""
    core = rebuilt(core, policies=ASKING)
    async with core.uow() as u:
        paid = await add_mentor(u.session, "Paras", u.now, price_mode="paid", price_minor=10000)
    old = ChatDriver(rebuilt(core, policies=NOT_ASKING), "old")
    await old.say("/start")
    await old.press("Learn")
    await old.say("Olga")
    assert "How old" not in old.text()  # asking was off when Olga joined
    await old.say("python")
    await old.press("Beginner")
    await old.press("Skip")
    await old.press("English")
    await old.say("Pune")
    await old.press("Skip")
    assert await band_of_id(core, "old") is None
    now = ChatDriver(core, "old")
    await now.send(ActionIn(Bk("book", paid).pack()))
    assert "Before a paid booking" in now.text() and "How old are you?" in now.text()
    await now.press("18 or older")
    assert "How long a session" in now.text()
    assert await band_of_id(core, "old") == "18plus"


async def band_of_id(core: CoreApp, name: str) -> str | None:
    uid = await user_id(core, name)
    async with core.uow() as u:
        return await u.trust.age_band(uid)


def test_asking_is_a_setting() -> None:
    from mentorbot.settings import Settings

    on = Settings(_env_file=None, ask_age_band=True, ask_photo=True)
    assert on.policies().ask_age_band and on.policies().ask_photo
    # The age question is asked by default; an operator may turn it off.
    assert Settings(_env_file=None).policies().ask_age_band
    assert not Settings(_env_file=None).policies().ask_photo
    assert not Settings(_env_file=None, ask_age_band=False).policies().ask_age_band


async def _old_learner(core: CoreApp, name: str) -> None:
    """Someone who joined while asking was off: no age group."""
    c = ChatDriver(rebuilt(core, policies=NOT_ASKING), name)
    await c.say("/start")
    await c.press("Learn")
    await c.say(name.capitalize())
    await c.say("python")
    await c.press("Beginner")
    await c.press("Skip")
    await c.press("English")
    await c.say("Pune")
    await c.press("Weekday evenings")
    assert "All set" in c.text()


async def test_the_mentor_application_asks_the_age_group_first(core: CoreApp) -> None:
    core = rebuilt(core, policies=ASKING)
    await _old_learner(core, "young")
    c = ChatDriver(core, "young")
    await c.say("/mentor apply")
    assert "How old are you?" in c.text()
    await c.press("13–17")
    assert MENTOR_ADULTS_ONLY in c.text()
    await c.say("/mentor apply")  # and again later: refused at once
    assert MENTOR_ADULTS_ONLY in c.text() and "How old" not in c.text()


async def test_an_adult_application_ends_with_the_optional_photo_step(core: CoreApp) -> None:
    core = rebuilt(core, policies=ASKING)
    await _old_learner(core, "grown")
    c = ChatDriver(core, "grown")
    await c.say("/mentor apply")
    await c.press("18 or older")
    assert "Which skills can you teach?" in c.text()
    await c.say("Python: advanced")
    await c.say("Grown · engineer who teaches")
    await c.say("I am Grown and I have been teaching this for years, happily.")
    await c.say("5")
    await c.say("100")
    await c.press("10, 20, 30")
    await c.press("Skip")  # extras
    assert "send a photo for your profile" in c.text()
    await c.send(photo(image_bytes("JPEG")))
    assert "Photo saved" in c.text()
    assert "Your mentor application is with the admins" in c.text()


async def test_a_mentor_who_says_they_are_under_18_is_taken_off(core: CoreApp) -> None:
    from sqlalchemy import select

    from core.db.schema import MentorProfile
    from core.dialogs.profile import Edit
    from core.services.trust import WITHDRAWN
    from tests.unit.dialog_helpers import apply_as_mentor
    from tests.unit.test_booking import _approve

    c = await apply_as_mentor(core, "meera")
    await _approve(core)
    await c.send(ActionIn(Edit("age").pack()))
    assert "How old are you?" in c.text()
    await c.press("13–17")
    assert WITHDRAWN in c.text()
    uid = await user_id(core, "meera")
    async with core.db.transaction() as s:
        status = await s.scalar(select(MentorProfile.status).where(MentorProfile.user_id == uid))
    assert status == "suspended"
    learner = ChatDriver(core, "asha")
    await learner.send(ActionIn(Bk("book", uid).pack()))
    assert "isn't taking bookings" in learner.text()


async def test_under_13_is_refused_politely_and_nothing_is_stored(core: CoreApp) -> None:
    c = ChatDriver(core, "tiny")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Tia")
    await c.press("Under 13")
    assert "MentorBot is for people 13 and older" in c.text()
    assert "no sessions or messages here" in c.text() and "Send /start" in c.text()
    assert await band_of_id(core, "tiny") is None
    uid = await user_id(core, "tiny")
    async with core.db.transaction() as s:
        user = await s.get(User, uid)
        assert user is not None and not user.onboarded
    # A typed age under 13 is read the same way.
    d = ChatDriver(core, "tiny2")
    await d.say("/start")
    await d.press("Learn")
    await d.say("Tom")
    await d.say("I'm 11")
    assert "MentorBot is for people 13 and older" in d.text()


async def test_typed_ages_are_understood_and_bad_answers_keep_the_question(
    core: CoreApp,
) -> None:
    c = ChatDriver(core, "typer")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Tanvi")
    for bad in ("blue", "100000", "between 10 and 30"):
        await c.say(bad)
        assert "Please choose your age group" in c.text() and "How old are you?" in c.text()
    await c.say("I'm 20")
    assert "Which skills do you want to learn?" in c.text()
    assert await band_of_id(core, "typer") == "18plus"
    k = ChatDriver(core, "seventeen")
    await onboard_learner(k, "Sia", age="17")
    assert await band_of_id(core, "seventeen") == "under18"


async def test_the_age_question_can_be_turned_off(core: CoreApp) -> None:
    c = ChatDriver(rebuilt(core, policies=NOT_ASKING), "quiet")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Quinn")
    assert "How old" not in c.text() and "Which skills do you want to learn?" in c.text()


def test_age_answers_are_read() -> None:
    from core.dialogs.fields import UNDER_13, parse_age_band
    from core.forms import Invalid

    cases = {
        "17": "under18",
        "13–17": "under18",
        "I'm 20": "18plus",
        "18+": "18plus",
        "25 or older": "18plus",
        "12": UNDER_13,
        "under 13": UNDER_13,
        "18-24": "18plus",
    }
    for text, band in cases.items():
        assert parse_age_band(text) == band, text
    for bad in ("", "blue", "1000", "6 months", "10 or 20"):
        assert isinstance(parse_age_band(bad), Invalid), bad


async def test_under_13_said_later_in_the_profile_changes_nothing_and_points_to_erasure(
    core: CoreApp,
) -> None:
    from core.dialogs.profile import Edit

    c = ChatDriver(core, "later")
    await onboard_learner(c, "Lata")
    await c.send(ActionIn(Edit("age").pack()))
    assert "How old are you?" in c.text()
    await c.say("12")
    assert "MentorBot is for people 13 and older" in c.text()
    assert "Your age group is unchanged" in c.text() and "/privacy delete" in c.text()
    assert await band_of_id(core, "later") == "18plus"
