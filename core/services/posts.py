"""Mentor posts (issue #15 item 5) and office hours (item 6): an approved mentor publishes a
short article, announced in each of their communities through the bridge and kept for its
public page and Atom feeds; or announces open slots to one community."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import Community, CommunityMember
from core.db.posts import (
    Announcement,
    MentorPost,
    MentorPostTag,
    PostHelpfulMark,
    pack_buttons,
)
from core.db.relay import RelayMessage
from core.db.schema import MentorProfile, Skill, User
from core.events import Event, PostMarkedHelpful
from core.markup import to_plain
from core.messaging import AnyButton, Button, clean_text
from core.services.buttons import HelpfulPost
from core.services.relay import Relay, inert

TITLE_MAX = 120
BODY_MAX = 4000
TAGS_MAX = 5
EXCERPT_CHARS = 300
FEED_MAX = 50


class PostError(Exception):
    """A post that can't be written or changed, said in words for the person."""


@dataclass(frozen=True)
class PostView:
    id: int
    author_id: int
    author_name: str
    title: str  # plain text
    body: str  # core.markup
    tags: tuple[str, ...]
    created_at: datetime


def post_url(public_url: str, post_id: int) -> str:
    return f"{public_url.rstrip('/')}/posts/{post_id}"


def excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """The first words of a post as plain text (an announcement's teaser)."""
    plain = " ".join(to_plain(body).split())
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0] + "…"


def check_title(title: str) -> str:
    title = " ".join(clean_text(title).split())
    if not 3 <= len(title) <= TITLE_MAX:
        raise PostError(f"A title is 3 to {TITLE_MAX} characters.")
    return title


def check_body(body: str) -> str:
    body = clean_text(body).strip()
    if not 20 <= len(body) <= BODY_MAX:
        raise PostError(f"A post is 20 to {BODY_MAX} characters.")
    return body


