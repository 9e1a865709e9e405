"""Reports about people → an alert to the admins when enough different people report one."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from core.db.safety import PersonReport
from core.db.schema import User
from core.events import PersonReported
from core.markup import esc
from core.messaging import Reply
from core.notices.people import admin_ids
from core.uow import UnitOfWork


async def person_reported(u: UnitOfWork, ev: PersonReported) -> None:
    if not u.safety.should_alert(ev):
        return
    target = await u.session.get(User, ev.target_user_id)
    name = esc(target.display_name) if target is not None else f"user {ev.target_user_id}"
    categories = Counter(
        await u.session.scalars(
            select(PersonReport.category).where(
                PersonReport.target_user_id == ev.target_user_id, PersonReport.state == "open"
            )
        )
    )
    why = ", ".join(f"{c} ×{n}" for c, n in categories.most_common())
    reply = Reply(
        f"🚨 *{name}* (#{ev.target_user_id}) has been reported by {ev.open_reporters} "
        f"different people ({esc(why)}). See /admin reports"
    )
    for admin_id in await admin_ids(u):
        if admin_id != ev.target_user_id:
            await u.notify(admin_id, [reply])
