"""Reciprocal skill swaps (issue 19, part 1): someone who teaches X and wants Y is offered
people who teach Y and want X. A swap is two linked bookings paid with one credit each way,
requested together (each side's slot in the teacher's own availability), accepted together by
the partner; declining, expiring or cancelling one half handles the other by policy."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.booking.base import BookingError, Offering
from core.booking.service import Bookings
from core.booking.tables import ACTIVE, Booking
from core.db.schema import MentorProfile, Skill, User, UserLanguage, UserSkill
from core.db.swaps import Swap
from core.events import BookingConfirmed, BookingRequested, Event, SwapDecided, SwapProposed
from core.languages import language_by_code
from core.ledger.ledger import InsufficientFunds
from core.slots import expand_slots

OVERLAP_STEP_MIN = 30  # availability overlap is counted in half hours over the next week


@dataclass(frozen=True)
class SwapMatch:
    partner_id: int
    name: str
    they_teach: tuple[str, ...]  # what they teach that I want
    i_teach: tuple[str, ...]  # what I teach that they want
    learn_skill_id: int
    teach_skill_id: int
    overlap_h: float  # hours a week both are free (from each one's weekly hours and zone)
    languages: tuple[str, ...]  # spoken by both
    score: float


def swap_line(m: SwapMatch, my_teach: str, my_want: str) -> str:
    """ "You teach React and want Figma; Meera teaches Figma and wants React"."""
    return (
        f"You teach {my_teach} and want {my_want}; {m.name} teaches {m.they_teach[0]} "
        f"and wants {m.i_teach[0]}"
    )


class Swaps:
    def __init__(self, bookings: Bookings) -> None:
        self.b = bookings
        self.s = bookings.s
        self.now = bookings.now
        self.p = bookings.p
        self.events: list[Event] = bookings.events

    # -- who to swap with -----------------------------------------------------------------

    async def _skills(self, user_ids: set[int]) -> dict[tuple[int, str], set[int]]:
        out: dict[tuple[int, str], set[int]] = defaultdict(set)
        for uid, sid, kind in await self.s.execute(
            select(UserSkill.user_id, UserSkill.skill_id, UserSkill.kind).where(
                UserSkill.user_id.in_(user_ids)
            )
        ):
            out[(uid, kind)].add(sid)
        return out

    async def _weekly_starts(self, offer: Offering) -> set[datetime]:
        return set(
            expand_slots(
                offer.windows,
                offer.timezone,
                self.now,
                self.now + timedelta(days=7),
                length_min=OVERLAP_STEP_MIN,
                step_min=OVERLAP_STEP_MIN,
            )
        )

    async def partners(self, user_id: int, limit: int | None = None) -> list[SwapMatch]:
        """Approved mentors who teach what I want and want what I teach, best first: skill
        fit both ways, then hours a week both are free, then a shared language."""
        mine = await self._skills({user_id})
        my_teach, my_want = mine[(user_id, "teach")], mine[(user_id, "learn")]
        if not my_teach or not my_want:
            return []
        rows = await self.s.execute(
            select(User.id, User.display_name)
            .join(MentorProfile, MentorProfile.user_id == User.id)
            .join(UserSkill, UserSkill.user_id == User.id)
            .where(
                MentorProfile.status == "approved",
                User.id != user_id,
                User.merged_into_id.is_(None),
                UserSkill.kind == "teach",
                UserSkill.skill_id.in_(my_want),
            )
            .distinct()
        )
        names: dict[int, str] = {uid: name for uid, name in rows}
        if not names:
            return []
        theirs = await self._skills(set(names))
        skill_names = dict(
            (
                await self.s.execute(
                    select(Skill.id, Skill.name).where(
                        Skill.id.in_(my_teach | my_want | set().union(*theirs.values()))
                    )
                )
            ).all()
        )
        langs: dict[int, set[str]] = defaultdict(set)
        for uid, code in await self.s.execute(
            select(UserLanguage.user_id, UserLanguage.code).where(
                UserLanguage.user_id.in_({user_id, *names})
            )
        ):
            langs[uid].add(code)
        my_offer = await self.b.offering(user_id)
        my_free = await self._weekly_starts(my_offer) if my_offer is not None else set()
        out: list[SwapMatch] = []
        for pid, name in names.items():
            they_teach = sorted(theirs[(pid, "teach")] & my_want)
            i_teach = sorted(my_teach & theirs[(pid, "learn")])
            if not they_teach or not i_teach:
                continue
            offer = await self.b.offering(pid)
            both_free = my_free & (await self._weekly_starts(offer) if offer else set())
            overlap_h = len(both_free) * OVERLAP_STEP_MIN / 60
            shared = tuple(
                sorted(
                    (lang.name if (lang := language_by_code(c)) else c)
                    for c in langs[user_id] & langs[pid]
                )
            )
            fit = (len(they_teach) / len(my_want) + len(i_teach) / len(theirs[(pid, "learn")])) / 2
            score = 0.5 * fit + 0.3 * min(overlap_h / 10, 1.0) + 0.2 * (1.0 if shared else 0.0)
            out.append(
                SwapMatch(
                    partner_id=pid,
                    name=name,
                    they_teach=tuple(skill_names[s] for s in they_teach),
                    i_teach=tuple(skill_names[s] for s in i_teach),
                    learn_skill_id=they_teach[0],
                    teach_skill_id=i_teach[0],
                    overlap_h=overlap_h,
                    languages=shared,
                    score=round(score, 6),
                )
            )
        out.sort(key=lambda m: (-m.score, m.name, m.partner_id))
        return out[: limit or self.p.swap_suggestions]

    # -- the two halves -------------------------------------------------------------------

    def _credit(self, offer: Offering) -> Offering:
        """A swap half is paid with one credit, whatever the teacher charges otherwise."""
        return dataclasses.replace(offer, price_mode="credits", amount_minor=1, currency="CREDIT")

    async def offers(self, proposer_id: int, partner_id: int) -> tuple[Offering, Offering, int]:
        """(the partner teaching me, me teaching the partner, the session length)."""
        learn = await self.b.offering(partner_id)
        teach = await self.b.offering(proposer_id)
        if teach is None:
            raise BookingError("Swaps are between mentors: apply to teach with /mentor first.")
        if learn is None:
            raise BookingError("That person isn't available for swaps.")
        common = sorted(set(learn.lengths) & set(teach.lengths))
        if not common:
            raise BookingError(f"You and {learn.name} offer no session length in common.")
        length = (
            self.p.default_session_minutes
            if self.p.default_session_minutes in common
            else common[0]
        )
        return self._credit(learn), self._credit(teach), length

    async def get(self, swap_id: int) -> Swap | None:
        return await self.s.get(Swap, swap_id)

    async def of_booking(self, booking_id: int) -> Swap | None:
        return await self.s.scalar(
            select(Swap).where(
                (Swap.learn_booking_id == booking_id) | (Swap.teach_booking_id == booking_id)
            )
        )

    async def propose(
        self,
        proposer_id: int,
        partner_id: int,
        learn_at: datetime,
        teach_at: datetime,
        learn_skill_id: int,
        teach_skill_id: int,
    ) -> Swap:
        """Request both halves at once: my credit is held for the half I learn in; the
        partner's credit is held when they accept. Either both are requested or neither."""
        learn, teach, length = await self.offers(proposer_id, partner_id)
        names = dict(
            (
                await self.s.execute(
                    select(Skill.id, Skill.name).where(
                        Skill.id.in_((learn_skill_id, teach_skill_id))
                    )
                )
            ).all()
        )
        mark = len(self.events)
        # The partner's half is requested without taking their credit yet.
        unpaid = Bookings(self.s, self.now, self.p, self.events, None)
        try:
            async with self.s.begin_nested():
                a = await self.b.request(
                    proposer_id, learn, learn_at, length, f"Swap: {names.get(learn_skill_id, '')}"
                )
                b = await unpaid.request(
                    partner_id, teach, teach_at, length, f"Swap: {names.get(teach_skill_id, '')}"
                )
                swap = Swap(
                    proposer_id=proposer_id,
                    partner_id=partner_id,
                    learn_booking_id=a.id,
                    teach_booking_id=b.id,
                    learn_skill_id=learn_skill_id,
                    teach_skill_id=teach_skill_id,
                    status="proposed",
                    created_at=self.now,
                )
                self.s.add(swap)
                await self.s.flush()
        except Exception:
            del self.events[mark:]
            raise
        # One swap notice instead of two separate booking requests.
        self.events[mark:] = [e for e in self.events[mark:] if not isinstance(e, BookingRequested)]
        self.events.append(SwapProposed(swap.id))
        return swap

    async def _pair(self, swap: Swap) -> tuple[Booking, Booking]:
        a = await self.s.get(Booking, swap.learn_booking_id)
        b = await self.s.get(Booking, swap.teach_booking_id)
        assert a is not None and b is not None
        return a, b

    async def accept(self, swap_id: int, partner_id: int) -> Swap:
        swap = await self.get(swap_id)
        if swap is None or swap.partner_id != partner_id:
            raise BookingError("That swap isn't yours to accept.")
        await self.b._lock(swap.proposer_id, swap.partner_id)
        await self.s.refresh(swap)
        a, b = await self._pair(swap)
        if swap.status != "proposed" or a.status != "requested" or b.status != "requested":
            raise BookingError(f"This swap is already {swap.status}.")
        try:
            async with self.s.begin_nested():
                if self.b.money is not None:
                    await self.b.money.hold_credits(b.id, partner_id, 1)
        except InsufficientFunds:
            raise BookingError(
                "You need 1 credit for your half of the swap. Balance: /wallet"
            ) from None
        for booking in (a, b):
            if not await self.b._move(booking.id, ["requested"], "confirmed", decided_at=self.now):
                raise BookingError("This swap changed just now — look at /sessions.")
            self.events.append(BookingConfirmed(booking.id))
        swap.status, swap.decided_at = "accepted", self.now
        self.events.append(SwapDecided(swap.id, accepted=True))
        return swap

    async def decline(self, swap_id: int, partner_id: int) -> Swap:
        swap = await self.get(swap_id)
        if swap is None or swap.partner_id != partner_id:
            raise BookingError("That swap isn't yours to decline.")
        if swap.status != "proposed":
            raise BookingError(f"This swap is already {swap.status}.")
        swap.status, swap.decided_at = "declined", self.now
        for bid in (swap.learn_booking_id, swap.teach_booking_id):
            await self.b._move(bid, ["requested"], "declined", decided_at=self.now)
            await self.b._refund(bid)
        self.events.append(SwapDecided(swap.id, accepted=False))
        return swap

    async def half_ended(self, booking_id: int) -> Swap | None:
        """One half was declined, expired or cancelled on its own (from /sessions, or by
        time): end the other half by policy. Returns the swap when it did something."""
        swap = await self.of_booking(booking_id)
        if swap is None or swap.status not in ("proposed", "accepted"):
            return None
        ended = await self.s.get(Booking, booking_id)
        other_id = (
            swap.teach_booking_id if booking_id == swap.learn_booking_id else swap.learn_booking_id
        )
        other = await self.s.get(Booking, other_id)
        if ended is None or other is None:
            return None
        swap.decided_at = self.now
        if ended.status in ("declined", "expired"):
            swap.status = ended.status
            if other.status in ACTIVE:
                await self.b._move(other_id, ACTIVE, ended.status, decided_at=self.now)
                await self.b._refund(other_id)
            return swap
        if ended.status != "cancelled" or other.status not in ACTIVE:
            return None
        if self.p.swap_cancel_policy != "both":
            swap.status = "split"
            return swap
        swap.status = "cancelled"
        by = ended.cancelled_by or ended.learner_id
        # The canceller is a party to both halves; the usual refund rules apply to each.
        await self.b.cancel(other_id, by, "The other half of the swap was cancelled.")
        return swap
