"""deploy/: the compose file and the systemd unit are not started by the tests (no container
registry here), so what they say is checked against the code: every MENTORBOT_* name they
set is a setting, and nginx's compose upstream names the compose workers on their ports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mentorbot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def setting_names() -> set[str]:
    return {f"MENTORBOT_{name.upper()}" for name in Settings.model_fields}


def test_the_compose_file_runs_workers_with_real_settings_behind_nginx() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    workers = {k: v for k, v in services.items() if k.startswith("worker")}
    assert len(workers) >= 2
    upstream = (DEPLOY / "nginx" / "compose.conf").read_text()
    for name, svc in workers.items():
        env = svc["environment"]
        assert set(env) <= setting_names(), set(env) - setting_names()
        assert env["MENTORBOT_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["MENTORBOT_REDIS_URL"].startswith("redis://")
        assert f"server {name}:{env['MENTORBOT_HTTP_PORT']} " in upstream
    assert set(services) >= {"postgres", "redis", "nginx"}
    assert "./nginx/compose.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]


def test_the_systemd_unit_sets_only_real_settings() -> None:
    unit = (DEPLOY / "systemd" / "mentorbot@.service").read_text()
    names = set(re.findall(r"Environment=(MENTORBOT_\w+)=", unit))
    assert names and names <= setting_names()
    assert "ExecStart=/opt/mentorbot/.venv/bin/mentorbot serve" in unit
    assert "KillSignal=SIGINT" in unit  # aiohttp's graceful shutdown releases the lease
