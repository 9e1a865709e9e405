"""Intent by the nearest labelled examples: a fallback for a first message the rules in
core.understand.intents cannot place ("what exactly is mentorbot", "thnks").

The examples are the first messages of the tuning set (data/dialog_eval.jsonl), compared as
TF-IDF vectors of words, word pairs and letter triples (so typos still share most features).
Pure Python, offline and deterministic; the set is read once, on first use (~ms), and a
message is placed in about a millisecond. The held-out set is never read here.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from importlib import resources

DATA = "data/dialog_eval.jsonl"
K = 3  # neighbours that vote, weighted by similarity

Vector = dict[str, float]


def features(text: str) -> defaultdict[str, float]:
    """Words, word pairs and letter triples of an already normalised text."""
    words = text.split()
    out: defaultdict[str, float] = defaultdict(float)
    for w in words:
        out["w:" + w] += 1.0
    for a, b in itertools.pairwise(words):
        out[f"b:{a} {b}"] += 1.0
    padded = f" {text} "
    for i in range(len(padded) - 2):
        out["c:" + padded[i : i + 3]] += 0.3
    return out


class NearestIntent:
    """Labelled (text, intent) examples; `place(text)` -> (intent, similarity of the nearest)."""

    def __init__(self, examples: list[tuple[str, str]], prepare: Callable[[str], str]) -> None:
        self._prepare = prepare
        feats = [features(prepare(t)) for t, _ in examples]
        df: Counter[str] = Counter(k for f in feats for k in f)
        n = len(feats)
        self._idf = {k: math.log((n + 1) / (d + 1)) + 1 for k, d in df.items()}
        self._unseen = math.log(n + 1) + 1
        self._vectors = [self._vector(f) for f in feats]
        self._labels = [label for _, label in examples]

    def _vector(self, f: dict[str, float]) -> Vector:
        v = {k: x * self._idf.get(k, self._unseen) for k, x in f.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {k: x / norm for k, x in v.items()}

    def place(self, text: str) -> tuple[str, float]:
        q = self._vector(features(self._prepare(text)))
        if not q or not self._vectors:
            return "unknown", 0.0
        sims = sorted(
            (
                (sum(q.get(k, 0.0) * x for k, x in v.items()), i)
                for i, v in enumerate(self._vectors)
            ),
            reverse=True,
        )[:K]
        votes: defaultdict[str, float] = defaultdict(float)
        for sim, i in sims:
            votes[self._labels[i]] += sim
        winner = max(votes, key=lambda label: votes[label])
        # The vote and the single nearest example must agree; otherwise nothing is placed.
        if winner != self._labels[sims[0][1]]:
            return "unknown", 0.0
        return winner, sims[0][0]


def tuning_examples() -> list[tuple[str, str]]:
    """The first messages of the packaged tuning set with their intents."""
    out: list[tuple[str, str]] = []
    text = resources.files("core.understand").joinpath(DATA).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj.get("step") == "first" and isinstance(obj.get("intent"), str):
            out.append((str(obj["text"]), str(obj["intent"])))
    return out


@cache
def default_nearest(prepare: Callable[[str], str]) -> NearestIntent:
    return NearestIntent(tuning_examples(), prepare)
