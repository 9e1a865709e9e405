"""A followed mentor opened new times: their followers hear it once per change."""

from __future__ import annotations

from core.booking.payloads import Bk
from core.db.schema import MentorProfile, User
from core.events import SlotsOpened
from core.markup import esc
from core.messaging import Button, Reply
from core.services.follows import follow_button, followers_of
from core.uow import UnitOfWork


async def slots_opened(u: UnitOfWork, ev: SlotsOpened) -> None:
    mp = await u.session.get(MentorProfile, ev.user_id)
    mentor = await u.session.get(User, ev.user_id)
    if mp is None or mp.status != "approved" or mentor is None:
        return  # followers only hear about mentors they can book
    zone = mentor.timezone or "UTC"
    told: set[int] = set()
    for follower_id in await followers_of(u.session, ev.user_id):
        follower = await u.session.get(User, follower_id)
        target = follower.merged_into_id if follower and follower.merged_into_id else follower_id
        if target in told or target == ev.user_id:
            continue
        told.add(target)
        await u.notify(
            target,
            [
                Reply(
                    f"📅 *{esc(mentor.display_name)}*, whom you follow, opened new times: "
                    f"{esc(ev.added)} (weekly, in their zone, {esc(zone)}).",
                    buttons=(
                        (
                            Button("📅 Book a session", Bk("book", ev.user_id).pack()),
                            follow_button(ev.user_id, following=True),
                        ),
                    ),
                )
            ],
            kind="favourite",
        )
