"""Slack modals: the mentor application and profile edit as ONE form each, over signed HTTP."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bots.slack.forms import check_view, form_view
from bots.slack.setup import SLACKBOT
from core.db.schema import Account, MentorProfile, User
from core.forms import Form, FormField, Option
from mentorbot.app import CORE
from tests.adapters.slack.driver import SlackUser
from tests.adapters.slack.fake_slack import FakeSlack, modal_problems
from tests.booking_support import add_mentor

APPLY_KEYS = [
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
GOOD = {
    "teach_skills": "Kubernets: advanced, Docker",
    "languages": "English, Hindi",
    "timezone": "Pune",
    "availability": "Mon-Fri 18:00-21:00",
    "headline": "SRE at Acme · Kubernetes and Docker",
    "bio": "I run production clusters and love helping people debug deployments.",
    "years": "6",
    "price": "150",
    "lengths": ["10", "20"],
}


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def initial(block: dict[str, Any]) -> Any:
    el = block["element"]
    if "initial_options" in el:
        return [o["value"] for o in el["initial_options"]]
    return el.get("initial_value", "")


async def profile_of(server: TestServer, external_id: str) -> tuple[User, MentorProfile | None]:
    async with server.app[CORE].db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == external_id))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user, await s.get(MentorProfile, user.id)


async def test_apply_is_one_modal_with_errors_per_field_then_admins_hear(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    admin = SlackUser(server, fake_slack, "UADMIN", "Ada Admin")
    await admin.command("help")  # the admin has an account to be told on
    meera = SlackUser(server, fake_slack, "UMEERA", "Meera Iyer")
    posted = await meera.command("apply")
    assert posted == []  # no questions in the DM: the whole application is one modal
    assert [c.method for c in fake_slack.calls].count("views.open") == 1
    modal = meera.modal()
    assert modal is not None and modal["callback_id"] == "form:apply"
    assert modal["title"]["text"] == "Mentor application"
    blocks = inputs(modal)
    assert list(blocks) == APPLY_KEYS
    assert initial(blocks["name"]) == "Meera Iyer"
    assert blocks["lengths"]["element"]["type"] == "multi_static_select"
    assert [k for k, b in blocks.items() if b["optional"]] == ["extras"]
    assert check_view(modal) == [] and modal_problems(modal) == []

    # Bad values: a skill nobody could recognise, a place with no time zone, a cleared field.
    bad = dict(GOOD, teach_skills="Qwertyzzz, Docker", timezone="Atlantis", headline="")
    status, answer, posted = await meera.submit(bad)
    assert status == 200 and answer is not None
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"teach_skills", "timezone", "headline"}
    assert "Qwertyzzz" in answer["errors"]["teach_skills"]
    assert "Atlantis" in answer["errors"]["timezone"]
    assert answer["errors"]["headline"] == "Please fill this in."
    assert posted == []
    user, mp = await profile_of(server, "UMEERA")
    assert mp is None and not user.onboarded  # nothing saved

    # "Did you mean" comes from the taxonomy, as in the step dialog.
    _, answer, _ = await meera.submit(dict(GOOD, teach_skills="machine lerning stuff"))
    assert answer is not None
    assert "did you mean Machine Learning?" in answer["errors"]["teach_skills"]

    # A good submission closes the modal; the confirmation comes to the DM.
    status, answer, posted = await meera.submit(GOOD)
    assert status == 200 and answer is None
    text = "\n".join(p.text for p in posted)
    assert "with the admins now" in text and "All set" in text
    user, mp = await profile_of(server, "UMEERA")
    assert user.onboarded and user.timezone == "Asia/Kolkata"
    assert mp is not None and mp.status == "pending" and mp.price_minor == 15000
    assert mp.session_lengths == [10, 20]
    # The admins are told exactly as after the step dialog, with Approve / Reject.
    notes = [p for p in fake_slack.in_channel("DUADMIN") if "New mentor application" in p.text]
    assert len(notes) == 1 and "Meera Iyer" in notes[0].text and "Kubernetes" in notes[0].text
    await admin.press("Approve", [notes[0]])
    assert "Approved Meera Iyer" in admin.text()
    # Applying again opens no modal: the DM says why.
    opened = len(fake_slack.modals)
    await meera.command("apply")
    assert len(fake_slack.modals) == opened
    assert "already an approved mentor" in meera.text()


async def test_required_field_sent_empty_is_refused_for_that_block_only(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    """Slack's client stops empty required inputs, but the server doesn't rely on it."""
    ravi = SlackUser(server, fake_slack, "URAVI", "Ravi Kumar")
    await ravi.command("apply")
    _, answer, _ = await ravi.submit(dict(GOOD, bio="", extras=""))
    assert answer is not None and answer["errors"] == {"bio": "Please fill this in."}


async def test_profile_edit_modal_is_prefilled_and_saves(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    anita = SlackUser(server, fake_slack, "UANITA", "Anita Desai")
    await anita.command("apply")
    status, answer, _ = await anita.submit(GOOD)
    assert answer is None
    await anita.command("profile")
    assert "Tap a field to change it." in anita.text()
    card = anita.last[-1]
    # Any field button opens the whole profile as one modal, with the current answers.
    posted = await anita.press("Time zone")
    assert posted == []
    modal = anita.modal()
    assert modal is not None and modal["callback_id"] == "form:profile"
    blocks = inputs(modal)
    assert list(blocks) == [
        "name",
        "teach_skills",
        "languages",
        "timezone",
        "availability",
        *APPLY_KEYS[5:],
    ]
    assert initial(blocks["name"]) == "Anita Desai"
    assert initial(blocks["teach_skills"]) == "Docker: intermediate, Kubernetes: advanced"
    assert initial(blocks["languages"]) == "English, Hindi"
    assert initial(blocks["timezone"]) == "Asia/Kolkata"
    assert initial(blocks["availability"]) == "Mon–Fri 18:00–21:00"
    assert initial(blocks["price"]) == "150"
    assert initial(blocks["lengths"]) == ["10", "20"]
    assert modal_problems(modal) == []
    status, answer, posted = await anita.submit(
        {"timezone": "London", "price": "free", "bio": GOOD["bio"] + " Also Terraform."}
    )
    assert status == 200 and answer is None
    assert posted and posted[0].text == "Saved ✅"
    user, mp = await profile_of(server, "UANITA")
    assert user.timezone == "Europe/London"
    assert mp is not None and mp.price_mode == "free" and mp.bio.endswith("Terraform.")
    assert mp.status == "pending"  # editing doesn't withdraw or resubmit the application
    # The card keeps its buttons (pressing one opened a modal; nothing was "chosen").
    assert card.updates == []
    # `/mentor profile edit` opens it too, now showing the saved answers.
    assert await anita.command("profile edit") == []
    reopened = anita.modal()
    assert reopened is not None and reopened["callback_id"] == "form:profile"
    assert initial(inputs(reopened)["timezone"]) == "Europe/London"
    assert initial(inputs(reopened)["price"]) == "free"


async def test_app_home_shows_profile_sessions_wallet_and_opens_the_form(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    kiran = SlackUser(server, fake_slack, "UKIRAN", "Kiran Rao")
    await kiran.command("apply")
    await kiran.submit(GOOD)
    home = await kiran.open_home()
    text = "\n".join(b["text"]["text"] for b in home.blocks if b["type"] == "section")
    assert "*Kiran Rao*" in text and "Teaches:" in text
    assert "*Upcoming sessions* (times in Asia/Kolkata)\nNothing booked yet." in text
    assert "*Wallet*" in text and "Credits: 2 credits" in text  # the starter credits
    labels = [
        e["text"]["text"] for b in home.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert "🎓 Become a mentor" not in labels  # already applied
    assert {"📅 My sessions", "💰 My wallet", "✏️ Edit profile"} <= set(labels)
    await kiran.press("Edit profile", [home])
    modal = kiran.modal()
    assert modal is not None and modal["callback_id"] == "form:profile"


def test_modal_stays_within_slack_limits_whatever_the_form() -> None:
    big = Form(
        "profile",
        "A title far longer than twenty-four characters",
        "Submit everything now please",
        "x" * 5000,
        tuple(
            FormField(
                f"f{i}",
                "L" * 3000,
                kind="select" if i % 2 else "long_text",
                options=tuple(Option("o" * 100, f"v{j}") for j in range(150)),
                initial="i" * 5000 if i % 2 == 0 else "v3",
                max_length=9000,
                hint="h" * 3000,
                placeholder="p" * 300,
            )
            for i in range(120)
        ),
    )
    view = form_view(big)
    assert check_view(view) == []
    assert modal_problems(view) == []


async def test_apply_from_a_channel_opens_the_modal_there(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    from tests.adapters.slack.driver import command_body, post_signed

    body = command_body("T1", "UCHAN", "Chan", "apply", channel="C0PUBLIC", trigger="c.1")
    status, text = await post_signed(server, body, "application/x-www-form-urlencoded")
    await server.app[SLACKBOT].settle()
    assert status == 200 and "direct messages" not in text  # no "answered in DMs" for a modal
    assert fake_slack.modals["c.1"]["callback_id"] == "form:apply"
    assert fake_slack.in_channel("DUCHAN") == [] and fake_slack.in_channel("C0PUBLIC") == []


async def test_a_mentors_post_is_one_modal_then_the_preview_in_the_dm(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    meera = SlackUser(server, fake_slack, "UMEERA", "Meera Iyer")
    core = server.app[CORE]
    async with core.uow() as u:  # an approved mentor with this Slack account
        mentor_id = await add_mentor(u.session, "Meera Iyer", core.clock.now())
        u.session.add(
            Account(user_id=mentor_id, platform="slack", workspace=meera.team,
                    external_id="UMEERA", display_name="Meera Iyer",
                    created_at=core.clock.now())
        )  # fmt: skip
    posted = await meera.command("post new")
    assert posted == []
    modal = meera.modal()
    assert modal is not None and modal["callback_id"] == "form:post"
    assert list(inputs(modal)) == ["title", "body", "tags"]
    assert inputs(modal)["body"]["element"]["multiline"] is True
    assert check_view(modal) == [] and modal_problems(modal) == []
    _, answer, _ = await meera.submit({"title": "Pods", "body": "short", "tags": "Qwertyzzz"})
    assert answer is not None and set(answer["errors"]) == {"body", "tags"}
    body = "Why *liveness* probes restart pods, and when a readiness probe is enough."
    status, answer, posted = await meera.submit(
        {"title": "Probes, plainly", "body": body, "tags": "Docker"}
    )
    assert status == 200 and answer is None
    assert "Preview" in meera.text() and "Probes, plainly" in meera.text()
    await meera.press("Publish")
    assert "Published" in meera.text() and "/posts/1" in meera.text()
    # A learner gets no modal: the DM says why.
    asha = SlackUser(server, fake_slack, "UASHA", "Asha")
    await asha.command("post new")
    assert asha.modal() is None and "for approved mentors" in asha.text()
