"""Offline evaluation: top-K metrics, RMSE, the engine against baselines, MovieLens-100k.

Protocol (issue 4): train on TRAIN (learner, mentor, rating, timestamp); for every learner in
TEST rank all mentors they did not have in TRAIN; every test interaction is relevant (all
ratings count as positive). Items carry skills (pipe-separated) and free text.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching.cf import CFParams, item_models
from matching.coldstart import HISTORY_K, ContentMap, blend_with_content
from matching.index import new_vectorizer

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

# ---------------------------------------------------------------- metrics (one ranked list)


def precision_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for x in ranked[:k] if x in relevant) / k


def recall_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for x in ranked[:k] if x in relevant) / len(relevant) if relevant else 0.0


def ndcg_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, x in enumerate(ranked[:k]) if x in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: set[int], k: int | None = None) -> float:
    for i, x in enumerate(ranked[:k] if k else ranked):
        if x in relevant:
            return 1.0 / (i + 1)
    return 0.0


def rmse(pred: Sequence[float], truth: Sequence[float]) -> float:
    if not truth:
        return 0.0
    return math.sqrt(sum((p - t) ** 2 for p, t in zip(pred, truth, strict=True)) / len(truth))


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Rating:
    learner: str
    mentor: str
    rating: float
    timestamp: float


@dataclass(frozen=True)
class Item:
    mentor: str
    skills: tuple[str, ...]
    text: str


def read_ratings(path: Path) -> list[Rating]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            Rating(
                r["learner"],
                r["mentor"],
                float(r.get("rating") or 1.0),
                float(r.get("timestamp") or 0.0),
            )
            for r in csv.DictReader(fh)
        ]


def read_items(path: Path) -> list[Item]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            Item(
                r["mentor"],
                tuple(s for s in (r.get("skills") or "").split("|") if s),
                r.get("text") or "",
            )
            for r in csv.DictReader(fh)
        ]


def write_ratings(path: Path, rows: Iterable[Rating]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["learner", "mentor", "rating", "timestamp"])
        for r in rows:
            w.writerow([r.learner, r.mentor, r.rating, int(r.timestamp)])


def write_items(path: Path, items: Iterable[Item]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["mentor", "skills", "text"])
        for it in items:
            w.writerow([it.mentor, "|".join(it.skills), it.text])


# ---------------------------------------------------------------- rankers

Scorer = Callable[[int], F64]  # learner row -> a score per item column


@dataclass
class Problem:
    users: list[str]
    items: list[str]
    X: sp.csr_matrix  # train, binary
    R: sp.csr_matrix  # train ratings
    item_text: list[str]
    item_skills: list[tuple[str, ...]]
    T: sp.csr_matrix | None = None  # when each train interaction happened (X's sparsity)

    @classmethod
    def build(
        cls, train: Sequence[Rating], items: Sequence[Item], test: Sequence[Rating]
    ) -> Problem:
        item_ids = sorted(
            {i.mentor for i in items} | {r.mentor for r in train} | {r.mentor for r in test}
        )
        user_ids = sorted({r.learner for r in train} | {r.learner for r in test})
        ip = {m: i for i, m in enumerate(item_ids)}
        up = {u: i for i, u in enumerate(user_ids)}
        # One cell per (learner, mentor): the first time, the highest rating.
        first: dict[tuple[int, int], tuple[float, float]] = {}
        for r in train:
            key = (up[r.learner], ip[r.mentor])
            t, v = first.get(key, (r.timestamp, r.rating))
            first[key] = (min(t, r.timestamp), max(v, r.rating))
        rows = [u for u, _ in first]
        cols = [i for _, i in first]
        shape = (len(user_ids), len(item_ids))
        X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
        R = sp.csr_matrix(
            (np.asarray([v for _, v in first.values()], dtype=np.float32), (rows, cols)),
            shape=shape,
        )
        T = sp.csr_matrix(
            (np.asarray([t for t, _ in first.values()], dtype=np.float64), (rows, cols)),
            shape=shape,
        )
        by_id = {i.mentor: i for i in items}
        text = [by_id[m].text if m in by_id else "" for m in item_ids]
        skills = [by_id[m].skills if m in by_id else () for m in item_ids]
        return cls(user_ids, item_ids, X, R, text, skills, T)


def popularity_scores(p: Problem) -> F64:
    return np.asarray(p.X.sum(axis=0), dtype=np.float64).ravel()


def content_model(p: Problem) -> Scorer:
    """TF-IDF of item text plus skills (as tokens), user profile = mean of their train items."""
    docs = [
        f"{t} " + " ".join("skill_" + s.replace(" ", "_").replace("-", "_") for s in sk)
        for t, sk in zip(p.item_text, p.item_skills, strict=True)
    ]
    vec = new_vectorizer()
    T = (
        vec.fit_transform(docs).tocsr()
        if any(d.strip() for d in docs)
        else sp.csr_matrix((len(docs), 1), dtype=np.float32)
    )

    def score(u: int) -> F64:
        row = p.X[u]
        if row.nnz == 0:
            return np.zeros(len(p.items))
        prof = row @ T
        return np.asarray((T @ prof.T).todense(), dtype=np.float64).ravel()

    return score


def cf_model(
    p: Problem, kind: str = "ensemble", params: CFParams | None = None, k: int = 50
) -> Scorer:
    """The same CF as the live engine (matching.cf.CFModel): weighted, max-normalised parts."""
    parts = [(w, B.astype(np.float64)) for w, B in item_models(p.X, kind, params, k, p.T)]

    def score(u: int) -> F64:
        x = p.X[u]
        out = np.zeros(len(p.items), dtype=np.float64)
        for w, B in parts:
            out += w * _norm(np.asarray(x @ B, dtype=np.float64).ravel())
        return out

    return score


def _norm(v: F64) -> F64:
    top = float(np.max(v)) if v.size else 0.0
    return v / top if top > 0 else v


def item_features(p: Problem) -> F64:
    """Content features per item: its skills (genres on MovieLens) one-hot and the words of
    its text (title and year) as TF-IDF, words found in at least two items; rows L2-normalised
    per block."""
    skills = sorted({s for sk in p.item_skills for s in sk})
    col = {s: i for i, s in enumerate(skills)}
    S = np.zeros((len(p.items), len(skills)), dtype=np.float64)
    for r, sk in enumerate(p.item_skills):
        for s in sk:
            S[r, col[s]] = 1.0
    S /= np.maximum(np.linalg.norm(S, axis=1, keepdims=True), 1e-12)
    blocks = [S]
    if sum(1 for t in p.item_text if t.strip()) >= 2:
        vec = new_vectorizer()
        vec.set_params(min_df=2, stop_words=None)
        with contextlib.suppress(ValueError):  # no word in two items
            blocks.append(np.asarray(vec.fit_transform(p.item_text).toarray(), dtype=np.float64))
    return np.hstack(blocks)


def cf_content_model(p: Problem, params: CFParams | None = None, k: float = HISTORY_K) -> Scorer:
    """The CF ensemble with mentors' content mapped onto it (matching/coldstart.py): an item
    nobody chose in TRAIN is scored from its features on the CF scale; one with n choices
    blends its own score and the predicted one with weight n / (n + k). The live engine's
    CFModel does the same."""
    parts = [(w, B.astype(np.float64)) for w, B in item_models(p.X, "ensemble", params, 50, p.T)]
    counts = popularity_scores(p)
    cm = ContentMap.fit(item_features(p), [B for _, B in parts], counts, k)
    weights = [w for w, _ in parts]

    def score(u: int) -> F64:
        x = np.asarray(p.X[u].toarray(), dtype=np.float64).ravel()
        blended, *_ = blend_with_content(cm, x, [x @ B for _, B in parts], weights, x)
        return _norm(blended)

    return score


def hybrid_model(
    p: Problem, weights: Mapping[str, float] | None = None, params: CFParams | None = None
) -> Scorer:
    """The engine's blend of its offline-available signals: CF (the ensemble, with content
    mapped onto it for mentors with little or no history), content, reputation (popularity
    stands in for it here); per-learner max-normalised as in the live engine."""
    # No exploration boost by default: the CF's content map scores new mentors on its own
    # scale (it was 0.3 before, when a new mentor's CF score was 0).
    w = {"cf": 1.0, "content": 0.05, "popularity": 0.02, "exploration": 0.0, **(weights or {})}
    cf = cf_content_model(p, params)
    content = content_model(p)
    counts = popularity_scores(p)
    pop = _norm(counts)
    # New mentors get a boost that fades with their first interactions (as in the live engine).
    boost = np.clip(1.0 - counts / 3.0, 0.0, 1.0)

    def score(u: int) -> F64:
        c = _norm(content(u))
        return (
            w["cf"] * _norm(cf(u))
            + w["content"] * c
            + w["popularity"] * pop
            + w["exploration"] * boost * c
        )

    return score


def bias_predictor(p: Problem, reg: float = 10.0) -> Callable[[int, int], float]:
    """Rating prediction for RMSE: global mean + regularised learner and mentor biases."""
    R = p.R.tocoo()
    mu = float(R.data.mean()) if R.nnz else 3.0
    bi_num: dict[int, float] = defaultdict(float)
    bi_cnt: dict[int, int] = defaultdict(int)
    for c, v in zip(R.col, R.data, strict=True):
        bi_num[int(c)] += float(v) - mu
        bi_cnt[int(c)] += 1
    bi = {c: bi_num[c] / (reg + bi_cnt[c]) for c in bi_num}
    bu_num: dict[int, float] = defaultdict(float)
    bu_cnt: dict[int, int] = defaultdict(int)
    for r, c, v in zip(R.row, R.col, R.data, strict=True):
        bu_num[int(r)] += float(v) - mu - bi.get(int(c), 0.0)
        bu_cnt[int(r)] += 1
    bu = {u: bu_num[u] / (reg + bu_cnt[u]) for u in bu_num}

    def predict(u: int, i: int) -> float:
        return min(5.0, max(1.0, mu + bu.get(u, 0.0) + bi.get(i, 0.0)))

    return predict


# ---------------------------------------------------------------- evaluation


def evaluate_scorer(
    p: Problem, test: Sequence[Rating], scorer: Scorer, k: int, only: set[int] | None = None
) -> dict[str, float]:
    """P@K, R@K, NDCG@K, MRR and catalogue coverage over the learners in `test`.

    `only` restricts candidates to those item columns (the cold-start report)."""
    up = {u: i for i, u in enumerate(p.users)}
    ip = {m: i for i, m in enumerate(p.items)}
    truth: dict[int, set[int]] = defaultdict(set)
    for r in test:
        c = ip[r.mentor]
        if only is None or c in only:
            truth[up[r.learner]].add(c)
    allowed = np.zeros(len(p.items), dtype=bool)
    if only is None:
        allowed[:] = True
    else:
        allowed[list(only)] = True
    sums = {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "mrr": 0.0}
    shown: set[int] = set()
    n = 0
    for u, rel in truth.items():
        s = scorer(u).astype(np.float64)
        s[~allowed] = -np.inf
        seen = p.X[u].indices
        s[seen] = -np.inf
        rel = rel - set(seen.tolist())
        if not rel:
            continue
        kk = min(k, int(np.isfinite(s).sum()))
        top = np.argpartition(-s, kk - 1)[:kk] if kk < s.size else np.arange(s.size)
        top = top[np.lexsort((top, -s[top]))][:k].tolist()
        sums["precision"] += precision_at(top, rel, k)
        sums["recall"] += recall_at(top, rel, k)
        sums["ndcg"] += ndcg_at(top, rel, k)
        sums["mrr"] += reciprocal_rank(top, rel)
        shown.update(top)
        n += 1
    out = {f"{m}@{k}" if m != "mrr" else m: (v / n if n else 0.0) for m, v in sums.items()}
    out["coverage"] = len(shown) / len(allowed.nonzero()[0]) if allowed.any() else 0.0
    out["learners"] = float(n)
    return out


def offline_report(
    train: Sequence[Rating],
    test: Sequence[Rating],
    items: Sequence[Item],
    k: int = 10,
    seed: int = 0,
    params: CFParams | None = None,
) -> dict[str, object]:
    params = params or CFParams()
    p = Problem.build(train, items, test)
    rng = np.random.default_rng(seed)
    rand = rng.random((len(p.users), len(p.items)))
    pop = popularity_scores(p)
    cf = cf_model(p, "ensemble", params)
    content = content_model(p)
    engine = hybrid_model(p, params=params)
    no_time = replace(params, temporal=0.0)
    report: dict[str, object] = {
        "engine": evaluate_scorer(p, test, engine, k),
        "baselines": {
            "popularity": evaluate_scorer(p, test, lambda u: pop, k),
            "content": evaluate_scorer(p, test, content, k),
            "cf": evaluate_scorer(p, test, cf, k),
            "cf_no_time": evaluate_scorer(p, test, cf_model(p, "ensemble", no_time), k),
            "ease_time": evaluate_scorer(
                p, test, cf_model(p, "ensemble", replace(params, lowpass=0.0)), k
            ),
            "ease": evaluate_scorer(p, test, cf_model(p, "ease", params), k),
            "lowpass": evaluate_scorer(p, test, cf_model(p, "lowpass", k=params.factors), k),
            "itemknn": evaluate_scorer(p, test, cf_model(p, "itemknn", k=50), k),
            "puresvd": evaluate_scorer(p, test, cf_model(p, "puresvd", k=30), k),
            "random": evaluate_scorer(p, test, lambda u: rand[u], k),
        },
    }
    predict = bias_predictor(p)
    up = {u: i for i, u in enumerate(p.users)}
    ip = {m: i for i, m in enumerate(p.items)}
    mean = float(p.R.data.mean()) if p.R.nnz else 3.0
    truth = [r.rating for r in test]
    engine_rep = report["engine"]
    assert isinstance(engine_rep, dict)
    engine_rep["rmse"] = rmse([predict(up[r.learner], ip[r.mentor]) for r in test], truth)
    baselines = report["baselines"]
    assert isinstance(baselines, dict)
    baselines["popularity"]["rmse"] = rmse([mean] * len(truth), truth)  # global mean
    return report


# ---------------------------------------------------------------- MovieLens-100k


def movielens_folder() -> Path | None:
    """MovieLens-100k inside the recbole package, found without importing recbole."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "dataset_example" / "ml-100k"
    return folder if (folder / "ml-100k.inter").exists() else None


