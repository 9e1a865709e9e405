"""Every policy is a setting of the same name (MENTORBOT_<NAME>), declared once in core."""

from __future__ import annotations

import dataclasses

import pytest

from core.policies import Policies
from mentorbot.settings import Settings


def test_every_policy_is_a_setting_with_the_same_default() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    defaults = dataclasses.replace(Policies(), public_url=settings.base_url)
    assert settings.policies() == defaults


def test_policies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_MIN_NOTICE_MIN", "120")
    monkeypatch.setenv("MENTORBOT_PLATFORM_FEE_BPS", "2500")
    monkeypatch.setenv("MENTORBOT_SESSION_LENGTHS", "[15, 45]")
    monkeypatch.setenv("MENTORBOT_PUBLIC_URL", "https://mentor.example.org/")
    p = Settings(_env_file=None).policies()  # type: ignore[call-arg]
    assert (p.min_notice_min, p.platform_fee_bps, p.session_lengths) == (120, 2500, (15, 45))
    assert p.public_url == "https://mentor.example.org"
    assert p.buffer_min == Policies().buffer_min
