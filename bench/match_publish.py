"""What publishing the matching model costs (issue 21, part 7): prints figures, asserts
nothing (DESIGN §9).

    .venv/bin/python bench/match_publish.py [--items 500 2000] [--learners 20000]

Fits the live CF ensemble (EASE + temporal term + low-pass, with the content map over 64
content features) on synthetic choices, then times `artefacts.dump` (what the retraining
worker stores in match_models) and `artefacts.load` (what every other worker does instead of
fitting), and prints the archive's size next to the raw arrays' size.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import artefacts
from matching.artefacts import TrainedModel
from matching.cf import CFModel, Interaction
from matching.features import MentorFeatures


def choices(items: int, learners: int, seed: int = 0) -> list[Interaction]:
    """Each learner chooses 3-8 mentors, popular ones more often, seconds apart."""
    rng = random.Random(seed)
    weights = [1.0 / (1 + i) ** 0.7 for i in range(items)]
    out = []
    for u in range(learners):
        picks = set(rng.choices(range(items), weights=weights, k=rng.randint(3, 8)))
        for i, m in enumerate(sorted(picks)):
            out.append(Interaction(1_000_000 + u, m, 1.0, 1000.0 * u + 30 * i))
    return out


def rows(feats: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    return feats[ids]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, nargs="+", default=[500, 2000])
    ap.add_argument("--learners", type=int, default=20_000)
    args = ap.parse_args()
    print("items  learners  fit_s  dump_s  load_s  archive_MB  raw_MB")
    for n in args.items:
        feats = np.random.default_rng(1).random((n, 64), dtype=np.float32)
        t0 = time.perf_counter()
        cf = CFModel().fit(
            choices(n, args.learners), max_items=n, features=functools.partial(rows, feats)
        )
        fit_s = time.perf_counter() - t0
        model = TrainedModel(cf, MentorFeatures({s: s for s in range(40)}, 24), None)
        t0 = time.perf_counter()
        data = artefacts.dump(model)
        dump_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        artefacts.load(data)
        load_s = time.perf_counter() - t0
        raw = sum(B.nbytes for _w, B in cf.parts)
        if cf.content is not None:
            raw += sum(W.nbytes for W in cf.content.W) + cf.content.F.nbytes
        raw += sum(len(r) for r in cf.history.values()) * 2 * (8 + 8 + 8)
        print(
            f"{n:5d}  {args.learners:8d}  {fit_s:5.2f}  {dump_s:6.2f}  {load_s:6.2f}  "
            f"{len(data) / 1e6:10.1f}  {raw / 1e6:6.1f}"
        )


if __name__ == "__main__":
    main()
