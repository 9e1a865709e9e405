"""A trained matching model as bytes, and back (issue 21, part 7).

What a retrain fits and the other workers load: the CF ensemble (its item-item parts, the
learners' histories and when they chose, the content map for mentors without history), the
skill columns the content map was fitted on, and the learned blend. The mentor index itself
is not part of it: every worker builds that from the database and keeps it current through
the change log.

The format is a compressed numpy archive of plain arrays plus one JSON document, read with
`allow_pickle=False`: the bytes come from a database row, and unpickling what a database
holds would run whatever someone managed to write there.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.blend import Blend
from matching.cf import CFModel, CFParams
from matching.coldstart import ContentMap
from matching.features import MentorFeatures

FORMAT = 1


@dataclass(frozen=True)
class TrainedModel:
    cf: CFModel
    features: MentorFeatures | None
    learned: Blend | None


def snapshot(
    cf_in_use: CFModel, features: MentorFeatures | None, learned: Blend | None
) -> TrainedModel:
    """What an engine uses now, with its mutable parts (the histories) copied."""
    cf = copy.copy(cf_in_use)
    cf.history = {learner: dict(row) for learner, row in cf_in_use.history.items()}
    cf.chosen_at = {learner: dict(row) for learner, row in cf_in_use.chosen_at.items()}
    return TrainedModel(cf, features, learned)


def _pairs(
    table: dict[int, dict[int, float]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    a = [(learner, m, w) for learner, row in table.items() for m, w in row.items()]
    return (
        np.asarray([x[0] for x in a], dtype=np.int64),
        np.asarray([x[1] for x in a], dtype=np.int64),
        np.asarray([x[2] for x in a], dtype=np.float64),
    )


def _table(
    learners: npt.NDArray[np.int64], mentors: npt.NDArray[np.int64], values: npt.NDArray[Any]
) -> dict[int, dict[int, float]]:
    out: dict[int, dict[int, float]] = {}
    for learner, m, v in zip(learners.tolist(), mentors.tolist(), values.tolist(), strict=True):
        out.setdefault(int(learner), {})[int(m)] = float(v)
    return out


def dump(model: TrainedModel) -> bytes:
    cf = model.cf
    arrays: dict[str, npt.NDArray[Any]] = {"items": cf.items.astype(np.int64)}
    for i, (_w, B) in enumerate(cf.parts):
        arrays[f"part{i}"] = np.asarray(B, dtype=np.float32)
    arrays["hist_l"], arrays["hist_m"], arrays["hist_w"] = _pairs(cf.history)
    arrays["when_l"], arrays["when_m"], arrays["when_t"] = _pairs(cf.chosen_at)
    if cf.content is not None:
        for i, W in enumerate(cf.content.W):
            arrays[f"content_W{i}"] = np.asarray(W, dtype=np.float32)
        arrays["content_F"] = np.asarray(cf.content.F, dtype=np.float32)
        arrays["content_alpha"] = np.asarray(cf.content.alpha, dtype=np.float64)
    feats = model.features
    meta = {
        "format": FORMAT,
        "kind": cf.kind,
        "params": {
            "l2": cf.params.l2,
            "temporal": cf.params.temporal,
            "tau_s": cf.params.tau_s,
            "lowpass": cf.params.lowpass,
            "factors": cf.params.factors,
        },
        "neighbours": cf.neighbours,
        "part_weights": [float(w) for w, _B in cf.parts],
        "content": cf.content is not None,
        # Skill id -> column, as pairs: the content map's rows follow these columns.
        "features": None
        if feats is None
        else {"dim_emb": feats.dim_emb, "skill_col": sorted(feats.skill_col.items())},
        "learned": None if model.learned is None else model.learned.to_json(),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def load(data: bytes) -> TrainedModel:
    """ValueError for anything that is not an archive `dump` wrote."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown matching model format {meta.get('format')!r}")
        p = meta["params"]
        cf = CFModel(
            str(meta["kind"]),
            params=CFParams(
                l2=float(p["l2"]),
                temporal=float(p["temporal"]),
                tau_s=float(p["tau_s"]),
                lowpass=float(p["lowpass"]),
                factors=int(p["factors"]),
            ),
            neighbours=int(meta["neighbours"]),
        )
        cf.items = np.asarray(arrays["items"], dtype=np.int64)
        cf.item_pos = {int(m): i for i, m in enumerate(cf.items.tolist())}
        weights = [float(w) for w in meta["part_weights"]]
        cf.parts = [
            (w, np.asarray(arrays[f"part{i}"], dtype=np.float32)) for i, w in enumerate(weights)
        ]
        n = len(cf.items)
        if any(B.shape != (n, n) for _w, B in cf.parts):
            raise ValueError("a CF part does not match the item count")
        cf.B = cf.parts[0][1] if cf.parts else np.zeros((0, 0), dtype=np.float32)
        cf.history = _table(arrays["hist_l"], arrays["hist_m"], arrays["hist_w"])
        cf.chosen_at = _table(arrays["when_l"], arrays["when_m"], arrays["when_t"])
        if meta["content"]:
            cf.content = ContentMap(
                [
                    np.asarray(arrays[f"content_W{i}"], dtype=np.float32)
                    for i in range(len(weights))
                ],
                np.asarray(arrays["content_F"], dtype=np.float32),
                np.asarray(arrays["content_alpha"], dtype=np.float64),
            )
        f = meta["features"]
        features = (
            None
            if f is None
            else MentorFeatures({int(s): int(c) for s, c in f["skill_col"]}, int(f["dim_emb"]))
        )
        learned = None if meta["learned"] is None else Blend.from_json(meta["learned"])
    except ValueError:
        raise
    except (KeyError, TypeError, EOFError, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a matching model archive: {exc.__class__.__name__}") from exc
    return TrainedModel(cf, features, learned)
