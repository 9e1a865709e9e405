"""`/busy URL`: a mentor's busy calendar (an ICS subscription link from Google, Outlook or
Apple); its busy times are never offered as slots. `/busy` shows how it last loaded,
`/busy off` removes it."""

from __future__ import annotations

from core.booking.views import when
from core.db.schema import MentorProfile
from core.dialogs.engine import Ctx, Dialog, Step, end
from core.markup import esc
from core.messaging import Reply
from core.services.busy import BusyFeedError


class BusyDialog(Dialog):
    name = "busy"
    title = "your busy calendar"

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("/busy")  # one step

    async def start(self, ctx: Ctx, args: str) -> Step:
        if await ctx.session.get(MentorProfile, ctx.user.id) is None:
            return end(Reply("A busy calendar is for mentors. Apply with /mentor."))
        feeds = ctx.u.busy_feeds
        word = args.strip()
        every = ctx.deps.policies.busy_feed_refresh_min
        if word.casefold() == "off":
            removed = await feeds.remove(ctx.user.id)
            return end(Reply("Busy calendar removed." if removed else "You had no busy calendar."))
        if word:
            try:
                await feeds.set_url(ctx.user.id, word)
            except BusyFeedError as exc:
                return end(Reply(str(exc)))
            return end(
                Reply(
                    f"📅 Busy calendar saved. I load it within a minute and every {every} "
                    "minutes after; its busy times are never offered to learners. If it "
                    "fails to load I'll tell you."
                )
            )
        feed = await feeds.get(ctx.user.id)
        if feed is None:
            return end(
                Reply(
                    "Paste your calendar's ICS subscription link (Google: Settings → “Secret "
                    "address in iCal format”; Outlook: Publish calendar; Apple: Public "
                    "calendar) as `/busy URL`, and its busy times are never offered as slots."
                )
            )
        tz = ctx.user.timezone
        if feed.error:
            state = f"⚠️ last load failed: {esc(feed.error)}"
        elif feed.fetched_at is not None:
            state = f"loaded {esc(when(feed.fetched_at, tz))}"
        else:
            state = "not loaded yet"
        return end(Reply(f"📅 Busy calendar: {state}. `/busy off` removes it."))
