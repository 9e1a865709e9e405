"""Each signal, the blend, cold start, the reason line, experiments, CF on a hand-made matrix."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from core.availability import Window
from core.recommend import MatchQuery, TimeWindow
from matching.blend import DEFAULT_WEIGHTS, Blend, learn_blend
from matching.cf import (
    CFModel,
    CFParams,
    Interaction,
    lowpass_filter,
    temporal_cooccurrence,
)
from matching.embed import HashingEmbedder
from matching.experiments import Experiment, diff_ci, wilson
from matching.index import MentorIndex, MentorRecord
from matching.reasons import reason_line
from matching.signals import (
    availability_overlap,
    bayesian_rating,
    exploration,
    exposure_penalty,
    level_fit,
    price_fit,
    reputation,
    week_hours,
    window_hours,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def f32(*xs: float) -> np.ndarray:
    return np.asarray(xs, dtype=np.float32)


def test_level_fit() -> None:
    ranks = f32(0, 1, 2, 3)  # 0 = does not teach the skill
    beginner = level_fit(ranks, "beginner")
    assert beginner[0] == 0.0
    assert beginner[1] == 1.0 and beginner[2] == 1.0  # anyone at or a notch above
    assert beginner[3] == pytest.approx(0.9)  # an expert is fine, a little less so
    advanced = level_fit(ranks, "advanced")
    assert advanced[3] == 1.0
    assert advanced[1] < advanced[2] < advanced[3]
    assert level_fit(ranks, None).tolist() == pytest.approx([0.0, 4 / 6, 5 / 6, 1.0])


def test_bayesian_rating_and_reputation() -> None:
    # One 5★ review is pulled towards the prior; fifty stay near their own mean.
    stars = bayesian_rating(f32(5, 250), f32(1, 50), prior_mean=4.0, prior_weight=5.0)
    assert stars[0] == pytest.approx((4.0 * 5 + 5) / 6)
    assert stars[1] == pytest.approx((20 + 250) / 55)
    rep = reputation(f32(5, 250, 0), f32(1, 50, 0), f32(1, 50, 0))
    assert rep[1] > rep[0] > rep[2] > 0.0


def test_exploration_and_exposure() -> None:
    assert exploration(f32(0, 1, 3, 10)).tolist() == pytest.approx([1.0, 2 / 3, 0.0, 0.0])
    pen = exposure_penalty(f32(5, 10, 20, 40), f32(10, 10, 10, 10))
    assert pen.tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0])


def test_price_fit() -> None:
    prices = f32(0, 10000, 15000, 30000)
    capped = price_fit(prices, 15000)
    assert capped.tolist() == pytest.approx([1.0, 1 - 1 / 3, 0.5, 0.0])
    assert price_fit(prices, 0).tolist() == [1.0, 0.0, 0.0, 0.0]
    free = price_fit(prices, None)
    assert free[0] == 1.0 and free[0] > free[1] > free[3] > 0.6


def test_availability_in_utc_hours() -> None:
    # Mon 18:00-20:00 in Kolkata = Mon 12:30-14:30 UTC: half-hour slots 25..28.
    hours = week_hours([Window(0, 18 * 60, 20 * 60)], "Asia/Kolkata", NOW)
    assert hours == [25, 26, 27, 28]
    # Sunday 23:00-24:00 in New York is Monday 04:00-05:00 UTC: the week wraps.
    assert week_hours([Window(6, 23 * 60, 24 * 60)], "America/New_York", NOW) == [8, 9]
    want = window_hours(
        TimeWindow(
            datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
            datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
            "x",
        )
    )
    assert want == [26, 27, 28, 29, 30, 31]
    week = np.zeros((3, 336), dtype=bool)
    week[0, hours] = True
    week[1, 31] = True
    assert availability_overlap(week, want).tolist() == [1.0, 0.5, 0.0]
    assert availability_overlap(week, []).tolist() == [0.0, 0.0, 0.0]


def _rec(uid: int, **kw: object) -> MentorRecord:
    base: dict[str, object] = {
        "user_id": uid,
        "name": f"M{uid}",
        "headline": "mentor",
        "skills": {1: 3},
        "skill_names": {1: "React"},
        "languages": ("en",),
        "price_minor": 10000,
        "list_price_minor": 10000,
        "timezone": "Asia/Kolkata",
    }
    base.update(kw)
    return MentorRecord(**base)  # type: ignore[arg-type]


def test_index_skill_tfidf_and_semantic_signals() -> None:
    emb = HashingEmbedder(64)
    idx = MentorIndex(64, NOW)
    recs = [
        _rec(1, headline="React and Redux for interviews"),
        _rec(2, skills={2: 2}, skill_names={2: "Python"}, headline="Python data analysis"),
        _rec(3, skills={1: 1, 2: 3}, skill_names={1: "React", 2: "Python"}, headline="Web dev"),
    ]
    for r in recs:
        idx.upsert(r, emb.encode([r.text()])[0])
    idx.refit_tfidf([r.text() for r in recs])
    share, best = idx.skill_levels([1])
    assert share.tolist() == [1.0, 0.0, 1.0] and best.tolist() == [3.0, 0.0, 1.0]
    share, _ = idx.skill_levels([1, 2])
    assert share.tolist() == [0.5, 0.5, 1.0]
    t = idx.tfidf("redux interviews")
    assert t[0] > 0 and t[1] == 0 and t[2] == 0
    s = idx.semantic(emb.encode(["python data analysis"])[0])
    assert int(np.argmax(s)) == 1
    # An edit re-indexes one row; the TF-IDF vocabulary is reused until the next refit.
    idx.upsert(
        _rec(2, skills={2: 2}, skill_names={2: "Python"}, headline="Redux deep dives"),
        emb.encode(["Redux deep dives"])[0],
    )
    assert idx.tfidf("redux")[1] > 0
    idx.remove(3)
    assert not idx.alive[2] and idx.skill_levels([1])[0].tolist() == [1.0, 0.0, 0.0]


def test_reason_line() -> None:
    rec = _rec(
        7,
        rating_sum=152,
        rating_count=31,
        windows=(Window(4, 18 * 60, 21 * 60),),
        languages=("hi", "en"),
    )
    q = MatchQuery(
        "react friday evening hindi",
        skill_ids=(1,),
        skill_names=("React",),
        languages=("hi",),
        window=TimeWindow(
            datetime(2026, 11, 27, 11, 30, tzinfo=UTC),
            datetime(2026, 11, 27, 15, 30, tzinfo=UTC),
            "Fri evening",
        ),
    )
    line = reason_line(rec, q, {"cf": 0.0}, "Asia/Kolkata", NOW)
    assert (
        line
        == "React expert · 4.9★ from 31 reviews · free Fri 18:00 your time · speaks Hindi · ₹100"
    )
    new = reason_line(_rec(8, price_mode="free", list_price_minor=0), q, {}, "Asia/Kolkata", NOW)
    assert new == "React expert · new mentor · free session"


def test_blend_weights_and_learning() -> None:
    b = Blend().with_weights({"cf": 0.0, "exploration": 0.1})
    assert b.weights["cf"] == 0.0 and b.exploration == 0.1 and b.source == "admin"
    assert Blend.from_json(b.to_json()) == b
    with pytest.raises(ValueError):
        Blend().with_weights({"skill": -1.0})
    # Too little feedback: stay on the defaults (cold start).
    assert learn_blend([{"skill": 1.0}] * 10, [1] * 5 + [0] * 5, Blend()) is None
    # Clicks follow reputation only: the learned blend leans on it.
    rng = np.random.default_rng(0)
    feats, labels = [], []
    for _ in range(400):
        f = {s: float(rng.random()) for s in DEFAULT_WEIGHTS}
        feats.append(f)
        labels.append(int(f["reputation"] > 0.6))
    learned = learn_blend(feats, labels, Blend())
    assert learned is not None and learned.source == "learned"
    assert max(learned.weights, key=lambda k: learned.weights[k]) == "reputation"
    assert sum(learned.weights.values()) == pytest.approx(sum(DEFAULT_WEIGHTS.values()), abs=1e-3)


def test_variant_assignment_is_deterministic_and_split() -> None:
    exp = Experiment("ranker-1", ("hybrid", "content"), 0.5)
    first = [exp.variant_of(i) for i in range(2000)]
    assert first == [exp.variant_of(i) for i in range(2000)]
    share = first.count("content") / len(first)
    assert 0.45 < share < 0.55
    # Another experiment name reshuffles learners.
    other = Experiment("ranker-2", ("hybrid", "content"), 0.5)
    assert [other.variant_of(i) for i in range(2000)] != first


def test_confidence_intervals() -> None:
    lo, hi = wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
    assert wilson(0, 0) == (0.0, 0.0)
    d, lo, hi = diff_ci(10, 100, 20, 100)
    assert d == pytest.approx(0.10)
    assert lo == pytest.approx(0.10 - 1.96 * np.sqrt(0.09 / 100 + 0.16 / 100))
    assert hi > 0.10


def test_ease_recommends_what_similar_learners_chose() -> None:
    # Learners 1-3 all chose mentors 10 and 11; learner 4 chose only 10 → 11 comes first.
    inter = [Interaction(u, m, 1.0) for u in (1, 2, 3) for m in (10, 11)]
    inter += [Interaction(5, 12, 1.0), Interaction(6, 12, 1.0), Interaction(4, 10, 1.0)]
    for kind in ("ease", "itemknn", "puresvd"):
        cf = CFModel(kind, l2=1.0, neighbours=2).fit(inter)
        items, scores = cf.scores(4)
        ranked = [int(items[i]) for i in np.argsort(-scores)]
        assert ranked[0] in (10, 11) and ranked.index(11) < ranked.index(12), kind
    assert CFModel().fit(inter).scores(99)[0].size == 0  # a new learner: no CF signal


def test_temporal_cooccurrence_by_hand() -> None:
    import scipy.sparse as sp

    # Learner 0 chose items 0, 1, 2 at t = 0, 10, 1000 s; learner 1 chose 0 and 2 at 0 and 5 s,
    # with weight 0.5 on item 2; learner 2's one choice has no time.
    X = sp.csr_matrix(np.asarray([[1, 1, 1], [1, 0, 0.5], [0, 1, 0]], dtype=np.float32))
    T = sp.csr_matrix(
        (
            np.asarray([0.0, 10.0, 1000.0, 0.0, 5.0, np.nan]),
            ([0, 0, 0, 1, 1, 2], [0, 1, 2, 0, 2, 1]),
        ),
        shape=(3, 3),
    )
    W = temporal_cooccurrence(X, T, tau_s=10.0)
    assert W[0, 1] == pytest.approx(np.exp(-1.0)) and W[1, 0] == W[0, 1]
    assert W[0, 2] == pytest.approx(0.5 * np.exp(-0.5))  # learner 1 only: 1000 s is past reach
    assert W[1, 2] == 0.0 and np.all(np.diag(W) == 0.0)
    with pytest.raises(ValueError):
        temporal_cooccurrence(X, sp.csr_matrix(np.ones((3, 3))), 10.0)


def test_temporal_signal_ranks_the_mentor_chosen_alongside_first() -> None:
    # Eight learners each chose mentors 1, 2, 3 and 4: plain co-occurrence cannot tell 2, 3, 4
    # apart for a learner who chose 1. But every one of them chose 2 within seconds of 1, and
    # 3 and 4 days apart: with the temporal term, 2 comes first.
    day = 86_400.0
    inter = []
    for u in range(10, 18):
        t0 = 1_700_000_000.0 + u * 7 * day
        for m, dt in ((1, 0.0), (2, 20.0 + u), (3, 2 * day), (4, 4 * day)):
            inter.append(Interaction(u, m, 1.0, t0 + dt))
    inter.append(Interaction(99, 1, 1.0, 1_800_000_000.0))
    items, scores = CFModel().fit(inter).scores(99)
    by_mentor = dict(zip(items.tolist(), scores.tolist(), strict=True))
    assert max((2, 3, 4), key=lambda m: by_mentor[m]) == 2
    assert by_mentor[2] > by_mentor[3] + 0.05
    # Without times (or with the term off) the three are tied: the order came from time alone.
    untimed = CFModel().fit([Interaction(i.learner, i.mentor, i.weight) for i in inter])
    _items, flat = untimed.scores(99)
    assert flat[1] == pytest.approx(flat[2]) == pytest.approx(flat[3])
    off = CFModel(params=CFParams(temporal=0.0)).fit(inter).scores(99)[1]
    assert off[1] == pytest.approx(off[2])


def test_lowpass_filter_is_gfcf_ideal_filter() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    dense = (rng.random((30, 12)) < 0.4).astype(np.float64)
    dense[:, 0] = 1.0  # every item chosen at least once
    dense[0, :] = 1.0
    B = lowpass_filter(sp.csr_matrix(dense), 4)
    du, di = dense.sum(axis=1), dense.sum(axis=0)
    R = dense / np.sqrt(du)[:, None] / np.sqrt(di)[None, :]
    V = np.linalg.svd(R)[2][:4].T
    want = (V / np.sqrt(di)[:, None]) @ (V.T * np.sqrt(di)[None, :])
    assert np.allclose(B, want, atol=1e-4)


def test_approximate_index_agrees_with_exact_search() -> None:
    pytest.importorskip("faiss")
    emb = HashingEmbedder(64)
    idx = MentorIndex(64, NOW)
    words = [
        "python",
        "react",
        "sql",
        "docker",
        "guitar",
        "finance",
        "design",
        "kubernetes",
        "statistics",
        "excel",
    ]
    rng = np.random.default_rng(0)
    for uid in range(1, 3001):
        r = _rec(uid, headline=" ".join(rng.choice(words, 3)))
        idx.upsert(r, emb.encode([r.text()])[0])
    q = emb.encode(["docker kubernetes"])[0]
    exact = idx.semantic(q)
    assert idx.build_ann(min_rows=1000)
    idx.ann.nprobe = idx.ann.nlist  # every list: the same answer as exact search
    assert idx.compressed and idx.emb.size == 0  # the vectors live in the index only
    approx = idx.semantic(q)
    top = np.argsort(-exact)[:10]
    assert np.allclose(approx[top], exact[top], atol=1e-2)  # 8-bit vectors
    # Writes reach the approximate index too.
    idx.upsert(_rec(5, headline="zither lessons"), emb.encode(["zither lessons"])[0])
    assert int(np.argmax(idx.semantic(emb.encode(["zither lessons"])[0]))) == idx.pos[5]
    idx.remove(5)
    assert idx.semantic(emb.encode(["zither lessons"])[0])[idx.pos[5]] == 0.0


def test_compressed_index_recall_at_10_against_exact_search() -> None:
    """20,000 vectors shaped like profiles (the mean of two of 400 "descriptions", plus noise):
    the 8-bit IVF index with its default nprobe finds ≥ 95 % of the exact top 10."""
    pytest.importorskip("faiss")
    rng = np.random.default_rng(3)
    dim, n = 96, 20_000
    topics = rng.standard_normal((400, dim)).astype(np.float32)
    pick = rng.integers(0, 400, size=(n, 2))
    X = topics[pick[:, 0]] + topics[pick[:, 1]] + 0.3 * rng.standard_normal((n, dim))
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    idx = MentorIndex(dim, NOW)
    for uid in range(n):
        idx.upsert(_rec(uid + 1, headline=""), X[uid])
    assert idx.build_ann(min_rows=10_000) and idx.compressed
    Q = topics[rng.integers(0, 400, size=(100, 2))].sum(axis=1)
    Q = (Q + 0.3 * rng.standard_normal(Q.shape)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    hits = 0
    for q in Q:
        exact = set(np.argsort(-(X @ q))[:10].tolist())
        _s, rows = idx.ann.search(q.reshape(1, -1), 10)
        hits += len(exact & set(rows[0].tolist()))
    assert hits / (10 * len(Q)) >= 0.95
    # What a shown mentor's vector decodes to is close to the stored one.
    back = idx.vectors(np.asarray([0, 1, 2], dtype=np.int64))
    assert np.abs(back - X[:3]).max() < 0.02