def movielens(folder: Path) -> tuple[list[Rating], list[Item]]:
    ratings: list[Rating] = []
    with (folder / "ml-100k.inter").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            u, i, r, t = line.rstrip("\n").split("\t")
            ratings.append(Rating(u, i, float(r), float(t)))
    items: list[Item] = []
    with (folder / "ml-100k.item").open(encoding="latin-1") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            iid, title, year = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
            genres = tuple(parts[3].split()) if len(parts) > 3 else ()
            items.append(Item(iid, genres, f"{title} {year}".strip()))
    return ratings, items


def random_split(
    ratings: Sequence[Rating], seed: int, test_share: float = 0.2
) -> tuple[list[Rating], list[Rating]]:
    """A random 80/20 split per interaction."""
    rng = random.Random(seed)
    train: list[Rating] = []
    test: list[Rating] = []
    for r in ratings:
        (test if rng.random() < test_share else train).append(r)
    return train, test


def cold_start_report(
    ratings: Sequence[Rating],
    items: Sequence[Item],
    seed: int,
    k: int = 10,
    share: float = 0.1,
    params: CFParams | None = None,
) -> dict[str, object]:
    """Mentors absent from TRAIN: a random `share` of mentors loses all its TRAIN interactions;
    each method ranks those mentors for the learners who had them in TEST."""
    train, test = random_split(ratings, seed)
    rng = random.Random(seed + 1000)
    all_items = sorted({r.mentor for r in ratings})
    cold_ids = set(rng.sample(all_items, max(1, int(len(all_items) * share))))
    train = [r for r in train if r.mentor not in cold_ids]
    test = [r for r in test if r.mentor in cold_ids]
    p = Problem.build(train, items, test)
    cols = {i for i, m in enumerate(p.items) if m in cold_ids}
    pop = popularity_scores(p)
    rand = np.random.default_rng(seed).random((len(p.users), len(p.items)))
    return {
        "mentors": float(len(cols)),
        "engine": evaluate_scorer(p, test, hybrid_model(p, params=params), k, only=cols),
        "content": evaluate_scorer(p, test, content_model(p), k, only=cols),
        "popularity": evaluate_scorer(p, test, lambda u: pop, k, only=cols),
        "cf": evaluate_scorer(p, test, cf_model(p, "ensemble", params), k, only=cols),
        "random": evaluate_scorer(p, test, lambda u: rand[u], k, only=cols),
    }


