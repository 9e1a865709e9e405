"""Storage contract: identical behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import Account, Conversation, MentorProfile, Review, User
from core.messaging import Actor, TextIn
from core.services.identity import Identity
from core.services.profiles import Profiles
from core.services.search import Directory, SearchFilters
from tests.support import ChatDriver, make_core

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_instants_come_back_aware_utc(store: Database) -> None:
    ist = datetime(2026, 3, 8, 14, 30, tzinfo=UTC) + timedelta(hours=5, minutes=30)
    async with store.transaction() as s:
        u = User(display_name="T", created_at=ist.astimezone())
        s.add(u)
        await s.flush()
        uid = u.id
    async with store.transaction() as s:
        got = await s.get(User, uid)
        assert got is not None
        assert got.created_at.tzinfo is not None
        assert got.created_at.utcoffset() == timedelta(0)
        assert got.created_at == ist


async def test_naive_datetimes_are_refused(store: Database) -> None:
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError):
        async with store.transaction() as s:
            s.add(User(display_name="T", created_at=datetime(2026, 1, 1)))
            await s.flush()


async def test_account_is_unique_per_platform_identity(store: Database) -> None:
    actor = Actor("telegram", "tg", "42", "Ann")
    async with store.transaction() as s:
        user, acc = await Identity(s, NOW, frozenset({"telegram:42"})).resolve(actor)
        assert user.is_admin and user.primary_account_id == acc.id
    async with store.transaction() as s:
        again, acc2 = await Identity(s, NOW, frozenset()).resolve(actor)
        assert (again.id, acc2.id) == (user.id, acc.id)
    with pytest.raises(IntegrityError):
        async with store.transaction() as s:
            s.add(
                Account(
                    user_id=user.id,
                    platform="telegram",
                    workspace="tg",
                    external_id="42",
                    display_name="dup",
                    created_at=NOW,
                )
            )
            await s.flush()


async def test_foreign_keys_are_enforced(store: Database) -> None:
    with pytest.raises(IntegrityError):
        async with store.transaction() as s:
            s.add(Review(mentor_id=999, author_id=998, stars=5, text="", created_at=NOW))
            await s.flush()


async def test_check_constraints_hold(store: Database) -> None:
    async with store.transaction() as s:
        u = User(display_name="M", created_at=NOW)
        s.add(u)
        await s.flush()
        uid = u.id
    with pytest.raises(IntegrityError):
        async with store.transaction() as s:
            s.add(Review(mentor_id=uid, author_id=uid, stars=6, text="", created_at=NOW))
            await s.flush()


async def test_first_messages_racing_create_one_user(store: Database) -> None:
    clock = ManualClock(NOW)
    workers = [await make_core(store, clock) for _ in range(2)]
    actor = Actor("web", "web", "racer", "Racer")
    await asyncio.gather(*(w.handle(actor, TextIn("hi")) for w in workers for _ in range(3)))
    async with store.transaction() as s:
        users = list(await s.scalars(select(User)))
        conv = list(await s.scalars(select(Conversation)))
    assert len(users) == 1
    assert len(conv) == 1 and conv[0].version == 6


async def test_conversation_version_guard_serialises_workers(store: Database) -> None:
    clock = ManualClock(NOW)
    workers = [await make_core(store, clock) for _ in range(3)]
    drivers = [ChatDriver(w, "shared") for w in workers]
    await drivers[0].say("/start")
    await asyncio.gather(*(d.say(f"nope {i}") for i in range(4) for d in drivers))
    async with store.transaction() as s:
        conv = await s.scalar(select(Conversation))
    assert conv is not None and conv.version == 13 and conv.state == "role"


async def test_directory_search_contract(store: Database) -> None:
    async with store.transaction() as s:
        ids = []
        for i, (price, mode, years, stars) in enumerate(
            [
                (20000, "paid", 5, [5, 4]),
                (0, "free", 1, [3]),
                (10000, "paid", 9, []),
                (0, "credits", 3, [5, 5, 5]),
            ]
        ):
            u = User(display_name=f"M{i}", created_at=NOW)
            s.add(u)
            await s.flush()
            ids.append(u.id)
            s.add(
                MentorProfile(
                    user_id=u.id,
                    headline=f"h{i}",
                    bio="b",
                    years_experience=years,
                    certifications="",
                    intro_video_url="",
                    price_minor=price,
                    currency="INR",
                    price_mode=mode,
                    session_lengths=[10],
                    status="approved",
                    status_reason="",
                    rating_sum=sum(stars),
                    rating_count=len(stars),
                    sessions_completed=len(stars),
                )
            )
        hidden = User(display_name="Hidden", created_at=NOW)
        s.add(hidden)
        await s.flush()
        s.add(
            MentorProfile(
                user_id=hidden.id,
                headline="",
                bio="",
                years_experience=0,
                certifications="",
                intro_video_url="",
                price_minor=0,
                currency="INR",
                price_mode="free",
                session_lengths=[10],
                status="pending",
                status_reason="",
                rating_sum=0,
                rating_count=0,
                sessions_completed=0,
            )
        )
        from core.db.schema import Skill

        python = await s.scalar(select(Skill.id).where(Skill.key == "python"))
        assert python is not None
        await Profiles(s).set_skills(ids[0], "teach", [(python, "advanced")])
        await Profiles(s).set_skills(ids[3], "teach", [(python, "beginner")])
        await Profiles(s).set_languages(ids[3], ["hi", "en"])
    async with store.transaction() as s:
        d = Directory(s)
        by_rating = await d.search(SearchFilters(sort="rating"), 0, 10)
        assert [h.name for h in by_rating.hits] == ["M3", "M0", "M1", "M2"]
        by_price = await d.search(SearchFilters(sort="price"), 0, 10)
        assert [h.name for h in by_price.hits] == ["M3", "M1", "M2", "M0"]
        by_years = await d.search(SearchFilters(sort="experience"), 0, 2)
        assert [h.name for h in by_years.hits] == ["M2", "M0"] and by_years.pages == 2
        skill = await d.search(SearchFilters(skill_id=python), 0, 10)
        assert [(h.name, h.level) for h in skill.hits] == [("M3", "beginner"), ("M0", "advanced")]
        cheap = await d.search(SearchFilters(max_price_minor=10000, sort="price"), 0, 10)
        assert [h.name for h in cheap.hits] == ["M3", "M1", "M2"]
        hindi = await d.search(SearchFilters(language="hi"), 0, 10)
        assert [h.name for h in hindi.hits] == ["M3"]
        assert (await d.search(SearchFilters(exclude_user_id=ids[3]), 0, 10)).total == 3


async def test_migrations_match_the_models(store: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db.metadata import all_metadata

    def diff(conn: object) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(ctx, all_metadata()))

    async with store.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_migrations_go_down_and_up_again(store: Database) -> None:
    from sqlalchemy import inspect

    from mentorbot.migrate import current, downgrade, upgrade

    def tables(conn: object) -> set[str]:
        return set(inspect(conn).get_table_names()) - {"alembic_version"}  # type: ignore[arg-type]

    async with store.engine.connect() as conn:
        before = await conn.run_sync(tables)
    await downgrade(store.engine, "base")
    async with store.engine.connect() as conn:
        assert await conn.run_sync(tables) == set()
    await upgrade(store.engine)
    async with store.engine.connect() as conn:
        assert await conn.run_sync(tables) == before
    assert await current(store.engine) is not None
