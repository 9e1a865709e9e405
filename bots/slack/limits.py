"""Slack's Web API rate limits, kept before each call (docs.slack.dev/apis/web-api/rate-limits).

Slack limits each method per app per workspace, in tiers of calls per minute (bursts
tolerated), and chat.postMessage to about one message a second per channel. Over a limit it
answers 429 with Retry-After: that method is paused for the workspace, so the pause is
recorded for every worker (with Redis, mentorbot/shared_limits.py) and every call of that
method in that workspace waits it out. A workspace is named by a digest of its bot token
(one token per installed workspace), so no lookup is needed before a call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bots.limits import RateStore

log = logging.getLogger(__name__)

TIER_PER_MIN = {1: 1, 2: 20, 3: 50, 4: 100}
# The tier of each method MentorBot calls (Slack's method pages); others count as tier 3.
METHOD_TIER = {
    "auth.test": 4,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "chat.postMessage": 4,  # "special": per channel below, several hundred a minute overall
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "team.info": 3,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.publish": 4,
    "views.update": 4,
}
DEFAULT_TIER = 3
POST_PER_CHANNEL_S = 1.0  # chat.postMessage: one a second per channel, short bursts allowed
POST_BURST = 5
RETRY_AFTER_DEFAULT_S = 1.0  # a 429 without Retry-After (Slack always sends one)


def workspace_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def retry_after_s(headers: Any) -> float:
    """Retry-After from slack_sdk's headers (values may be lists), in seconds."""
    for k, v in dict(headers or {}).items():
        if str(k).lower() == "retry-after":
            value = v[0] if isinstance(v, list) else v
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return RETRY_AFTER_DEFAULT_S


class SlackLimits:
    """Waits before each Web API call until Slack's limits allow it; records 429 pauses."""

    def __init__(
        self,
        store: RateStore,
        prefix: str = "slack",
        tiers: dict[int, float] | None = None,
        method_tier: dict[str, int] | None = None,
        burst: int | None = None,
    ) -> None:
        """`burst`: calls at once in every tier (default: a fifth of the tier's minute)."""
        self.store = store
        self.burst = burst
        self.prefix = prefix
        self.per_min = {**TIER_PER_MIN, **(tiers or {})}
        self.method_tier = {**METHOD_TIER, **(method_tier or {})}

    def _pause_key(self, workspace: str, method: str) -> str:
        return f"{self.prefix}:{workspace}:pause:{method}"

    async def wait(self, token: str, method: str, channel: str = "") -> None:
        ws = workspace_of(token)
        per_min = self.per_min[self.method_tier.get(method, DEFAULT_TIER)]
        burst = self.burst or max(1, int(per_min // 5))  # "bursts tolerated": a fifth of a minute's
        delay = await self.store.reserve(
            f"{self.prefix}:{ws}:m:{method}", 60.0 / per_min, burst, self._pause_key(ws, method)
        )
        if delay > 0:
            await asyncio.sleep(delay)
        if method == "chat.postMessage" and channel:
            delay = await self.store.reserve(
                f"{self.prefix}:{ws}:ch:{channel}", POST_PER_CHANNEL_S, POST_BURST
            )
            if delay > 0:
                await asyncio.sleep(delay)

    async def pause(self, token: str, method: str, seconds: float) -> None:
        log.info("slack: %s rate limited for %.1f s", method, seconds)
        await self.store.pause(self._pause_key(workspace_of(token), method), seconds)


def _method_of(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _token_of(request: HttpRequest) -> str:
    for k, v in request.headers.items():
        if k.lower() == "authorization":
            return str(v[0] if isinstance(v, list) else v).removeprefix("Bearer ")
    return ""


class SharedRateLimitRetryHandler(AsyncRetryHandler):
    """slack_sdk's 429 retry, with the pause recorded for every worker first and the retry
    waiting for the shared limits (not only this call's own Retry-After)."""

    def __init__(self, limits: SlackLimits, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.limits = limits

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:  # pragma: no cover - _can_retry_async needs a response
            raise error or RuntimeError("no response to retry")
        state.next_attempt_requested = True
        token, method = _token_of(request), _method_of(request.url)
        await self.limits.pause(token, method, retry_after_s(response.headers))
        channel = str((request.body_params or {}).get("channel") or "")
        await self.limits.wait(token, method, channel)
        state.increment_current_attempt()


class PacedWebClient(AsyncWebClient):
    """AsyncWebClient that keeps Slack's limits before each call (`limits` None: as before).
    A 429 that reaches the caller (no retry handler, or retries spent) still pauses the
    method for every worker."""

    def __init__(self, *args: Any, limits: SlackLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        if self.limits is None:
            return await super().api_call(api_method, **kwargs)
        token = self.token or ""
        body = kwargs.get("json") or kwargs.get("data") or kwargs.get("params") or {}
        channel = str(body.get("channel") or "") if isinstance(body, dict) else ""
        await self.limits.wait(token, api_method, channel)
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                await self.limits.pause(token, api_method, retry_after_s(exc.response.headers))
            raise
