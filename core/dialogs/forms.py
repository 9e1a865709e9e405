"""The mentor application and profile edit as one-page forms (for Slack modals).

The same questions as the step dialogs in onboarding.py, checked by the same parsers
(core.dialogs.fields) and saved through the same services (Profiles, Mentors): a form is
another way to fill the dialog in, not another dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy.exc import DBAPIError, IntegrityError

from core.availability import Window, format_windows
from core.db.schema import MentorProfile
from core.dialogs import fields as F
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
from core.dialogs.onboarding import APPLY_BLOCKED, all_set, submit_application
from core.dialogs.profile import Edit, OwnProfile
from core.forms import FieldEnv, Form, FormField, FormOutcome, FormRef, FormValues, Option
from core.forms import validate as validate_values
from core.languages import language_by_code
from core.messaging import ActionIn, Actor, CommandIn, ConversationKey, Delivered, Inbound, Reply
from core.services.profiles import ProfileView, SkillLevel
from core.skills import Level
from core.text import money

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again."
SKILLS_HINT = (
    "Separate them with commas, with a level if you like: "
    "`Python: advanced, DSA, React (beginner)`. Without a level I use {default}."
)


# ---- fields: the questions of onboarding.py, with the current answers filled in -------


def _skills_text(items: tuple[SkillLevel, ...]) -> str:
    return ", ".join(f"{s.name}: {s.level}" for s in items)


def _langs_text(codes: tuple[str, ...]) -> str:
    names = []
    for code in codes:
        lang = language_by_code(code)
        names.append(lang.name if lang else code)
    return ", ".join(names)


def _windows_text(windows: tuple[Window, ...]) -> str:
    return format_windows(windows) if windows else ""


def _name(view: ProfileView) -> FormField:
    return FormField(
        "name",
        "What should people call you?",
        initial=view.display_name,
        max_length=60,
        validator=F.v_name,
    )


def _skills(view: ProfileView, kind: str) -> FormField:
    learn = kind == "learn"
    return FormField(
        f"{kind}_skills",
        "Skills you want to learn" if learn else "Skills you can teach",
        kind="long_text",
        initial=_skills_text(view.learns if learn else view.teaches),
        max_length=1000,
        hint=SKILLS_HINT.format(default="beginner" if learn else "intermediate"),
        validator=F.v_learn_skills if learn else F.v_teach_skills,
    )


def _goals(view: ProfileView) -> FormField:
    return FormField(
        "goals",
        "What do you want to achieve?",
        kind="long_text",
        optional=True,
        initial=view.goals,
        max_length=2000,
        placeholder="e.g. crack a product-company interview by March",
        validator=F.v_goals,
    )


def _languages(view: ProfileView) -> FormField:
    return FormField(
        "languages",
        "Languages you can talk in",
        initial=_langs_text(view.languages),
        max_length=300,
        placeholder="e.g. English, Hindi",
        validator=F.v_languages,
    )


def _timezone(view: ProfileView) -> FormField:
    return FormField(
        "timezone",
        "Your city or time zone",
        initial=view.timezone or "",
        max_length=100,
        hint="A city near you (Mumbai, London, New York) or an offset like UTC+5:30.",
        validator=F.v_timezone,
    )


def _availability(view: ProfileView, *, optional: bool) -> FormField:
    return FormField(
        "availability",
        "When are you usually free? (your time)",
        optional=optional,
        initial=_windows_text(view.availability),
        max_length=500,
        hint="e.g. `Mon-Fri 18:00-21:00; Sat 10-13` or “weekday evenings”.",
        validator=F.v_availability,
    )


def _rupees(minor: int) -> str:
    whole, paise = divmod(minor, 100)
    return f"{whole}.{paise:02d}" if paise else str(whole)


def _price_text(mp: MentorProfile) -> str:
    if mp.price_mode in ("free", "credits"):
        return mp.price_mode
    return _rupees(mp.price_minor)


def _mentor_fields(ctx: Ctx, mp: MentorProfile | None) -> list[FormField]:
    filled = mp is not None and bool(mp.headline)
    lengths = ctx.deps.policies.session_lengths
    chosen = tuple(str(n) for n in (mp.session_lengths if mp is not None else None) or [10])
    extras = " ".join(x for x in (mp.certifications, mp.intro_video_url) if x) if mp else ""
    price = _price_text(mp) if mp is not None and filled else ""
    default = ctx.deps.policies.default_price_minor
    suggested = money(default, ctx.deps.policies.currency)
    return [
        FormField(
            "headline",
            "Mentor headline",
            initial=mp.headline if mp else "",
            max_length=120,
            placeholder="SDE-2 at Flipkart · DSA and system design",
            validator=F.v_headline,
        ),
        FormField(
            "bio",
            "A short bio: what you've done and how you help",
            kind="long_text",
            initial=mp.bio if mp else "",
            max_length=1500,
            hint="20 to 1500 characters.",
            validator=F.v_bio,
        ),
        FormField(
            "years",
            "Years of experience in what you teach",
            initial=str(mp.years_experience) if mp is not None and filled else "",
            max_length=10,
            placeholder="3",
            validator=F.v_years,
        ),
        FormField(
            "price",
            "Price per session",
            initial=price or _rupees(default),
            max_length=20,
            hint=f"An amount in rupees (suggested {suggested}), `free`, or `credits` "
            "(skill-exchange credits, 1 per session).",
            validator=F.v_price,
        ),
        FormField(
            "lengths",
            "Session lengths you offer (minutes)",
            kind="multi_select",
            options=tuple(Option(f"{n} min", str(n)) for n in lengths),
            initial=tuple(c for c in chosen if int(c) in lengths),
            validator=F.v_lengths,
        ),
        FormField(
            "extras",
            "Certifications and an intro video link (optional)",
            kind="long_text",
            optional=True,
            initial=extras,
            max_length=1300,
            placeholder="AWS SA Associate https://youtu.be/…",
            validator=F.v_extras,
        ),
    ]


# ---- the two forms ------------------------------------------------------------


async def build_apply(ctx: Ctx) -> Form | None:
    """None: applying isn't open (already pending, approved or suspended) — steps explain."""
    mp = await ctx.mentors.existing(ctx.user.id)
    if mp is not None and mp.status in APPLY_BLOCKED:
        return None
    view = await ctx.profiles.view(ctx.user.id)
    fields: list[FormField] = []
    if not view.onboarded:
        fields.append(_name(view))
    fields.append(_skills(view, "teach"))
    if not view.onboarded:
        fields.append(_languages(view))
    fields += [_timezone(view), _availability(view, optional=False)]
    fields += _mentor_fields(ctx, mp)
    return Form(
        "apply",
        "Mentor application",
        "Apply",
        "Your mentor profile in one go: admins review it, and I'll message you when they decide.",
        tuple(fields),
    )


