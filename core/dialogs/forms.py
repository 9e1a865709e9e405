"""The mentor application and profile edit as one-page forms (for Slack modals).

Generated from the profile questions (core.dialogs.questions) that the step dialog in
onboarding.py asks one at a time: the same labels, parsers and saves. A form is another way
to fill the dialog in, not another dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError

from core.dialogs.engine import (
    AlreadyHandled,
    Conversations,
    Ctx,
    StaleConversation,
    Step,
    handoff,
    keep,
)
from core.dialogs.menu import Menu
from core.dialogs.onboarding import APPLY_BLOCKED, MENTOR_STEPS, all_set, submit_application
from core.dialogs.posts import Pa, apply_post, build_post
from core.dialogs.profile import Edit, OwnProfile
from core.dialogs.questions import QUESTIONS, Known, env_of
from core.forms import Form, FormField, FormOutcome, FormRef, FormValues
from core.forms import validate as validate_values
from core.messaging import ActionIn, Actor, CommandIn, ConversationKey, Delivered, Inbound, Reply

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again."
# Left empty in a form, these are cleared; every other field must be filled in.
OPTIONAL = ("goals", "extras")


async def _known(ctx: Ctx, *, mentor: bool) -> Known:
    view = await ctx.profiles.view(ctx.user.id)
    return Known(view, await ctx.mentors.existing(ctx.user.id) if mentor else None)


def _fields(
    ctx: Ctx, known: Known, keys: list[str], optional: tuple[str, ...]
) -> tuple[FormField, ...]:
    return tuple(QUESTIONS[k].field(ctx, known, optional=k in optional) for k in keys)


# ---- the two forms ------------------------------------------------------------


async def build_apply(ctx: Ctx) -> Form | None:
    """None: applying isn't open (already pending, approved or suspended) — steps explain."""
    known = await _known(ctx, mentor=True)
    if known.mentor is not None and known.mentor.status in APPLY_BLOCKED:
        return None
    new = not known.view.onboarded
    keys = [
        *(["name"] if new else []),
        "teach_skills",
        *(["languages"] if new else []),
        "timezone",
        "availability",
        *MENTOR_STEPS,
    ]
    return Form(
        "apply",
        "Mentor application",
        "Apply",
        "Your mentor profile in one go: admins review it, and I'll message you when they decide.",
        _fields(ctx, known, keys, optional=OPTIONAL),
    )


async def build_profile(ctx: Ctx) -> Form | None:
    """None: no profile yet — the step dialog starts onboarding."""
    view = await ctx.profiles.view(ctx.user.id)
    if not view.onboarded and not view.teaches and not view.learns:
        return None
    known = await _known(ctx, mentor=view.wants_to_mentor)
    mentor = known.mentor is not None
    learn = view.wants_to_learn
    keys = [
        "name",
        *(["learn_skills"] if learn else []),
        *(["teach_skills"] if mentor else []),
        *(["goals"] if learn else []),
        "languages",
        "timezone",
        "availability",
        *(MENTOR_STEPS if mentor else ()),
    ]
    # Only a mentor must offer hours (learners book them).
    optional = OPTIONAL if mentor else (*OPTIONAL, "availability")
    fields = _fields(ctx, known, keys, optional=optional)
    return Form("profile", "Edit your profile", "Save", "Change anything and save.", fields)


async def _save(ctx: Ctx, values: dict[str, object]) -> None:
    """Store parsed answers the way the step dialog stores them: each question's own save."""
    for key, value in values.items():
        await QUESTIONS[key].save(ctx, value)


async def apply_apply(ctx: Ctx, values: dict[str, object]) -> list[Reply]:
    view = await ctx.profiles.view(ctx.user.id)
    # As /mentor in steps: a new person becomes a mentor only; a learner stays one too.
    await ctx.profiles.set_role(
        ctx.user.id, learn=view.wants_to_learn and view.onboarded, mentor=True
    )
    await ctx.mentors.profile(ctx.user.id)
    await _save(ctx, values)
    if not view.onboarded:
        await ctx.profiles.mark_onboarded(ctx.user.id)
        await ctx.u.privacy.record_consent(
            ctx.user.id, "terms", ctx.deps.policies.terms_version, given=True
        )
    return [await submit_application(ctx), await all_set(ctx)]


async def apply_profile(ctx: Ctx, values: dict[str, object]) -> list[Reply]:
    await _save(ctx, values)
    card = await OwnProfile().start(ctx, "")
    return [Reply("Saved ✅"), *card.replies]


