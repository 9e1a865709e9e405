"""Hostile input at the Slack boundary (#14): headers that don't parse are 401, not 500; any
body maps to an inbound or a documented refusal; a malformed but correctly signed body is
answered 2xx or 4xx, never 500, and leaves no traceback."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any, get_args
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from bots.slack.inbound import Ignored, Translated, shape_problem, translate
from bots.slack.setup import SLACKBOT
from mentorbot.settings import Settings
from tests.adapters.slack.driver import (
    FORM_TYPE,
    JSON_TYPE,
    SlackUser,
    command_body,
    payload_kinds,
    post_signed,
    signed_headers,
)
from tests.adapters.slack.fake_slack import FakeSlack, send_to_app
from tests.adapters.slack.test_slack_http import count_sql

TEMPLATES = {k: parse_body(body, ctype) for k, (body, ctype) in payload_kinds().items()}
OUTCOMES = get_args(Translated)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No matching engine here: its background fit after start reads the database, and
    these tests count every statement a refused request makes."""
    return settings.model_copy(update={"match_model": "none"})


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A real payload of some kind with a few fields replaced by anything, or removed."""
    body = copy.deepcopy(TEMPLATES[draw(st.sampled_from(sorted(TEMPLATES)))])
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(body))
        if not paths:
            break
        *parents, key = draw(st.sampled_from(paths))
        parent = body
        for p in parents:
            parent = parent[p]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(JSON)
    return body


BODIES = mutated() | JSON


@examples(max_examples=400, derandomize=True, deadline=None)
@given(BODIES)
def test_any_body_is_an_inbound_or_a_documented_refusal(body: Any) -> None:
    outcome = translate(body)
    assert isinstance(outcome, OUTCOMES)
    if isinstance(outcome, Ignored):
        assert outcome.reason  # the refusal says why
    problem = shape_problem(body)
    assert problem is None or isinstance(problem, str)


def test_every_real_payload_kind_passes_the_shape_check() -> None:
    assert {k: shape_problem(b) for k, b in TEMPLATES.items()} == dict.fromkeys(TEMPLATES)


@pytest.mark.parametrize(
    ("ts", "sig"),
    [
        ("abc", None),
        ("", None),
        ("1e9", None),
        ("１２３", None),  # digits int() would take, but not ASCII
        ("9" * 40, None),
        (None, "v0=zz"),
        (None, "sha1=" + "0" * 64),
        (None, ""),
    ],
)
async def test_unparsable_signature_headers_are_401(
    ts: str | None, sig: str | None, server: TestServer, fake_slack: FakeSlack
) -> None:
    body = command_body("T1", "UHDR", "hdr", "help")
    extra = {}
    if ts is not None:
        extra["X-Slack-Request-Timestamp"] = ts
    if sig is not None:
        extra["X-Slack-Signature"] = sig
    with count_sql(server) as statements:
        status, _ = await post_signed(server, body, FORM_TYPE, extra=extra)
    assert status == 401
    assert statements == [] and fake_slack.calls == []


def _encode(body: Any, as_form: bool) -> tuple[str, str]:
    text = json.dumps(body)
    return (urlencode({"payload": text}), FORM_TYPE) if as_form else (text, JSON_TYPE)


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.ERROR)
    yield caplog


@examples(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=BODIES, as_form=st.booleans())
async def test_signed_malformed_bodies_get_2xx_or_4xx_never_500(
    body: Any,
    as_form: bool,
    server: TestServer,
    fake_slack: FakeSlack,
    errors: pytest.LogCaptureFixture,
) -> None:
    text, ctype = _encode(body, as_form)
    headers = {"Content-Type": ctype, **signed_headers(text)}
    sent = await send_to_app(str(server.make_url("/webhooks/slack/events")), text.encode(), headers)
    await server.app[SLACKBOT].settle()
    assert sent.status is not None and (200 <= sent.status < 300 or 400 <= sent.status < 500), (
        sent.status,
        text[:300],
    )
    tracebacks = [r for r in errors.records if r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]


async def test_raw_garbage_is_refused_and_the_server_still_serves(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    url = str(server.make_url("/webhooks/slack/events"))
    deep = "[" * 50_000 + "]" * 50_000
    for raw, ctype in (
        (b"\xff\xfe not utf-8", JSON_TYPE),
        (deep.encode(), JSON_TYPE),
        (b"{not json", JSON_TYPE),
        (b"payload=%7Bnot+json", FORM_TYPE),
        (b"[1, 2]", JSON_TYPE),
    ):
        text = raw.decode("utf-8", "replace")
        headers = {"Content-Type": ctype, **signed_headers(text)}
        if raw.startswith(b"\xff"):
            headers = {"Content-Type": ctype, **signed_headers("x")}
        sent = await send_to_app(url, raw, headers)
        assert sent.status in (400, 401), (raw[:20], sent.status)
    ada = SlackUser(server, fake_slack, "UFRESH", "Fresh")
    await ada.command("help")
    assert "/mentor find" in ada.text()


async def test_a_body_over_1_mb_is_413_before_any_parsing(server: TestServer) -> None:
    text = json.dumps({"type": "event_callback", "pad": "x" * (1024 * 1024)})
    headers = {"Content-Type": JSON_TYPE, **signed_headers(text)}
    sent = await send_to_app(str(server.make_url("/webhooks/slack/events")), text.encode(), headers)
    assert sent.status == 413


async def test_slacks_ssl_check_is_answered_200_and_does_nothing(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    url = str(server.make_url("/webhooks/slack/events"))
    with count_sql(server) as statements:
        ok = await send_to_app(url, b"ssl_check=1&token=legacy", {"Content-Type": FORM_TYPE})
        other = await send_to_app(url, b"ssl_check=0&token=legacy", {"Content-Type": FORM_TYPE})
    assert (ok.status, other.status) == (200, 401)
    assert statements == [] and fake_slack.calls == []
