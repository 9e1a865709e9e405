"""The community bridge's Slack side (issue #15): copies of other chats' messages posted in a
linked channel (chat.postMessage, chat.update, chat.delete, files upload v2), and files
shared in a linked channel downloaded with the bot token.

The Web API client used here has no 429 retry handler: a 429 becomes RelayRetry with
Slack's Retry-After, and core's durable queue waits, instead of a sleep inside the call.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bots.fetch import fetch_bounded, host_allowed
from bots.slack.render import fallback_text, reply_blocks
from core.markup import replace_mentions
from core.ports import ChatRef, MessageGone, RelayGone, RelayOut, RelayRetry

log = logging.getLogger(__name__)

# files upload v2 takes files up to 1 GB (docs.slack.dev: files.getUploadURLExternal).
UPLOAD_MAX_BYTES = 1024 * 1024 * 1024
# The channel is gone for the app: removed from it, never invited, deleted or archived.
CHANNEL_GONE = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "account_inactive", "token_revoked"}
)
# The copy isn't there to change (deleted in Slack), or it isn't the app's to change.
MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "cant_delete_message"})
RETRY_5XX_S = 5.0
MAX_ROOTS = 10_000  # thread parents remembered (a reply's reply goes to the same thread)

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]


def _esc(text: str) -> str:
    """Slack's three control characters, as its formatting docs ask."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_USER = re.compile(r"[UW][A-Z0-9]{1,20}")


def _mentioned(text: str, native: bool) -> str:
    """Members core left mentioned (with an account in this workspace) as <@U…> in mrkdwn;
    their name in plain text."""

    def one(who: str, name: str) -> str:
        return f"<@{who}>" if native and _SLACK_USER.fullmatch(who) else "@" + name

    return replace_mentions(text, one)


