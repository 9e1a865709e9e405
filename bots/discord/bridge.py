"""The community bridge's Discord side (core.ports.Bridge): copies posted, edited and deleted
in linked channels and threads.

Copies never ping anyone (allowed_mentions none), answer the copy they reply to with a
message reference that doesn't fail when the parent is gone, and carry a shared file as a
native upload within the server's upload limit, else as a link to its web copy. Discord's
answers become what core's queue understands: RelayRetry (429, 5xx, unreachable), RelayGone
(no access, unknown channel), MessageGone (unknown message).

discord.py waits out a 429 itself; the client is built with max_ratelimit_timeout (see
bot.MentorClient), so a long wait comes back here as RateLimited instead of holding the
queue, and core asks again after retry_after.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import aiohttp
import discord

from bots.discord.render import MAX_CONTENT, to_markdown
from core.markup import replace_mentions, split_markup
from core.ports import ChatRef, MessageGone, RelayGone, RelayOut, RelayRetry

UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, MISSING = 10003, 10008, 50013  # MISSING: Missing Permissions
# Room kept in each part for the link to a file Discord can't take (name and address).
LINK_ROOM = 400
log = logging.getLogger(__name__)

RETRY_S = 5.0  # after a 5xx or a connection error
DEFAULT_RETRY_AFTER_S = 30.0  # a 429 that didn't say how long


def _retry_after(exc: discord.HTTPException) -> float:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return max(0.0, float(header)) if header else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S


@contextlib.contextmanager
def discord_answers() -> Iterator[None]:
    """Discord's refusals as the relay queue's exceptions."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RelayRetry(exc.retry_after, "429 rate limited") from exc
    except discord.Forbidden as exc:
        raise RelayGone(f"403 {exc.code}: {exc.text}") from exc
    except discord.NotFound as exc:
        if exc.code == UNKNOWN_MESSAGE:
            raise MessageGone(exc.text) from exc
        raise RelayGone(f"404 {exc.code}: {exc.text}") from exc
    except discord.DiscordServerError as exc:
        raise RelayRetry(RETRY_S, f"{exc.status} from Discord") from exc
    except discord.HTTPException as exc:
        if exc.status == 429:  # still limited after discord.py's own retries
            raise RelayRetry(_retry_after(exc), "429 rate limited") from exc
        raise
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise RelayRetry(RETRY_S, f"Discord unreachable: {exc!r}") from exc


def mentioning(text: str) -> tuple[str, list[int]]:
    """A copy's content with each member core left mentioned (one with a Discord account) as
    a real mention, and their ids: the only ones the copy may ping."""
    ids: list[int] = []

    def one(who: str, name: str) -> str:
        if who.isdigit() and len(who) <= 20:
            ids.append(int(who))
            return f"<@{who}>"
        return "@" + name

    return replace_mentions(text, one), ids


def allowed(ids: list[int]) -> discord.AllowedMentions:
    """Nobody is pinged but the members mentioned (never everyone, here or a role)."""
    if not ids:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(i) for i in ids]
    )


