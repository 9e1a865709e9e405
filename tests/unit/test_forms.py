"""One-page forms (the mentor application, profile edit): the step dialogs' parsers, one submit."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account, MentorProfile, User, UserLanguage
from core.dialogs.forms import form_for
from core.dialogs.menu import Menu
from core.dialogs.profile import Edit
from core.dialogs.questions import QUESTIONS
from core.forms import REQUIRED, FieldEnv, Form, FormRef, validate
from core.messaging import ActionIn, Actor, CommandIn
from tests.support import ChatDriver, RecordingChannel, answer_age
from tests.unit.test_onboarding import _skills, onboard_learner

GOOD_APPLY = {
    "name": "Meera Iyer",
    "teach_skills": "Kubernets: advanced, Docker",
    "languages": "English, Tamil",
    "timezone": "Chennai",
    "availability": "Mon-Fri 18:00-21:00",
    "headline": "SRE at Acme · Kubernetes and Docker",
    "bio": "I run production clusters and help people debug their deployments.",
    "years": "6",
    "price": "₹150",
    "lengths": ["10", "20"],
    "extras": "CKA https://example.org/intro",
}


def actor(name: str) -> Actor:
    return Actor("console", "console", name, name.capitalize())


async def _user(core: CoreApp, external_id: str) -> tuple[User, MentorProfile | None]:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == external_id))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user, await s.get(MentorProfile, user.id)


async def _apply_form(core: CoreApp, name: str) -> Form:
    form = await core.open_form(actor(name), "apply")
    assert form is not None
    return form


def _env(core: CoreApp) -> FieldEnv:
    return FieldEnv(core.catalog.index, core.policies)


async def test_apply_form_has_every_question_of_the_step_application(core: CoreApp) -> None:
    form = await _apply_form(core, "meera")
    keys = [f.key for f in form.fields]
    assert keys == [
        "name",
        "teach_skills",
        "languages",
        "timezone",
        "availability",
        "headline",
        "bio",
        "years",
        "price",
        "lengths",
        "extras",
    ]
    assert form.field("lengths") is not None and form.field("lengths").kind == "multi_select"  # type: ignore[union-attr]
    assert [f.key for f in form.fields if f.optional] == ["extras"]


async def test_validator_errors_name_exactly_the_bad_fields(core: CoreApp) -> None:
    form = await _apply_form(core, "meera")
    bad = dict(GOOD_APPLY, teach_skills="Qwertyzzz, Docker", timezone="Atlantis", headline="")
    parsed, errors = validate(_env(core), form, bad)
    assert set(errors) == {"teach_skills", "timezone", "headline"}
    assert "I don't know the skill “Qwertyzzz”" in errors["teach_skills"]
    assert "couldn't find a time zone for “Atlantis”" in errors["timezone"]
    assert errors["headline"] == REQUIRED
    # The rest parsed with the same parsers the steps use.
    assert parsed["years"] == 6
    assert parsed["lengths"] == (10, 20)


async def test_did_you_mean_and_typo_correction_come_from_the_taxonomy(core: CoreApp) -> None:
    form = await _apply_form(core, "meera")
    _, errors = validate(_env(core), form, dict(GOOD_APPLY, teach_skills="machine lerning stuff"))
    assert errors["teach_skills"].startswith(
        "“machine lerning stuff” — did you mean Machine Learning?"
    )
    parsed, errors = validate(_env(core), form, GOOD_APPLY)
    assert errors == {}
    kube = core.catalog.index.exact("Kubernetes")
    docker = core.catalog.index.exact("Docker")
    assert kube is not None and docker is not None
    # "Kubernets" is read as Kubernetes; no level means intermediate for teaching.
    assert parsed["teach_skills"] == ((kube.id, "advanced"), (docker.id, "intermediate"))
    assert parsed["languages"] == ("en", "ta")
    assert parsed["timezone"] == "Asia/Kolkata"


async def test_form_and_step_dialog_give_the_same_hint(core: CoreApp) -> None:
    """Same input, same parser: the step dialog and the form refuse it with the same words."""
    form = await _apply_form(core, "meera")
    cases = {
        "bio": "too short",
        "years": "many",
        "price": "a lot",
        "lengths": ["10", "45"],
        "name": "x",
    }
    _, errors = validate(_env(core), form, dict(GOOD_APPLY, **cases))
    form_lengths = form.field("lengths")
    assert form_lengths is not None
    # lengths: 45 isn't an option of the select, so the form refuses it before parsing.
    assert errors["lengths"] == "Please choose from the list."
    c = ChatDriver(core, "steps")
    await c.say("/start")
    await c.press("Mentor")
    await c.say("x")
    assert errors["name"] in c.text()
    await c.say("Step Person")
    await answer_age(c)
    await c.say("Docker: advanced")
    await c.say("English")
    await c.say("Pune")
    await c.press("Weekday evenings")
    await c.say("Platform engineer at Acme")
    await c.say("too short")
    assert errors["bio"] in c.text()
    await c.say("I help people ship containers to production without fear.")
    await c.say("many")
    assert errors["years"] in c.text()
    await c.say("4")
    await c.say("a lot")
    assert errors["price"] in c.text()


async def test_good_apply_submission_saves_and_notifies_admins(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await ChatDriver(core, "admin").say("/help")
    outcome = await core.submit_form(actor("meera"), "apply", GOOD_APPLY)
    assert outcome.ok, outcome.errors
    text = "\n".join(r.text for r in outcome.replies)
    assert "with the admins now" in text and "All set" in text
    user, mp = await _user(core, "meera")
    assert user.onboarded and user.wants_to_mentor and not user.wants_to_learn
    assert user.display_name == "Meera Iyer" and user.timezone == "Asia/Kolkata"
    assert mp is not None and mp.status == "pending"
    assert (mp.headline, mp.years_experience, mp.price_mode, mp.price_minor) == (
        "SRE at Acme · Kubernetes and Docker",
        6,
        "paid",
        15000,
    )
    assert mp.session_lengths == [10, 20]
    assert (mp.certifications, mp.intro_video_url) == ("CKA", "https://example.org/intro")
    assert await _skills(core, user.id, "teach") == {
        "Kubernetes": "advanced",
        "Docker": "intermediate",
    }
    notes = [r for r in inbox.inbox["admin"] if "New mentor application" in r.text]
    assert len(notes) == 1 and "Meera Iyer" in notes[0].text
    # Applying again: no form; the step dialog explains.
    assert await core.open_form(actor("meera"), "apply") is None
    c = ChatDriver(core, "meera")
    await c.say("/mentor")
    assert "already waiting for an admin" in c.text()


async def test_bad_submission_saves_nothing(core: CoreApp, inbox: RecordingChannel) -> None:
    outcome = await core.submit_form(
        actor("meera"), "apply", dict(GOOD_APPLY, timezone="Atlantis", bio="")
    )
    assert set(outcome.errors) == {"timezone", "bio"}
    assert outcome.replies == ()
    user, mp = await _user(core, "meera")
    assert not user.onboarded and user.display_name != "Meera Iyer"
    assert mp is None or mp.status == "draft"
    assert "admin" not in inbox.inbox


async def test_profile_form_is_prefilled_and_round_trips(core: CoreApp) -> None:
    await onboard_learner(core)
    form = await core.open_form(actor("asha"), "profile")
    assert form is not None
    initial = {f.key: f.initial for f in form.fields}
    assert initial["name"] == "Asha Rao"
    assert initial["learn_skills"] == "Data Structures & Algorithms: beginner, Python: beginner"
    assert initial["languages"] == "English, Hindi"
    assert initial["timezone"] == "Asia/Kolkata"
    assert initial["goals"] == "Crack a product-company interview"
    assert "teach_skills" not in initial and "headline" not in initial
    # Submitting what was shown changes nothing and is accepted.
    assert await core.check_form(actor("asha"), "profile", initial) == {}  # type: ignore[arg-type]
    changed = dict(initial, timezone="London", learn_skills="React (advanced)", goals="")
    outcome = await core.submit_form(actor("asha"), "profile", changed)  # type: ignore[arg-type]
    assert outcome.ok, outcome.errors
    assert outcome.replies[0].text == "Saved ✅"
    user, _ = await _user(core, "asha")
    assert user.timezone == "Europe/London" and user.goals == ""
    assert await _skills(core, user.id, "learn") == {"React": "advanced"}
    async with core.db.transaction() as s:
        langs = set(
            await s.scalars(select(UserLanguage.code).where(UserLanguage.user_id == user.id))
        )
    assert langs == {"en", "hi"}


async def test_form_ends_a_half_done_step_dialog(core: CoreApp) -> None:
    c = ChatDriver(core, "meera")
    await c.say("/start")
    await c.press("Mentor")
    assert "call you" in c.text()
    assert (await core.submit_form(actor("meera"), "apply", GOOD_APPLY)).ok
    await c.say("/find docker")  # not taken as the name the step dialog was waiting for
    user, _ = await _user(core, "meera")
    assert user.display_name == "Meera Iyer"


async def test_which_inbound_has_a_form(core: CoreApp) -> None:
    assert form_for(CommandIn("mentor")) == "apply"
    assert form_for(CommandIn("profile", "edit")) == "profile"
    assert form_for(CommandIn("profile")) is None
    assert form_for(ActionIn(Edit("bio").pack())) == "profile"
    assert form_for(ActionIn(FormRef("apply").pack())) == "apply"
    assert form_for(ActionIn(FormRef("nope").pack())) is None
    assert form_for(ActionIn(Menu("mentor").pack())) == "apply"
    assert form_for(ActionIn(Menu("find").pack())) is None
    # Where forms aren't rendered, a form button runs the step dialog instead.
    c = await onboard_learner(core)
    await c.send(ActionIn(FormRef("profile").pack()))
    assert "Tap a field to change it." in c.text()


async def test_steps_and_forms_come_from_one_list_of_questions(core: CoreApp) -> None:
    """Each form field is its question (label, length, parser), and the step dialog asks the
    same question with it marked as typed-text (Asks) where it takes text."""
    form = await _apply_form(core, "leela")
    for f in form.fields:
        q = QUESTIONS[f.key]
        assert (f.label, f.max_length, f.kind) == (q.label, q.max_length, q.kind)
        assert f.validator is q.parse
    c = ChatDriver(core, "leela")
    await c.say("/mentor")
    prompt = c.last[-1]
    assert prompt.asks == QUESTIONS["name"].asks()
    assert prompt.asks is not None and prompt.asks.max_length == 60
    await c.say("Leela Rao")
    assert c.last[-1].asks == QUESTIONS["age"].asks()  # typed ages are read too
    await answer_age(c)
    assert c.last[-1].asks == QUESTIONS["teach_skills"].asks()
    assert c.last[-1].asks is not None and c.last[-1].asks.multiline


async def test_a_quick_answer_is_read_by_the_questions_parser(core: CoreApp) -> None:
    """The suggested-price button carries paise; typed text is rupees: both read the same."""
    q = QUESTIONS["price"]
    env = _env(core)
    assert q.parse(env, q.read_quick("10000")) == q.parse(env, "100")
    assert q.parse(env, q.read_quick("free")) == q.parse(env, "free")
    langs = QUESTIONS["languages"]
    assert langs.parse(env, langs.read_quick("en,hi")) == ("en", "hi")
