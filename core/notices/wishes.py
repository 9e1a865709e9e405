"""A newly approved mentor answers the wishes of people who searched for their skills."""

from __future__ import annotations

from core.db.schema import User
from core.events import MentorDecided
from core.markup import esc
from core.messaging import Button, Reply
from core.services.buttons import ViewProfile
from core.services.wishes import answered_by
from core.uow import UnitOfWork


async def mentor_answers_wishes(u: UnitOfWork, ev: MentorDecided) -> None:
    if ev.status != "approved":
        return
    mentor = await u.session.get(User, ev.user_id)
    if mentor is None:
        return
    names = u.deps.catalog.index.by_id
    for user_id, skill_ids in (await answered_by(u.session, ev.user_id, u.now)).items():
        skills = (
            ", ".join(names[s].name for s in skill_ids if s in names) or "a skill you asked for"
        )
        await u.notify(
            user_id,
            [
                Reply(
                    f"🔔 *{esc(mentor.display_name)}* now teaches *{esc(skills)}* — you asked "
                    "me to tell you when someone does.",
                    buttons=((Button("👤 See their profile", ViewProfile(ev.user_id).pack()),),),
                )
            ],
            kind="wish",
        )
