"""The profile questions, declared once: what is asked, its quick answers, how an answer is
read and where it is saved.

The onboarding step dialog (onboarding.py) asks them one at a time; the one-page forms
(forms.py, Slack modals) are generated from the same list. A question's parser is the one
check for its answer on every surface, and its `save` the one way it is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core.availability import Window, format_windows
from core.currency import money
from core.db.quiet import retime
from core.db.schema import MentorProfile
from core.dialogs import fields as F
from core.dialogs.engine import Ctx
from core.forms import FieldEnv, FieldKind, FormField, Option, Validator
from core.languages import language_by_code
from core.markup import esc
from core.messaging import Asks
from core.payloads import Payload
from core.services.profiles import ProfileView, SkillLevel
from core.services.trust import WITHDRAWN
from core.skills import Level


@dataclass(frozen=True)
class Ob(Payload, prefix="ob"):
    """A quick answer (or skip) to a profile question, pressed in the step dialog."""

    what: str
    value: str


@dataclass(frozen=True)
class Quick:
    label: str
    value: str  # packed as Ob(question.quick_code, value)


@dataclass(frozen=True)
class Known:
    """What a form fills in before the person types: their profile as it is."""

    view: ProfileView
    mentor: MentorProfile | None


Save = Callable[[Ctx, Any], Awaitable[str | None]]  # -> a confirmation line, or None


@dataclass(frozen=True)
class Question:
    key: str  # the profile field: a form field's key and the step dialog's state
    label: str  # a form field's label
    ask: Callable[[Ctx], str]  # the question in the step dialog
    parse: Validator  # typed text -> value | Invalid: the one check, on every surface
    save: Save  # stores a parsed value (None: an optional field left empty in a form)
    initial: Callable[[Ctx, Known], str | tuple[str, ...]]
    kind: FieldKind = "text"
    max_length: int = 0
    hint: str | Callable[[Ctx], str] = ""  # a form field's help line
    placeholder: str = ""
    quick_code: str = ""  # the Ob.what of this question's quick answers
    quick: Callable[[Ctx], tuple[Quick, ...]] = lambda ctx: ()
    read_quick: Callable[[str], str] = lambda value: value  # quick value -> text to parse
    skip: str = ""  # the step dialog's skip button ("" = none)
    empty: str = "Please type your answer."  # said when a step gets no text
    options: Callable[[Ctx], tuple[Option, ...]] = lambda ctx: ()

    def asks(self) -> Asks:
        return Asks(
            self.label[:45],
            self.max_length or 4000,
            multiline=self.kind == "long_text",
            placeholder=self.placeholder,
        )

    def field(self, ctx: Ctx, known: Known, *, optional: bool = False) -> FormField:
        return FormField(
            self.key,
            self.label,
            kind=self.kind,
            options=self.options(ctx),
            optional=optional,
            initial=self.initial(ctx, known),
            max_length=self.max_length,
            hint=self.hint(ctx) if callable(self.hint) else self.hint,
            placeholder=self.placeholder,
            validator=self.parse,
        )


def env_of(ctx: Ctx) -> FieldEnv:
    return FieldEnv(ctx.deps.catalog.index, ctx.deps.policies)


# ---- reading current answers ------------------------------------------------------


def _skills_text(items: tuple[SkillLevel, ...]) -> str:
    return ", ".join(f"{s.name}: {s.level}" for s in items)


def _langs_text(codes: tuple[str, ...]) -> str:
    names = []
    for code in codes:
        lang = language_by_code(code)
        names.append(lang.name if lang else code)
    return ", ".join(names)


def _rupees(minor: int) -> str:
    whole, paise = divmod(minor, 100)
    return f"{whole}.{paise:02d}" if paise else str(whole)


def _filled(known: Known) -> MentorProfile | None:
    """The mentor profile, if its questions were answered (a new one has defaults only)."""
    mp = known.mentor
    return mp if mp is not None and mp.headline else None


# ---- saving -------------------------------------------------------------------------


async def _save_name(ctx: Ctx, name: str) -> str | None:
    await ctx.profiles.set_display_name(ctx.user.id, name)
    ctx.user.display_name = name
    return f"Nice to meet you, {esc(name)}!"


async def _save_age(ctx: Ctx, band: str) -> str | None:
    if await ctx.trust.set_age_band(ctx.user.id, band):
        ctx.u.profiles_changed([ctx.user.id])  # out of search at once
        return WITHDRAWN
    return None


def _save_skills(kind: str) -> Save:
    async def save(ctx: Ctx, skills: tuple[tuple[int, Level], ...]) -> str | None:
        await ctx.profiles.set_skills(ctx.user.id, kind, list(skills))
        return None

    return save


async def _save_goals(ctx: Ctx, goals: str | None) -> str | None:
    await ctx.profiles.set_goals(ctx.user.id, goals or "")
    return None


async def _save_languages(ctx: Ctx, codes: tuple[str, ...]) -> str | None:
    await ctx.profiles.set_languages(ctx.user.id, list(codes))
    return f"Languages: {esc(_langs_text(codes))}."


async def _save_timezone(ctx: Ctx, tz: str) -> str | None:
    await ctx.profiles.set_timezone(ctx.user.id, tz)
    ctx.user.timezone = tz
    # Quiet hours are read in the zone: what they hold now ends at the new zone's morning.
    await retime(ctx.session, ctx.user.id, ctx.now)
    return None


async def _save_availability(ctx: Ctx, windows: tuple[Window, ...] | None) -> str | None:
    await ctx.profiles.set_availability(ctx.user.id, windows or ())
    return f"Availability: {format_windows(windows)}." if windows else None


async def _mentor(ctx: Ctx) -> MentorProfile:
    return await ctx.mentors.profile(ctx.user.id)


async def _save_headline(ctx: Ctx, headline: str) -> str | None:
    (await _mentor(ctx)).headline = headline
    return None


async def _save_bio(ctx: Ctx, bio: str) -> str | None:
    (await _mentor(ctx)).bio = bio
    return None


async def _save_years(ctx: Ctx, years: int) -> str | None:
    (await _mentor(ctx)).years_experience = years
    return None


async def _save_price(ctx: Ctx, price: F.Price) -> str | None:
    mp = await _mentor(ctx)
    mp.price_mode, mp.price_minor = price.mode, price.minor
    if price.mode == "paid":
        mp.currency = ctx.deps.policies.currency
    return f"Price: {price.label(ctx.deps.policies.currency)}."


async def _save_lengths(ctx: Ctx, lengths: tuple[int, ...]) -> str | None:
    (await _mentor(ctx)).session_lengths = list(lengths)
    return None


async def _save_extras(ctx: Ctx, extras: F.Extras | None) -> str | None:
    mp = await _mentor(ctx)
    # One answer holds both, so it replaces both (an emptied form field clears them).
    extras = extras or F.Extras("", "")
    mp.certifications, mp.intro_video_url = extras.certifications, extras.video_url
    return None


# ---- the step dialog's wording -------------------------------------------------------


def _ask_name(ctx: Ctx) -> str:
    current = ctx.user.display_name
    return "What should people call you? Type a name" + (
        f", or keep “{esc(current)}”." if current else "."
    )


def _ask_skills(kind: str) -> Callable[[Ctx], str]:
    def ask(ctx: Ctx) -> str:
        q = (
            "Which skills do you want to learn?"
            if kind == "learn"
            else "Which skills can you teach?"
        )
        current = ctx.str_data("current")
        extra = f"\nNow: {esc(current)}. Your answer replaces the list." if current else ""
        return (
            f"{q} Separate them with commas and add a level if you like, e.g. "
            f"`Python: advanced, DSA, React (beginner)`.{extra}"
        )

    return ask


def _ask_availability(ctx: Ctx) -> str:
    tz = ctx.user.timezone or "UTC"
    return (
        "When are you usually free for a short session? Times are in your zone "
        f"({esc(tz)}). Pick one or type e.g. `Mon-Fri 18:00-21:00; Sat 10-13`."
    )


def _ask_price(ctx: Ctx) -> str:
    suggested = money(ctx.deps.policies.default_price_minor, ctx.deps.policies.currency)
    return (
        f"What do you charge per session? Type an amount in rupees (suggested {suggested}), "
        "or choose free, or skill-exchange credits (1 credit per session)."
    )


def _price_quick(ctx: Ctx) -> tuple[Quick, ...]:
    p = ctx.deps.policies
    return (
        Quick(money(p.default_price_minor, p.currency), str(p.default_price_minor)),
        Quick("Free", "free"),
        Quick("Credits", "credits"),
    )


def _price_from_quick(value: str) -> str:
    """The suggested-price button carries minor units (paise); typed text is rupees."""
    return value if not value.isdigit() else _rupees(int(value))


def _lengths_quick(ctx: Ctx) -> tuple[Quick, ...]:
    """The offered lengths as growing sets: "10", "10, 20", "10, 20, 30"."""
    allowed = ctx.deps.policies.session_lengths
    sets = [allowed[: i + 1] for i in range(min(3, len(allowed)))]
    return tuple(Quick(", ".join(map(str, s)), ",".join(map(str, s))) for s in sets)


def _initial_years(ctx: Ctx, known: Known) -> str:
    mp = _filled(known)
    return str(mp.years_experience) if mp is not None else ""


def _initial_price(ctx: Ctx, known: Known) -> str:
    mp = _filled(known)
    if mp is not None:
        return mp.price_mode if mp.price_mode in ("free", "credits") else _rupees(mp.price_minor)
    return _rupees(ctx.deps.policies.default_price_minor)


def _initial_lengths(ctx: Ctx, known: Known) -> tuple[str, ...]:
    mp = known.mentor
    chosen = (mp.session_lengths if mp is not None else None) or [10]
    allowed = ctx.deps.policies.session_lengths
    return tuple(str(n) for n in chosen if n in allowed)


def _initial_extras(ctx: Ctx, known: Known) -> str:
    mp = known.mentor
    return " ".join(x for x in (mp.certifications, mp.intro_video_url) if x) if mp else ""


SKILLS_HINT = (
    "Separate them with commas, with a level if you like: "
    "`Python: advanced, DSA, React (beginner)`. Without a level I use {default}."
)
AVAIL_PRESETS = {
    "evenings": "Mon-Fri 18:00-21:00",
    "weekends": "Sat-Sun 10:00-13:00",
    "both": "Mon-Fri 18:00-21:00; Sat-Sun 10:00-13:00",
}


def _q_skills(kind: str) -> Question:
    learn = kind == "learn"
    return Question(
        f"{kind}_skills",
        "Skills you want to learn" if learn else "Skills you can teach",
        _ask_skills(kind),
        F.v_learn_skills if learn else F.v_teach_skills,
        _save_skills(kind),
        lambda ctx, k: _skills_text(k.view.learns if learn else k.view.teaches),
        kind="long_text",
        max_length=1000,
        hint=SKILLS_HINT.format(default="beginner" if learn else "intermediate"),
        empty="Please type the skills as text.",
    )


QUESTIONS: dict[str, Question] = {
    q.key: q
    for q in (
        Question(
            "name",
            "What should people call you?",
            _ask_name,
            F.v_name,
            _save_name,
            lambda ctx, k: k.view.display_name,
            max_length=60,
            quick_code="name",
            quick=lambda ctx: (
                (Quick(f"Keep “{ctx.user.display_name[:24]}”", "keep"),)
                if ctx.user.display_name
                else ()
            ),
            empty="Please type a name.",
        ),
        Question(
            "age",
            "Your age group",
            lambda ctx: (
                "How old are you? Tap a button or type your age. I ask everyone: people "
                "13–17 can learn here, but can't book paid sessions, mentor, be recorded "
                "in a call, or get messages from adults they haven't booked."
            ),
            F.v_age,
            _save_age,
            lambda ctx, k: "",
            max_length=20,
            quick_code="age",
            quick=lambda ctx: (
                Quick("Under 13", F.UNDER_13),
                Quick("13–17", "under18"),
                Quick("18 or older", "18plus"),
            ),
            empty=F.AGE_HINT,
        ),
        _q_skills("learn"),
        _q_skills("teach"),
        Question(
            "goals",
            "What do you want to achieve?",
            lambda ctx: (
                "In a sentence or two: what do you want to achieve? "
                "(e.g. “crack a product-company interview by March”)"
            ),
            F.v_goals,
            _save_goals,
            lambda ctx, k: k.view.goals,
            kind="long_text",
            max_length=2000,
            placeholder="e.g. crack a product-company interview by March",
            skip="Skip for now",
            empty=F.GOALS_SHORT + ", or tap Skip.",
        ),
        Question(
            "languages",
            "Languages you can talk in",
            lambda ctx: "Which languages can you talk in? (e.g. “English, Hindi”)",
            F.v_languages,
            _save_languages,
            lambda ctx, k: _langs_text(k.view.languages),
            max_length=300,
            placeholder="e.g. English, Hindi",
            quick_code="lang",
            quick=lambda ctx: (Quick("English", "en"), Quick("English + Hindi", "en,hi")),
            read_quick=lambda value: value.replace(",", ", "),
            empty="Please type the languages you speak.",
        ),
        Question(
            "timezone",
            "Your city or time zone",
            lambda ctx: (
                "Which city are you in? I use it for your time zone "
                "(you can also type a UTC offset like `UTC+5:30`)."
            ),
            F.v_timezone,
            _save_timezone,
            lambda ctx, k: k.view.timezone or "",
            max_length=100,
            hint="A city near you (Mumbai, London, New York) or an offset like UTC+5:30.",
            quick_code="tz",
            quick=lambda ctx: (Quick("India (IST)", "Asia/Kolkata"),),
            empty="Please type a city or a UTC offset.",
        ),
        Question(
            "availability",
            "When are you usually free? (your time)",
            _ask_availability,
            F.v_availability,
            _save_availability,
            lambda ctx, k: format_windows(k.view.availability) if k.view.availability else "",
            max_length=500,
            hint="e.g. `Mon-Fri 18:00-21:00; Sat 10-13` or “weekday evenings”.",
            quick_code="av",
            quick=lambda ctx: (
                Quick("Weekday evenings", "evenings"),
                Quick("Weekends", "weekends"),
                Quick("Both", "both"),
            ),
            read_quick=lambda value: AVAIL_PRESETS.get(value, ""),
            skip="Skip for now",
            empty="Please pick an option or type your hours.",
        ),
        Question(
            "headline",
            "Mentor headline",
            lambda ctx: (
                "Your mentor headline — one line learners see first, e.g. "
                "“SDE-2 at Flipkart · DSA and system design”."
            ),
            F.v_headline,
            _save_headline,
            lambda ctx, k: k.mentor.headline if k.mentor else "",
            max_length=120,
            placeholder="SDE-2 at Flipkart · DSA and system design",
        ),
        Question(
            "bio",
            "A short bio: what you've done and how you help",
            lambda ctx: "A short bio: what you've done and how you help (20–1500 characters).",
            F.v_bio,
            _save_bio,
            lambda ctx, k: k.mentor.bio if k.mentor else "",
            kind="long_text",
            max_length=1500,
            hint="20 to 1500 characters.",
        ),
        Question(
            "years",
            "Years of experience in what you teach",
            lambda ctx: "How many years of experience do you have in what you teach? (a number)",
            F.v_years,
            _save_years,
            _initial_years,
            max_length=10,
            placeholder="3",
        ),
        Question(
            "price",
            "Price per session",
            _ask_price,
            F.v_price,
            _save_price,
            _initial_price,
            max_length=20,
            hint=lambda ctx: (
                "An amount in rupees (suggested "
                f"{money(ctx.deps.policies.default_price_minor, ctx.deps.policies.currency)}), "
                "`free`, or `credits` (skill-exchange credits, 1 per session)."
            ),
            quick_code="price",
            quick=_price_quick,
            read_quick=_price_from_quick,
        ),
        Question(
            "lengths",
            "Session lengths you offer (minutes)",
            lambda ctx: "Which session lengths do you offer? (minutes)",
            F.v_lengths,
            _save_lengths,
            _initial_lengths,
            kind="multi_select",
            quick_code="len",
            quick=_lengths_quick,
            options=lambda ctx: tuple(
                Option(f"{n} min", str(n)) for n in ctx.deps.policies.session_lengths
            ),
        ),
        Question(
            "extras",
            "Certifications and an intro video link (optional)",
            lambda ctx: (
                "Optional: any certifications, and a link to a short intro video. "
                "Send them in one message, or skip."
            ),
            F.v_extras,
            _save_extras,
            _initial_extras,
            kind="long_text",
            max_length=1300,
            placeholder="AWS SA Associate https://youtu.be/…",
            skip="Skip",
            empty="Send text, or tap Skip.",
        ),
    )
}