class DiscordBridge:
    platform = "discord"

    def __init__(self, client: discord.Client, public_url: str = "") -> None:
        self.client = client
        self.public_url = public_url
        self._dms: dict[int, int] = {}  # user id -> their DM channel with the bot

    def _channel(self, chat: ChatRef) -> discord.PartialMessageable:
        if self.client.user is None or self.client.is_closed():
            raise RelayRetry(RETRY_S, "the Discord client is not logged in")
        try:
            return self.client.get_partial_messageable(int(chat.thread_id or chat.chat_id))
        except ValueError:
            raise RelayGone(f"not a Discord channel id: {chat.chat_id!r}") from None

    async def _dm(self, chat: ChatRef) -> ChatRef:
        """A direct-message side names the person: their DM channel with the bot."""
        if not chat.dm:
            return chat
        if self.client.user is None or self.client.is_closed():
            raise RelayRetry(RETRY_S, "the Discord client is not logged in")
        key = int(chat.chat_id)
        if key not in self._dms:
            with discord_answers():
                user = self.client.get_user(key) or await self.client.fetch_user(key)
                dm = user.dm_channel or await user.create_dm()
            self._dms[key] = dm.id
        return ChatRef(chat.platform, chat.workspace, str(self._dms[key]))

    def _upload_limit(self, channel_id: int) -> int:
        """The server's upload limit when the channel is known (boosts raise it), else
        Discord's default for bots (10 MiB)."""
        known = self.client.get_channel(channel_id)
        guild = getattr(known, "guild", None)
        if isinstance(guild, discord.Guild):
            return guild.filesize_limit
        return discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES

    def _native(self, out: RelayOut, channel_id: int) -> bool:
        return out.file is not None and len(out.file.data) <= self._upload_limit(channel_id)

    def content(self, out: RelayOut, channel_id: int) -> str:
        """The copy's text in Discord markdown (user text stays escaped), within 2000
        characters; a file Discord can't take is a link to the web copy."""
        text = to_markdown(out.reply.text, self.public_url)
        if out.file is not None and not self._native(out, channel_id):
            link = f"\n📎 {discord.utils.escape_markdown(out.file.name)}: <{out.file.url}>"
            return _fit(text, MAX_CONTENT - _units(link)) + link
        return _fit(text, MAX_CONTENT)

    def parts(self, out: RelayOut, channel_id: int) -> list[str]:
        """A copy over Discord's 2000 characters goes in parts (split, never cut)."""
        size = lambda s: _units(to_markdown(s, self.public_url))  # noqa: E731
        pieces = split_markup(out.reply.text, MAX_CONTENT - LINK_ROOM, size) or [""]
        return [
            self.content(replace(out, reply=replace(out.reply, text=piece)), channel_id)
            if n == len(pieces) - 1
            else _fit(to_markdown(piece, self.public_url), MAX_CONTENT)
            for n, piece in enumerate(pieces)
        ]

    async def post(self, chat: ChatRef, out: RelayOut) -> str:
        channel = self._channel(await self._dm(chat))
        first: str | None = None
        for part in self.parts(out, channel.id):
            text, ids = mentioning(part)
            kwargs: dict[str, Any] = {"allowed_mentions": allowed(ids)}
            if first is None and out.reply_to is not None and out.reply_to.isdigit():
                kwargs["reference"] = discord.MessageReference(
                    message_id=int(out.reply_to), channel_id=channel.id, fail_if_not_exists=False
                )
            if first is None and out.file is not None and self._native(out, channel.id):
                kwargs["file"] = discord.File(io.BytesIO(out.file.data), filename=out.file.name)
            with discord_answers():
                sent = await channel.send(text, **kwargs)
            first = first or str(sent.id)
        assert first is not None
        return first  # the first part stands for the copy (edits and deletes find it)

    async def edit(self, chat: ChatRef, message_id: str, out: RelayOut) -> None:
        channel = self._channel(await self._dm(chat))
        if not message_id.isdigit():
            raise MessageGone(message_id)
        text, ids = mentioning(self.parts(out, channel.id)[0])
        with discord_answers():
            await channel.get_partial_message(int(message_id)).edit(
                content=text, allowed_mentions=allowed(ids)
            )

    async def delete(self, chat: ChatRef, message_id: str) -> None:
        channel = self._channel(await self._dm(chat))
        if not message_id.isdigit():
            raise MessageGone(message_id)
        try:
            with discord_answers():
                await channel.get_partial_message(int(message_id)).delete()
        except RelayGone as exc:
            if isinstance(exc.__cause__, discord.Forbidden) and exc.__cause__.code == MISSING:
                # A person's original without Manage Messages: it stays; the channel doesn't go.
                log.warning(
                    "discord: can't delete message %s in %s: %s", message_id, channel.id, exc
                )
                raise MessageGone(message_id) from exc
            raise


def _units(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units: an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> str:
    """Discord takes 2000 characters: a longer copy is cut at a line or a word, marked "…"."""
    if _units(text) <= limit:
        return text or "\u200b"
    cut = text[: limit - 1]
    while _units(cut) > limit - 1:
        cut = cut[:-1]
    at = max(cut.rfind("\n"), cut.rfind(" "))
    if at > limit // 2:
        cut = cut[:at]
    return cut.rstrip() + "…"