def cold_share_report(
    train: Sequence[Rating],
    test: Sequence[Rating],
    items: Sequence[Item],
    share: float,
    k: int = 10,
    seed: int = 0,
    params: CFParams | None = None,
) -> dict[str, object]:
    """New mentors among established ones: a random `share` of the mentors is held out of
    TRAIN entirely; every ranker orders ALL mentors, and only the held-out mentors' TEST
    interactions count (`cold`). `warm` scores the same rankings on the other mentors' TEST
    interactions: what surfacing new mentors costs the established ones."""
    if not 0.0 < share < 1.0:
        raise ValueError("the cold share must be between 0 and 1")
    ids = sorted({i.mentor for i in items} | {r.mentor for r in train} | {r.mentor for r in test})
    rng = random.Random(seed + 2000)
    cold = set(rng.sample(ids, max(1, round(len(ids) * share))))
    fit = [r for r in train if r.mentor not in cold]
    cold_test = [r for r in test if r.mentor in cold]
    warm_test = [r for r in test if r.mentor not in cold]
    p = Problem.build(fit, items, test)
    pop = popularity_scores(p)
    rand = np.random.default_rng(seed).random((len(p.users), len(p.items)))
    rankers: dict[str, Scorer] = {
        "engine": _memo(hybrid_model(p, params=params)),
        "content": _memo(content_model(p)),
        "random": lambda u: rand[u],
        "popularity": lambda u: pop,
        "cf": _memo(cf_model(p, "ensemble", params)),
    }
    return {
        "share": share,
        "mentors": float(len(cold)),
        "cold": {n: evaluate_scorer(p, cold_test, s, k) for n, s in rankers.items()},
        "warm": {n: evaluate_scorer(p, warm_test, s, k) for n, s in rankers.items()},
    }


