"""`/mentor stats` (`/stats`): a mentor's own figures over the last 12 weeks — earnings and
sessions by week, rating over time, answer time, how often shown in search, opened and
booked — as two charts with a one-line summary each (issue 17)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from core import charts
from core.booking.analytics import MENTOR_WEEKS, MentorStats
from core.currency import money
from core.db.schema import MentorProfile
from core.dialogs.admin_stats import minutes_text, pct
from core.dialogs.engine import Ctx, Dialog, Step, end
from core.markup import esc
from core.messaging import Image, LinkButton, Reply
from core.signing import Keys, dumps, loads

# How long the signed link to the stats page works: the page shows earnings, so a link
# forwarded by mistake stops working soon; /stats makes a new one at any time.
PAGE_LINK_S = 24 * 3600


def page_token(keys: Keys, user_id: int, now: datetime) -> str:
    """The unguessable part of a mentor's stats page URL: their id and an expiry, signed."""
    return dumps(keys, "mentorstats", [user_id, int(now.timestamp()) + PAGE_LINK_S])


def page_user(keys: Keys, token: str, now: datetime) -> int | None:
    """Whose stats page a token opens, or None (not ours, malformed or expired)."""
    got = loads(keys, "mentorstats", token)
    if not (isinstance(got, list) and len(got) == 2):
        return None
    user_id, expiry = got
    if not isinstance(user_id, int) or not isinstance(expiry, int):
        return None
    return user_id if expiry >= now.timestamp() else None


def summaries(m: MentorStats) -> tuple[str, str]:
    earned = sum(w.earned for w in m.weeks)
    sessions = sum(w.sessions for w in m.weeks)
    rated = [w.rating for w in m.weeks if w.rating is not None]
    latest = next((w.rating for w in reversed(m.weeks) if w.rating is not None), None)
    first = (
        f"Earned {money(earned, m.currency)} from {sessions} session"
        f"{'s' if sessions != 1 else ''} in {MENTOR_WEEKS} weeks"
        + (f"; this week {money(m.weeks[-1].earned, m.currency)}" if m.weeks else "")
    )
    second = (
        (f"Rating {latest:.1f}★ lately" if latest is not None else "No visible ratings yet")
        + (f" ({len(rated)} week{'s' if len(rated) != 1 else ''} rated)" if rated else "")
        + (
            f"; answers in {minutes_text(m.answer_min)} (median of {m.answered}); shown in search "
            f"{m.shown}×, profile opened {m.opened}×, booked {m.requested}× "
            f"({pct(m.requested, m.opened)} of opens)"
        )
    )
    return first, second


def draw(m: MentorStats) -> tuple[bytes, bytes]:
    labels = [f"{w.start:%d %b}" for w in m.weeks]
    return (
        charts.weekly(
            f"Earnings by week ({m.currency})",
            labels,
            [w.earned for w in m.weeks],
            [money(w.earned, m.currency) for w in m.weeks],
        ),
        charts.weekly(
            "Sessions (bars) and rating (line) by week",
            labels,
            [w.sessions for w in m.weeks],
            [str(w.sessions) for w in m.weeks],
            [w.rating for w in m.weeks],
            "rating ★",
        ),
    )


class MentorStatsDialog(Dialog):
    name = "mentorstats"
    title = "your mentor stats"

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("/stats")  # one step: it never waits for an answer

    async def start(self, ctx: Ctx, args: str) -> Step:
        profile = await ctx.session.get(MentorProfile, ctx.user.id)
        if profile is None:
            return end(Reply("Stats are for mentors. Apply with /mentor to become one."))
        stats = await ctx.u.mentor_analytics.stats(ctx.user.id, ctx.deps.policies.currency)
        first, second = summaries(stats)
        earnings, sessions = await asyncio.to_thread(draw, stats)
        token = page_token(ctx.deps.signing_keys, ctx.user.id, ctx.now)
        url = f"{ctx.deps.policies.public_url.rstrip('/')}/mentor/stats/{token}"
        return end(
            Reply(
                f"*Your stats*, last {MENTOR_WEEKS} weeks (weeks start Monday, UTC)",
                buttons=((LinkButton("Open as a web page (24 h link)", url),),),
            ),
            Reply(esc(first), image=Image(earnings, "Bar chart of earnings by week. " + first)),
            Reply(
                esc(second),
                image=Image(
                    sessions, "Bar chart of sessions by week with a rating line. " + second
                ),
            ),
        )
