"""Find a mentor: misspelt skills, filters, sorting, pages, profiles with reviews."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account, MentorProfile, Review, User
from matching.embed import HashingEmbedder
from matching.engine import MatchConfig, MatchingEngine
from matching.experiments import Experiment
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor


async def _matching(core: CoreApp) -> tuple[CoreApp, MatchingEngine]:
    """The core with the hybrid recommender on (the default mode)."""
    eng = MatchingEngine(
        core.db,
        core.catalog,
        HashingEmbedder(),
        MatchConfig(experiment=Experiment("t", ("hybrid", "content"), treatment_share=0.0)),
    )
    await eng.start(core.clock.now(), load_model_in_background=False)
    return rebuilt(core, recommender=eng), eng


async def _approve_all(core: CoreApp) -> None:
    async with core.db.transaction() as s:
        for mp in await s.scalars(select(MentorProfile).where(MentorProfile.status == "pending")):
            mp.status = "approved"


async def _uid(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


async def _rate(core: CoreApp, mentor: str, stars: list[int], clock_now: object) -> None:
    mid = await _uid(core, mentor)
    async with core.db.transaction() as s:
        author = User(display_name="Reviewer", created_at=core.clock.now())
        s.add(author)
        await s.flush()
        mp = await s.get(MentorProfile, mid)
        assert mp is not None
        for n in stars:
            s.add(
                Review(
                    mentor_id=mid,
                    author_id=author.id,
                    stars=n,
                    text=f"{n} stars",
                    created_at=core.clock.now(),
                )
            )
            mp.rating_sum += n
            mp.rating_count += 1


async def _mentors(core: CoreApp) -> None:
    await apply_as_mentor(core, "anu", skills="Python: advanced, Django", price="300", years="8")
    await apply_as_mentor(
        core,
        "bob",
        skills="Python: intermediate",
        price="free",
        language="English, Hindi",
        years="1",
    )
    await apply_as_mentor(
        core, "cai", skills="Python: advanced", price="150", language="Hindi", years="5"
    )
    await apply_as_mentor(core, "dia", skills="React: advanced", price="100", years="2")
    await _approve_all(core)
    await _rate(core, "anu", [5, 5, 4], None)
    await _rate(core, "cai", [5, 5, 5, 5], None)
    await _rate(core, "bob", [3], None)


def _order(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        if line[:1].isdigit() and ". *" in line:
            names.append(line.split("*")[1])
    return names


async def test_misspelt_skill_finds_and_sorts_by_rating(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _mentors(core)
    c = ChatDriver(core, "learner")
    await c.say("/find pyhton")
    assert "Searching for *Python* (you typed “pyhton”)" in c.text()
    assert "*Python* mentors · 3 found · sorted by rating" in c.text()
    assert _order(c.text()) == ["Cai", "Anu", "Bob"]
    assert "5.0★ (4 reviews)" in c.text()


async def test_sort_by_price_and_experience(core: CoreApp, inbox: RecordingChannel) -> None:
    await _mentors(core)
    c = ChatDriver(core, "learner")
    await c.say("/find python")
    await c.press("Sort: price")
    assert _order(c.text()) == ["Bob", "Cai", "Anu"]
    await c.press("Sort: experience")
    assert _order(c.text()) == ["Anu", "Cai", "Bob"]


async def test_language_and_price_filters(core: CoreApp, inbox: RecordingChannel) -> None:
    await _mentors(core)
    c = ChatDriver(core, "learner")
    await c.say("/find python")
    await c.press("Language")
    await c.press("Hindi")
    assert _order(c.text()) == ["Cai", "Bob"]
    await c.press("Max price")
    await c.say("lots")
    assert "whole number of rupees" in c.text()
    await c.say("100")
    assert _order(c.text()) == ["Bob"]
    assert "up to ₹100" in c.text()
    await c.press("Max price")
    await c.press("Free only")
    assert _order(c.text()) == ["Bob"]
    await c.say("Tamil")
    assert "No approved mentors match" in c.text()
    await c.press("Any language")
    assert _order(c.text()) == ["Bob"]


async def test_pending_and_suspended_mentors_are_hidden(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await apply_as_mentor(core, "pat", skills="Go: advanced")
    c = ChatDriver(core, "learner")
    await c.say("/find golang")
    assert "0 found" in c.text()


async def test_pages_and_profile_with_reviews(core: CoreApp, inbox: RecordingChannel) -> None:
    for i in range(7):
        await apply_as_mentor(core, f"m{i}", skills="SQL: advanced", price=str(100 + i))
    await _approve_all(core)
    await _rate(core, "m3", [4, 2], None)
    c = ChatDriver(core, "learner")
    await c.say("/find sql")
    await c.press("Sort: price")
    assert "7 found" in c.text() and "Page 1 of 2" in c.text()
    assert len(_order(c.text())) == 5
    await c.press("Next")
    assert "Page 2 of 2" in c.text() and _order(c.text()) == ["M5", "M6"]
    await c.press("Previous")
    await c.press("M3")
    assert "*Reviews*" in c.text() and "★★★★☆ 4 stars" in c.text() and "★★☆☆☆ 2 stars" in c.text()
    # Viewing a profile keeps the search: back to the same page, and Next still works.
    await c.press("Back to results")
    assert "Page 1 of 2" in c.text()
    await c.press("Next")
    assert "Page 2 of 2" in c.text()


async def test_vague_or_unknown_skill(core: CoreApp, inbox: RecordingChannel) -> None:
    c = ChatDriver(core, "learner")
    await c.say("/find")
    assert "Which skill" in c.text()
    await c.say("qwertyuiop")
    assert "I don't know a skill called “qwertyuiop”" in c.text()
    await c.say("find me a mentor for machine learning")
    assert "*Machine Learning* mentors" in c.text()


async def test_onboarded_user_free_text_searches(core: CoreApp, inbox: RecordingChannel) -> None:
    await _mentors(core)
    from tests.unit.test_onboarding import onboard_learner

    c = await onboard_learner(core, "asha")
    await c.say("react")
    assert "*React* mentors · 1 found" in c.text()


async def _completed(core: CoreApp, counts: dict[str, int]) -> None:
    """Sessions each mentor has completed (the counter a completed session raises)."""
    for name, n in counts.items():
        mid = await _uid(core, name)
        async with core.db.transaction() as s:
            mp = await s.get(MentorProfile, mid)
            assert mp is not None
            mp.sessions_completed = n


async def test_sort_by_popularity_is_sessions_completed(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _mentors(core)
    await _completed(core, {"bob": 7, "anu": 3})
    c = ChatDriver(core, "learner")
    await c.say("/find python")
    await c.press("Sort: popularity")
    assert "sorted by popularity" in c.text()
    assert _order(c.text()) == ["Bob", "Anu", "Cai"]
    assert "7 sessions done" in c.text() and "0 sessions done" in c.text()


async def test_every_sort_works_with_matching_on(core: CoreApp, inbox: RecordingChannel) -> None:
    await _mentors(core)
    await _completed(core, {"bob": 7, "anu": 3})
    smart, _engine = await _matching(core)
    c = ChatDriver(smart, "learner")
    await c.say("/find python")
    assert "*Best matches*" in c.text()
    await c.press("Sort: rating")
    assert "*Sorted by rating* · 3 found" in c.text()
    assert _order(c.text()) == ["Cai", "Anu", "Bob"]  # Dia teaches React, not Python
    await c.press("Sort: price")
    assert _order(c.text()) == ["Bob", "Cai", "Anu"]
    await c.press("Sort: experience")
    assert _order(c.text()) == ["Anu", "Cai", "Bob"]
    await c.press("Sort: popularity")
    assert _order(c.text()) == ["Bob", "Anu", "Cai"]
    await c.press("Language")
    await c.press("Hindi")
    assert _order(c.text()) == ["Bob", "Cai"]  # the filter holds in the chosen order
    await c.press("Sort: best match")
    assert "*Best matches*" in c.text()
