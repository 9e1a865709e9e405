"""Test support: real SQLite files (migrated once, copied per test), a recording channel,
and a chat driver that keeps the transcript."""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database, create_engine
from core.messaging import ActionIn, Actor, Button, Inbound, Reply, parse_text
from core.policies import Policies
from core.ports import Destination, PaymentGateway
from core.services.catalog import sync_taxonomy
from core.skills import load_taxonomy
from mentorbot.migrate import upgrade

PG_URL = os.environ.get("MENTORBOT_TEST_DATABASE_URL", "")


async def make_template(path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), ManualClock().now())
    await db.dispose()


def sqlite_copy(template: Path, dest_dir: Path) -> Database:
    dest = dest_dir / "mentorbot.db"
    shutil.copyfile(template, dest)
    return Database.from_url(f"sqlite+aiosqlite:///{dest}")


async def postgres_schema_db() -> tuple[Database, str]:
    """A fresh schema on the test PostgreSQL, migrated; drop it with drop_pg_schema."""
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    # The application's own engine settings (core.db.engine), in a schema of its own.
    engine = create_engine(
        PG_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=20
    )
    db = Database(engine)
    await upgrade(db.engine)
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), ManualClock().now())
    return db, schema


async def drop_pg_schema(schema: str) -> None:
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@dataclass
class RecordingChannel:
    """A Channel that keeps what it delivered, per external id."""

    platform: str
    inbox: dict[str, list[Reply]] = field(default_factory=dict)
    offline: set[str] = field(default_factory=set)

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        if to.external_id in self.offline:
            return False
        self.inbox.setdefault(to.external_id, []).extend(replies)
        return True


async def make_core(
    db: Database,
    clock: ManualClock,
    admins: Sequence[str] = (),
    *,
    gateway: PaymentGateway | None = None,
) -> CoreApp:
    core = CoreApp.create(
        db, clock, admins=frozenset(admins), policies=Policies(page_size=5), gateway=gateway
    )
    async with db.transaction() as s:
        await core.catalog.refresh(s)
    return core


def rebuilt(core: CoreApp, **changes: Any) -> CoreApp:
    """The same core with some dependencies swapped (a gateway, a recommender): a new,
    complete core over the same database, catalog and delivery."""
    return CoreApp(dataclasses.replace(core.deps, **changes))


class ChatDriver:
    """One person talking to core on one platform; keeps every reply they got."""

    def __init__(self, core: CoreApp, name: str, platform: str = "console") -> None:
        self.core = core
        self.actor = Actor(platform, platform, name, name.capitalize())  # type: ignore[arg-type]
        self.transcript: list[tuple[str, list[Reply]]] = []
        self.last: list[Reply] = []

    async def send(self, inbound: Inbound) -> list[Reply]:
        self.last = await self.core.handle(self.actor, inbound)
        self.transcript.append((repr(inbound), self.last))
        return self.last

    async def say(self, text: str) -> list[Reply]:
        return await self.send(parse_text(text))

    async def press(self, label: str, replies: Sequence[Reply] | None = None) -> list[Reply]:
        payload = find_button(replies if replies is not None else self.last, label)
        return await self.send(ActionIn(payload))

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


def find_button(replies: Sequence[Reply], label: str) -> str:
    labels = []
    for r in replies:
        for b in r.all_buttons():
            if isinstance(b, Button):
                labels.append(b.label)
                if label.casefold() in b.label.casefold():
                    return b.payload
        if r.choices is not None:
            for c in r.choices.options:
                labels.append(c.label)
                if label.casefold() in c.label.casefold():
                    return c.payload
    raise AssertionError(f"no button like {label!r}; have {labels}")


class Talker(Protocol):
    """Any test driver of a chat: ChatDriver, TgUser, SlackUser, DiscordUser, the web client."""

    async def say(self, text: str) -> Any: ...

    async def press(self, label: str) -> Any: ...

    def text(self) -> str: ...


AGE_QUESTION = "How old are you?"
ADULT = "18 or older"  # the age question's buttons: "Under 13", "13–17", "18 or older"


async def answer_age(who: Talker, age: str = ADULT) -> None:
    """The age question (issue 18, on by default): press its button or type an age."""
    assert AGE_QUESTION in who.text(), who.text()
    if age in ("Under 13", "13–17", ADULT):
        await who.press(age)
    else:
        await who.say(age)


async def onboard_learner(
    who: Talker,
    name: str | None = None,
    *,
    age: str = ADULT,
    skill: str = "python",
    level: str | None = "Beginner",
    language: str = "English",
    place: str = "Pune",
    start: str | None = "/start",
) -> None:
    """The whole learner onboarding: Learn, name (None keeps the platform's), age, one skill
    and its level, goals skipped, a language, a place for the time zone, hours skipped.
    `start` is the first message (None: the role question is on screen already)."""
    if start is not None:
        await who.say(start)
    await who.press("Learn")
    if name is None:
        await who.press("Keep")
    else:
        await who.say(name)
    await answer_age(who, age)
    await who.say(skill)
    if level is not None and "level" in who.text():
        await who.press(level)
    await who.press("Skip")
    await who.say(language)
    await who.say(place)
    await who.press("Skip")
    assert "All set" in who.text(), who.text()
