"""Direct messages and under-18s (issue 18): an adult can't open a thread or send an intro
to someone under 18 without a session booked together; an under-18 may message a mentor
they booked. Through the chat dialogs and the service, whatever surface calls it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.dms import DmRequest, DmThread
from core.db.engine import Database
from core.db.relay import RelayMessage
from core.db.schema import User
from core.db.trust import UserTrust
from core.messaging import ActionIn, Actor, TextIn
from core.services.dm_age import FROM_MINOR, TO_MINOR
from core.services.dms import DmError
from tests.dm_support import booked, person
from tests.support import find_button, make_core

KIRAN = Actor("telegram", "telegram", "222", "Kiran")  # 16, a learner
MEERA = Actor("slack", "T1", "UMEERA", "Meera")  # an adult mentor
ASHA = Actor("telegram", "telegram", "111", "Asha")  # an adult learner


async def setup(db: Database, clock: ManualClock) -> tuple[CoreApp, int, int]:
    core = await make_core(db, clock)
    kid = await person(core, KIRAN)
    mentor = await person(core, MEERA, mentor=True)
    async with core.uow() as u:
        await u.trust.set_age_band(kid, "under18")
        await u.trust.set_age_band(mentor, "18plus")
    return core, kid, mentor


async def user(core: CoreApp, uid: int) -> User:
    async with core.uow() as u:
        found = await u.session.get(User, uid)
        assert found is not None
        return found


async def test_an_under_18_cannot_send_an_intro_to_a_mentor_they_have_not_booked(
    db: Database, clock: ManualClock
) -> None:
    core, kid, mentor = await setup(db, clock)
    card = await core.handle(KIRAN, ActionIn(f"pv:{mentor}"))
    said = await core.handle(KIRAN, ActionIn(find_button(card, "Send an intro")))
    assert said[0].text == FROM_MINOR  # told before writing anything
    # The service refuses as well (a web page or another dialog calling it).
    async with core.uow() as u:
        me = await u.session.get(User, kid)
        assert me is not None
        with pytest.raises(DmError, match="under 18 can message a mentor once they've booked"):
            await u.dms.request_intro(me, mentor, "Hi, I'm learning Python", 3)
        assert await u.session.scalar(select(func.count()).select_from(DmRequest)) == 0


async def test_an_adult_cannot_open_a_thread_to_an_under_18_without_a_booking(
    db: Database, clock: ManualClock
) -> None:
    core, kid, mentor = await setup(db, clock)
    said = await core.handle(MEERA, ActionIn(f"dm:open:{kid}"))
    assert said[0].text == TO_MINOR
    assert "under 18" not in said[0].text  # an adult isn't told the other's age
    # A declined request never was a session: still closed.
    await booked(core, kid, mentor, status="declined")
    assert (await core.handle(MEERA, ActionIn(f"dm:open:{kid}")))[0].text == TO_MINOR
    async with core.uow() as u:
        assert await u.session.scalar(select(func.count()).select_from(DmThread)) == 0


async def test_a_thread_from_before_the_age_was_given_closes_for_both_sides(
    db: Database, clock: ManualClock
) -> None:
    """An intro accepted while Kiran had no age group opened a thread without a booking;
    once Kiran says 13–17, neither side can write in it until they book."""
    core, kid, mentor = await setup(db, clock)
    async with core.uow() as u:
        await u.session.execute(delete(UserTrust).where(UserTrust.user_id == kid))
        me = await u.session.get(User, kid)
        assert me is not None
        r = await u.dms.request_intro(me, mentor, "Hi, I'm learning Python", 3)
        rid = r.id
    await core.handle(MEERA, ActionIn(f"dm:acc:{rid}"))
    async with core.uow() as u:
        await u.trust.set_age_band(kid, "under18")
        t = await u.session.scalar(select(DmThread))
        assert t is not None
        thread_id = t.id
    for sender, words in ((mentor, TO_MINOR), (kid, FROM_MINOR)):
        who = await user(core, sender)
        async with core.uow() as u:
            t = await u.dms.get(who, thread_id)
            with pytest.raises(DmError) as refused:
                await u.dms.send(who, t, "hello?", platform="web")
            assert str(refused.value) == words
    async with core.uow() as u:
        # Only the intro itself is in the thread.
        assert await u.session.scalar(select(func.count()).select_from(RelayMessage)) == 1


async def test_an_under_18_and_the_mentor_they_booked_write_to_each_other(
    db: Database, clock: ManualClock
) -> None:
    core, kid, mentor = await setup(db, clock)
    await booked(core, kid, mentor, status="confirmed")
    opened = await core.handle(KIRAN, ActionIn(f"dm:open:{mentor}"))
    assert "✉️ to *Meera*" in opened[0].text
    await core.handle(KIRAN, TextIn("See you at 5!"))
    back = await core.handle(MEERA, ActionIn(f"dm:open:{kid}"))
    assert "✉️ to *Kiran*" in back[0].text
    await core.handle(MEERA, TextIn("See you!"))
    async with core.uow() as u:
        texts = sorted((await u.session.scalars(select(RelayMessage.text))).all())
        assert texts == ["See you at 5!", "See you!"]


async def test_adults_are_not_affected(db: Database, clock: ManualClock) -> None:
    core, _kid, mentor = await setup(db, clock)
    await person(core, ASHA)  # no age group given: counts as an adult here
    card = await core.handle(ASHA, ActionIn(f"pv:{mentor}"))
    await core.handle(ASHA, ActionIn(find_button(card, "Send an intro")))
    assert "Sent" in (await core.handle(ASHA, TextIn("Hi! I'm learning Python.")))[0].text
