"""What a server start imports (issue 20, part 1): a platform's SDK only when that platform is
configured, and the heavy matching parts only after the lexical index answers. Each check
runs in a fresh interpreter, whose sys.modules holds only what that start imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.processes import REPO, process_env

SDKS = ("aiogram", "slack_bolt", "slack_sdk", "discord")
HEAVY = ("sklearn", "torch", "sentence_transformers", "faiss")

# Builds the app as `mentorbot serve` does and, with START, runs its startup (migrations, the
# core, the matching engine's lexical index, every adapter) and shutdown; prints the
# top-level packages imported by then, of those asked about.
APP = """
import asyncio, json, sys
from aiohttp import web
from mentorbot.app import create_app
from mentorbot.settings import Settings

async def main(start):
    app = create_app(Settings(_env_file=None))
    if start:
        runner = web.AppRunner(app)
        await runner.setup()
        await runner.cleanup()

asyncio.run(main(sys.argv[1] == "start"))
wanted = json.loads(sys.argv[2])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(wanted))))
"""

# The engine as build_core starts it (model and fitting in the background): what is
# imported when start() returns, when the first search has been answered, and once the
# background work is done.
ENGINE = """
import asyncio, json, sys
from sqlalchemy import func, select
from core.db.engine import Database
from core.db.schema import User
from core.ports import SystemClock
from core.services.catalog import SkillCatalog, sync_taxonomy
from core.recommend import MatchQuery
from core.skills import load_taxonomy
from matching.wiring import build_engine
from mentorbot.migrate import upgrade
from mentorbot.seed import seed

HEAVY = json.loads(sys.argv[2])

def heavy():
    return sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))

async def main():
    db = Database.from_url(sys.argv[1])
    await upgrade(db.engine)
    now = SystemClock().now()
    catalog = SkillCatalog()
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), now)
        await catalog.refresh(s)
    await seed(db, mentors=30, learners=5, seed=7, now=now)
    async with db.transaction() as s:
        await catalog.refresh(s)
    engine = await build_engine(db, catalog, now, model="hashing", follow=False)
    seen = {"started": heavy(), "fitted_at_start": engine.fitted}
    q = engine.understand("python", None, now)
    async with db.transaction() as s:
        learner = await s.scalar(select(func.max(User.id)))  # seeded last: a learner
        got = await engine.recommend(s, learner, q, 5, now)
    seen["answered"] = len(got.items)
    await engine.wait_ready()
    seen["ready"] = heavy()
    seen["fitted"] = engine.fitted
    await engine.close()
    await db.dispose()
    print(json.dumps(seen))

asyncio.run(main())
"""


def run(code: str, args: list[str], env: dict[str, str]) -> object:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=process_env(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "MENTORBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/start.db",
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "startup-imports",
        "MENTORBOT_MATCH_MODEL": "hashing",
        "MENTORBOT_TICK_SECONDS": "0",
    }


def test_a_server_without_platforms_imports_no_platform_sdk(tmp_path: Path) -> None:
    imported = run(APP, ["start", json.dumps(SDKS)], base_env(tmp_path))
    assert imported == []


# Nothing is started: building the app wires the configured platform, which imports its SDK.
@pytest.mark.parametrize(
    ("settings", "sdks"),
    [
        ({"MENTORBOT_TELEGRAM_TOKEN": "123456:abc"}, ["aiogram"]),
        ({"MENTORBOT_SLACK_SIGNING_SECRET": "s", "MENTORBOT_SLACK_BOT_TOKEN": "xoxb-1"},
         ["slack_bolt", "slack_sdk"]),
        ({"MENTORBOT_DISCORD_TOKEN": "d"}, ["discord"]),
        ({"MENTORBOT_TELEGRAM_TOKEN": "not a token"}, []),
    ],
)  # fmt: skip
def test_a_configured_platform_imports_its_own_sdk_only(
    tmp_path: Path, settings: dict[str, str], sdks: list[str]
) -> None:
    imported = run(APP, ["build", json.dumps(SDKS)], {**base_env(tmp_path), **settings})
    assert imported == sdks


def test_matching_answers_before_its_heavy_parts_are_imported(tmp_path: Path) -> None:
    seen = run(ENGINE, [f"sqlite+aiosqlite:///{tmp_path}/m.db", json.dumps(HEAVY)], {})
    assert seen == {
        "started": [],
        "fitted_at_start": False,
        "answered": 5,
        "ready": ["sklearn"],
        "fitted": True,
    }


def test_a_server_without_razorpay_keys_imports_neither_razorpay_nor_scipy(
    tmp_path: Path,
) -> None:
    # razorpay's SDK brings requests, scipy.sparse is only for fitting: 0.25 s of start-up.
    wanted = json.dumps(["razorpay", "requests", "scipy"])
    assert run(APP, ["build", wanted], base_env(tmp_path)) == []
    keys = {
        "MENTORBOT_RAZORPAY_KEY_ID": "rzp_test_x",
        "MENTORBOT_RAZORPAY_KEY_SECRET": "s",
        "MENTORBOT_RAZORPAY_WEBHOOK_SECRET": "w",
    }
    # The gateway is made when the server starts, with the keys: then razorpay is imported.
    env = {**base_env(tmp_path), **keys}
    assert run(APP, ["start", json.dumps(["razorpay"])], env) == ["razorpay"]


def test_a_server_start_does_not_import_matplotlib(tmp_path: Path) -> None:
    """Charts (/admin stats) import matplotlib on the first chart, not at start-up."""
    imported = run(APP, ["start", json.dumps(["matplotlib"])], base_env(tmp_path))
    assert imported == []


def test_a_server_start_imports_neither_the_calendar_parser_nor_pillow(tmp_path: Path) -> None:
    """Busy feeds and session calendars import icalendar on first use, pictures import Pillow
    on the first upload: neither at start-up."""
    wanted = json.dumps(["icalendar", "recurring_ical_events", "click", "PIL"])
    assert run(APP, ["start", wanted], base_env(tmp_path)) == []
