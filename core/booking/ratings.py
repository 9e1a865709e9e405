"""Ratings after a session: 1–5 with text, hidden until both rated or the reveal delay passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.booking.base import BookingBase, BookingError
from core.booking.tables import SessionRating
from core.db.schema import MentorProfile, Review
from core.events import (
    RatingsRevealed,
)


class Ratings(BookingBase):
    async def rate(self, booking_id: int, rater_id: int, stars: int, text: str) -> SessionRating:
        b = await self._mine(booking_id, rater_id, as_mentor=None)
        if b.status != "completed":
            raise BookingError("You can rate a session once it has taken place.")
        if not 1 <= stars <= 5:
            raise BookingError("Ratings go from 1 to 5 stars.")
        ratee = b.learner_id if rater_id == b.mentor_id else b.mentor_id
        rating = SessionRating(
            booking_id=b.id,
            rater_id=rater_id,
            ratee_id=ratee,
            role="learner" if ratee == b.learner_id else "mentor",
            stars=stars,
            text=text[:1000],
            created_at=self.now,
        )
        try:
            async with self.s.begin_nested():
                self.s.add(rating)
                await self.s.flush()
        except IntegrityError:
            raise BookingError("You've already rated this session.") from None
        count = await self.s.scalar(
            select(func.count()).select_from(SessionRating).where(SessionRating.booking_id == b.id)
        )
        if count == 2:
            await self._reveal(b.id)
        return rating

    async def _reveal(self, booking_id: int) -> None:
        ratings = list(
            await self.s.scalars(
                select(SessionRating).where(
                    SessionRating.booking_id == booking_id, SessionRating.visible_at.is_(None)
                )
            )
        )
        if not ratings:
            return
        for r in ratings:
            r.visible_at = self.now
            if r.role == "mentor":
                # The mentor's public reputation: rating totals plus a review on the profile.
                await self.s.execute(
                    update(MentorProfile)
                    .where(MentorProfile.user_id == r.ratee_id)
                    .values(
                        rating_sum=MentorProfile.rating_sum + r.stars,
                        rating_count=MentorProfile.rating_count + 1,
                    )
                )
                self.s.add(
                    Review(
                        mentor_id=r.ratee_id,
                        author_id=r.rater_id,
                        stars=r.stars,
                        text=r.text,
                        created_at=r.created_at,
                    )
                )
        await self.s.flush()
        self.events.append(RatingsRevealed(booking_id))

    async def reveal_due(self) -> int:
        cutoff = self.now - timedelta(days=self.p.rating_reveal_days)
        ids = set(
            await self.s.scalars(
                select(SessionRating.booking_id).where(
                    SessionRating.visible_at.is_(None), SessionRating.created_at <= cutoff
                )
            )
        )
        for bid in ids:
            await self._reveal(bid)
        return len(ids)

    async def ratings_of(self, booking_id: int) -> list[SessionRating]:
        return list(
            await self.s.scalars(
                select(SessionRating).where(SessionRating.booking_id == booking_id)
            )
        )
