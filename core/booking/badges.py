"""Badges and streaks (issue 19, part 3), computed from history alone, so awarding them as
events happen and recomputing them later give the same set.

- first session (either side), sessions taught: policy thresholds (5 / 25 / 100);
- a weekly learning streak: sessions completed as a learner in N consecutive weeks, the
  weeks counted in the learner's own zone;
- helpful community posts: others marked the person's (undeleted) posts helpful at least
  N times in all (a policy);
- top-rated in a skill in a month: the highest average visible mentor rating among those
  who teach it (a minimum number of ratings), decided once the month is closed and every
  rating made in it has been revealed (the reveal delay after the month ends).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking, SessionRating
from core.db.badges import LeaderboardOptOut, UserBadge, badge_label
from core.db.communities import Community, CommunityMember
from core.db.posts import MentorPost, PostHelpfulMark
from core.db.schema import Skill, User, UserSkill
from core.policies import Policies
from core.timezones import zone

Badge = tuple[int, str, str]  # (user_id, kind, scope)


def longest_weekly_run(days: list[date]) -> int:
    """The longest run of consecutive weeks (Monday-based) with at least one of these days."""
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    best = run = 0
    prev: date | None = None
    for w in weeks:
        run = run + 1 if prev is not None and w - prev == timedelta(days=7) else 1
        best, prev = max(best, run), w
    return best


def _month_start(d: datetime) -> datetime:
    return datetime(d.year, d.month, 1, tzinfo=UTC)


def _next_month(m: datetime) -> datetime:
    return datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=UTC)


class Badges:
    def __init__(self, session: AsyncSession, now: datetime, policies: Policies) -> None:
        self.s = session
        self.now = now
        self.p = policies

    async def earned(self, user_id: int) -> set[Badge]:
        """What this person's history earns, besides top-rated (see `top_rated`)."""
        out: set[Badge] = set()
        rows = (
            await self.s.execute(
                select(Booking.mentor_id, Booking.starts_at).where(
                    Booking.status == "completed",
                    (Booking.mentor_id == user_id) | (Booking.learner_id == user_id),
                )
            )
        ).all()
        if rows:
            out.add((user_id, "first_session", ""))
        taught = sum(1 for mentor, _ in rows if mentor == user_id)
        for n in self.p.badge_taught_levels:
            if taught >= n:
                out.add((user_id, f"taught_{n}", ""))
        user = await self.s.get(User, user_id)
        tz = zone(user.timezone if user and user.timezone else "UTC")
        learnt = [at.astimezone(tz).date() for mentor, at in rows if mentor != user_id]
        if longest_weekly_run(learnt) >= self.p.badge_streak_weeks:
            out.add((user_id, "streak", str(self.p.badge_streak_weeks)))
        marks = await self.s.scalar(
            select(func.count())
            .select_from(PostHelpfulMark)
            .join(MentorPost, MentorPost.id == PostHelpfulMark.post_id)
            .where(
                MentorPost.author_id == user_id,
                MentorPost.deleted_at.is_(None),
                PostHelpfulMark.user_id != user_id,
            )
        )
        if (marks or 0) >= self.p.badge_helpful_marks:
            out.add((user_id, "helpful_posts", str(self.p.badge_helpful_marks)))
        return out

    async def top_rated(self) -> set[Badge]:
        """Top-rated per skill for every month that is closed and fully revealed by now."""
        first = await self.s.scalar(select(func.min(SessionRating.created_at)))
        if first is None:
            return set()
        out: set[Badge] = set()
        month = _month_start(first)
        reveal = timedelta(days=self.p.rating_reveal_days)
        while _next_month(month) + reveal <= self.now:
            end = _next_month(month)
            rows = await self.s.execute(
                select(
                    Skill.name,
                    SessionRating.ratee_id,
                    func.avg(SessionRating.stars),
                    func.count(),
                )
                .join(UserSkill, UserSkill.user_id == SessionRating.ratee_id)
                .join(Skill, Skill.id == UserSkill.skill_id)
                .where(
                    UserSkill.kind == "teach",
                    SessionRating.role == "mentor",
                    SessionRating.created_at >= month,
                    SessionRating.created_at < end,
                )
                .group_by(Skill.name, SessionRating.ratee_id)
            )
            best: dict[str, tuple[float, int, int]] = {}
            for skill, uid, avg, n in rows:
                if n < self.p.badge_top_min_ratings:
                    continue
                key = (float(avg), int(n), -int(uid))
                if skill not in best or key > best[skill]:
                    best[skill] = key
            for skill, (_, _, neg_uid) in best.items():
                out.add((-neg_uid, "top_rated", f"{skill}|{month:%Y-%m}"))
            month = end
        return out

    async def held(self, user_id: int | None = None) -> set[Badge]:
        q = select(UserBadge.user_id, UserBadge.kind, UserBadge.scope)
        if user_id is not None:
            q = q.where(UserBadge.user_id == user_id)
        return {(u, k, s) for u, k, s in await self.s.execute(q)}

    async def _grant(self, badges: set[Badge]) -> list[Badge]:
        new: list[Badge] = []
        have = await self.held()
        for uid, kind, scope in sorted(badges - have):
            try:
                async with self.s.begin_nested():
                    self.s.add(UserBadge(user_id=uid, kind=kind, scope=scope, awarded_at=self.now))
                    await self.s.flush()
            except IntegrityError:
                continue  # awarded by another process just now: still once
            new.append((uid, kind, scope))
        return new

    async def award(self, *user_ids: int) -> list[Badge]:
        """Grant what these people (and the closed months' top-rated) have newly earned."""
        earned: set[Badge] = await self.top_rated()
        for uid in user_ids:
            earned |= await self.earned(uid)
        return await self._grant(earned)

    async def recompute(self) -> set[Badge]:
        """Every badge the whole history earns (what the table should hold)."""
        out = await self.top_rated()
        for uid in await self.s.scalars(select(User.id).order_by(User.id)):
            out |= await self.earned(uid)
        return out

    async def repair(self) -> tuple[int, int]:
        """Make the table what the history earns: (granted, withdrawn)."""
        want = await self.recompute()
        have = await self.held()
        granted = await self._grant(want)
        extra = have - want
        for uid, kind, scope in extra:
            row = await self.s.scalar(
                select(UserBadge).where(
                    UserBadge.user_id == uid, UserBadge.kind == kind, UserBadge.scope == scope
                )
            )
            if row is not None:
                await self.s.delete(row)
        await self.s.flush()
        return len(granted), len(extra)

    async def labels(self, user_id: int) -> list[str]:
        return [badge_label(k, s) for _, k, s in sorted(await self.held(user_id))]

    async def labels_for(self, user_ids: list[int]) -> dict[int, list[str]]:
        """Small labels per person, for result lists (one query)."""
        out: dict[int, list[str]] = {}
        rows = await self.s.execute(
            select(UserBadge.user_id, UserBadge.kind, UserBadge.scope)
            .where(UserBadge.user_id.in_(user_ids))
            .order_by(UserBadge.user_id, UserBadge.kind, UserBadge.scope)
        )
        for uid, kind, scope in rows:
            out.setdefault(uid, []).append(badge_label(kind, scope))
        return out

    async def set_hidden(self, user_id: int, hidden: bool) -> None:
        row = await self.s.get(LeaderboardOptOut, user_id)
        if hidden and row is None:
            self.s.add(LeaderboardOptOut(user_id=user_id, created_at=self.now))
        elif not hidden and row is not None:
            await self.s.delete(row)
        await self.s.flush()

    async def leaderboard(
        self, skill: str = "", limit: int = 10, *, community_id: int | None = None
    ) -> list[tuple[str, int]]:
        """(name, badges) for people who haven't opted out; with a skill, those teaching it;
        with a community, its members."""
        q = (
            select(User.display_name, func.count(UserBadge.id))
            .join(UserBadge, UserBadge.user_id == User.id)
            .where(User.id.not_in(select(LeaderboardOptOut.user_id)))
            .group_by(User.id, User.display_name)
            .order_by(func.count(UserBadge.id).desc(), User.display_name)
            .limit(limit)
        )
        if skill:
            q = q.where(
                User.id.in_(
                    select(UserSkill.user_id)
                    .join(Skill, Skill.id == UserSkill.skill_id)
                    .where(UserSkill.kind == "teach", func.lower(Skill.name) == skill.lower())
                )
            )
        if community_id is not None:
            q = q.where(
                User.id.in_(
                    select(CommunityMember.user_id).where(
                        CommunityMember.community_id == community_id
                    )
                )
            )
        return [(name, int(n)) for name, n in await self.s.execute(q)]

    async def communities_of(self, user_id: int) -> list[tuple[int, str]]:
        rows = await self.s.execute(
            select(Community.id, Community.name)
            .join(CommunityMember, CommunityMember.community_id == Community.id)
            .where(CommunityMember.user_id == user_id)
            .order_by(Community.name)
        )
        return [(cid, name) for cid, name in rows]


__all__ = ["Badge", "Badges", "longest_weekly_run"]
