"""Mentors without history scored on the CF scale from their content (matching/coldstart.py):
the ridge map, the blend weight, the live ranker's CF signal for a new mentor, the simulated
week's exposure and `mentorbot eval offline --cold-share`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from matching.cf import CFModel, Interaction
from matching.coldstart import ContentMap, history_weight, on_cf_scale
from matching.evaluate import Item, Rating, write_items, write_ratings
from mentorbot.cli import main

GROUPS = 3  # taste groups; mentor m belongs to group m % GROUPS
WARM = 30  # mentors 0..29 have history
NEW = (30, 31, 32)  # new mentors, one per group


def _features(ids: np.ndarray) -> np.ndarray:
    """Content: the group one-hot, plus a little noise so no two mentors are identical."""
    rng = np.random.default_rng(7)
    F = np.zeros((ids.size, GROUPS), dtype=np.float32)
    F[np.arange(ids.size), ids % GROUPS] = 1.0
    return F + 0.05 * rng.random(F.shape, dtype=np.float32)


def _interactions(seed: int = 1) -> list[Interaction]:
    """60 learners, each choosing 5 mentors of their own group (and one at random)."""
    rng = random.Random(seed)
    out = []
    for u in range(60):
        group = u % GROUPS
        own = [m for m in range(WARM) if m % GROUPS == group]
        picks = [*rng.sample(own, 5), rng.randrange(WARM)]
        out += [Interaction(1000 + u, m, 1.0, float(u * 1000 + i)) for i, m in enumerate(picks)]
    return out


def test_a_new_mentor_with_matching_content_ranks_high_among_all_mentors() -> None:
    model = CFModel().fit(_interactions(), features=_features)
    assert model.content is not None and model.content.dim == GROUPS
    new_ids = np.asarray(NEW, dtype=np.int64)
    ranks = []
    for u in range(60):
        ls = model.learner_scores(1000 + u)
        assert ls.taste is not None
        new_scores = ls.predict(_features(new_ids))
        mine = NEW[u % GROUPS]
        # The new mentor of the learner's own group beats the other new mentors...
        assert int(new_ids[int(np.argmax(new_scores))]) == mine
        # ...and, ranked with every mentor with history the learner has not chosen, sits far
        # above the middle a random order would give it on average.
        chosen = set(model.history[1000 + u])
        others = [
            s for m, s in zip(ls.items.tolist(), ls.scores.tolist(), strict=True) if m not in chosen
        ]
        mine_score = float(new_scores[NEW.index(mine)])
        ranks.append(sum(1 for s in others if s > mine_score) / (len(others) + 1))
    assert float(np.mean(ranks)) < 0.25, ranks  # random order: 0.5
    # Without the content map a new mentor has no CF score at all.
    plain = CFModel().fit(_interactions())
    assert plain.learner_scores(1000).predict(_features(new_ids)).max() == 0.0


def test_the_blend_weight_moves_with_history() -> None:
    w = history_weight([0, 1, 2, 5, 50])
    assert w[0] == 0.0 and all(np.diff(w) > 0) and w[-1] > 0.95
    # A model's items: their own score counts n / (n + k) by how many learners chose them.
    model = CFModel().fit(_interactions(), features=_features)
    assert model.content is not None
    counts: dict[int, set[int]] = {}
    for it in _interactions():
        counts.setdefault(it.mentor, set()).add(it.learner)
    expected = history_weight([len(counts[int(m)]) for m in model.items])
    assert np.allclose(model.content.alpha, expected)
    # One item with one choice and one with many: the fewer choices, the nearer the blended
    # score is to the content prediction.
    F = np.eye(4, dtype=np.float32)
    B = np.random.default_rng(0).random((4, 4)).astype(np.float32)
    cm = ContentMap.fit(F, [B], [1, 1, 1, 40])
    assert cm.alpha[0] < cm.alpha[3]


def test_prediction_is_put_on_the_cf_scale_by_rank() -> None:
    own = np.asarray([0.1, 0.5, 0.9, 1.0])
    ref = np.asarray([0.01, 0.02, 0.03, 0.04])  # predictions are shrunk, the ranks are what count
    mapped = on_cf_scale(own, ref, np.asarray([0.0, 0.025, 0.05]))
    assert mapped[0] == pytest.approx(0.1, rel=1e-3)
    assert mapped[1] == pytest.approx(0.7, rel=1e-3)
    # Above every reference: just below the best score, so a tie goes to history.
    assert 0.99 < mapped[2] < 1.0


async def test_the_live_ranker_scores_a_new_mentor_on_the_cf_scale() -> None:
    from matching.embed import HashingEmbedder
    from matching.exposure import learner_histories
    from matching.features import MentorFeatures
    from matching.query import understand
    from matching.synthetic import NOW, build, make_engine

    records, cases, index, quality = build(200, seed=0)
    eng = await make_engine(records, index, HashingEmbedder())
    idx = eng.index
    assert idx is not None
    new = {r.user_id for r in records if r.rating_count == 0}
    interactions, needs = learner_histories(cases, quality, new, 80, seed=0)
    feats = MentorFeatures.of(idx)
    eng.cf = CFModel().fit(interactions, 4000, lambda ids: feats.mentors(idx, ids))
    eng.cf_features = feats
    lid, case = next(iter(needs.items()))
    q = understand(case.text, index, "Asia/Kolkata", NOW)
    q, qvec, text, _ = eng.prepare(q)
    sc = eng.score(
        q, learner_id=lid, learner_langs=(), blend=eng.blend, qvec=qvec, semantic_text=text
    )
    ids = [int(idx.ids[r]) for r in sc.rows]
    new_cf = [float(sc.signals["cf"][i]) for i, m in enumerate(ids) if m in new]
    assert new_cf and max(new_cf) > 0.2  # before, a mentor nobody chose had CF 0
    eng.cf_features = None  # without features, new mentors get no CF signal
    sc = eng.score(
        q, learner_id=lid, learner_langs=(), blend=eng.blend, qvec=qvec, semantic_text=text
    )
    assert all(float(sc.signals["cf"][i]) == 0.0 for i, m in enumerate(ids) if m in new)
    await eng.db.dispose()


async def test_a_simulated_week_reports_new_mentors_exposure() -> None:
    from matching.embed import HashingEmbedder
    from matching.exposure import new_mentor_exposure
    from matching.synthetic import build, make_engine

    records, cases, index, quality = build(150, seed=1)
    eng = await make_engine(records, index, HashingEmbedder())
    out = new_mentor_exposure(eng, cases, quality, learners=40, per_day=10, seed=1)
    assert 0.05 < out["new_mentor_share"] < 0.3
    assert 0 < out["impressions"] <= 7 * 10 * 10  # a top 10 holds only who teaches the skill
    assert 0.0 < out["impression_share"] <= 1.0
    assert out["impression_share"] >= out["impression_share_without_content_map"]
    await eng.db.dispose()


def _files(tmp_path: Path) -> list[str]:
    """Three taste groups of 4 mentors each (genres as skills), 36 learners."""
    rng = random.Random(3)
    train: list[Rating] = []
    test: list[Rating] = []
    for u in range(36):
        group = u % 3
        for m in range(12):
            if m % 3 == group and rng.random() < 0.9:
                (test if rng.random() < 0.3 else train).append(
                    Rating(f"u{u}", f"m{m}", 4.0, float(u * 100 + m))
                )
    items = [Item(f"m{m}", (f"g{m % 3}",), f"mentor {m} group{m % 3}") for m in range(12)]
    paths = [tmp_path / "train.csv", tmp_path / "test.csv", tmp_path / "items.csv"]
    write_ratings(paths[0], train)
    write_ratings(paths[1], test)
    write_items(paths[2], items)
    return ["--train", str(paths[0]), "--test", str(paths[1]), "--items", str(paths[2])]


def test_eval_offline_cold_share(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path)
    main(["eval", "offline", *files, "--cold-share", "0.25", "--k", "3", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["share"] == 0.25 and out["mentors"] == 3.0
    assert (
        set(out["cold"]) == set(out["warm"]) == {"engine", "content", "random", "popularity", "cf"}
    )
    cold = out["cold"]
    # CF alone gives a held-out mentor a score of 0 (it reaches a top 3 only past negatives).
    assert cold["engine"]["ndcg@3"] > max(cold["random"]["ndcg@3"], cold["cf"]["ndcg@3"])
    main(["eval", "offline", *files, "--cold-share", "0.25"])
    table = capsys.readouterr().out
    assert "held-out mentors' TEST interactions" in table and "engine" in table
    for bad in ("1.5", "0", "lots"):
        with pytest.raises(SystemExit) as exc:
            main(["eval", "offline", *files, "--cold-share", bad])
        assert exc.value.code == 2
        assert "--cold-share" in capsys.readouterr().err
