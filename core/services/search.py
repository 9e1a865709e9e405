"""Find a mentor: filter approved mentors by skill, language and price, sort, paginate.

Popularity is the number of sessions a mentor has completed (MentorProfile.sessions_completed,
counted when a session completes): what learners actually went through with, not views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Case

from core.db.schema import MentorProfile, User, UserLanguage, UserSkill
from core.services.safety import not_blocked_with

Sort = Literal["rating", "price", "experience", "popularity"]
SORTS: tuple[Sort, ...] = ("rating", "price", "experience", "popularity")


@dataclass(frozen=True)
class SearchFilters:
    skill_id: int | None = None
    language: str | None = None
    # Any of several skills or languages (what a typed request was understood as).
    skill_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    max_price_minor: int | None = None
    sort: Sort = "rating"
    exclude_user_id: int | None = None
    # The person searching: anyone they blocked, or who blocked them, is left out (issue 18).
    viewer_id: int | None = None


@dataclass(frozen=True)
class MentorHit:
    user_id: int
    name: str
    headline: str
    price_minor: int
    currency: str
    price_mode: str
    years_experience: int
    rating_avg: float | None
    rating_count: int
    level: str | None
    sessions_completed: int = 0


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[MentorHit, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def effective_price() -> Case[int]:
    """What a session costs in money: credit and free sessions cost nothing."""
    return case((MentorProfile.price_mode == "paid", MentorProfile.price_minor), else_=0)


class Directory:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def search(self, f: SearchFilters, page: int = 0, per_page: int = 5) -> SearchPage:
        price = effective_price()
        avg = case(
            (
                MentorProfile.rating_count > 0,
                cast(MentorProfile.rating_sum, Float) / MentorProfile.rating_count,
            ),
            else_=None,
        )
        level_col = UserSkill.level if f.skill_id is not None else None
        cols = [
            User.id,
            User.display_name,
            MentorProfile.headline,
            MentorProfile.price_minor,
            MentorProfile.currency,
            MentorProfile.price_mode,
            MentorProfile.years_experience,
            avg.label("avg"),
            MentorProfile.rating_count,
            MentorProfile.sessions_completed,
        ]
        q = (
            select(*cols, *([level_col] if level_col is not None else []))
            .join(MentorProfile, MentorProfile.user_id == User.id)
            .where(MentorProfile.status == "approved", User.merged_into_id.is_(None))
        )
        if f.skill_id is not None:
            q = q.join(
                UserSkill,
                (UserSkill.user_id == User.id)
                & (UserSkill.kind == "teach")
                & (UserSkill.skill_id == f.skill_id),
            )
        elif f.skill_ids:
            q = q.where(
                select(UserSkill.user_id)
                .where(
                    UserSkill.user_id == User.id,
                    UserSkill.kind == "teach",
                    UserSkill.skill_id.in_(f.skill_ids),
                )
                .exists()
            )
        languages = (f.language,) if f.language else f.languages
        if languages:
            q = q.where(
                select(UserLanguage.user_id)
                .where(UserLanguage.user_id == User.id, UserLanguage.code.in_(languages))
                .exists()
            )
        if f.max_price_minor is not None:
            q = q.where(price <= f.max_price_minor)
        if f.exclude_user_id is not None:
            q = q.where(User.id != f.exclude_user_id)
        if f.viewer_id is not None:
            q = q.where(not_blocked_with(f.viewer_id, User.id))
        total = int(await self.s.scalar(select(func.count()).select_from(q.subquery())) or 0)
        if f.sort == "price":
            order = [price.asc(), avg.desc().nulls_last(), User.id]
        elif f.sort == "experience":
            order = [MentorProfile.years_experience.desc(), avg.desc().nulls_last(), User.id]
        elif f.sort == "popularity":
            order = [MentorProfile.sessions_completed.desc(), avg.desc().nulls_last(), User.id]
        else:
            order = [avg.desc().nulls_last(), MentorProfile.rating_count.desc(), User.id]
        rows = await self.s.execute(q.order_by(*order).offset(page * per_page).limit(per_page))
        hits = tuple(
            MentorHit(
                user_id=r[0],
                name=r[1],
                headline=r[2],
                price_minor=r[3],
                currency=r[4],
                price_mode=r[5],
                years_experience=r[6],
                rating_avg=float(r[7]) if r[7] is not None else None,
                rating_count=r[8],
                sessions_completed=r[9],
                level=r[10] if len(r) > 10 else None,
            )
            for r in rows
        )
        return SearchPage(hits, total, page, per_page)

    async def popular_skills(self, limit: int = 6) -> list[tuple[int, int]]:
        """(skill_id, approved mentors teaching it), most taught first."""
        rows = await self.s.execute(
            select(UserSkill.skill_id, func.count())
            .join(MentorProfile, MentorProfile.user_id == UserSkill.user_id)
            .where(UserSkill.kind == "teach", MentorProfile.status == "approved")
            .group_by(UserSkill.skill_id)
            .order_by(func.count().desc(), UserSkill.skill_id)
            .limit(limit)
        )
        return [(int(r[0]), int(r[1])) for r in rows]
