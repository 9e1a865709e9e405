"""Storage contract: identical behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

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
        popular = await d.search(SearchFilters(sort="popularity"), 0, 10)
        assert [(h.name, h.sessions_completed) for h in popular.hits] == [
            ("M3", 3),
            ("M0", 2),
            ("M1", 1),
            ("M2", 0),
        ]
        any_of = await d.search(SearchFilters(skill_ids=(python, -1), languages=("hi", "ta")), 0, 9)
        assert [h.name for h in any_of.hits] == ["M3"]


def _schema_diff(
    conn: object,
    metadata: object,
    *,
    only: set[str] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[object]:
    """Alembic's autogenerate diff between the migrated database and the given tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
        if table in skip:
            return False
        return only is None or table in only

    ctx = MigrationContext.configure(
        conn,  # type: ignore[arg-type]
        opts={"compare_type": True, "include_object": include},
    )
    return list(compare_metadata(ctx, metadata))  # type: ignore[arg-type]


async def test_migrations_match_the_models(store: Database) -> None:
    from bots.slack.oauth import oauth_metadata
    from core.services.announcements import METADATA as discord_metadata
    from core.tables import all_metadata

    # slack_sdk's tables are compared with slack_sdk's definitions below.
    slack = frozenset(oauth_metadata().tables)
    discord = frozenset(discord_metadata.tables)
    async with store.engine.connect() as conn:
        changes = await conn.run_sync(_schema_diff, all_metadata(), skip=slack | discord)
        assert await conn.run_sync(_schema_diff, discord_metadata, only=discord) == []
    assert changes == []


async def test_slack_oauth_tables_match_the_stores(store: Database) -> None:
    """The migration creates exactly the tables slack_sdk's SQLAlchemy stores use."""
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
    from sqlalchemy import MetaData, inspect

    from bots.slack.oauth import BOT_SECRETS, INSTALLATION_SECRETS, oauth_metadata

    installs = AsyncSQLAlchemyInstallationStore(client_id="1.2", engine=store.engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=60, engine=store.engine)
    wanted = MetaData()
    for table in (*installs.metadata.tables.values(), *states.metadata.tables.values()):
        table.to_metadata(wanted)
    names = set(wanted.tables)
    assert names == {"slack_bots", "slack_installations", "slack_oauth_states"}

    def details(conn: object) -> dict[str, object]:
        insp = inspect(conn)
        return {
            t: (
                [(c["name"], c["nullable"]) for c in insp.get_columns(t)],  # type: ignore[union-attr]
                sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t)),  # type: ignore[union-attr]
            )
            for t in sorted(names)
        }

    async with store.engine.connect() as conn:
        # As slack_sdk defines them, but for the token columns, widened for encrypted tokens.
        assert await conn.run_sync(_schema_diff, oauth_metadata(), only=names) == []
        widened: list[Any] = await conn.run_sync(_schema_diff, wanted, only=names)
        assert {(d[0][2], d[0][3]) for d in widened} == {("slack_bots", c) for c in BOT_SECRETS} | {
            ("slack_installations", c) for c in INSTALLATION_SECRETS
        }
        got = await conn.run_sync(details)
    for name, table in wanted.tables.items():
        columns, indexes = got[name]  # type: ignore[misc]
        assert columns == [(c.name, c.nullable) for c in table.columns]
        assert indexes == sorted(
            (str(i.name), tuple(c.name for c in i.columns)) for i in table.indexes
        )


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


async def test_slack_oauth_stores_work_on_the_migrated_tables(store: Database) -> None:
    """bolt's stores, as the Slack app builds them, save and find rows on both backends."""
    from slack_sdk.oauth.installation_store import Installation

    from bots.slack.oauth import oauth_settings
    from core.secretbox import DataBox

    settings = oauth_settings(
        client_id="111.222",
        client_secret="s",
        engine=store.engine,
        public_url="https://x",
        box=DataBox.from_settings("", b"test secret"),
    )
    installs, states = settings.installation_store, settings.state_store
    for team, token in (("T1", "xoxb-1"), ("T2", "xoxb-2"), ("T2", "xoxb-2b")):
        await installs.async_save(
            Installation(
                app_id="A1",
                enterprise_id=None,
                team_id=team,
                bot_token=token,
                bot_id=f"B{team}",
                bot_user_id=f"U{team}",
                bot_scopes="commands,chat:write",
                user_id="UINSTALLER",
            )
        )
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-2b"  # the latest install wins
    assert bot.installed_at is not None
    await installs.async_delete_bot(enterprise_id=None, team_id="T2")
    assert await installs.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert (await installs.async_find_bot(enterprise_id=None, team_id="T1")) is not None
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False  # once
    assert await states.async_consume("forged") is False
