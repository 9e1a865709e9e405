"""`mentorbot eval …` and `mentorbot match …`: offline evaluation, A/B report, admin settings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(sub: Any) -> None:
    ev = sub.add_parser("eval", help="evaluate the matching engine")
    esub = ev.add_subparsers(dest="eval_cmd", required=True)
    off = esub.add_parser("offline", help="P@K, R@K, NDCG@K, MRR, coverage, RMSE from CSV files")
    off.add_argument("--train", type=Path, required=True)
    off.add_argument("--test", type=Path, required=True)
    off.add_argument("--items", type=Path, required=True)
    off.add_argument("--k", type=int, default=10)
    off.add_argument(
        "--tune",
        action="store_true",
        help="first choose the CF settings on validation (10%% of TRAIN), then report TEST",
    )
    off.add_argument(
        "--cold-share",
        type=_share,
        default=None,
        metavar="SHARE",
        help="hold this share of mentors out of TRAIN entirely (e.g. 0.15), rank ALL mentors "
        "and score only the held-out ones' TEST interactions",
    )
    off.add_argument("--seed", type=int, default=0, help="which mentors --cold-share holds out")
    off.add_argument("--json", action="store_true")
    ml = esub.add_parser(
        "movielens", help="the offline protocol on MovieLens-100k (recbole's copy)"
    )
    ml.add_argument("--k", type=int, default=10)
    ml.add_argument("--seeds", default="0,1,2")
    ml.add_argument("--out", type=Path, default=None, help="also write the first seed's CSVs here")
    ml.add_argument(
        "--tune",
        action="store_true",
        help="first choose the CF settings on validation (10%% of each seed's TRAIN), then "
        "report TEST with them",
    )
    ml.add_argument("--json", action="store_true")
    syn = esub.add_parser("synthetic", help="the product's own journey with known ground truth")
    syn.add_argument("--mentors", type=int, default=600)
    syn.add_argument("--model", default="minilm", choices=("minilm", "hashing"))
    syn.add_argument("--json", action="store_true")
    esub.add_parser("ab", help="funnel per ranking variant with confidence intervals")
    from mentorbot.dialog_eval import add_command as add_dialog

    add_dialog(esub)
    m = sub.add_parser("match", help="matching settings (admins)")
    msub = m.add_subparsers(dest="match_cmd", required=True)
    w = msub.add_parser("weights", help="show or change the blend weights")
    w.add_argument("--set", nargs="*", default=[], metavar="SIGNAL=WEIGHT")
    w.add_argument("--reset", action="store_true")
    msub.add_parser("retrain", help="rebuild the index and models now")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError("the share must be between 0 and 1, e.g. 0.15")
    return value


def _print_table(report: dict[str, Any], k: int) -> None:
    cols = [f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "mrr", "coverage", "rmse"]
    print(f"{'ranker':<12}" + "".join(f"{c:>14}" for c in cols))

    def row(name: str, r: dict[str, Any]) -> None:
        cells = "".join(
            f"{r[c]:>14.4f}" if isinstance(r.get(c), int | float) else f"{'—':>14}" for c in cols
        )
        print(f"{name:<12}{cells}")

    row("engine", report["engine"])
    for name, r in report["baselines"].items():
        row(name, r)
    cold = report.get("cold_start")
    if isinstance(cold, dict):
        print(
            f"\ncold-start mentors (absent from TRAIN: {int(cold['mentors'])}), ranked among themselves:"
        )
        for name, r in cold.items():
            if isinstance(r, dict):
                row(name, r)


def run_offline(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from matching.cf import CFParams
    from matching.evaluate import cold_share_report, offline_report, read_items, read_ratings

    train, items = read_ratings(args.train), read_items(args.items)
    params = CFParams()
    tuning: list[dict[str, Any]] = []
    if args.tune:
        params, tuning = _tune([(0, train)], items, args, str(args.train))
    test = read_ratings(args.test)
    if args.cold_share is not None:
        cold = cold_share_report(train, test, items, args.cold_share, args.k, args.seed, params)
        cold["cf_params"] = asdict(params)
        if args.json:
            print(json.dumps(cold))
        else:
            _print_cold_share(cold, args.k)
        return
    report = offline_report(train, test, items, args.k, params=params)
    report["cf_params"] = asdict(params)
    if tuning:
        report["tuning"] = tuning
    if args.json:
        print(json.dumps(report))
    else:
        _print_table(report, args.k)


def _print_cold_share(report: dict[str, Any], k: int) -> None:
    cols = [f"ndcg@{k}", f"precision@{k}", f"recall@{k}", "mrr"]
    print(
        f"{int(report['mentors'])} mentors ({report['share']:.0%}) held out of TRAIN; "
        "every ranker orders ALL mentors."
    )
    for part, title in (
        ("cold", "held-out mentors' TEST interactions"),
        ("warm", "the other mentors' TEST interactions (same rankings)"),
    ):
        print(f"\n{title}:")
        print(f"{'ranker':<12}" + "".join(f"{c:>14}" for c in cols))
        for name, r in report[part].items():
            print(f"{name:<12}" + "".join(f"{r[c]:>14.4f}" for c in cols))


def run_movielens(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from matching.cf import CFParams
    from matching.evaluate import movielens, movielens_folder, movielens_report, random_split

    folder = movielens_folder()
    if folder is None:
        sys.exit(
            "MovieLens-100k comes from the recbole package: "
            "`.venv/bin/pip install recbole --no-deps` (research-use licence; never commit the data)."
        )
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    params = CFParams()
    tuning: list[dict[str, Any]] = []
    if args.tune:
        ratings, items = movielens(folder)
        trains = [(seed, random_split(ratings, seed)[0]) for seed in seeds]
        params, tuning = _tune(trains, items, args, f"mean of seeds {seeds}")
    report = movielens_report(folder, seeds, args.k, args.out, params)
    report["cf_params"] = asdict(params)
    if tuning:
        report["tuning"] = tuning
    if args.json:
        print(json.dumps(report))
    else:
        print(f"MovieLens-100k, random 80/20 per interaction, mean of seeds {seeds}:")
        print(f"CF settings: {_describe(params)}")
        _print_table(report, args.k)


def _tune(
    trains: list[tuple[int, Any]], items: Any, args: argparse.Namespace, what: str
) -> tuple[Any, list[dict[str, Any]]]:
    """tune_cf on validation carved out of each TRAIN; prints the best settings."""
    from dataclasses import asdict

    from matching.cf import CFParams
    from matching.evaluate import tune_cf

    params, table = tune_cf(trains, items, args.k)
    if not args.json:
        print(
            f"Validation (10% of each TRAIN; TEST unread), {what}, "
            f"{len(table)} settings, best first:"
        )
        default = CFParams()
        for i, (prm, nd, pr) in enumerate(table):
            if i < 10 or prm == default:
                mark = "  ← CFParams() defaults" if prm == default else ""
                print(
                    f"  {i + 1:>3}. {_describe(prm)}  NDCG@{args.k} {nd:.4f}  "
                    f"P@{args.k} {pr:.4f}{mark}"
                )
        print(f"Chosen: {_describe(params)}\n")
    rows = [
        {**asdict(prm), f"val_ndcg@{args.k}": nd, f"val_precision@{args.k}": pr}
        for prm, nd, pr in table
    ]
    return params, rows


def _describe(p: Any) -> str:
    return (
        f"EASE λ={p.l2:g} + temporal {p.temporal:g} (τ={p.tau_s:g}s) "
        f"+ {p.lowpass:g} × low-pass ({p.factors} factors)"
    )


def run_synthetic(args: argparse.Namespace) -> None:
    from matching.exposure import synthetic_report

    report = synthetic_report(mentors=args.mentors, model=args.model)
    if args.json:
        print(json.dumps(report))
        return
    exposure = report.pop("new_mentors", None)
    for kind, r in report.items():
        print(
            f"{kind:<10} P@5 {r['precision@5']:.3f}  NDCG@5 {r['ndcg@5']:.3f}  ({int(r['queries'])} queries)"
        )
    if exposure:
        print(
            "\nA simulated week (7 × 200 searches, top 10): mentors in their first 14 days "
            f"(no reviews, no history) are {exposure['new_mentor_share']:.1%} of mentors and "
            f"get {exposure['impression_share']:.1%} of impressions "
            f"({exposure['impression_share_without_content_map']:.1%} without the CF's content "
            f"map); {exposure['new_mentors_shown']:.0%} of them are shown at least once."
        )


async def run_ab(settings: Any) -> None:
    from matching.experiments import ab_report, variant_stats
    from mentorbot.bootstrap import build_core

    core = await build_core(settings, matching=False)
    try:
        async with core.uow() as u:
            print(f"experiment {settings.match_experiment}")
            print(ab_report(await variant_stats(u.session)))
    finally:
        await core.db.dispose()


async def run_match(settings: Any, args: argparse.Namespace) -> None:
    from core.db import changes
    from matching.wiring import build_engine
    from mentorbot.bootstrap import build_core

    core = await build_core(settings, matching=False)
    # A one-off command: everything fitted before it goes on, nothing left running behind.
    engine = await build_engine(
        core.db, core.catalog, core.clock.now(), model="none", follow=False, background=False
    )
    try:
        now = core.clock.now()
        if args.match_cmd == "retrain":
            engine.embedder = None
            await engine.retrain(now)
            async with core.uow() as u:
                await changes.record_everything(u.session, now)  # running processes retrain too
            print(
                f"Retrained: {len(engine.index.pos) if engine.index else 0} mentors indexed; "
                "running servers retrain within seconds."
            )
            return
        if args.reset or args.set:
            weights: dict[str, float] = {}
            for item in args.set:
                name, _, value = item.partition("=")
                try:
                    weights[name.strip()] = float(value)
                except ValueError:
                    sys.exit(f"{item!r}: write SIGNAL=WEIGHT, e.g. reputation=0.2")
            async with core.uow() as u:
                try:
                    if args.reset:
                        await engine.reset_weights(now, u.session)
                    else:
                        await engine.set_weights(weights, now, u.session)
                except ValueError as exc:
                    sys.exit(str(exc))
                await changes.record_everything(u.session, now)
        b = engine.blend
        print(f"Blend weights ({b.source}); running servers pick them up within seconds:")
        for k, v in b.weights.items():
            print(f"  {k:<13} {v:.3f}")
        print(f"  {'exploration':<13} {b.exploration:.3f}\n  {'exposure':<13} {b.exposure:.3f}")
    finally:
        await engine.close()
        await core.db.dispose()
