"""Build the recommender the composition root injects into core."""

from __future__ import annotations

from datetime import datetime

from core.db.engine import Database
from core.ports import Clock, RankObserver
from core.services.catalog import SkillCatalog
from matching.embed import Embedder, HashingEmbedder, MiniLMEmbedder
from matching.engine import MatchConfig, MatchingEngine
from matching.experiments import Experiment


def make_embedder(model: str) -> Embedder | None:
    if model == "minilm":
        return MiniLMEmbedder()
    if model == "hashing":
        return HashingEmbedder()
    if model in ("none", "off", ""):
        return None
    raise ValueError(f"unknown matching model {model!r}: use minilm, hashing or none")


async def build_engine(
    db: Database,
    catalog: SkillCatalog,
    now: datetime,
    *,
    model: str = "minilm",
    experiment: Experiment | None = None,
    background: bool = True,
    follow: bool = True,
    clock: Clock | None = None,
    observer: RankObserver | None = None,
) -> MatchingEngine:
    """`follow`: keep the index current with profiles written by other processes (every
    serving process; not a one-off CLI command)."""
    engine = MatchingEngine(
        db,
        catalog,
        make_embedder(model),
        MatchConfig(experiment=experiment or Experiment()),
        observer=observer,
    )
    await engine.start(
        now,
        load_model_in_background=background,
        follow=follow,
        clock=clock,
    )
    return engine