@dataclass(frozen=True)
class FormSpec:
    build: Callable[[Ctx], Awaitable[Form | None]]
    apply: Callable[[Ctx, dict[str, object]], Awaitable[list[Reply]]]


FORMS: dict[str, FormSpec] = {
    "apply": FormSpec(build_apply, apply_apply),
    "profile": FormSpec(build_profile, apply_profile),
    "post": FormSpec(build_post, apply_post),
}


STEP_ONLY = ("photo", "age")  # profile fields the one-page form leaves to the steps


def form_for(inbound: Inbound) -> str | None:
    """The form that can stand in for what was asked, on a surface that has forms."""
    if isinstance(inbound, CommandIn):
        if inbound.name == "mentor":
            return "apply"
        if inbound.name == "profile" and inbound.args.strip().casefold() == "edit":
            return "profile"
        if inbound.name == "post" and inbound.args.strip().casefold() in ("new", "write"):
            return "post"
    if isinstance(inbound, ActionIn):
        ref = FormRef.parse(inbound.payload)
        if ref is not None and ref.name in FORMS:
            return ref.name
        edit = Edit.parse(inbound.payload)
        # A photo is sent, not typed, and the age group is a step of its own: no form.
        if edit is not None and edit.field not in STEP_ONLY:
            return "profile"
        new_post = Pa.parse(inbound.payload)
        if new_post is not None and new_post.what == "new":
            return "post"
        menu = Menu.parse(inbound.payload)
        if menu is not None and menu.item == "mentor":
            return "apply"
    return None


async def on_form_action(ctx: Ctx, payload: str) -> Step:
    """A form button pressed where forms aren't rendered: the step dialog instead."""
    ref = FormRef.parse(payload)
    if ref is not None and ref.name == "apply":
        return handoff("onboarding", "apply")
    if ref is not None and ref.name == "profile":
        return handoff("profile", "")
    return keep(Reply("That form isn't available."))


# ---- running a form: one person at a time, like a dialog step ------------------------


async def open_form(conv: Conversations, actor: Actor, name: str) -> Form | None:
    """The form with the person's current answers; None: use the step dialog instead."""
    spec = FORMS.get(name)
    if spec is None:
        return None
    return await conv.converse(actor, ConversationKey.private(actor), spec.build, save=False)


async def check_form(
    conv: Conversations, actor: Actor, name: str, values: FormValues
) -> dict[str, str]:
    """Errors by field key, without saving anything (a modal answers these at once)."""
    spec = FORMS.get(name)
    if spec is None:
        return {}

    async def check(ctx: Ctx) -> dict[str, str]:
        form = await spec.build(ctx)
        return {} if form is None else validate_values(env_of(ctx), form, values)[1]

    return await conv.converse(actor, ConversationKey.private(actor), check, save=False)


async def submit_form(
    conv: Conversations,
    actor: Actor,
    name: str,
    values: FormValues,
    *,
    once: Delivered | None = None,
) -> FormOutcome:
    """Check every field, then save them all in one unit of work (or nothing). It runs in the
    person's conversation like a dialog step: same lock, same version check."""
    spec = FORMS.get(name)
    if spec is None:
        return FormOutcome({}, (Reply("That form isn't available."),))

    async def submit(ctx: Ctx) -> FormOutcome | None:
        form = await spec.build(ctx)
        if form is None:
            return None
        parsed, errors = validate_values(env_of(ctx), form, values)
        if errors:
            return FormOutcome(errors)
        replies = await spec.apply(ctx, parsed)
        if ctx.dialog in ("onboarding", "profile"):
            # A step dialog left half-way through the same questions is answered now.
            ctx.dialog, ctx.state, ctx.data = None, None, {}
        return FormOutcome({}, tuple(replies))

    try:
        outcome = await conv.converse(actor, ConversationKey.private(actor), submit, once=once)
    except AlreadyHandled:
        return FormOutcome({})
    except (IntegrityError, DBAPIError, StaleConversation):
        log.exception("form %s failed for %s", name, actor.external_id)
        return FormOutcome({}, (Reply(SORRY),))
    if outcome is None:
        # No longer open (e.g. applied in the meantime): the step dialog says why.
        command = {"apply": CommandIn("mentor"), "post": CommandIn("post", "new")}.get(
            name, CommandIn("profile")
        )
        return FormOutcome({}, tuple(await conv.handle(actor, command)))
    return outcome
