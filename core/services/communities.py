"""Communities: created by admins (or mentors with a record), browsed by skill, joined openly
or with an invite code, left; owners and moderators keep them."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import Community, CommunityMember, CommunitySkill
from core.db.moderation import CommunitySanction
from core.db.schema import Skill, User
from core.db.verification import verified_of, within
from core.messaging import clean_text

VISIBILITIES = ("public", "unlisted", "invite")
ROLES = ("member", "moderator", "owner")
NAME_MAX = 80
ABOUT_MAX = 500
SKILLS_MAX = 8


class CommunityError(Exception):
    """A request that can't be done, said in words for the person."""


@dataclass(frozen=True)
class CommunityView:
    id: int
    slug: str
    name: str
    description: str
    visibility: str
    skills: tuple[str, ...]
    members: int
    invite_code: str
    role: str | None  # the viewer's role, None when not a member


def slugify(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")
    return slug[:40] or "community"


class Communities:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def create(
        self,
        creator: User,
        name: str,
        description: str,
        skill_ids: Sequence[int],
        visibility: str = "public",
    ) -> CommunityView:
        name = " ".join(clean_text(name).split())
        description = clean_text(description).strip()
        if not 3 <= len(name) <= NAME_MAX:
            raise CommunityError(f"A community's name is 3 to {NAME_MAX} characters.")
        if len(description) > ABOUT_MAX:
            raise CommunityError(f"The description is at most {ABOUT_MAX} characters.")
        if visibility not in VISIBILITIES:
            raise CommunityError("Visibility is public, unlisted or invite.")
        base = slugify(name)
        slug = base
        for n in range(2, 100):
            taken = await self.s.scalar(select(Community.id).where(Community.slug == slug))
            if taken is None:
                break
            slug = f"{base}-{n}"
        c = Community(
            slug=slug,
            name=name,
            description=description,
            visibility=visibility,
            invite_code=secrets.token_urlsafe(9)[:12],
            created_by=creator.id,
            created_at=self.now,
        )
        self.s.add(c)
        await self.s.flush()
        for sid in list(dict.fromkeys(skill_ids))[:SKILLS_MAX]:
            self.s.add(CommunitySkill(community_id=c.id, skill_id=sid))
        self.s.add(
            CommunityMember(community_id=c.id, user_id=creator.id, role="owner", joined_at=self.now)
        )
        await self.s.flush()
        return await self.view(c.id, creator.id)

    async def view(self, community_id: int, viewer_id: int | None = None) -> CommunityView:
        c = await self.s.get(Community, community_id)
        if c is None:
            raise CommunityError("That community doesn't exist any more.")
        skills = tuple(
            await self.s.scalars(
                select(Skill.name)
                .join(CommunitySkill, CommunitySkill.skill_id == Skill.id)
                .where(CommunitySkill.community_id == c.id)
                .order_by(Skill.name)
            )
        )
        members = await self.s.scalar(
            select(func.count()).where(CommunityMember.community_id == c.id)
        )
        role = None
        if viewer_id is not None:
            role = await self.s.scalar(
                select(CommunityMember.role).where(
                    CommunityMember.community_id == c.id, CommunityMember.user_id == viewer_id
                )
            )
        return CommunityView(
            c.id, c.slug, c.name, c.description, c.visibility, skills, int(members or 0),
            c.invite_code, role,
        )  # fmt: skip

    async def browse(
        self, viewer_id: int, skill_ids: Sequence[int] = (), limit: int = 10
    ) -> list[CommunityView]:
        """Public communities (with any of the skills, when given), the biggest first."""
        size = (
            select(func.count())
            .where(CommunityMember.community_id == Community.id)
            .correlate(Community)
            .scalar_subquery()
        )
        q = select(Community.id).where(Community.visibility == "public")
        if skill_ids:
            q = q.where(
                Community.id.in_(
                    select(CommunitySkill.community_id).where(
                        CommunitySkill.skill_id.in_(list(skill_ids))
                    )
                )
            )
        ids = list(await self.s.scalars(q.order_by(size.desc(), Community.id).limit(limit)))
        return [await self.view(i, viewer_id) for i in ids]

    async def mine(self, user_id: int) -> list[CommunityView]:
        ids = list(
            await self.s.scalars(
                select(CommunityMember.community_id)
                .where(CommunityMember.user_id == user_id)
                .order_by(CommunityMember.joined_at, CommunityMember.community_id)
            )
        )
        return [await self.view(i, user_id) for i in ids]

    async def join(self, user: User, community_id: int, code: str = "") -> CommunityView:
        c = await self.s.get(Community, community_id)
        if c is None:
            raise CommunityError("That community doesn't exist any more.")
        if c.visibility == "invite" and not secrets.compare_digest(code, c.invite_code):
            raise CommunityError(f"{c.name} is invite-only: ask a member for the invite code.")
        banned = await self.s.scalar(
            select(CommunitySanction.id).where(
                CommunitySanction.community_id == c.id,
                CommunitySanction.user_id == user.id,
                CommunitySanction.kind == "ban",
                CommunitySanction.lifted_at.is_(None),
                or_(CommunitySanction.until.is_(None), CommunitySanction.until > self.now),
            )
        )
        if banned is not None:
            raise CommunityError(f"You're banned from {c.name}.")
        if c.email_domain:
            mine = await verified_of(self.s, user.id)
            if mine is None or not within(mine.domain, c.email_domain):
                raise CommunityError(
                    f"{c.name} is for people with a verified @{c.email_domain} address. "
                    f"Verify yours with `/verify you@{c.email_domain}`, then join again."
                )
        exists = await self.s.scalar(
            select(CommunityMember.id).where(
                CommunityMember.community_id == c.id, CommunityMember.user_id == user.id
            )
        )
        if exists is None:
            try:
                async with self.s.begin_nested():
                    self.s.add(
                        CommunityMember(
                            community_id=c.id, user_id=user.id, role="member", joined_at=self.now
                        )
                    )
            except IntegrityError:
                pass  # joined twice at once: once is what counts
        return await self.view(c.id, user.id)

    async def by_code(self, code: str) -> Community | None:
        code = code.strip()
        if not code or len(code) > 16:
            return None
        return await self.s.scalar(select(Community).where(Community.invite_code == code))

    async def by_slug(self, slug: str) -> Community | None:
        if not slug or len(slug) > 48:
            return None
        return await self.s.scalar(select(Community).where(Community.slug == slug))

    async def leave(self, user: User, community_id: int) -> str:
        c = await self.s.get(Community, community_id)
        if c is None:
            raise CommunityError("That community doesn't exist any more.")
        role = await self.s.scalar(
            select(CommunityMember.role).where(
                CommunityMember.community_id == c.id, CommunityMember.user_id == user.id
            )
        )
        if role is None:
            raise CommunityError(f"You're not in {c.name}.")
        if role == "owner":
            owners = await self.s.scalar(
                select(func.count()).where(
                    CommunityMember.community_id == c.id, CommunityMember.role == "owner"
                )
            )
            if int(owners or 0) <= 1:
                raise CommunityError(
                    f"You're the only owner of {c.name}: make someone else an owner first."
                )
        await self.s.execute(
            delete(CommunityMember).where(
                CommunityMember.community_id == c.id, CommunityMember.user_id == user.id
            )
        )
        return c.name

    async def suggested(
        self, user_id: int, skill_ids: Sequence[int], limit: int = 3
    ) -> list[CommunityView]:
        """Public communities about these skills that the person isn't in yet."""
        if not skill_ids:
            return []
        found = await self.browse(user_id, skill_ids, limit=limit + 10)
        return [c for c in found if c.role is None][:limit]