def _memo(scorer: Scorer) -> Scorer:
    """A scorer that computes each learner's scores once (scored twice per report)."""
    seen: dict[int, F64] = {}

    def score(u: int) -> F64:
        if u not in seen:
            seen[u] = scorer(u)
        return seen[u]

    return score


def movielens_report(
    folder: Path,
    seeds: Sequence[int] = (0, 1, 2),
    k: int = 10,
    out: Path | None = None,
    params: CFParams | None = None,
) -> dict[str, object]:
    """The issue's protocol on MovieLens-100k: random 80/20 per interaction, mean of seeds.

    `params` default to `CFParams()`, the values `tune_cf` chose on validation."""
    ratings, items = movielens(folder)
    warm: list[dict[str, object]] = []
    cold: list[dict[str, object]] = []
    for seed in seeds:
        train, test = random_split(ratings, seed)
        if out is not None and seed == seeds[0]:
            out.mkdir(parents=True, exist_ok=True)
            write_ratings(out / "train.csv", train)
            write_ratings(out / "test.csv", test)
            write_items(out / "items.csv", items)
        warm.append(offline_report(train, test, items, k, seed, params))
        cold.append(cold_start_report(ratings, items, seed, k, params=params))
    report = mean_reports(warm)
    report["cold_start"] = mean_reports(cold)
    report["seeds"] = list(seeds)
    return report


