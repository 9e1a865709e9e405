"""The approved skills the seed hands out, popular ones (early in the taxonomy) more often."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.db.engine import Database
from core.db.schema import Skill
from core.skills import load_taxonomy, skill_key
from mentorbot.seed.draw import distinct

OTHER_CATEGORY_WEIGHT = 1.5
SHORT_SUFFIXES = (" Preparation", " Writing")


@dataclass
class SkillInfo:
    id: int
    name: str
    short: str
    weight: float


@dataclass
class Catalog:
    by_category: dict[str, list[SkillInfo]]

    def pick(self, rng: random.Random, category: str, k: int, exclude: set[int]) -> list[SkillInfo]:
        cands = [s for s in self.by_category.get(category, []) if s.id not in exclude]
        return distinct(rng, cands, [s.weight for s in cands], k)

    def category(self, rng: random.Random, preferred: dict[str, int]) -> str:
        cats = sorted(self.by_category)
        weights = [preferred.get(c, OTHER_CATEGORY_WEIGHT) for c in cats]
        return rng.choices(cats, weights=weights)[0]


def short_name(name: str, aliases: Sequence[str]) -> str:
    if len(name) <= 14:
        return name
    for suffix in SHORT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + (" Prep" if suffix == " Preparation" else "")
    for a in aliases:
        if a.isupper() and a.isalnum() and 3 <= len(a) <= 5:
            return a
    return name


async def load_catalog(db: Database) -> Catalog:
    taxonomy = load_taxonomy()
    rank: dict[str, int] = {}
    per_cat: dict[str, int] = defaultdict(int)
    for e in taxonomy:
        rank[skill_key(e.name)] = per_cat[e.category]
        per_cat[e.category] += 1
    async with db.transaction() as s:
        rows = list(await s.scalars(select(Skill).where(Skill.status == "approved")))
    by_category: dict[str, list[SkillInfo]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.category, rank.get(r.key, 999), r.key)):
        weight = 1.0 / (1.0 + 0.12 * rank.get(row.key, 40))
        short = short_name(row.name, row.aliases or ())
        by_category[row.category].append(SkillInfo(row.id, row.name, short, weight))
    if not by_category:
        raise RuntimeError("no approved skills to seed with")
    return Catalog(dict(by_category))
