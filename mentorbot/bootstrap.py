"""Wiring: settings in, a ready CoreApp out (migrated database, taxonomy loaded)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from core.app import CoreApp
from core.db.engine import Database
from core.ports import Clock, RankObserver, SenderLimits, StepObserver, SystemClock
from core.services.catalog import SkillCatalog, sync_taxonomy
from core.skills import load_taxonomy
from core.understand import nearest
from mentorbot.mail import make_mailer
from mentorbot.migrate import upgrade
from mentorbot.settings import Settings
from payments.gateways import make_gateway


def ensure_sqlite_folder(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


async def build_core(
    settings: Settings,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    matching: bool = True,
    observer: StepObserver | None = None,
    rank_observer: RankObserver | None = None,
    sender_limits: SenderLimits | None = None,
) -> CoreApp:
    """Everything the core needs, built before the core: the same complete core for the server,
    the console, CLI commands and tests (a console cancellation refunds through the gateway
    like the web chat's)."""
    ensure_sqlite_folder(settings.database_url)
    db = Database.from_url(settings.database_url, pool_size=settings.database_pool_size)
    if migrate:
        await upgrade(db.engine)
    clock = clock or SystemClock()
    catalog = SkillCatalog()
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), clock.now())
        await catalog.refresh(s)
    recommender = None
    # Until matching's MiniLM is there (a core built before in this process may have
    # handed its own over).
    nearest.use_encoder(None)
    if matching and settings.match_model != "none":
        from matching.experiments import Experiment
        from matching.wiring import build_engine

        recommender = await build_engine(
            db,
            catalog,
            clock.now(),
            model=settings.match_model,
            experiment=Experiment(
                settings.match_experiment, treatment_share=settings.match_treatment_share
            ),
            observer=rank_observer,
        )
        from matching.embed import MiniLMEmbedder

        if isinstance(recommender.embedder, MiniLMEmbedder):
            # The plain-words reading compares a message with its labelled examples by
            # meaning, with the model matching loads anyway (one copy in memory). Its
            # examples are embedded once matching has loaded it, in matching's own
            # background task: no message waits for the model; until then the rules and
            # TF-IDF read alone.
            nearest.use_encoder(recommender.embedder.encode, background=True)
            recommender.after_model_load.append(nearest.warm)
    gateway = make_gateway(settings)
    return CoreApp.create(
        db,
        clock,
        policies=settings.policies(),
        admins=frozenset(settings.admins),
        signing_key=settings.signing_keys(),
        gateway=gateway,
        recommender=recommender,
        catalog=catalog,
        observer=observer,
        data_dir=settings.data_dir,
        mailer=make_mailer(settings),
        sender_limits=sender_limits,
    )
