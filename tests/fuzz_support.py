"""What the fuzz tests share: bounded, deterministic Hypothesis settings, hostile input
strategies, and the check that nothing reached the log as an error."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from mentorbot.app import create_app
from mentorbot.settings import Settings


def fuzz(examples: int) -> settings:
    """Deterministic (the same examples on every run and in CI) and bounded."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Strings a hostile client sends: control characters, lone surrogates, digits from other
# scripts, huge numbers, separators.
NASTY = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xDFFF), max_size=20),
    st.sampled_from(["", " ", "\x00", "\ud800", "²", "٣", ":", "::", "-1", "9" * 25, "1e9"]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | NASTY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY, inner, max_size=3),
    max_leaves=8,
)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that mean something went wrong: any ERROR, any traceback."""
    return [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


@asynccontextmanager
async def app_server(tmp_path: Path, name: str) -> AsyncIterator[TestServer]:
    """The whole app from its factory on 127.0.0.1, over a fresh SQLite file, no ticking."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/{name}.db",
        data_dir=tmp_path,
        secret_key=f"{name}-secret",  # type: ignore[arg-type]
        match_model="hashing",
        tick_seconds=0,
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv
    finally:
        await srv.close()
