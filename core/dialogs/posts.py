"""/post: a mentor writes a short article (title, body, tags), previews it and publishes it
to their communities; lists and deletes their posts; announces office hours (open slots
with a booking button each) to one of their communities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.booking.payloads import Bk
from core.booking.views import when
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.forms import FieldEnv, Form, FormField, Invalid
from core.markup import esc
from core.messaging import JSON, Asks, Button, Inbound, Reply
from core.payloads import Payload
from core.services.buttons import HelpfulPost
from core.services.posts import (
    BODY_MAX,
    TAGS_MAX,
    TITLE_MAX,
    PostError,
    check_body,
    check_title,
    post_url,
)
from core.services.relay import inert

HOURS_SLOTS = 5  # buttons on an office-hours announcement
HOURS_GAP = timedelta(minutes=30)  # announced slots are spread out, not 10 minutes apart
NOT_A_MENTOR = "Posts and office hours are for approved mentors. Apply with /mentor."


@dataclass(frozen=True)
class Po(Payload, prefix="po"):
    """A step answer inside the post dialog: pub | edit | stop | field | hours."""

    what: str
    value: int


@dataclass(frozen=True)
class Pa(Payload, prefix="pa"):
    """A button on the list of one's posts: new | hours | del (ref: the post)."""

    what: str
    ref: int


@dataclass(frozen=True)
class Oh(Payload, prefix="oh"):
    """An office-hours slot: opens booking with the mentor at that start (epoch seconds)."""

    mentor: int
    at: int
    length: int


FIELDS = ("title", "body", "tags")


