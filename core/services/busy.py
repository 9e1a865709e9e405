"""A mentor's busy-calendar subscription (issue 19, part 5): set or remove the URL, store
what a load gave, and decide when a failure is reported (the first of a run of failures)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.busy import BusyFeed, BusyTime


class BusyFeedError(ValueError):
    pass


def check_feed_url(url: str) -> str:
    """Only http(s) URLs with a host; webcal:// (what calendars hand out) means https."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise BusyFeedError("That isn't a calendar link: paste an https:// (or webcal://) URL.")
    return url


class BusyFeeds:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def get(self, user_id: int) -> BusyFeed | None:
        return await self.s.get(BusyFeed, user_id)

    async def set_url(self, user_id: int, url: str) -> BusyFeed:
        url = check_feed_url(url)
        feed = await self.get(user_id)
        if feed is None:
            feed = BusyFeed(user_id=user_id, url=url, added_at=self.now, failures=0)
            self.s.add(feed)
        else:
            feed.url, feed.etag, feed.last_modified = url, "", ""
            feed.fetched_at = feed.failed_at = None
            feed.error, feed.failures = "", 0
        await self.s.flush()
        return feed

    async def remove(self, user_id: int) -> bool:
        feed = await self.get(user_id)
        await self.s.execute(delete(BusyTime).where(BusyTime.user_id == user_id))
        if feed is None:
            return False
        await self.s.delete(feed)
        await self.s.flush()
        return True

    async def due(self, every: timedelta) -> list[BusyFeed]:
        """Feeds never loaded, or not tried for `every`."""
        cutoff = self.now - every
        rows = await self.s.scalars(
            select(BusyFeed).where(
                or_(
                    BusyFeed.fetched_at.is_(None) & BusyFeed.failed_at.is_(None),
                    (BusyFeed.fetched_at <= cutoff) & BusyFeed.failed_at.is_(None),
                    BusyFeed.failed_at <= cutoff,
                )
            )
        )
        return list(rows)

    async def loaded(
        self,
        user_id: int,
        spans: Sequence[tuple[datetime, datetime]],
        etag: str,
        last_modified: str,
    ) -> None:
        feed = await self.get(user_id)
        if feed is None:
            return
        await self.s.execute(delete(BusyTime).where(BusyTime.user_id == user_id))
        if spans:
            await self.s.execute(
                insert(BusyTime),
                [{"user_id": user_id, "starts_at": a, "ends_at": b} for a, b in spans],
            )
        feed.etag, feed.last_modified = etag[:200], last_modified[:100]
        await self._ok(feed)

    async def not_modified(self, user_id: int) -> None:
        feed = await self.get(user_id)
        if feed is not None:
            await self._ok(feed)

    async def _ok(self, feed: BusyFeed) -> None:
        feed.fetched_at, feed.failed_at, feed.error, feed.failures = self.now, None, "", 0
        await self.s.flush()

    async def failed(self, user_id: int, reason: str) -> bool:
        """Record a failed load; True when the mentor should be told (the first in a run).
        The busy times from the last good load stay."""
        feed = await self.get(user_id)
        if feed is None:
            return False
        feed.failed_at, feed.error, feed.failures = self.now, reason[:500], feed.failures + 1
        await self.s.flush()
        return feed.failures == 1
