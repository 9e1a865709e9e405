"""Admins and people (issue 17): look a person up, suspend or reinstate them, grant or
remove admin, merge a duplicate account into another. Every change is audited.

Lives in the booking layer because a person's view counts their bookings. Whether the
acting admin may grant admin (a super-admin from settings) is the caller's check, since
only the caller knows the chat account the admin spoke from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import ACTIVE, Booking
from core.db.audit import Audit
from core.db.moderation import CommunityReport, CommunitySanction
from core.db.relay import RelayMessage
from core.db.schema import Account, AuditEntry, MentorProfile, User
from core.db.suspensions import Suspension
from core.ledger import Ledger
from core.services.identity import Identity


class PeopleError(Exception):
    """The change can't be made; the message says why (shown to the admin)."""


@dataclass(frozen=True)
class Person:
    user: User
    accounts: list[Account]
    mentor_status: str | None
    bookings: dict[str, int]  # status -> count, as mentor or learner
    last_paid_booking: int | None  # the newest booking they paid for as a learner
    wallet: dict[str, int]
    held: dict[str, int]
    suspension: Suspension | None
    reports: int  # open or decided reports about their community messages
    sanctions: int  # community mutes and bans
    audit: list[AuditEntry]


class AdminPeople:
    def __init__(
        self, session: AsyncSession, now: datetime, audit: Audit, identity: Identity
    ) -> None:
        self.s = session
        self.now = now
        self.audit = audit
        self.identity = identity
        self.ledger = Ledger(session, now)

    async def find(self, query: str, limit: int = 8) -> list[User]:
        """By id (`12`, `#12`), by chat handle (`@asha`: an account's id or name) or by name."""
        q = query.strip()
        if q.lstrip("#").isdigit():
            user = await self.s.get(User, int(q.lstrip("#")))
            return [user] if user is not None and user.merged_into_id is None else []
        handle = q.removeprefix("@").replace("%", "").replace("_", r"\_")
        if not handle:
            return []
        pattern = f"%{handle}%"
        by_account = select(Account.user_id).where(
            or_(
                Account.external_id == q.removeprefix("@"),
                Account.display_name.ilike(pattern),
            )
        )
        rows = await self.s.scalars(
            select(User)
            .where(
                User.merged_into_id.is_(None),
                or_(User.display_name.ilike(pattern), User.id.in_(by_account)),
            )
            .order_by(User.display_name, User.id)
            .limit(limit)
        )
        return list(rows)

    async def person(self, user_id: int) -> Person | None:
        user = await self.s.get(User, user_id)
        if user is None:
            return None
        mp = await self.s.get(MentorProfile, user_id)
        counts = await self.s.execute(
            select(Booking.status, func.count())
            .where(or_(Booking.mentor_id == user_id, Booking.learner_id == user_id))
            .group_by(Booking.status)
        )
        last_paid = await self.s.scalar(
            select(Booking.id)
            .where(
                Booking.learner_id == user_id,
                or_(Booking.pay_state == "paid", Booking.price_mode == "credits"),
            )
            .order_by(Booking.starts_at.desc())
            .limit(1)
        )
        reports = await self.s.scalar(
            select(func.count())
            .select_from(CommunityReport)
            .join(RelayMessage, RelayMessage.id == CommunityReport.message_id)
            .where(RelayMessage.author_id == user_id)
        )
        sanctions = await self.s.scalar(
            select(func.count())
            .select_from(CommunitySanction)
            .where(CommunitySanction.user_id == user_id)
        )
        return Person(
            user=user,
            accounts=await self.identity.accounts_of(user_id),
            mentor_status=mp.status if mp is not None else None,
            bookings={st: int(n) for st, n in counts.all()},
            last_paid_booking=last_paid,
            wallet=await self.ledger.wallet_balances(user_id),
            held=await self.ledger.held_for(user_id),
            suspension=await self.s.get(Suspension, user_id),
            reports=int(reports or 0),
            sanctions=int(sanctions or 0),
            audit=await self.audit.recent(targets=(f"user:{user_id}",), limit=5),
        )

    # -- changes ----------------------------------------------------------------------------

    async def suspend(self, admin: User, user_id: int, reason: str) -> User:
        user = await self._target(user_id)
        if user.id == admin.id:
            raise PeopleError("You can't suspend yourself.")
        if await self.s.get(Suspension, user_id) is not None:
            raise PeopleError(f"{user.display_name} is already suspended.")
        self.s.add(Suspension(user_id=user_id, reason=reason, by_id=admin.id, since=self.now))
        self.identity.suspension_changed(user_id)
        # A mentor stops being found and booked, as with a mentor suspension.
        await self.s.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == user_id, MentorProfile.status == "approved")
            .values(
                status="suspended", status_reason=reason, decided_at=self.now, decided_by=admin.id
            )
        )
        await self.audit.record(admin.id, "user.suspend", f"user:{user_id}", reason)
        return user

    async def reinstate(self, admin: User, user_id: int, reason: str) -> User:
        user = await self._target(user_id)
        res = await self.s.execute(delete(Suspension).where(Suspension.user_id == user_id))
        self.identity.suspension_changed(user_id)
        mentor = await self.s.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == user_id, MentorProfile.status == "suspended")
            .values(status="approved", status_reason="", decided_at=self.now, decided_by=admin.id)
        )
        if not res.rowcount and not mentor.rowcount:  # type: ignore[attr-defined]
            raise PeopleError(f"{user.display_name} isn't suspended.")
        await self.audit.record(admin.id, "user.reinstate", f"user:{user_id}", reason)
        return user

    async def set_admin(self, admin: User, user_id: int, on: bool, reason: str) -> User:
        user = await self._target(user_id)
        if user.is_admin == on:
            raise PeopleError(f"{user.display_name} is {'already' if on else 'not'} an admin.")
        if not on and user.id == admin.id:
            raise PeopleError("You can't remove your own admin right.")
        user.is_admin = on
        await self.s.flush()
        action = "admin.grant" if on else "admin.remove"
        await self.audit.record(admin.id, action, f"user:{user_id}", reason)
        return user

    async def merge(self, admin: User, keep_id: int, drop_id: int, reason: str) -> User:
        """Move `drop`'s chat accounts (and wallet) to `keep`; `drop` stays as a tombstone.

        Refused when it can't be done safely: both have money, the one merged away is a
        mentor or has sessions still to come, or the two have booked each other.
        """
        if keep_id == drop_id:
            raise PeopleError("That's the same person.")
        keep = await self._target(keep_id)
        drop = await self._target(drop_id)
        if await self.s.get(MentorProfile, drop_id) is not None:
            raise PeopleError(
                f"{drop.display_name} has a mentor profile: merge the other way round "
                f"(keep #{drop_id}), or not at all if both are mentors."
            )
        if await self._has_money(keep_id) and await self._has_money(drop_id):
            raise PeopleError("Both have money or credits; settle one wallet first.")
        active = await self.s.scalar(
            select(func.count()).where(
                or_(Booking.mentor_id == drop_id, Booking.learner_id == drop_id),
                Booking.status.in_(ACTIVE),
            )
        )
        if active:
            raise PeopleError(f"{drop.display_name} has sessions still to come.")
        between = await self.s.scalar(
            select(func.count()).where(
                or_(
                    (Booking.mentor_id == keep_id) & (Booking.learner_id == drop_id),
                    (Booking.mentor_id == drop_id) & (Booking.learner_id == keep_id),
                )
            )
        )
        if between:
            raise PeopleError("They have booked each other; these are two people.")
        await self.identity.merge(drop_id, keep_id)
        await self.audit.record(
            admin.id, "user.merge", f"user:{keep_id}", f"merged #{drop_id} in: {reason}"
        )
        await self.audit.record(
            admin.id, "user.merge", f"user:{drop_id}", f"merged into #{keep_id}: {reason}"
        )
        return keep

    async def _has_money(self, user_id: int) -> bool:
        wallets = await self.ledger.wallet_balances(user_id)
        held = await self.ledger.held_for(user_id)
        # Starter credits alone aren't money worth keeping apart.
        return any(v for c, v in wallets.items() if c != "CREDIT") or any(held.values())

    async def _target(self, user_id: int) -> User:
        user = await self.s.get(User, user_id)
        if user is None:
            raise PeopleError(f"There is no user #{user_id}.")
        if user.merged_into_id is not None:
            raise PeopleError(f"User #{user_id} was merged into #{user.merged_into_id}.")
        return user
