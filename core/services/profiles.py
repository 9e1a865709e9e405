"""Profiles: roles, skills with levels, goals, languages, time zone, availability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import Window, format_windows, windows_added
from core.db.badges import UserBadge, badge_label
from core.db.posts import MentorPost
from core.db.schema import (
    AvailabilityWindow,
    MentorProfile,
    Review,
    Skill,
    User,
    UserLanguage,
    UserSkill,
)
from core.db.verification import verified_domains
from core.events import Event, SlotsOpened
from core.skills import Level

PROFILE_POSTS = 5  # the newest posts listed on a profile


@dataclass(frozen=True)
class SkillLevel:
    skill_id: int
    name: str
    level: str


@dataclass(frozen=True)
class MentorView:
    headline: str
    bio: str
    years_experience: int
    certifications: str
    intro_video_url: str
    price_minor: int
    currency: str
    price_mode: str
    session_lengths: tuple[int, ...]
    status: str
    status_reason: str
    rating_avg: float | None
    rating_count: int
    sessions_completed: int


@dataclass(frozen=True)
class ReviewView:
    stars: int
    text: str
    author: str


@dataclass(frozen=True)
class ProfileView:
    user_id: int
    display_name: str
    wants_to_learn: bool
    wants_to_mentor: bool
    onboarded: bool
    goals: str
    timezone: str | None
    languages: tuple[str, ...]
    teaches: tuple[SkillLevel, ...]
    learns: tuple[SkillLevel, ...]
    availability: tuple[Window, ...]
    mentor: MentorView | None
    posts: tuple[tuple[int, str], ...] = ()  # (id, title) of their posts, newest first
    verified_domain: str = ""  # the domain of their verified email (issue 18), or ''
    badges: tuple[str, ...] = ()  # small labels, e.g. "🎓 5 taught"

    @property
    def role_label(self) -> str:
        if self.wants_to_learn and self.wants_to_mentor:
            return "learner and mentor"
        if self.wants_to_mentor:
            return "mentor"
        return "learner"


class Profiles:
    def __init__(self, session: AsyncSession, events: list[Event] | None = None) -> None:
        self.s = session
        # Where SlotsOpened goes; None (a bare service in a script or test): raised nowhere.
        self.events = events

    async def user(self, user_id: int) -> User:
        user = await self.s.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        return user

    async def set_role(self, user_id: int, *, learn: bool, mentor: bool) -> None:
        user = await self.user(user_id)
        user.wants_to_learn, user.wants_to_mentor = learn, mentor

    async def set_display_name(self, user_id: int, name: str) -> None:
        (await self.user(user_id)).display_name = name[:100]

    async def set_goals(self, user_id: int, goals: str) -> None:
        (await self.user(user_id)).goals = goals[:2000]

    async def set_timezone(self, user_id: int, tz: str) -> None:
        (await self.user(user_id)).timezone = tz

    async def set_skills(
        self, user_id: int, kind: str, skills: Sequence[tuple[int, Level]]
    ) -> None:
        await self.s.execute(
            delete(UserSkill).where(UserSkill.user_id == user_id, UserSkill.kind == kind)
        )
        seen: set[int] = set()
        for skill_id, level in skills:
            if skill_id in seen:
                continue
            seen.add(skill_id)
            self.s.add(UserSkill(user_id=user_id, skill_id=skill_id, kind=kind, level=level))
        await self.s.flush()

    async def set_languages(self, user_id: int, codes: Sequence[str]) -> None:
        await self.s.execute(delete(UserLanguage).where(UserLanguage.user_id == user_id))
        for code in dict.fromkeys(codes):
            self.s.add(UserLanguage(user_id=user_id, code=code))
        await self.s.flush()

    async def set_availability(self, user_id: int, windows: Sequence[Window]) -> None:
        old = [
            Window(r.weekday, r.start_min, r.end_min)
            for r in await self.s.scalars(
                select(AvailabilityWindow).where(AvailabilityWindow.user_id == user_id)
            )
        ]
        added = windows_added(old, windows)
        if added and self.events is not None:
            self.events.append(SlotsOpened(user_id, format_windows(added)))
        await self.s.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.user_id == user_id)
        )
        for w in windows:
            self.s.add(
                AvailabilityWindow(
                    user_id=user_id, weekday=w.weekday, start_min=w.start, end_min=w.end
                )
            )
        await self.s.flush()

    async def mark_onboarded(self, user_id: int) -> None:
        (await self.user(user_id)).onboarded = True

    async def skills_of(self, user_id: int, kind: str) -> tuple[SkillLevel, ...]:
        rows = await self.s.execute(
            select(UserSkill.skill_id, Skill.name, UserSkill.level)
            .join(Skill, Skill.id == UserSkill.skill_id)
            .where(UserSkill.user_id == user_id, UserSkill.kind == kind)
            .order_by(Skill.name)
        )
        return tuple(SkillLevel(r[0], r[1], r[2]) for r in rows)

    async def view(self, user_id: int) -> ProfileView:
        user = await self.user(user_id)
        langs = await self.s.scalars(
            select(UserLanguage.code)
            .where(UserLanguage.user_id == user_id)
            .order_by(UserLanguage.code)
        )
        windows = await self.s.scalars(
            select(AvailabilityWindow)
            .where(AvailabilityWindow.user_id == user_id)
            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_min)
        )
        mp = await self.s.get(MentorProfile, user_id)
        mentor = None
        if mp is not None:
            mentor = MentorView(
                headline=mp.headline,
                bio=mp.bio,
                years_experience=mp.years_experience,
                certifications=mp.certifications,
                intro_video_url=mp.intro_video_url,
                price_minor=mp.price_minor,
                currency=mp.currency,
                price_mode=mp.price_mode,
                session_lengths=tuple(mp.session_lengths or [10]),
                status=mp.status,
                status_reason=mp.status_reason,
                rating_avg=(mp.rating_sum / mp.rating_count) if mp.rating_count else None,
                rating_count=mp.rating_count,
                sessions_completed=mp.sessions_completed,
            )
        return ProfileView(
            user_id=user.id,
            display_name=user.display_name,
            wants_to_learn=user.wants_to_learn,
            wants_to_mentor=user.wants_to_mentor,
            onboarded=user.onboarded,
            goals=user.goals,
            timezone=user.timezone,
            languages=tuple(langs),
            teaches=await self.skills_of(user_id, "teach"),
            learns=await self.skills_of(user_id, "learn"),
            availability=tuple(Window(w.weekday, w.start_min, w.end_min) for w in windows),
            mentor=mentor,
            badges=tuple(
                badge_label(k, sc)
                for k, sc in await self.s.execute(
                    select(UserBadge.kind, UserBadge.scope)
                    .where(UserBadge.user_id == user_id)
                    .order_by(UserBadge.kind, UserBadge.scope)
                )
            ),
            posts=tuple(
                (r[0], r[1])
                for r in await self.s.execute(
                    select(MentorPost.id, MentorPost.title)
                    .where(MentorPost.author_id == user_id, MentorPost.deleted_at.is_(None))
                    .order_by(MentorPost.id.desc())
                    .limit(PROFILE_POSTS)
                )
            ),
            verified_domain=(await verified_domains(self.s, [user_id])).get(user_id, ""),
        )

    async def reviews(self, mentor_id: int, limit: int = 5) -> tuple[ReviewView, ...]:
        rows = await self.s.execute(
            select(Review.stars, Review.text, User.display_name)
            .join(User, User.id == Review.author_id)
            .where(Review.mentor_id == mentor_id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
        return tuple(ReviewView(r[0], r[1], r[2]) for r in rows)
