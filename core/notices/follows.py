"""A followed mentor opened new times or published a post: their followers hear it once,
held by quiet hours (kind "favourite")."""

from __future__ import annotations

from core.booking.payloads import Bk
from core.db.schema import MentorProfile, User
from core.events import PostPublished, SlotsOpened
from core.markup import esc
from core.messaging import Button, Reply
from core.services.follows import follow_button, followers_of
from core.services.posts import post_url
from core.uow import UnitOfWork


async def _bookable(u: UnitOfWork, mentor_id: int) -> User | None:
    """The mentor, if followers may hear about them: only mentors they can book."""
    mp = await u.session.get(MentorProfile, mentor_id)
    mentor = await u.session.get(User, mentor_id)
    if mp is None or mp.status != "approved" or mentor is None:
        return None
    return mentor


async def _tell_followers(u: UnitOfWork, mentor_id: int, text: str, extra: Button) -> None:
    told: set[int] = set()
    for follower_id in await followers_of(u.session, mentor_id):
        follower = await u.session.get(User, follower_id)
        target = follower.merged_into_id if follower and follower.merged_into_id else follower_id
        if target in told or target == mentor_id:
            continue
        told.add(target)
        await u.notify(
            target,
            [
                Reply(
                    text,
                    buttons=((extra, follow_button(mentor_id, following=True)),),
                )
            ],
            kind="favourite",
        )


async def slots_opened(u: UnitOfWork, ev: SlotsOpened) -> None:
    mentor = await _bookable(u, ev.user_id)
    if mentor is None:
        return
    zone = mentor.timezone or "UTC"
    await _tell_followers(
        u,
        ev.user_id,
        f"📅 *{esc(mentor.display_name)}*, whom you follow, opened new times: "
        f"{esc(ev.added)} (weekly, in their zone, {esc(zone)}).",
        Button("📅 Book a session", Bk("book", ev.user_id).pack()),
    )


async def post_published(u: UnitOfWork, ev: PostPublished) -> None:
    mentor = await _bookable(u, ev.author_id)
    if mentor is None:
        return
    await _tell_followers(
        u,
        ev.author_id,
        f"📝 *{esc(mentor.display_name)}*, whom you follow, published a post: "
        f"*{esc(ev.title)}*\n[Read it]({post_url(u.deps.policies.public_url, ev.post_id)})",
        Button("📅 Book a session", Bk("book", ev.author_id).pack()),
    )
