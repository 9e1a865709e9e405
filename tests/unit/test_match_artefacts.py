"""A trained matching model as bytes and back (matching/artefacts.py, issue 21 part 7): what
one worker publishes, another loads, and the loaded model scores exactly as the fitted one;
bytes that are not such an archive (a pickle among them) are refused, never run."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from core.recommend import MatchQuery
from matching import artefacts
from matching.artefacts import TrainedModel
from matching.blend import Blend
from matching.cf import CFModel, Interaction
from matching.embed import HashingEmbedder
from matching.engine import MatchingEngine
from matching.features import MentorFeatures
from matching.query import understand
from matching.synthetic import NOW, build, make_engine

LEARNERS = range(5000, 5040)


def _interactions(mentor_ids: list[int]) -> list[Interaction]:
    rng = random.Random(3)
    out = []
    for learner in LEARNERS:
        for i, m in enumerate(rng.sample(mentor_ids, 4)):
            out.append(Interaction(learner, m, rng.choice([0.3, 1.0]), 1000.0 * learner + i))
    return out


async def _fitted() -> tuple[MatchingEngine, list[int], list[str]]:
    records, cases, skills, _q = build(80, seed=2)
    engine = await make_engine(records, skills, HashingEmbedder())
    idx = engine.index
    assert idx is not None
    feats = MentorFeatures.of(idx)
    # The chosen mentors: the first 50, so 30 are scored from content (the content map).
    chosen = [r.user_id for r in records[:50]]
    engine.cf = CFModel().fit(_interactions(chosen), features=lambda ids: feats.mentors(idx, ids))
    engine.cf_features = feats
    engine.learned = Blend().with_weights({"cf": 0.9, "skill": 0.2}, source="learned")
    engine.fitted = True
    return engine, [r.user_id for r in records], [c.text for c in cases[:12]]


def _query(engine: MatchingEngine, text: str) -> MatchQuery:
    return understand(text, engine.catalog.index, "Asia/Kolkata", NOW)


async def test_a_loaded_model_scores_exactly_as_the_one_that_was_fitted() -> None:
    fitted, _ids, texts = await _fitted()
    data = artefacts.dump(fitted.trained())
    model = artefacts.load(data)
    # A second worker: the same index (built from the same database), the loaded model.
    records, _cases, skills, _q = build(80, seed=2)
    loaded = await make_engine(records, skills, HashingEmbedder())
    loaded.cf, loaded.cf_features, loaded.learned = model.cf, model.features, model.learned
    assert model.cf.content is not None and model.features == fitted.cf_features
    assert model.learned == fitted.learned
    assert model.cf.history == fitted.cf.history
    assert model.cf.chosen_at == fitted.cf.chosen_at
    for learner in LEARNERS:
        a, b = fitted.cf.learner_scores(learner), loaded.cf.learner_scores(learner)
        np.testing.assert_array_equal(a.items, b.items)
        np.testing.assert_array_equal(a.scores, b.scores)
        np.testing.assert_array_equal(a.taste, b.taste)
    compared = with_cf = 0
    for learner in list(LEARNERS)[:10]:
        for text in texts:
            for engine_blend in (Blend(), fitted.learned):
                assert engine_blend is not None
                outs = []
                for engine in (fitted, loaded):
                    q, qvec, sem, _notes = engine.prepare(_query(engine, text))
                    outs.append(
                        engine.score(
                            q,
                            learner_id=learner,
                            learner_langs=(),
                            blend=engine_blend,
                            qvec=qvec,
                            semantic_text=sem,
                        )
                    )
                a_sc, b_sc = outs
                np.testing.assert_array_equal(a_sc.rows, b_sc.rows)
                np.testing.assert_array_equal(a_sc.score, b_sc.score)
                with_cf += int(bool((a_sc.signals["cf"] > 0).any()))
                compared += 1
    assert compared == 10 * len(texts) * 2
    assert with_cf > compared // 2  # the CF signal (and its content map) took part


def test_an_empty_model_round_trips() -> None:
    model = artefacts.load(artefacts.dump(TrainedModel(CFModel(), None, None)))
    assert not model.cf.fitted and model.features is None and model.learned is None
    assert model.cf.learner_scores(1).items.size == 0


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a zip at all",
        _npz(items=np.zeros(1, dtype=np.int64)),  # no meta
        _npz(meta=np.frombuffer(b'{"format": 99}', dtype=np.uint8)),
        # An object array is stored pickled: refused, never unpickled.
        _npz(meta=np.asarray([{"format": 1}], dtype=object)),
    ],
    ids=["empty", "garbage", "no meta", "other format", "pickled"],
)
def test_anything_else_is_refused_with_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        artefacts.load(data)


async def test_a_snapshot_is_not_changed_by_choices_folded_in_after_it() -> None:
    engine, ids, _texts = await _fitted()
    snap = artefacts.snapshot(engine.cf, engine.cf_features, engine.learned)
    before = {k: dict(v) for k, v in snap.cf.history.items()}
    engine.cf.add(LEARNERS[0], ids[-1], 1.0)  # a chat step logs a request meanwhile
    engine.cf.add(999_999, ids[0], 1.0)  # a learner the model has not seen
    assert snap.cf.history == before
    assert artefacts.load(artefacts.dump(snap)).cf.history == before
    assert snap.cf.parts is engine.cf.parts  # the fitted matrices are shared, not copied