class MentorPosts(Dialog):
    name = "post"
    title = "your post"
    prefixes = ("po",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not await ctx.u.posts.is_mentor(ctx.user):
            return end(Reply(NOT_A_MENTOR))
        verb = args.strip().split(" ", 1)[0].casefold()
        if verb in ("new", "write"):
            return goto("title", await self.prompt(ctx, "title"))
        if verb in ("hours", "office"):
            return await self._hours(ctx)
        return end(await self._list(ctx))

    async def _list(self, ctx: Ctx) -> Reply:
        posts = await ctx.u.posts.by_mentor(ctx.user.id)
        base = ctx.deps.policies.public_url
        actions = (
            Button("✍️ Write a post", Pa("new", 0).pack()),
            Button("🕒 Office hours", Pa("hours", 0).pack()),
        )
        if not posts:
            return Reply(
                "You haven't published a post yet. A post is a short article — a tip, a "
                "walkthrough — announced in your communities with a button to book you.",
                buttons=(actions,),
            )
        lines = [f"- [{esc(p.title)}]({post_url(base, p.id)})" for p in posts]
        return Reply(
            "*Your posts*\n" + "\n".join(lines),
            buttons=(
                *((Button(f"🗑 Delete {p.title[:40]}", Pa("del", p.id).pack()),) for p in posts),
                actions,
            ),
        )

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "title":
            return Reply(
                f"The post's title? (up to {TITLE_MAX} characters)",
                asks=Asks("Title", TITLE_MAX),
            )
        if state == "body":
            return Reply(
                f"Now the post itself (up to {BODY_MAX} characters). You can use *bold*, "
                "_italic_, `code`, links like [name](https://example.com) and lines "
                "starting with “- ” as bullets.",
                asks=Asks("Post", BODY_MAX, multiline=True),
            )
        if state == "tags":
            return Reply(
                f"Which skills is it about? Up to {TAGS_MAX}, separated by commas "
                "(e.g. `Python, SQL`).",
                asks=Asks("Skills", 300),
            )
        if state == "preview":
            return Reply(
                "*Preview*\n"
                f"📝 *{esc(ctx.str_data('title'))}*\n{ctx.str_data('body')}\n"
                f"Skills: {esc(', '.join(self._tag_names(ctx)))}",
                buttons=(
                    (
                        Button("✅ Publish", Po("pub", 1).pack()),
                        Button("✏️ Edit", Po("edit", 1).pack()),
                        Button("Cancel", Po("stop", 1).pack()),
                    ),
                ),
            )
        if state == "edit":
            return Reply(
                "What would you like to change?",
                buttons=(
                    tuple(
                        Button(f.capitalize(), Po("field", i).pack()) for i, f in enumerate(FIELDS)
                    ),
                ),
            )
        if state == "hours":
            return Reply(
                self._hours_text(ctx) + "\n\nAnnounce these times in which community?",
                buttons=(
                    *(
                        (Button(f"Announce in {name[:40]}", Po("hours", cid).pack()),)
                        for cid, name in self._choices(ctx)
                    ),
                    (Button("Cancel", Po("stop", 1).pack()),),
                ),
            )
        return Reply("/post")

    def _tag_ids(self, ctx: Ctx) -> list[int]:
        raw = ctx.data.get("tags")
        return [t for t in raw if isinstance(t, int)] if isinstance(raw, list) else []

    def _tag_names(self, ctx: Ctx) -> list[str]:
        by_id = ctx.deps.catalog.index.by_id
        return [by_id[t].name for t in self._tag_ids(ctx) if t in by_id]

    def _next(self, ctx: Ctx, state: str) -> str:
        """After a field: the next one, or back to the preview when editing one field."""
        if ctx.data.get("editing"):
            return "preview"
        return FIELDS[FIELDS.index(state) + 1] if state != "tags" else "preview"

    async def _stop(self, ctx: Ctx, inbound: Inbound) -> Step | None:
        p = Po.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "stop":
            return end(Reply("Stopped. Nothing was published."))
        return None

    async def on_title(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        try:
            ctx.data["title"] = check_title(ctx.text_of(inbound) or "")
        except PostError as exc:
            return await self.retry(ctx, "title", str(exc))
        nxt = self._next(ctx, "title")
        return goto(nxt, await self.prompt(ctx, nxt))

    async def on_body(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        try:
            ctx.data["body"] = check_body(ctx.text_of(inbound) or "")
        except PostError as exc:
            return await self.retry(ctx, "body", str(exc))
        nxt = self._next(ctx, "body")
        return goto(nxt, await self.prompt(ctx, nxt))

    async def on_tags(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        found = ctx.deps.catalog.index.find_in(ctx.text_of(inbound) or "")
        if not found:
            return await self.retry(
                ctx, "tags", "I didn't find a skill I know in that — try e.g. `Python, SQL`."
            )
        unique: dict[int, None] = dict.fromkeys(r.id for r in found)
        tags: list[JSON] = []
        tags.extend(list(unique)[:TAGS_MAX])
        ctx.data["tags"] = tags
        return goto("preview", await self.prompt(ctx, "preview"))

    async def on_preview(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        p = Po.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "edit":
            ctx.data["editing"] = True
            return goto("edit", await self.prompt(ctx, "edit"))
        if p is None or p.what != "pub":
            return await self.retry(ctx, "preview", "Tap “Publish”, “Edit” or “Cancel”.")
        book = ((Button("📅 Book this mentor", Bk("book", ctx.user.id).pack()),),)
        try:
            post, told = await ctx.u.posts.publish(
                ctx.user, ctx.str_data("title"), ctx.str_data("body"), self._tag_ids(ctx), book
            )
        except PostError as exc:
            return end(Reply(str(exc)))
        where = (
            f"announced in {told} of your communities"
            if told
            else "not announced anywhere yet: join a community (/community) to reach one"
        )
        url = post_url(ctx.deps.policies.public_url, post.id)
        return end(Reply(f"📝 Published [{esc(post.title)}]({url}) — {where}."))

    async def on_edit(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        p = Po.parse(ctx.action_of(inbound) or "")
        if p is None or p.what != "field" or not 0 <= p.value < len(FIELDS):
            return await self.retry(ctx, "edit", "Tap what you'd like to change.")
        return goto(FIELDS[p.value], await self.prompt(ctx, FIELDS[p.value]))

    # ---- office hours ----
    def _choices(self, ctx: Ctx) -> list[tuple[int, str]]:
        raw = ctx.data.get("communities")
        out: list[tuple[int, str]] = []
        if isinstance(raw, list):
            for item in raw:
                if isinstance(item, list) and len(item) == 2:
                    cid, name = item
                    if isinstance(cid, int) and isinstance(name, str):
                        out.append((cid, name))
        return out

    def _slots(self, ctx: Ctx) -> list[datetime]:
        raw = ctx.data.get("slots")
        if not isinstance(raw, list):
            return []
        return [datetime.fromtimestamp(t, tz=UTC) for t in raw if isinstance(t, int)]

    def _hours_text(self, ctx: Ctx) -> str:
        tz = ctx.user.timezone or "UTC"
        lines = [
            f"🕒 *Office hours with {inert(ctx.user.display_name)}*",
            f"Open {ctx.int_data('len')}-minute sessions:",
            *(f"- {esc(when(s, tz))}" for s in self._slots(ctx)),
            "Tap a time to book it.",
        ]
        return "\n".join(lines)

    async def _hours(self, ctx: Ctx) -> Step:
        offer = await ctx.bookings.offering(ctx.user.id)
        if offer is None:
            return end(Reply(NOT_A_MENTOR))
        mine = await ctx.u.communities.mine(ctx.user.id)
        if not mine:
            return end(Reply("Join a community first (/community): office hours go to one."))
        length = min(offer.lengths)
        picked: list[datetime] = []
        for s in await ctx.bookings.free_slots(offer, ctx.user.id, length):
            if not picked or s - picked[-1] >= HOURS_GAP:
                picked.append(s)
            if len(picked) == HOURS_SLOTS:
                break
        if not picked:
            return end(
                Reply(
                    "You have no free slots in the booking window. Add hours in /profile "
                    "(availability) first."
                )
            )
        ctx.data.update(
            {
                "len": length,
                "slots": [int(s.timestamp()) for s in picked],
                "communities": [[c.id, c.name] for c in mine],
            }
        )
        return goto("hours", await self.prompt(ctx, "hours"))

    async def on_hours(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        p = Po.parse(ctx.action_of(inbound) or "")
        names = dict(self._choices(ctx))
        if p is None or p.what != "hours" or p.value not in names:
            return await self.retry(ctx, "hours", "Tap the community to announce in.")
        tz = ctx.user.timezone or "UTC"
        length = ctx.int_data("len")
        buttons = tuple(
            (
                Button(
                    f"📅 {when(s, tz, with_zone=False)}",
                    Oh(ctx.user.id, int(s.timestamp()), length).pack(),
                ),
            )
            for s in self._slots(ctx)
        )
        try:
            await ctx.u.posts.office_hours(ctx.user, p.value, self._hours_text(ctx), buttons)
        except PostError as exc:
            return end(Reply(str(exc)))
        return end(Reply(f"🕒 Office hours announced in {esc(names[p.value])}."))


async def on_post_action(ctx: Ctx, payload: str) -> Step:
    p = Pa.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    if p.what == "new":
        return handoff("post", "new")
    if p.what == "hours":
        return handoff("post", "hours")
    if p.what == "del":
        try:
            title = await ctx.u.posts.delete(ctx.user, p.ref)
        except PostError as exc:
            return keep(Reply(str(exc)))
        return keep(Reply(f"Deleted “{esc(title)}”: its page and its announcements are gone."))
    return keep(Reply("That button has expired — /post"))


async def on_office_hours_action(ctx: Ctx, payload: str) -> Step:
    p = Oh.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    return handoff("book", f"{p.mentor}::{p.at}:{p.length}")


async def on_helpful_action(ctx: Ctx, payload: str) -> Step:
    """ "👍 Helpful" on a post's announcement, wherever it was shown."""
    p = HelpfulPost.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    try:
        said = await ctx.u.posts.mark_helpful(ctx.user, p.post_id)
    except PostError as exc:
        return keep(Reply(str(exc), ephemeral=True))
    return keep(Reply(esc(said), ephemeral=True))


# ---- the post as one form (Slack and Discord modals): filled in, then the same preview ----


def _title_field(env: FieldEnv, text: str) -> object:
    try:
        return check_title(text)
    except PostError as exc:
        return Invalid(str(exc))


def _body_field(env: FieldEnv, text: str) -> object:
    try:
        return check_body(text)
    except PostError as exc:
        return Invalid(str(exc))


def _tags_field(env: FieldEnv, text: str) -> object:
    found = env.skills.find_in(text)
    if not found:
        return Invalid("I didn't find a skill I know in that — try e.g. `Python, SQL`.")
    return list(dict.fromkeys(r.id for r in found))[:TAGS_MAX]


async def build_post(ctx: Ctx) -> Form | None:
    """None: not an approved mentor — the step dialog says so."""
    if not await ctx.u.posts.is_mentor(ctx.user):
        return None
    return Form(
        "post",
        "Write a post",
        "Preview",
        "A short article for your communities; you see a preview before it's published.",
        (
            FormField("title", "Title", max_length=TITLE_MAX, validator=_title_field),
            FormField(
                "body",
                "Post",
                "long_text",
                max_length=BODY_MAX,
                hint="*bold*, _italic_, `code`, [links](https://…), lines starting with “- ”",
                validator=_body_field,
            ),
            FormField(
                "tags",
                "Skills",
                max_length=300,
                placeholder="Python, SQL",
                validator=_tags_field,
            ),
        ),
    )


async def apply_post(ctx: Ctx, values: dict[str, object]) -> list[Reply]:
    """The form's answers become the post dialog's, waiting at its preview."""
    raw_tags = values.get("tags")
    tags: list[JSON] = []
    if isinstance(raw_tags, list):
        tags.extend(t for t in raw_tags if isinstance(t, int))
    ctx.dialog, ctx.state = MentorPosts.name, "preview"
    ctx.data = {"title": str(values.get("title", "")), "body": str(values.get("body", "")),
                "tags": tags}  # fmt: skip
    return [await MentorPosts().prompt(ctx, "preview")]