async def build_profile(ctx: Ctx) -> Form | None:
    """None: no profile yet — the step dialog starts onboarding."""
    view = await ctx.profiles.view(ctx.user.id)
    if not view.onboarded and not view.teaches and not view.learns:
        return None
    fields = [_name(view)]
    if view.wants_to_learn:
        fields.append(_skills(view, "learn"))
    mp = await ctx.mentors.existing(ctx.user.id) if view.wants_to_mentor else None
    if mp is not None:
        fields.append(_skills(view, "teach"))
    if view.wants_to_learn:
        fields.append(_goals(view))
    fields += [_languages(view), _timezone(view)]
    fields.append(_availability(view, optional=mp is None))
    if mp is not None:
        fields += _mentor_fields(ctx, mp)
    return Form("profile", "Edit your profile", "Save", "Change anything and save.", tuple(fields))


async def _save(ctx: Ctx, values: dict[str, object]) -> None:
    """Store parsed answers through the services the step dialog uses."""
    uid = ctx.user.id
    if "name" in values:
        name = cast(str, values["name"])
        await ctx.profiles.set_display_name(uid, name)
        ctx.user.display_name = name
    for kind in ("learn", "teach"):
        if f"{kind}_skills" in values:
            skills = cast(tuple[tuple[int, Level], ...], values[f"{kind}_skills"])
            await ctx.profiles.set_skills(uid, kind, list(skills))
    if "goals" in values:
        await ctx.profiles.set_goals(uid, cast(str | None, values["goals"]) or "")
    if "languages" in values:
        await ctx.profiles.set_languages(uid, list(cast(tuple[str, ...], values["languages"])))
    if "timezone" in values:
        tz = cast(str, values["timezone"])
        await ctx.profiles.set_timezone(uid, tz)
        ctx.user.timezone = tz
    if "availability" in values:
        windows = cast(tuple[Window, ...] | None, values["availability"]) or ()
        await ctx.profiles.set_availability(uid, windows)
    if "headline" not in values:
        return
    mp = await ctx.mentors.profile(uid)
    mp.headline = cast(str, values["headline"])
    mp.bio = cast(str, values["bio"])
    mp.years_experience = cast(int, values["years"])
    price = cast(F.Price, values["price"])
    mp.price_mode, mp.price_minor = price.mode, price.minor
    if price.mode == "paid":
        mp.currency = ctx.deps.policies.currency
    mp.session_lengths = list(cast(tuple[int, ...], values["lengths"]))
    extras = cast(F.Extras | None, values["extras"]) or F.Extras("", "")
    mp.certifications, mp.intro_video_url = extras.certifications, extras.video_url


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
}


def form_for(inbound: Inbound) -> str | None:
    """The form that can stand in for what was asked, on a surface that has forms."""
    if isinstance(inbound, CommandIn):
        if inbound.name == "mentor":
            return "apply"
        if inbound.name == "profile" and inbound.args.strip().casefold() == "edit":
            return "profile"
    if isinstance(inbound, ActionIn):
        ref = FormRef.parse(inbound.payload)
        if ref is not None and ref.name in FORMS:
            return ref.name
        if Edit.matches(inbound.payload):
            return "profile"
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


def _env(ctx: Ctx) -> FieldEnv:
    return FieldEnv(ctx.deps.catalog.index, ctx.deps.policies)


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
        return {} if form is None else validate_values(_env(ctx), form, values)[1]

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
        parsed, errors = validate_values(_env(ctx), form, values)
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
        command = CommandIn("mentor") if name == "apply" else CommandIn("profile")
        return FormOutcome({}, tuple(await conv.handle(actor, command)))
    return outcome
