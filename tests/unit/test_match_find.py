"""The recommender inside the app: incremental indexing, reasons and "why this mentor?" in the
find dialog, click logging, the lexical fallback, admin weights."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.db.matching import MatchEvent, MentorEmbedding
from core.db.schema import Account, MentorProfile
from core.messaging import Button, cards_of, fit_label
from matching.embed import HashingEmbedder, Matrix
from matching.engine import MatchConfig, MatchingEngine
from matching.experiments import Experiment
from matching.index import load_records
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor


class BrokenEmbedder:
    """An embedder whose model files are missing: load() fails like a real one would."""

    name = "broken"
    dim = 8

    def load(self) -> None:
        raise RuntimeError("model files not found")

    def encode(self, texts: list[str]) -> Matrix:
        raise RuntimeError("not loaded")


async def _engine(core: CoreApp, embedder: object | None = None) -> tuple[CoreApp, MatchingEngine]:
    """A started engine and the core that uses it (a core's dependencies are fixed when it is
    built, so matching on means a core built with the engine, as a restart would)."""
    eng = MatchingEngine(
        core.db,
        core.catalog,
        embedder if embedder is not None else HashingEmbedder(),  # type: ignore[arg-type]
        MatchConfig(experiment=Experiment("t", ("hybrid", "content"), treatment_share=0.0)),
    )
    await eng.start(core.clock.now(), load_model_in_background=False)
    return rebuilt(core, recommender=eng), eng


async def _uid(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


async def _approve(core: CoreApp, inbox: RecordingChannel, name: str) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin approve {await _uid(core, name)}")
    assert f"Approved {name.capitalize()}" in admin.text(), admin.text()


async def test_a_newly_approved_mentor_is_found_by_the_recommender(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    core, eng = await _engine(core)
    await apply_as_mentor(core, "anu", skills="Kubernetes: advanced, Docker", price="100")
    c = ChatDriver(core, "learner")
    await c.say("/find kubernetes")
    assert "Anu" not in c.text()  # pending mentors are not shown
    await _approve(core, inbox, "anu")
    await eng.flush()  # the re-index the approval started in the background
    uid = await _uid(core, "anu")
    assert uid in eng.index.pos if eng.index else False
    async with core.db.transaction() as s:
        stored = await s.get(MentorEmbedding, (uid, eng.embedder.name if eng.embedder else ""))
        assert stored is not None and stored.dim == 256
    await c.say("/find kubernets this weekend")
    text = c.text()
    assert "I understood: *Kubernetes*" in text
    assert "1. *Anu*" in text
    assert "Kubernetes expert · new mentor" in text and "₹100" in text


async def test_an_edited_profile_is_reindexed(core: CoreApp, inbox: RecordingChannel) -> None:
    core, eng = await _engine(core)
    await apply_as_mentor(core, "anu", skills="Python: advanced", price="100")
    await _approve(core, inbox, "anu")
    await eng.flush()
    uid = await _uid(core, "anu")
    async with core.db.transaction() as s:
        mp = await s.get(MentorProfile, uid)
        assert mp is not None
        mp.headline = "Rust systems programmer"
    eng.profiles_written([uid])
    await eng.flush()
    assert eng.index is not None
    async with core.db.transaction() as s:
        (rec,) = await load_records(s, [uid])
    assert rec.headline == "Rust systems programmer"
    assert int(eng.index.digest[eng.index.pos[uid]]) == rec.text_digest()
    # The stored embedding follows the new text.
    async with core.db.transaction() as s:
        stored = await s.get(MentorEmbedding, (uid, "hash-256"))
        assert stored is not None and stored.text_hash == rec.text_hash()
    # Suspension takes a mentor out of the index.
    async with core.db.transaction() as s:
        mp = await s.get(MentorProfile, uid)
        assert mp is not None
        mp.status = "suspended"
    eng.profiles_written([uid])
    await eng.flush()
    assert not eng.index.alive[eng.index.pos[uid]]


async def test_find_shows_reasons_why_and_logs_impressions_and_clicks(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await apply_as_mentor(core, "anu", skills="Python: advanced", price="300", years="8")
    await apply_as_mentor(core, "bob", skills="Python: beginner", price="free", language="Hindi")
    await apply_as_mentor(core, "dia", skills="React: advanced", price="100")
    for n in ("anu", "bob", "dia"):
        await _approve(core, inbox, n)
    core, _eng = await _engine(core)
    c = ChatDriver(core, "learner")
    await c.say("/find python in hindi under 200 rupees")
    text = c.text()
    assert "I understood: *Python* · *≤ ₹200* · *Hindi*" in text
    # The same results as cards for surfaces that show them (issue #22 item 13).
    hint = cards_of(c.last[-1])
    assert hint is not None
    compact, cards = hint
    assert "Best matches" in compact and "Page 1 of 1." in compact and "*Bob*" not in compact
    assert [(k.title, k.price, k.rating) for k in cards] == [("Bob", "Free", "new mentor")]
    assert "speaks Hindi" in cards[0].line
    on_card = {a.payload for a in cards[0].actions}
    in_rows = {b.label: b.payload for b in c.last[-1].all_buttons() if isinstance(b, Button)}
    assert on_card == {in_rows["👤 Bob"], in_rows["❓ Why this mentor?"]}
    assert "1. *Bob*" in text and "Anu" not in text and "Dia" not in text
    assert "Python beginner · new mentor · speaks Hindi · free session" in text
    await c.press("Why this mentor")
    why = c.text()
    # In words first (issue #22 item 12), the strongest reasons; the numbers one tap away.
    assert "*Why Bob?*" in why and "Teaches the skill you asked for" in why
    assert "×" not in why
    await c.press("Details")
    numbers = c.text()
    await c.press("Back to results")
    assert "1. *Bob*" in c.text()
    assert "*Why Bob?*" in numbers
    assert "Skill match: 1.00 × 0.30 = +0.300" in numbers
    assert "New-mentor boost" in numbers
    # Tap ✖ on the price and the language: everyone teaching Python comes back.
    await c.press("✖ ≤ ₹200")
    await c.press("✖ Hindi")
    assert "*Anu*" in c.text() and "*Bob*" in c.text()
    await c.press("👤 Anu")
    assert "Reviews" in c.text()
    uid = await _uid(core, "learner")
    async with core.db.transaction() as s:
        kinds = [
            (e.kind, e.variant)
            for e in await s.scalars(select(MatchEvent).where(MatchEvent.learner_id == uid))
        ]
    assert ("click", "hybrid") in kinds
    assert kinds.count(("impression", "hybrid")) >= 3


async def test_chips_for_understood_parts_are_cut_at_a_word(core: CoreApp) -> None:
    """ "✖ today evening (Mon 17:00–Mon" was cut mid-word (issue #22 item 13)."""
    core, _eng = await _engine(core)
    c = ChatDriver(core, "learner")
    await c.say("/find python today evening")
    labels = [b.label for b in c.last[-1].all_buttons() if b.label.startswith("✖")]
    time_chip = [label for label in labels if "evening" in label]
    assert time_chip, labels
    for label in labels:
        assert len(label) <= 28
        assert label == fit_label(label, 28)
    assert time_chip[0].endswith(("evening", "evening…")), time_chip
    assert "(" not in time_chip[0]


async def test_without_the_model_matching_falls_back_to_lexical_signals(
    core: CoreApp, inbox: RecordingChannel, caplog: pytest.LogCaptureFixture
) -> None:
    await apply_as_mentor(core, "anu", skills="Kubernetes: advanced")
    await _approve(core, inbox, "anu")
    with caplog.at_level(logging.WARNING):
        core, eng = await _engine(core, BrokenEmbedder())
    assert not eng.semantic_ok
    assert "lexical signals only" in caplog.text
    c = ChatDriver(core, "learner")
    await c.say("/find kubernetes")
    assert "1. *Anu*" in c.text()
    assert "Sorry" not in c.text()


async def test_admin_weights_are_stored_and_used(core: CoreApp) -> None:
    core, eng = await _engine(core)
    now: datetime = core.clock.now()
    await eng.set_weights({"reputation": 0.5, "cf": 0.0}, now)
    _core, fresh = await _engine(core)
    assert fresh.blend.weights["reputation"] == 0.5
    assert fresh.blend.weights["cf"] == 0.0
    assert fresh.blend.source == "admin"
    with pytest.raises(ValueError, match="unknown signal"):
        await eng.set_weights({"charisma": 1.0}, now)
    await eng.reset_weights(now)
    assert (await _engine(core))[1].blend.source == "default"


async def test_a_request_naming_no_skill_maps_to_the_nearest_one() -> None:
    from matching.embed import HashingEmbedder as Hashing
    from matching.query import understand
    from matching.synthetic import NOW, build, make_engine

    records, _cases, index, _q = build(200, seed=0)
    eng = await make_engine(records, index, Hashing())
    q = understand("lessons from a guitarist", index, "Asia/Kolkata", NOW)
    assert q.skill_ids == ()
    q2, qvec, _text, notes = eng.prepare(q)
    assert qvec is not None
    assert q2.skill_names == ("Guitar",)
    assert notes == ["Closest skills: Guitar"]
    ranked = eng.rank_offline(q, k=5)
    assert all(index.exact("Guitar").id in r.skills for r in records if r.user_id in ranked)  # type: ignore[union-attr]
    await eng.db.dispose()


async def test_admins_change_weights_from_the_chat(core: CoreApp, inbox: RecordingChannel) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/admin weights")
    assert "Matching is off here" in admin.text()
    core, eng = await _engine(core)
    admin.core = core
    await admin.say("/admin weights")
    assert "*Matching weights*" in admin.text() and "- skill: 0.30" in admin.text()
    await admin.say("/admin weights reputation=0.25 cf=0")
    assert "- reputation: 0.25" in admin.text() and "- cf: 0.00" in admin.text()
    assert eng.blend.weights["reputation"] == 0.25 and eng.blend.source == "admin"
    await admin.say("/admin weights charisma=1")
    assert "Not changed: unknown signal(s): charisma" in admin.text()
    core, eng = await _engine(core)  # a restart reads them back
    admin.core = core
    assert eng.blend.weights["reputation"] == 0.25
    await admin.say("/admin weights reset")
    assert "- reputation: 0.12" in admin.text()
    learner = ChatDriver(core, "learner")
    await learner.say("/admin weights cf=5")
    assert eng.blend.weights["cf"] == 0.14
