"""Hypothesis over every dialog, through CoreApp.handle on a real SQLite file.

A newcomer, a learner with credits, an approved mentor and an admin each take runs of steps:
commands with any argument, real buttons from the last answer, those buttons with a field
swapped for junk, made-up payloads of every registered prefix, and any text. Properties:
no exception escapes (no SORRY, no ERROR record), every input gets an answer, the ledger
balances, nobody holds two overlapping bookings, and a fresh user can still /start.
Also every `core.payloads` class over arbitrary strings (tests/unit/test_payloads.py has
the hand-written cases; tests/unit/test_boundaries.py the fixed prefix list from a newcomer).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from core.app import CoreApp
from core.booking.tables import ACTIVE, Booking
from core.clock import ManualClock
from core.commands import COMMANDS
from core.db.schema import Account
from core.dialogs import build_registry
from core.ledger import Ledger
from core.messaging import ActionIn, Button, Reply, TextIn, parse_text
from core.numbers import MAX_DB_INT
from core.payloads import SEP, Payload, PayloadError
from core.runner import SORRY
from matching.embed import HashingEmbedder
from matching.engine import MatchConfig, MatchingEngine
from matching.experiments import Experiment
from tests.booking_support import add_mentor, add_user
from tests.fuzz_support import NASTY, fuzz, problems
from tests.support import ChatDriver, RecordingChannel, answer_age, make_core, rebuilt, sqlite_copy

REGISTRY = build_registry()
PREFIXES = sorted(
    set(REGISTRY.actions) | {p for d in REGISTRY.dialogs.values() for p in d.prefixes}
)


def payload_classes() -> list[type[Payload]]:
    found: list[type[Payload]] = []
    todo = list(Payload.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.prefix)


CLASSES = payload_classes()


def test_every_registered_prefix_has_a_payload_class() -> None:
    assert {c.prefix for c in CLASSES} >= set(PREFIXES)


RAW = st.one_of(
    NASTY,
    st.builds(
        lambda c, parts: SEP.join([c.prefix, *parts]),
        st.sampled_from(CLASSES),
        st.lists(NASTY, max_size=5),
    ),
)


@fuzz(500)
@given(cls=st.sampled_from(CLASSES), raw=RAW)
def test_parse_reads_any_string_into_a_bounded_payload_or_none(
    cls: type[Payload], raw: str
) -> None:
    got = cls.parse(raw)
    if got is None:
        return
    assert isinstance(got, cls)
    for value in vars(got).values():
        if isinstance(value, int) and not isinstance(value, bool):
            assert -MAX_DB_INT - 1 <= value <= MAX_DB_INT
        if isinstance(value, str):
            assert SEP not in value
    try:
        again = got.pack()
    except PayloadError:
        return  # over Telegram's 64 bytes: parse is lenient, pack is strict
    assert cls.parse(again) == got


# ---- the dialogs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str  # cmd | press | mutate | payload | text
    a: Any = None
    b: Any = None


# What people answer the dialogs' questions with, so runs get deep into them.
WORDS = st.sampled_from(
    ["Ravi", "python", "react: advanced, docker", "English", "India", "skip", "yes", "1", "10"]
)
STEPS = st.one_of(
    st.builds(Step, st.just("cmd"), st.sampled_from(COMMANDS).map(lambda c: c.name), NASTY),
    st.builds(Step, st.just("press"), st.integers(0, 12)),
    st.builds(Step, st.just("press"), st.integers(0, 12)),
    st.builds(Step, st.just("mutate"), st.integers(0, 12), NASTY),
    st.builds(Step, st.just("payload"), st.sampled_from(PREFIXES), st.lists(NASTY, max_size=4)),
    st.builds(Step, st.just("text"), NASTY),
    st.builds(Step, st.just("text"), WORDS),
    st.builds(Step, st.just("text"), WORDS),
)
WHO = ("newcomer", "learner", "mentor", "admin")
# Each person first walks part of the way through a dialog (onboarding as a learner or a
# mentor, a search), so the random steps land on the later questions too.
SCRIPTS = {
    "learn": ("/start", "Learn", "Ravi", "python", "Beginner", "English"),
    "mentor": ("/start", "Mentor", "Anita", "Kubernetes: advanced, Docker", "Advanced", "English"),
    "find": ("/find python", "Meera", "Book", "10", "1"),
}
FRESH = itertools.count()


def payloads(replies: list[Reply]) -> list[str]:
    out = [b.payload for r in replies for b in r.all_buttons() if isinstance(b, Button)]
    out += [c.payload for r in replies if r.choices is not None for c in r.choices.options]
    return out


def inbound_for(step: Step, last: list[Reply]) -> Any:
    shown = payloads(last)
    if step.kind == "cmd":
        return parse_text(f"/{step.a} {step.b}")
    if step.kind == "press" and shown:
        return ActionIn(shown[step.a % len(shown)])
    if step.kind == "mutate" and shown:
        head, _, _tail = shown[step.a % len(shown)].rpartition(SEP)
        return ActionIn(f"{head}{SEP}{step.b}"[:100] if head else str(step.b)[:100])
    if step.kind == "payload":
        return ActionIn(SEP.join([step.a, *step.b])[:100])
    return TextIn(str(step.b if step.kind in ("text", "mutate") else "menu"))


async def add_account(core: CoreApp, user_id: int, name: str) -> None:
    async with core.uow() as u:
        u.session.add(
            Account(
                user_id=user_id,
                platform="console",
                workspace="console",
                external_id=name,
                display_name=name,
                created_at=u.now,
            )
        )
        await u.session.flush()
        await u.money.grant_starter_credits(user_id)


async def people(core: CoreApp) -> dict[str, str]:
    """Names of the console accounts per role (`admin` is an admin: see fresh_core)."""
    async with core.uow() as u:
        mentor = await add_mentor(u.session, "Meera", u.now, price_mode="credits")
        paid = await add_mentor(u.session, "Paras", u.now, price_mode="paid", price_minor=10000)
        learner = await add_user(u.session, "Lena", u.now)
    await add_account(core, mentor, "meera")
    await add_account(core, paid, "paras")
    await add_account(core, learner, "lena")
    return {"learner": "lena", "mentor": "meera", "admin": "admin"}


@asynccontextmanager
async def fresh_core(template: Path, tmp: Path, matching: bool) -> AsyncIterator[CoreApp]:
    """Each example on its own copy of the migrated database, so a failure replays exactly;
    with `matching`, search goes through the recommender (its click log included)."""
    folder = tmp / f"ex{next(FRESH)}"
    folder.mkdir()
    db = sqlite_copy(template, folder)
    engine = None
    try:
        core = await make_core(db, ManualClock(), admins=["console:admin"])
        if matching:
            engine = MatchingEngine(
                core.db,
                core.catalog,
                HashingEmbedder(),
                MatchConfig(experiment=Experiment("f", ("hybrid", "content"), treatment_share=0)),
            )
            await engine.start(core.clock.now(), load_model_in_background=False)
            core = rebuilt(core, recommender=engine)
        core.delivery.register(RecordingChannel("console"))
        yield core
    finally:
        if engine is not None:
            await engine.close()
        await db.dispose()


async def overlapping(core: CoreApp) -> list[tuple[int, int]]:
    async with core.db.transaction() as s:
        active = list(await s.scalars(select(Booking).where(Booking.status.in_(ACTIVE))))
    bad = []
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            shared = {a.mentor_id, a.learner_id} & {b.mentor_id, b.learner_id}
            if shared and a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                bad.append((a.id, b.id))
    return bad


@fuzz(50)
@given(
    who=st.sampled_from(WHO),
    path=st.sampled_from(sorted(SCRIPTS)),
    walk=st.integers(0, 6),
    matching=st.booleans(),
    steps=st.lists(STEPS, min_size=1, max_size=6),
)
async def test_any_steps_in_any_dialog_are_answered_and_keep_the_invariants(
    template_db: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    who: str,
    path: str,
    walk: int,
    matching: bool,
    steps: list[Step],
) -> None:
    caplog.clear()
    async with fresh_core(template_db, tmp_path, matching) as core:
        name = (await people(core)).get(who, "newcomer")
        c = ChatDriver(core, name)
        for said in SCRIPTS[path][:walk]:
            shown = [b.label for r in c.last for b in r.all_buttons() if isinstance(b, Button)]
            await (c.press(said) if any(said in label for label in shown) else c.say(said))
        for step in steps:
            inbound = inbound_for(step, c.last)
            await c.send(inbound)
            assert c.last, f"no answer to {inbound!r}"
            assert SORRY not in c.text(), (inbound, c.text())
        assert problems(caplog) == []
        async with core.db.transaction() as s:
            assert await Ledger(s, core.clock.now()).check_invariants() == []
        assert await overlapping(core) == []
        fresh = ChatDriver(core, "fresh")
        await fresh.say("/start")
        assert "What would you like to do?" in fresh.text()


async def test_a_made_up_skill_level_is_asked_again_not_stored(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    """Found by the fuzz above: `sk:lvl:<anything>` reached the user_skills CHECK constraint
    (three retries, then "sorry")."""
    c = ChatDriver(core, "ravi")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Ravi")
    await answer_age(c)
    await c.say("python")
    assert "level" in c.text()
    await c.send(ActionIn("sk:lvl:95"))
    assert "Please choose Beginner, Intermediate or Advanced." in c.text()
    await c.press("Beginner")
    assert SORRY not in c.text()