def mean_reports(reports: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Average every number across reports of the same shape."""

    def avg(values: Sequence[object]) -> object:
        first = values[0]
        if isinstance(first, Mapping):
            return {key: avg([v[key] for v in values if isinstance(v, Mapping)]) for key in first}
        if isinstance(first, int | float):
            return sum(float(v) for v in values if isinstance(v, int | float)) / len(values)
        return first

    out = avg(list(reports))
    assert isinstance(out, dict)
    return out


# ---------------------------------------------------------------- tuning on validation

# What `tune_cf` tries; CFParams() holds the winner. Temporal 0 ignores tau_s, lowpass 0
# ignores factors (those duplicates are skipped).
TUNE_GRID: dict[str, tuple[float, ...]] = {
    "l2": (300.0, 400.0, 500.0),
    "temporal": (0.0, 0.5, 1.0, 2.0),
    "tau_s": (10.0, 60.0),
    "lowpass": (0.0, 0.15, 0.3, 0.5),
    "factors": (32.0, 64.0, 96.0),
}


def validation_split(
    train: Sequence[Rating], seed: int, share: float = 0.1
) -> tuple[list[Rating], list[Rating]]:
    """A random `share` of TRAIN's interactions held out for tuning (TEST is never read)."""
    rng = random.Random(10_000 + seed)
    fit: list[Rating] = []
    held: list[Rating] = []
    for r in train:
        (held if rng.random() < share else fit).append(r)
    return fit, held


def evaluate_matrix(p: Problem, test: Sequence[Rating], S: F64, k: int) -> tuple[float, float]:
    """(NDCG@K, P@K) of a learner × item score matrix, with evaluate_scorer's rules (train
    items excluded, ties to the lower column)."""
    up = {u: i for i, u in enumerate(p.users)}
    ip = {m: i for i, m in enumerate(p.items)}
    truth: dict[int, set[int]] = defaultdict(set)
    for r in test:
        truth[up[r.learner]].add(ip[r.mentor])
    X = p.X.tocsr()
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    ndcg = prec = 0.0
    n = 0
    for u, rel_all in truth.items():
        seen = X.indices[X.indptr[u] : X.indptr[u + 1]]
        rel = rel_all - set(seen.tolist())
        if not rel:
            continue
        s = S[u].astype(np.float64, copy=True)
        s[seen] = -np.inf
        top = np.argpartition(-s, k - 1)[:k] if k < s.size else np.arange(s.size)
        top = top[np.lexsort((top, -s[top]))][:k]
        hits = np.fromiter((int(c) in rel for c in top), dtype=bool, count=top.size)
        ndcg += float((hits * disc[: top.size]).sum() / disc[: min(k, len(rel))].sum())
        prec += float(hits.sum()) / k
        n += 1
    return (ndcg / n, prec / n) if n else (0.0, 0.0)


def tune_cf(
    trains: Sequence[tuple[int, Sequence[Rating]]],
    items: Sequence[Item],
    k: int = 10,
    share: float = 0.1,
    grid: Mapping[str, Sequence[float]] | None = None,
) -> tuple[CFParams, list[tuple[CFParams, float, float]]]:
    """Choose CFParams by mean validation NDCG@K over `trains` ((seed, TRAIN) pairs; TEST is
    not an argument, so it cannot leak in).

    For each TRAIN a random `share` is the validation set and the CF is fitted on the rest.
    Returns the best params and every candidate with its mean validation (NDCG@K, P@K),
    best first."""
    from matching.cf import ease, lowpass_filter, temporal_cooccurrence

    g = {**TUNE_GRID, **(grid or {})}
    totals: dict[CFParams, list[tuple[float, float]]] = defaultdict(list)
    for seed, train in trains:
        fit, held = validation_split(train, seed, share)
        p = Problem.build(fit, items, held)
        assert p.T is not None
        low = {int(f): _part_scores(p.X, lowpass_filter(p.X, int(f))) for f in g["factors"]}
        W = {tau: temporal_cooccurrence(p.X, p.T, tau) for tau in g["tau_s"]}
        for l2 in g["l2"]:
            for temporal in g["temporal"]:
                for tau in g["tau_s"] if temporal > 0 else g["tau_s"][:1]:
                    E = _part_scores(p.X, ease(p.X, l2, W[tau], temporal))
                    for lp in g["lowpass"]:
                        for f in g["factors"] if lp > 0 else g["factors"][:1]:
                            params = CFParams(l2, temporal, tau, lp, int(f))
                            S = E + lp * low[int(f)] if lp > 0 else E
                            totals[params].append(evaluate_matrix(p, held, S, k))
    table = [
        (prm, float(np.mean([v[0] for v in vals])), float(np.mean([v[1] for v in vals])))
        for prm, vals in totals.items()
    ]
    table.sort(key=lambda row: (-row[1], -row[2]))
    return table[0][0], table


def _part_scores(X: sp.csr_matrix, B: F32) -> F64:
    """Every learner's x @ B, max-normalised per learner (as CFModel.scores does per part)."""
    S = np.asarray(X.astype(np.float64) @ B.astype(np.float64))
    top = S.max(axis=1, keepdims=True)
    return np.asarray(S / np.where(top > 0, top, 1.0))
