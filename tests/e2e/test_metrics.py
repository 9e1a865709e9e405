"""GET /metrics (Prometheus text, parsed by prometheus-client's own parser) after some traffic,
and log lines as JSON carrying the request id (issue 17)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bots.web.identity import login_token
from mentorbot.app import CORE, create_app
from mentorbot.logs import HEADER, JsonFormatter, RequestIdFilter, configure
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient
from tests.unit.test_admin_stats import seed_known


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/metrics.db",
        data_dir=tmp_path,
        secret_key="metrics-secret",  # type: ignore[arg-type]
        admins=["web:admin"],
        match_model="none",
        tick_seconds=0,
    )


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def server(settings: Settings, registry: CollectorRegistry) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings, registry=registry), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def _samples(text: str) -> dict[str, list[Sample]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert found, (name, labels)
    return sum(found)


async def test_metrics_after_some_traffic(server: TestServer, settings: Settings) -> None:
    base = str(server.make_url("")).rstrip("/")
    await seed_known(server.app[CORE], server.app[CORE].deps.clock.now())
    web = WebChatClient(base)
    try:
        await web.open(f"/login?token={login_token(settings.secret(), 'admin')}")
        await web.say("/help")
        await web.say("/admin")
        async with aiohttp.ClientSession() as http:
            for _ in range(3):
                async with http.get(base + "/healthz") as resp:
                    assert resp.status == 200
            async with http.get(base + "/no/such/page") as resp:
                assert resp.status == 404
            async with http.get(base + "/metrics") as resp:
                assert resp.status == 200
                assert resp.content_type == "text/plain"
                text = await resp.text()
    finally:
        await web.close()
    families = _samples(text)
    http_s = families["mentorbot_http_request_duration_seconds"]
    assert _value(http_s, "mentorbot_http_request_duration_seconds_count", route="/healthz") == 3
    assert (
        _value(
            http_s,
            "mentorbot_http_request_duration_seconds_count",
            route="unmatched",
            status="404",
        )
        == 1
    )
    steps = families["mentorbot_dialog_step_duration_seconds"]
    assert _value(steps, "mentorbot_dialog_step_duration_seconds_count") >= 3  # hello, help, admin
    # Per adapter: these steps all came from the web chat.
    assert _value(steps, "mentorbot_dialog_step_duration_seconds_count", platform="web") >= 3
    assert not [s for s in steps if s.labels.get("platform") not in (None, "web")]
    assert _value(steps, "mentorbot_dialog_step_duration_seconds_sum") > 0
    bookings = families["mentorbot_bookings"]
    assert _value(bookings, "mentorbot_bookings", status="completed") == 3
    assert _value(bookings, "mentorbot_bookings", status="cancelled") == 2
    assert _value(bookings, "mentorbot_bookings", status="disputed") == 0
    payments = families["mentorbot_payments"]
    assert _value(payments, "mentorbot_payments", state="captured") == 0
    assert (
        _value(
            families["mentorbot_websocket_connections"],
            "mentorbot_websocket_connections",
            kind="chat",
        )
        == 1
    )
    assert "mentorbot_outbox_messages" in families
    assert "mentorbot_scheduler_job_runs" in families


async def test_each_app_has_its_own_registry(tmp_path: Path, settings: Settings) -> None:
    """No module globals: two apps in one process don't share (or clash over) collectors."""
    a, b = CollectorRegistry(), CollectorRegistry()
    create_app(settings, registry=a)
    create_app(settings, registry=b)
    assert a.get_sample_value("mentorbot_bookings", {"status": "completed"}) is None
    names_a = {m.name for m in a.collect()}
    assert "mentorbot_http_request_duration_seconds" in names_a
    assert names_a == {m.name for m in b.collect()}


async def test_json_log_lines_carry_the_request_id(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every line written while a request is handled carries its id; lines parse as JSON."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    base = str(server.make_url("")).rstrip("/")
    try:
        with caplog.at_level(logging.INFO):
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/healthz", headers={HEADER: "req-42"}) as resp:
                    assert resp.headers[HEADER] == "req-42"
                logging.getLogger("mentorbot.test").info("outside a request")
                async with http.get(base + "/healthz", headers={HEADER: "bad id ✗"}) as resp:
                    fresh = resp.headers[HEADER]
                    assert fresh != "bad id ✗" and len(fresh) == 16
    finally:
        logging.getLogger().removeHandler(handler)
    parsed = [json.loads(line) for line in lines]
    assert parsed and all({"ts", "level", "logger", "msg", "request_id"} <= set(p) for p in parsed)
    access = [p for p in parsed if p["logger"] == "aiohttp.access"]
    assert {p["request_id"] for p in access} == {"req-42", fresh}
    [outside] = [p for p in parsed if p["msg"] == "outside a request"]
    assert outside["request_id"] is None


def test_log_format_json_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    try:
        monkeypatch.setenv("MENTORBOT_LOG_FORMAT", "json")
        assert isinstance(configure("info").formatter, JsonFormatter)
        monkeypatch.setenv("MENTORBOT_LOG_FORMAT", "text")
        assert not isinstance(configure("info").formatter, JsonFormatter)
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
