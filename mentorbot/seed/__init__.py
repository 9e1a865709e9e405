"""Synthetic but plausible mentors, learners and reviews for demos and load tests.

`seed()` is deterministic for a given `seed` value: it draws everything from its own
`random.Random(seed)` and never from the global generator or from database ids, so two
fresh databases seeded alike hold the same people with the same skills. The word lists it
draws from are mentorbot/data/seed_*.json.
"""

from mentorbot.seed.write import SeedReport, seed

__all__ = ["SeedReport", "seed"]
