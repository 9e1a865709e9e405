"""Writing a seeded population: check the seed is new, plan everyone, insert in bulk."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from core.db.engine import Database
from core.db.schema import (
    Account,
    AvailabilityWindow,
    MentorProfile,
    Review,
    User,
    UserLanguage,
    UserSkill,
)
from core.services.catalog import sync_taxonomy
from core.skills import load_taxonomy
from mentorbot.seed.catalog import load_catalog
from mentorbot.seed.data import load_seed_data
from mentorbot.seed.people import plan
from mentorbot.seed.reviews import reviews as plan_reviews

PLATFORM = "web"
WORKSPACE = "seed"


@dataclass(frozen=True)
class SeedReport:
    mentors: int
    learners: int
    reviews: int
    pending: int


async def seed(
    db: Database, *, mentors: int, learners: int, seed: int = 7, now: datetime
) -> SeedReport:
    """Insert `mentors` mentors and `learners` learners with reviews; see mentorbot.seed."""
    if mentors < 0 or learners < 0:
        raise ValueError("counts must be non-negative")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), now)
        clash = await s.scalar(
            select(func.count())
            .select_from(Account)
            .where(
                Account.platform == PLATFORM,
                Account.workspace == WORKSPACE,
                Account.external_id.like(f"seed-%-{seed}"),
            )
        )
    if clash:
        raise ValueError(f"this database already holds people seeded with seed={seed}")

    data = load_seed_data()
    catalog = await load_catalog(db)
    rng = random.Random(seed)
    people = plan(rng, data, catalog, mentors, learners, now)
    reviews = plan_reviews(rng, data, people, now)

    async with db.transaction() as s:
        users = [
            User(
                display_name=p.name,
                created_at=p.created_at,
                is_admin=False,
                wants_to_learn=p.learns,
                wants_to_mentor=p.teaches,
                onboarded=True,
                timezone=p.timezone,
                goals=p.goals,
            )
            for p in people
        ]
        s.add_all(users)
        await s.flush()
        accounts = [
            Account(
                user_id=u.id,
                platform=PLATFORM,
                workspace=WORKSPACE,
                external_id=f"seed-{p.kind}-{p.n:05d}-{seed}",
                display_name=p.name,
                created_at=p.created_at,
                unreachable=True,
            )
            for p, u in zip(people, users, strict=True)
        ]
        s.add_all(accounts)
        await s.flush()
        for u, a in zip(users, accounts, strict=True):
            u.primary_account_id = a.id
        await s.flush()

        ids = [u.id for u in users]
        skill_rows = [
            {"user_id": ids[i], "skill_id": sk.id, "kind": kind, "level": level}
            for i, p in enumerate(people)
            for kind, pairs in (("teach", p.teach), ("learn", p.learn))
            for sk, level in pairs
        ]
        lang_rows = [
            {"user_id": ids[i], "code": code} for i, p in enumerate(people) for code in p.languages
        ]
        window_rows = [
            {"user_id": ids[i], "weekday": d, "start_min": a, "end_min": b}
            for i, p in enumerate(people)
            for d, a, b in p.windows
        ]
        profile_rows = [
            {"user_id": ids[i], **p.profile} for i, p in enumerate(people) if p.profile is not None
        ]
        review_rows = [
            {
                "mentor_id": ids[mi],
                "author_id": ids[ai],
                "stars": stars,
                "text": text,
                "created_at": when,
            }
            for mi, ai, stars, text, when in reviews
        ]
        for model, rows in (
            (UserSkill, skill_rows),
            (UserLanguage, lang_rows),
            (AvailabilityWindow, window_rows),
            (MentorProfile, profile_rows),
            (Review, review_rows),
        ):
            if rows:
                await s.execute(insert(model), rows)

    return SeedReport(
        mentors=mentors,
        learners=learners,
        reviews=len(reviews),
        pending=sum(1 for r in profile_rows if r["status"] == "pending"),
    )