class Posts:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        relay: Relay,
        public_url: str,
        changed: Callable[[Iterable[int]], None],
        events: list[Event],
    ) -> None:
        self.s = session
        self.now = now
        self.relay = relay
        self.public_url = public_url
        self.changed = changed  # what matching indexes of the mentor includes their posts
        self.events = events

    async def is_mentor(self, user: User) -> bool:
        status = await self.s.scalar(
            select(MentorProfile.status).where(MentorProfile.user_id == user.id)
        )
        return status == "approved" and user.merged_into_id is None

    async def publish(
        self,
        author: User,
        title: str,
        body: str,
        skill_ids: Sequence[int],
        buttons: Sequence[Sequence[AnyButton]] = (),
    ) -> tuple[PostView, int]:
        """Stores the post and announces it in each of the author's communities; returns it
        and how many communities were told."""
        if not await self.is_mentor(author):
            raise PostError("Only approved mentors can publish posts. Apply with /mentor.")
        title, body = check_title(title), check_body(body)
        tags = list(dict.fromkeys(skill_ids))[:TAGS_MAX]
        post = MentorPost(author_id=author.id, title=title, body=body, created_at=self.now)
        self.s.add(post)
        await self.s.flush()
        for sid in tags:
            self.s.add(MentorPostTag(post_id=post.id, skill_id=sid))
        text = (
            f"📝 *{inert(title)}*\n{inert(excerpt(body))}\n"
            f"[Read and discuss]({post_url(self.public_url, post.id)})"
        )
        told = 0
        # Every copy of the announcement carries "Helpful" for this post.
        buttons = (*buttons, (Button("👍 Helpful", HelpfulPost(post.id).pack()),))
        for cid in await self._communities(author.id):
            await self._announce(cid, author, text, "post", post.id, buttons)
            told += 1
        self.changed([author.id])
        view = await self.get(post.id)
        assert view is not None
        return view, told

    async def office_hours(
        self,
        author: User,
        community_id: int,
        text: str,
        buttons: Sequence[Sequence[AnyButton]],
    ) -> None:
        """Announces open slots (text: core.markup made by the caller) to one of the
        author's communities."""
        if not await self.is_mentor(author):
            raise PostError("Only approved mentors can announce office hours.")
        if community_id not in await self._communities(author.id):
            raise PostError("You can announce office hours only in a community you're in.")
        await self._announce(community_id, author, text, "hours", None, buttons)

    async def _communities(self, user_id: int) -> list[int]:
        return list(
            await self.s.scalars(
                select(CommunityMember.community_id)
                .where(CommunityMember.user_id == user_id)
                .order_by(CommunityMember.community_id)
            )
        )

    async def _announce(
        self,
        community_id: int,
        author: User,
        text: str,
        kind: str,
        post_id: int | None,
        buttons: Sequence[Sequence[AnyButton]],
    ) -> None:
        msg = await self.relay.announce(community_id, author, text)
        self.s.add(
            Announcement(
                message_id=msg.id, kind=kind, post_id=post_id, buttons=pack_buttons(buttons)
            )
        )
        await self.s.flush()

    async def delete(self, user: User, post_id: int) -> str:
        """Deletes the author's post: its page and feed entries go, and its announcement
        is deleted in every chat."""
        post = await self.s.get(MentorPost, post_id)
        if post is None or post.deleted_at is not None:
            raise PostError("That post doesn't exist (any more).")
        if post.author_id != user.id and not user.is_admin:
            raise PostError("Only its author can delete a post.")
        post.deleted_at = self.now
        for msg in await self.s.scalars(
            select(RelayMessage)
            .join(Announcement, Announcement.message_id == RelayMessage.id)
            .where(Announcement.post_id == post.id)
        ):
            await self.relay.remove(msg)
        self.changed([post.author_id])
        return post.title

    async def mark_helpful(self, user: User, post_id: int) -> str:
        """One mark per person and post, never on one's own post; what to tell the person."""
        post = await self.s.get(MentorPost, post_id)
        if post is None or post.deleted_at is not None:
            raise PostError("That post doesn't exist (any more).")
        if post.author_id == user.id:
            raise PostError("That's your own post: only others can mark it helpful.")
        mine = select(PostHelpfulMark.id).where(
            PostHelpfulMark.post_id == post.id, PostHelpfulMark.user_id == user.id
        )
        if await self.s.scalar(mine) is not None:
            return f"You've already marked “{post.title}” helpful."
        try:
            async with self.s.begin_nested():
                self.s.add(PostHelpfulMark(post_id=post.id, user_id=user.id, created_at=self.now))
                await self.s.flush()
        except IntegrityError:  # the same person's second tap, in another worker just now
            return f"You've already marked “{post.title}” helpful."
        self.events.append(PostMarkedHelpful(post.id, post.author_id))
        return f"👍 Thanks, marked “{post.title}” helpful."

    async def helpful_count(self, post_id: int) -> int:
        n = await self.s.scalar(select(func.count()).where(PostHelpfulMark.post_id == post_id))
        return int(n or 0)

    # ---- reading ----
    async def _views(self, posts: Sequence[MentorPost]) -> list[PostView]:
        if not posts:
            return []
        ids = [p.id for p in posts]
        tags: dict[int, list[str]] = {}
        for pid, name in await self.s.execute(
            select(MentorPostTag.post_id, Skill.name)
            .join(Skill, Skill.id == MentorPostTag.skill_id)
            .where(MentorPostTag.post_id.in_(ids))
            .order_by(Skill.name)
        ):
            tags.setdefault(pid, []).append(name)
        names: dict[int, str] = {}
        for uid, name in await self.s.execute(
            select(User.id, User.display_name).where(User.id.in_({p.author_id for p in posts}))
        ):
            names[uid] = name
        return [
            PostView(
                p.id,
                p.author_id,
                names.get(p.author_id, ""),
                p.title,
                p.body,
                tuple(tags.get(p.id, ())),
                p.created_at,
            )
            for p in posts
        ]

    async def get(self, post_id: int) -> PostView | None:
        post = await self.s.get(MentorPost, post_id)
        if post is None or post.deleted_at is not None:
            return None
        return (await self._views([post]))[0]

    async def by_mentor(self, mentor_id: int, limit: int = FEED_MAX) -> list[PostView]:
        """The mentor's posts, newest first."""
        rows = await self.s.scalars(
            select(MentorPost)
            .where(MentorPost.author_id == mentor_id, MentorPost.deleted_at.is_(None))
            .order_by(MentorPost.id.desc())
            .limit(limit)
        )
        return await self._views(list(rows))

    async def by_community(self, community_id: int, limit: int = FEED_MAX) -> list[PostView]:
        """Posts announced in the community, newest first."""
        rows = await self.s.scalars(
            select(MentorPost)
            .where(
                MentorPost.deleted_at.is_(None),
                MentorPost.id.in_(
                    select(Announcement.post_id)
                    .join(RelayMessage, RelayMessage.id == Announcement.message_id)
                    .where(RelayMessage.community_id == community_id)
                ),
            )
            .order_by(MentorPost.id.desc())
            .limit(limit)
        )
        return await self._views(list(rows))

    async def community_by_slug(self, slug: str) -> Community | None:
        """A community whose feed may be shown (invite-only ones are not public)."""
        c = await self.s.scalar(select(Community).where(Community.slug == slug))
        return c if c is not None and c.visibility != "invite" else None
