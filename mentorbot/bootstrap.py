"""Wiring: settings in, a ready CoreApp out (migrated database, taxonomy loaded)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from core.app import CoreApp
from core.db.engine import Database
from core.policies import Policies
from core.ports import Clock, SystemClock
from core.services.catalog import sync_taxonomy
from core.skills import load_taxonomy
from mentorbot.migrate import upgrade
from mentorbot.settings import Settings


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
) -> CoreApp:
    ensure_sqlite_folder(settings.database_url)
    db = Database.from_url(settings.database_url)
    if migrate:
        await upgrade(db.engine)
    clock = clock or SystemClock()
    core = CoreApp(
        db,
        clock,
        admins=frozenset(settings.admins),
        policies=Policies(
            page_size=settings.page_size,
            default_price_minor=settings.default_price_minor,
            currency=settings.currency,
            public_url=settings.base_url,
            min_notice_min=settings.min_notice_min,
            buffer_min=settings.buffer_min,
            booking_horizon_days=settings.booking_horizon_days,
            respond_within_h=settings.respond_within_h,
            learner_full_refund_h=settings.learner_full_refund_h,
            completion_grace_min=settings.completion_grace_min,
            starter_credits=settings.starter_credits,
            platform_fee_bps=settings.platform_fee_bps,
            min_withdrawal_minor=settings.min_withdrawal_minor,
            room_opens_before_min=settings.room_opens_before_min,
            room_grace_min=settings.room_grace_min,
            no_show_after_min=settings.no_show_after_min,
        ),
        signing_key=settings.secret(),
    )
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), clock.now())
        await core.catalog.refresh(s)
    if matching and settings.match_model != "none":
        from matching.experiments import Experiment
        from matching.wiring import build_engine

        core.recommender = await build_engine(
            db,
            core.catalog,
            clock.now(),
            model=settings.match_model,
            experiment=Experiment(
                settings.match_experiment, treatment_share=settings.match_treatment_share
            ),
        )
    return core
