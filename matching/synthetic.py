"""A synthetic mentor-matching set with known ground truth, for the product's own journey.

Mentors teach 1-3 skills from one field (so neighbours compete), at a level, with a latent
quality their observed reviews are drawn from (some are new, with none). A learner needs one
skill at a level; the relevant mentors teach that skill at that level or above and are not
poor (latent quality ≥ 0.35). Queries come in four kinds: explicit ("Python, advanced"),
misspelt ("Pyhton"), spoken ("sequel joins in hindi", "k8s deployments": the short and
spoken forms students type) and vague ("automate boring spreadsheet tasks with scripts").
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from core.db.engine import Database
from core.skills import LEVELS, SkillIndex, SkillRef, load_taxonomy
from matching.embed import Embedder, HashingEmbedder, MiniLMEmbedder
from matching.engine import FixedSkills, MatchingEngine
from matching.evaluate import ndcg_at, precision_at
from matching.index import MentorIndex, MentorRecord
from matching.query import understand

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# skill -> (vague descriptions that never name it)
VAGUE: dict[str, tuple[str, ...]] = {
    "Python": ("learn the snake language for scripting", "automate boring tasks with scripts"),
    "CSS": ("make my web page look nicer with styles and layout", "style sheets for web pages"),
    "React": ("build interactive user interfaces with components and hooks",),
    "SQL": ("write queries to get data out of relational tables",),
    "Docker": ("package my app into containers",),
    "Kubernetes": ("orchestrate containers in a cluster",),
    "Machine Learning": ("teach computers to learn patterns from data",),
    "Figma": ("design app screens in a collaborative design tool",),
    "Public Speaking": ("stop being nervous when talking on stage",),
    "Resume Review": ("someone to check my CV before applying",),
    "Guitar": ("play chords on a six string instrument",),
    "Personal Finance": ("manage my money, budget and savings",),
    "SEO": ("get my website to rank higher on google search",),
    "Data Structures & Algorithms": ("linked lists, trees, graphs and sorting for coding rounds",),
    "Statistics": ("hypothesis testing, p-values and regression",),
    "Excel": ("spreadsheets, formulas and pivot tables",),
    "Git": ("version control, branches and merge conflicts",),
    "Salary Negotiation": ("ask for a higher pay offer",),
    "IELTS Preparation": ("english test band score for studying abroad",),
    "Arduino": ("program a microcontroller board to blink leds and read sensors",),
}


# skill -> how students say it: abbreviations, spoken forms, common misspellings.
SPOKEN: dict[str, tuple[str, ...]] = {
    "SQL": ("sequel joins in hindi", "sql queries"),
    "Python": ("py scripting",),
    "Machine Learning": ("ML for beginners",),
    "Data Structures & Algorithms": ("DSA for placements", "dsa practice"),
    "Kubernetes": ("k8s deployments",),
    "Resume Review": ("cv check",),
    "Excel": ("ms excel formulas",),
    "React": ("reactjs hooks",),
    "Git": ("git branching",),
    "IELTS Preparation": ("ielts speaking band 7",),
    "Personal Finance": ("personal finance basics",),
    "Public Speaking": ("public speaking confidence",),
}


def misspell(name: str, rng: random.Random) -> str:
    """One adjacent swap or one dropped letter inside the first long word."""
    words = name.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) < 5:
        return name.lower()
    p = rng.randrange(1, len(w) - 2)
    w = w[:p] + w[p + 1] + w[p] + w[p + 2 :] if rng.random() < 0.5 else w[:p] + w[p + 1 :]
    words[i] = w
    return " ".join(words).lower()


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    skill_id: int
    level: str
    relevant: frozenset[int]


def build(
    n_mentors: int, seed: int = 0
) -> tuple[list[MentorRecord], list[Case], SkillIndex, dict[int, float]]:
    rng = random.Random(seed)
    tax = load_taxonomy()
    refs = [SkillRef(i + 1, e.name) for i, e in enumerate(tax)]
    index = SkillIndex([(r, e.aliases) for r, e in zip(refs, tax, strict=True)])
    by_name = {r.name: r for r in refs}
    by_cat: dict[str, list[SkillRef]] = {}
    for r, e in zip(refs, tax, strict=True):
        by_cat.setdefault(e.category, []).append(r)
    cat_of = {r.id: e.category for r, e in zip(refs, tax, strict=True)}
    targets = [by_name[n] for n in VAGUE]
    mentors: list[MentorRecord] = []
    quality: dict[int, float] = {}
    for uid in range(1, n_mentors + 1):
        main = rng.choice(targets)
        field = by_cat[cat_of[main.id]]
        others = rng.sample([r for r in field if r.id != main.id], k=rng.randint(0, 2))
        skills = {main.id: rng.randint(1, 3)}
        for o in others:
            skills[o.id] = rng.randint(1, 3)
        q = rng.betavariate(4, 2)
        n = 0 if rng.random() < 0.15 else rng.randint(1, 40)
        total = sum(min(5, max(1, round(rng.gauss(1 + 4 * q, 0.7)))) for _ in range(n))
        names = [r.name for r in refs if r.id in skills]
        mentors.append(
            MentorRecord(
                user_id=uid,
                name=f"Mentor {uid}",
                headline=f"{rng.choice(('Engineer', 'Coach', 'Lead', 'Tutor'))} · {' and '.join(names)}",
                bio=f"I help people with {', '.join(names)}.",
                skills=skills,
                skill_names={r.id: r.name for r in refs if r.id in skills},
                languages=("en",),
                price_minor=10000,
                list_price_minor=10000,
                rating_sum=total,
                rating_count=n,
                sessions=n,
                timezone="Asia/Kolkata",
            )
        )
        quality[uid] = q
    rank = {lv: i + 1 for i, lv in enumerate(LEVELS)}
    cases: list[Case] = []
    for ref in targets:
        for level in LEVELS:
            rel = frozenset(
                m.user_id
                for m in mentors
                if m.skills.get(ref.id, 0) >= rank[level] and quality[m.user_id] >= 0.35
            )
            if len(rel) < 5:
                continue
            cases.append(Case("explicit", f"{ref.name}, {level}", ref.id, level, rel))
            cases.append(Case("misspelt", f"{misspell(ref.name, rng)} {level}", ref.id, level, rel))
            for phrase in SPOKEN.get(ref.name, ()):
                cases.append(Case("spoken", f"{phrase} ({level})", ref.id, level, rel))
            for phrase in VAGUE[ref.name]:
                cases.append(Case("vague", f"{phrase} ({level})", ref.id, level, rel))
    return mentors, cases, index, quality


async def make_engine(
    records: list[MentorRecord], index: SkillIndex, embedder: Embedder
) -> MatchingEngine:
    engine = MatchingEngine(Database.from_url("sqlite+aiosqlite://"), FixedSkills(index), embedder)
    idx = MentorIndex(embedder.dim, NOW)
    vecs = embedder.encode([r.text() for r in records])
    for r, v in zip(records, vecs, strict=True):
        idx.upsert(r, v)
    idx.refit_tfidf([r.text() for r in records])
    engine.index = idx
    await engine.embed_skills()
    engine.semantic_ok = True
    return engine


def query_metrics(
    engine: MatchingEngine, cases: list[Case], index: SkillIndex, k: int = 5
) -> dict[str, dict[str, float]]:
    """P@K and NDCG@K per query kind."""
    sums: dict[str, list[float]] = {}
    for case in cases:
        q = understand(case.text, index, "Asia/Kolkata", NOW)
        ranked = engine.rank_offline(q, k=k)
        s = sums.setdefault(case.kind, [0.0, 0.0, 0.0])
        s[0] += precision_at(ranked, set(case.relevant), k)
        s[1] += ndcg_at(ranked, set(case.relevant), k)
        s[2] += 1
    return {
        kind: {f"precision@{k}": s[0] / s[2], f"ndcg@{k}": s[1] / s[2], "queries": s[2]}
        for kind, s in sums.items()
    }


def run_synthetic(
    mentors: int = 600, model: str = "minilm", seed: int = 0, k: int = 5
) -> dict[str, dict[str, float]]:
    records, cases, index, _q = build(mentors, seed)
    embedder: Embedder = MiniLMEmbedder() if model == "minilm" else HashingEmbedder()
    engine = asyncio.run(make_engine(records, index, embedder))
    out = query_metrics(engine, cases, index, k)
    asyncio.run(engine.db.dispose())
    return out
