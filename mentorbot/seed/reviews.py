"""Reviews of approved mentors by seeded learners, consistent with each profile's rating."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from mentorbot.seed.data import SeedData
from mentorbot.seed.draw import weighted
from mentorbot.seed.people import Person

STARS_GOOD = ((5, 58), (4, 28), (3, 9), (2, 4), (1, 1))
STARS_MIXED = ((5, 25), (4, 35), (3, 22), (2, 12), (1, 6))


def reviews(
    rng: random.Random, data: SeedData, people: list[Person], now: datetime
) -> list[tuple[int, int, int, str, datetime]]:
    """(mentor index, author index, stars, text, created_at) for approved mentors; fills in
    each profile's rating and session counts."""
    authors = [i for i, p in enumerate(people) if p.learns]
    out: list[tuple[int, int, int, str, datetime]] = []
    window_start = now - timedelta(days=120)
    for mi, mentor in enumerate(people):
        prof = mentor.profile
        if prof is None or prof["status"] != "approved":
            continue
        if not authors or rng.random() >= 0.7:
            prof["sessions_completed"] = rng.randint(0, 3)
            continue
        want = 1 + min(24, int(rng.expovariate(1 / 5)))
        pool = [a for a in authors if a != mi]
        picked = rng.sample(pool, min(want, len(pool)))
        stars_table = STARS_GOOD if mentor.quality else STARS_MIXED
        total = count = 0
        for ai in picked:
            lo = max(window_start, prof["decided_at"], people[ai].created_at)
            if lo >= now - timedelta(minutes=30):
                continue
            stars = weighted(rng, stars_table)
            text = ""
            if rng.random() < 0.85:
                skill = rng.choice(mentor.teach)[0]
                text = rng.choice(data.reviews[stars]).format(skill=skill.name)
            when = (lo + (now - lo) * rng.random()).replace(microsecond=0)
            out.append((mi, ai, stars, text, min(when, now)))
            total += stars
            count += 1
        prof["rating_sum"], prof["rating_count"] = total, count
        prof["sessions_completed"] = count + rng.randint(0, count) + rng.randint(0, 3)
    return out
