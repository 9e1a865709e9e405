"""Intent by the nearest labelled examples: a second opinion beside the rules in
core.understand.intents, and a fallback for a message they cannot place.

The examples are the first messages of the tuning set (data/dialog_eval.jsonl) and, for the
meaning vote, the training phrasings (data/dialog_train.jsonl); the held-out and fresh sets
are never read here.
Two ways to compare them, both offline and deterministic:
- TF-IDF vectors of words, word pairs and letter triples (pure Python, always there);
- sentence meaning with the MiniLM model the server already loads for matching, when the
  composition root hands its encoder over (`use_encoder`): "mentor ghosted me, want my
  cash back" lands near "mentor didn't join, refund please" with no word in common.
A vote returns the winner, the similarity of the nearest example, and the margin of the
winner over the runner-up, so the caller can ask instead of acting when it is unsure.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

DATA = "data/dialog_eval.jsonl"
TRAIN = "data/dialog_train.jsonl"
K = 3  # neighbours that vote, weighted by similarity
K_MEANING = 5  # the meaning vote: more neighbours, as near paraphrases crowd together

# Texts -> an (n, d) array of unit vectors (matching.embed.MiniLMEmbedder.encode).
Encode = Callable[[list[str]], Any]


@dataclass(frozen=True)
class Vote:
    intent: str
    similarity: float  # cosine of the nearest example
    margin: float  # the winner's share of the votes minus the runner-up's (0..1)


class Voter(Protocol):
    def vote(self, text: str) -> Vote: ...


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

    def vote(self, text: str) -> Vote:
        intent, sim = self.place(text)
        return Vote(intent, sim, 1.0 if intent != "unknown" else 0.0)


class MeaningIntent:
    """The examples as sentence vectors; a message's K_MEANING nearest vote by similarity."""

    def __init__(
        self, examples: list[tuple[str, str]], encode: Encode, prepare: Callable[[str], str]
    ) -> None:
        import numpy as np

        self._np = np
        self._encode = encode
        self._prepare = prepare
        self._labels = [label for _, label in examples]
        self._matrix = np.asarray(encode([prepare(t) for t, _ in examples]), dtype=np.float32)

    def vote(self, text: str) -> Vote:
        np = self._np
        q = np.asarray(self._encode([self._prepare(text)]), dtype=np.float32).reshape(-1)
        sims = self._matrix @ q
        top = np.argsort(-sims, kind="stable")[:K_MEANING]
        votes: defaultdict[str, float] = defaultdict(float)
        for i in top:
            votes[self._labels[int(i)]] += max(float(sims[i]), 0.0)
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        total = sum(v for _, v in ranked) or 1.0
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return Vote(ranked[0][0], float(sims[top[0]]), (ranked[0][1] - runner_up) / total)


def tuning_examples(training: bool = True) -> list[tuple[str, str]]:
    """The first messages of the packaged tuning set and (`training`) the training
    phrasings, with their intents."""
    out: list[tuple[str, str]] = []
    for name in (DATA, TRAIN) if training else (DATA,):
        text = resources.files("core.understand").joinpath(name).read_text(encoding="utf-8")
        for line in text.splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            if obj.get("step", "first") == "first" and isinstance(obj.get("intent"), str):
                out.append((str(obj["text"]), str(obj["intent"])))
    return out


@cache
def default_nearest(prepare: Callable[[str], str]) -> NearestIntent:
    # The tuning set only: with the training phrasings' short small talk ("cool thanks",
    # "what's 2+2") TF-IDF placed more of the held-out set's unknowns (wrong actions 7 -> 10);
    # the meaning vote, which asks before acting, uses both.
    return NearestIntent(tuning_examples(training=False), prepare)


@dataclass
class _Meaning:
    encode: Encode
    warm: bool  # the examples may be embedded on the first vote
    voters: dict[Callable[[str], str], MeaningIntent]


_meaning: list[_Meaning] = []  # the one encoder handed over, if any


def use_encoder(encode: Encode | None, background: bool = False) -> None:
    """Compare by meaning with `encode` from now on (None: back to TF-IDF only).

    The labelled examples are embedded once (a few seconds with MiniLM on a busy machine).
    `background`: a server's way: they are embedded when `warm()` runs (matching calls it in
    a thread once the model is loaded), and until then messages are read as without an
    encoder, so none waits for the model. Otherwise (the eval command, tests) the first vote
    embeds them."""
    _meaning.clear()
    if encode is not None:
        _meaning.append(_Meaning(encode, not background, {}))


def warm(prepare: Callable[[str], str] | None = None) -> None:
    """Embed the labelled examples now (a server runs this in a thread)."""
    if not _meaning:
        return
    if prepare is None:
        from core.understand.intents import _prepared

        prepare = _prepared
    m = _meaning[0]
    if prepare not in m.voters:
        m.voters[prepare] = MeaningIntent(tuning_examples(), m.encode, prepare)


def meaning_voter(prepare: Callable[[str], str]) -> MeaningIntent | None:
    """The meaning vote when an encoder was handed over and the examples are embedded."""
    if not _meaning:
        return None
    m = _meaning[0]
    voter = m.voters.get(prepare)
    if voter is None and m.warm:
        voter = m.voters[prepare] = MeaningIntent(tuning_examples(), m.encode, prepare)
    return voter