def _with_mentions(node: Any) -> Any:
    """Blocks with mentions made: real in mrkdwn texts, names in plain_text ones."""
    if isinstance(node, dict):
        native = node.get("type") == "mrkdwn"
        return {
            k: _mentioned(v, native) if k == "text" and isinstance(v, str) else _with_mentions(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_with_mentions(v) for v in node]
    return node


class NoToken(Exception):
    """The workspace has no bot token (uninstalled or never installed)."""


def _raise_mapped(exc: SlackApiError) -> NoReturn:
    status = exc.response.status_code
    error = str(exc.response.get("error", "") or "")
    if status == 429:
        try:
            after = float(exc.response.headers.get("Retry-After", "1"))
        except (TypeError, ValueError):
            after = 1.0
        raise RelayRetry(max(after, 1.0), "slack 429 Too Many Requests") from exc
    if status >= 500:
        raise RelayRetry(RETRY_5XX_S, f"slack HTTP {status}") from exc
    if error in CHANNEL_GONE:
        raise RelayGone(error) from exc
    if error in MESSAGE_GONE:
        raise MessageGone(error) from exc
    raise exc


class SlackBridge:
    """core.ports.Bridge for Slack channels linked to a community."""

    platform = "slack"

    def __init__(self, client_for: ClientFor, public_url: str = "") -> None:
        self._client_for = client_for
        self.public_url = public_url
        # (channel, ts) -> its thread's parent ts: Slack threads have one level, so a reply
        # to a reply goes under the same parent.
        self._roots: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._dms: dict[tuple[str, str], str] = {}  # (team, user) -> their DM channel

    def remember_thread(self, channel: str, ts: str, parent: str) -> None:
        self._roots[(channel, ts)] = parent
        while len(self._roots) > MAX_ROOTS:
            self._roots.popitem(last=False)

    def _thread(self, chat: ChatRef, reply_to: str | None) -> str | None:
        if reply_to:
            return self._roots.get((chat.chat_id, reply_to), reply_to)
        return chat.thread_id or None

    async def _client(self, chat: ChatRef) -> AsyncWebClient:
        try:
            return await self._client_for(chat.workspace)
        except NoToken as exc:
            raise RelayGone(f"no bot token for workspace {chat.workspace}") from exc

    async def _dm(self, client: AsyncWebClient, chat: ChatRef) -> ChatRef:
        """A direct-message side names the person: their DM with the app (conversations.open,
        remembered)."""
        if not chat.dm:
            return chat
        key = (chat.workspace, chat.chat_id)
        if key not in self._dms:
            try:
                resp = await client.conversations_open(users=chat.chat_id)
            except SlackApiError as exc:
                _raise_mapped(exc)
            self._dms[key] = str(resp["channel"]["id"])
        return ChatRef(chat.platform, chat.workspace, self._dms[key])

    def _render(self, out: RelayOut, link: str = "") -> tuple[str, list[dict[str, object]]]:
        reply = out.reply
        blocks = _with_mentions(reply_blocks(reply, self.public_url))
        # The notification text is escaped too: `<!channel>` typed anywhere stays words.
        text = _mentioned(_esc(fallback_text(reply)), True)
        if link:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": link}})
            text += "\n" + link
        return text, blocks

    def _link(self, out: RelayOut) -> str:
        f = out.file
        return "" if f is None else f"📎 {_esc(f.name)}: <{f.url}|{_esc(f.name)}>"

    async def post(self, chat: ChatRef, out: RelayOut) -> str:
        client = await self._client(chat)
        chat = await self._dm(client, chat)
        f = out.file
        too_big = f is not None and len(f.data) > UPLOAD_MAX_BYTES
        text, blocks = self._render(out, self._link(out) if too_big else "")
        thread = self._thread(chat, out.reply_to)
        try:
            resp = await client.chat_postMessage(
                channel=chat.chat_id,
                text=text,
                blocks=blocks,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            _raise_mapped(exc)
        ts = str(resp.get("ts") or "")
        if thread:
            self.remember_thread(chat.chat_id, ts, thread)
        if f is not None and not too_big:
            await self._upload(client, chat, ts, thread, out)
        return ts

    async def _upload(
        self, client: AsyncWebClient, chat: ChatRef, ts: str, thread: str | None, out: RelayOut
    ) -> None:
        """The file right after its message, in the same place. The message went out already,
        so a failed upload is not retried (that would post the message twice): the message
        gets the web copy's link instead."""
        f = out.file
        assert f is not None
        try:
            await client.files_upload_v2(
                channel=chat.chat_id,
                content=f.data,
                filename=f.name,
                title=f.name,
                thread_ts=thread,
            )
            return
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack upload of %s to %s failed: %s", f.name, chat.chat_id, exc)
        text, blocks = self._render(out, self._link(out))
        try:
            await client.chat_update(channel=chat.chat_id, ts=ts, text=text, blocks=blocks)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: could not add the file link to %s: %s", ts, exc)

    async def edit(self, chat: ChatRef, message_id: str, out: RelayOut) -> None:
        client = await self._client(chat)
        chat = await self._dm(client, chat)
        # An uploaded file sits beside the message: the edit changes the text (and keeps
        # the link of a file too big to upload).
        f = out.file
        text, blocks = self._render(
            out, self._link(out) if f is not None and len(f.data) > UPLOAD_MAX_BYTES else ""
        )
        try:
            await client.chat_update(channel=chat.chat_id, ts=message_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            _raise_mapped(exc)

    async def delete(self, chat: ChatRef, message_id: str) -> None:
        client = await self._client(chat)
        chat = await self._dm(client, chat)
        try:
            await client.chat_delete(channel=chat.chat_id, ts=message_id)
        except SlackApiError as exc:
            _raise_mapped(exc)


def file_host_allowed(url: str, api_base: str) -> bool:
    """The bot token goes only to Slack's own hosts (or the configured API's host)."""
    return host_allowed(url, ("slack.com",), api_base)


async def download(url: str, token: str, limit: int, timeout_s: float = 30.0) -> bytes | None:
    """A shared file from url_private, with the bot token as Slack documents; None when it is
    bigger than `limit` or Slack doesn't give it (no files:read, gone)."""
    auth = {"Authorization": f"Bearer {token}"}
    return await fetch_bounded(url, limit, timeout_s, auth, "slack file download")
