"""Slack installation tokens encrypted at rest (issue 18, part 6): Fernet round trip,
rotation with `mentorbot rotate-data-key`, and plaintext rows from before still read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import select

from bots.slack.oauth import EncryptedInstallationStore, oauth_metadata, rotate_tokens
from core.db.engine import Database
from core.secretbox import DataBox, DataKeyError, derived_key
from mentorbot.cli import main
from tests.support import make_template

K1, K2 = Fernet.generate_key(), Fernet.generate_key()


def _install(team: str, token: str) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=None,
        team_id=team,
        bot_token=token,
        bot_id=f"B{team}",
        bot_user_id=f"U{team}",
        bot_scopes="commands,chat:write",
        user_id="UINSTALLER",
    )


async def _raw_tokens(db: Database) -> list[str]:
    bots = oauth_metadata().tables["slack_bots"]
    async with db.engine.connect() as conn:
        return [r[0] for r in (await conn.execute(select(bots.c.bot_token))).all()]


def test_round_trip_rotation_and_wrong_keys() -> None:
    old = DataBox((K1,))
    sealed = old.seal("xoxb-123-secret")
    assert sealed is not None and sealed.startswith("enc:v1:") and "xoxb" not in sealed
    assert old.seal(sealed) == sealed  # sealing twice is a no-op
    assert old.open(sealed) == "xoxb-123-secret"
    assert old.open("xoxb-legacy") == "xoxb-legacy"  # plaintext from before
    both = DataBox((K2, K1))
    rotated = both.rotate(sealed)
    assert rotated != sealed and DataBox((K2,)).open(rotated) == "xoxb-123-secret"
    with pytest.raises(DataKeyError):
        old.open(rotated)
    derived = DataBox.from_settings("", b"the signing secret")
    assert derived.keys == (derived_key(b"the signing secret"),)
    assert derived.open(derived.seal("x")) == "x"
    with pytest.raises(DataKeyError):
        DataBox.from_settings("not-a-fernet-key", b"s")


async def test_the_store_encrypts_reads_legacy_rows_and_rotates(db: Database) -> None:
    box1 = DataBox((K1,))
    store = EncryptedInstallationStore(client_id="111.222", engine=db.engine, box=box1)
    await store.async_save(_install("T1", "xoxb-team-one"))
    # A row written before encryption, by slack_sdk's own store.
    plain = AsyncSQLAlchemyInstallationStore(client_id="111.222", engine=db.engine)
    await plain.async_save(_install("T2", "xoxb-legacy-two"))
    raw = await _raw_tokens(db)
    assert "xoxb-legacy-two" in raw
    assert not any("team-one" in t for t in raw)  # nothing of it in the clear
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-team-one"
    legacy = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert legacy is not None and legacy.bot_token == "xoxb-legacy-two"
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-team-one"

    # A rotating token (xoxe.xoxb-…, ~150 characters) still fits once sealed.
    long_token = "xoxe.xoxb-1-" + "a" * 140
    await store.async_save(_install("T3", long_token))
    got3 = await store.async_find_bot(enterprise_id=None, team_id="T3")
    assert got3 is not None and got3.bot_token == long_token
    assert await rotate_tokens(db.engine, DataBox((K2, K1))) == 6  # 3 bots + 3 installations
    assert all(t.startswith("enc:v1:") for t in await _raw_tokens(db))
    new_only = EncryptedInstallationStore(client_id="111.222", engine=db.engine, box=DataBox((K2,)))
    for team, token in (("T1", "xoxb-team-one"), ("T2", "xoxb-legacy-two"), ("T3", long_token)):
        got = await new_only.async_find_bot(enterprise_id=None, team_id=team)
        assert got is not None and got.bot_token == token
    with pytest.raises(DataKeyError):
        await store.async_find_bot(enterprise_id=None, team_id="T1")  # the dropped key


def test_rotate_data_key_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.db"
    asyncio.run(make_template(path))
    url = f"sqlite+aiosqlite:///{path}"

    async def save() -> None:
        d = Database.from_url(url)
        await AsyncSQLAlchemyInstallationStore(client_id="1.2", engine=d.engine).async_save(
            _install("T9", "xoxb-plain-nine")
        )
        await d.dispose()

    async def read(box: DataBox) -> str | None:
        d = Database.from_url(url)
        bot = await EncryptedInstallationStore(
            client_id="1.2", engine=d.engine, box=box
        ).async_find_bot(enterprise_id=None, team_id="T9")
        raw = await _raw_tokens(d)
        await d.dispose()
        assert all(t.startswith("enc:v1:") for t in raw), raw
        return bot.bot_token if bot is not None else None

    asyncio.run(save())
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    monkeypatch.setenv("MENTORBOT_DATA_KEY", f"{K2.decode()},{K1.decode()}")
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path))
    main(["rotate-data-key"])
    assert "re-encrypted 2 stored token rows" in capsys.readouterr().out
    assert asyncio.run(read(DataBox((K2,)))) == "xoxb-plain-nine"
