"""Evaluation metrics against hand-computed values; `mentorbot eval offline` on a tiny fixture;
the synthetic set's ground truth; the A/B report."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from matching.evaluate import (
    Item,
    Rating,
    mean_reports,
    ndcg_at,
    offline_report,
    precision_at,
    recall_at,
    reciprocal_rank,
    rmse,
    write_items,
    write_ratings,
)
from matching.experiments import VariantStats, ab_report
from matching.synthetic import build, misspell
from mentorbot.cli import main


def test_metrics_by_hand() -> None:
    ranked = [7, 3, 9, 1, 5]
    relevant = {3, 5, 8}
    assert precision_at(ranked, relevant, 5) == pytest.approx(2 / 5)
    assert precision_at(ranked, relevant, 2) == pytest.approx(1 / 2)
    assert recall_at(ranked, relevant, 5) == pytest.approx(2 / 3)
    # DCG = 1/log2(3) + 1/log2(6); ideal = 1 + 1/log2(3) + 1/log2(4)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(ranked, relevant, 5) == pytest.approx(dcg / ideal)
    assert ndcg_at([3, 5, 8], relevant, 3) == pytest.approx(1.0)
    assert reciprocal_rank(ranked, relevant) == pytest.approx(1 / 2)
    assert reciprocal_rank([1, 2], relevant) == 0.0
    assert rmse([3.0, 4.0], [5.0, 4.0]) == pytest.approx(math.sqrt(2))
    assert mean_reports([{"a": {"x": 1.0}}, {"a": {"x": 3.0}}]) == {"a": {"x": 2.0}}


def _fixture(tmp_path: Path) -> tuple[Path, Path, Path]:
    # Two taste groups: learners 1-6 like mentors a, b, c; learners 7-12 like x, y, z.
    train, test = [], []
    for u in range(1, 13):
        group = ("a", "b", "c") if u <= 6 else ("x", "y", "z")
        held = group[u % 3]
        for m in group:
            (test if m == held else train).append(Rating(f"u{u}", m, 4.0, 1000.0 + u))
    items = [
        Item(m, ("React",) if m in "abc" else ("Guitar",), f"mentor {m} teaches")
        for m in ("a", "b", "c", "x", "y", "z", "new")
    ]
    paths = (tmp_path / "train.csv", tmp_path / "test.csv", tmp_path / "items.csv")
    write_ratings(paths[0], train)
    write_ratings(paths[1], test)
    write_items(paths[2], items)
    return paths


def test_offline_report_on_two_taste_groups(tmp_path: Path) -> None:
    from matching.evaluate import read_items, read_ratings

    tr, te, it = _fixture(tmp_path)
    report = offline_report(read_ratings(tr), read_ratings(te), read_items(it), k=1)
    engine = report["engine"]
    assert isinstance(engine, dict)
    # Each learner's one held-out mentor is the other one of their group: CF finds it first.
    assert engine["precision@1"] == pytest.approx(1.0)
    assert engine["ndcg@1"] == pytest.approx(1.0)
    assert engine["rmse"] == pytest.approx(0.0)


def test_eval_offline_command_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tr, te, it = _fixture(tmp_path)
    main(
        [
            "eval",
            "offline",
            "--train",
            str(tr),
            "--test",
            str(te),
            "--items",
            str(it),
            "--k",
            "2",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out["engine"]) >= {"precision@2", "recall@2", "ndcg@2", "mrr", "coverage"}
    assert {"popularity", "content", "cf", "random"} <= set(out["baselines"])
    assert out["engine"]["recall@2"] == pytest.approx(1.0)
    main(["eval", "offline", "--train", str(tr), "--test", str(te), "--items", str(it)])
    table = capsys.readouterr().out
    assert "engine" in table and "popularity" in table and "ndcg@10" in table


def test_synthetic_set_has_known_ground_truth() -> None:
    mentors, cases, index, quality = build(200, seed=3)
    assert {c.kind for c in cases} == {"explicit", "misspelt", "spoken", "vague"}
    by_id = {m.user_id: m for m in mentors}
    rank = {"beginner": 1, "intermediate": 2, "advanced": 3}
    for c in cases[:20]:
        for uid in c.relevant:
            assert by_id[uid].skills[c.skill_id] >= rank[c.level]
            assert quality[uid] >= 0.35
    assert misspell("Python", random.Random(1)) != "python"
    assert len(index) > 500


def test_ab_report_compares_variants_with_intervals() -> None:
    stats = [
        VariantStats("content", 40, {"impression": 1000, "click": 100, "request": 10}, {}),
        VariantStats("hybrid", 40, {"impression": 1000, "click": 150, "request": 12}, {}),
    ]
    text = ab_report(stats)
    assert "variant hybrid: 40 learners, 1000 impressions" in text
    assert "click" in text and "95% CI" in text
    assert "hybrid vs content" in text
    click_line = next(
        line for line in text.splitlines() if line.strip().startswith("click") and "+5.00%" in line
    )
    assert "significant" in click_line and "not significant" not in click_line
    assert ab_report([]) == "No experiment events logged yet."


def test_eval_ab_and_match_weights_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from core.db.engine import Database
    from core.db.schema import User
    from matching.engine import MatchingEngine
    from matching.experiments import Experiment

    url = f"sqlite+aiosqlite:///{tmp_path}/ab.db"
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path))
    main(["db", "upgrade"])
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    async def log_some() -> None:
        db = Database.from_url(url)
        eng = MatchingEngine(db, None, None)  # type: ignore[arg-type]
        eng.config = type(eng.config)(experiment=Experiment("ranker-1"))
        async with db.transaction() as s:
            users = [User(display_name=f"u{i}", created_at=now) for i in range(12)]
            s.add_all(users)
            await s.flush()
            mentor = users[0].id
            for u in users[1:]:
                await eng.log_event(s, u.id, mentor, "impression", now, position=0)
                if u.id % 2:
                    await eng.log_event(s, u.id, mentor, "click", now)
        await db.dispose()

    asyncio.run(log_some())
    capsys.readouterr()
    main(["eval", "ab"])
    out = capsys.readouterr().out
    assert "experiment ranker-1" in out
    assert "impressions" in out and "click" in out and "95% CI" in out
    main(["match", "weights", "--set", "reputation=0.3"])
    assert "reputation    0.300" in capsys.readouterr().out
    main(["match", "weights"])
    assert "Blend weights (admin)" in capsys.readouterr().out
    main(["match", "weights", "--reset"])
    assert "Blend weights (default)" in capsys.readouterr().out


def test_tuning_uses_validation_from_train_and_finds_the_temporal_term() -> None:
    from matching.cf import CFParams
    from matching.evaluate import tune_cf, validation_split

    # 80 learners each choose 3 of 4 mentor pairs; a pair's two mentors are chosen seconds
    # apart, pairs days apart. Who-chose-whom alone cannot say which unseen mentor a
    # learner took next to a seen one; the time of the choices can.
    rng = random.Random(5)
    ratings = []
    for u in range(80):
        t = 1_000_000.0 * (u + 1)
        for pair in rng.sample(range(4), 3):
            ratings.append(Rating(f"u{u}", f"m{2 * pair}", 5.0, t))
            ratings.append(Rating(f"u{u}", f"m{2 * pair + 1}", 5.0, t + 15.0))
            t += 3 * 86_400.0
    fit, held = validation_split(ratings, seed=0, share=0.2)
    assert held and len(fit) + len(held) == len(ratings) and not set(fit) & set(held)
    grid = {"l2": (1.0,), "temporal": (0.0, 4.0), "tau_s": (60.0,), "lowpass": (0.0,)}
    best, table = tune_cf([(0, ratings), (1, ratings)], [], k=2, share=0.2, grid=grid)
    assert [row[0] for row in table].count(best) == 1 and table[0][0] == best
    assert len(table) == 2 and table[0][1] > table[1][1]
    assert best == CFParams(l2=1.0, temporal=4.0, tau_s=60.0, lowpass=0.0, factors=32)


def test_eval_offline_tune_reports_the_chosen_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tr, te, it = _fixture(tmp_path)
    main(["eval", "offline", "--train", str(tr), "--test", str(te), "--items", str(it)])
    main(["eval", "offline", "--train", str(tr), "--test", str(te), "--items", str(it), "--tune"])
    out = capsys.readouterr().out
    assert "Validation (10% of each TRAIN; TEST unread)" in out and "Chosen: EASE" in out
    files = ["--train", str(tr), "--test", str(te), "--items", str(it)]
    main(["eval", "offline", *files, "--tune", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert set(report["cf_params"]) == {"l2", "temporal", "tau_s", "lowpass", "factors"}
    assert report["tuning"][0] == {
        **report["cf_params"],
        "val_ndcg@10": report["tuning"][0]["val_ndcg@10"],
        "val_precision@10": report["tuning"][0]["val_precision@10"],
    }


def test_tuning_evaluator_agrees_with_the_report_evaluator() -> None:
    import numpy as np

    from matching.evaluate import Problem, evaluate_matrix, evaluate_scorer

    rng = random.Random(2)
    ratings = [
        Rating(f"u{u}", f"m{m}", 4.0, float(rng.random()))
        for u in range(40)
        for m in rng.sample(range(30), 8)
    ]
    train, test = ratings[::2] + ratings[1::4], ratings[3::4]
    p = Problem.build(train, [], test)
    S = np.random.default_rng(0).random((len(p.users), len(p.items)))
    S[:, :5] = 0.5  # ties go to the lower column in both
    ndcg, prec = evaluate_matrix(p, test, S, 5)
    ref = evaluate_scorer(p, test, lambda u: S[u], 5)
    assert ndcg == pytest.approx(ref["ndcg@5"]) and prec == pytest.approx(ref["precision@5"])
    assert 0 < ndcg < 1
