"""Every payload Slack may deliver is acked with a 2xx within 3 s (the fake's rule), and the
ones MentorBot acts on do what README says: mentions, shortcuts, uninstalls."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bots.slack.setup import SLACKBOT
from core.db.inbound import ProcessedEvent
from core.db.schema import Account
from core.messaging import Reply
from core.ports import Destination
from mentorbot.app import CORE
from tests.adapters.slack.driver import (
    FORM_TYPE,
    JSON_TYPE,
    SlackUser,
    deliver,
    event_body,
    interaction_body,
    mention,
    message_shortcut,
    payload_kinds,
    shortcut,
    view_submission,
)
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_forms import GOOD

KINDS = payload_kinds()


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_every_payload_kind_is_acknowledged(
    kind: str, server: TestServer, fake_slack: FakeSlack
) -> None:
    body, content_type = KINDS[kind]
    attempts = await deliver(server, body, content_type)
    await server.app[SLACKBOT].settle()
    # Slack's rule, applied by the fake's sender: a 2xx within 3 s, at the first attempt.
    assert [a.acked for a in attempts] == [True], (kind, [(a.status, a.text) for a in attempts])


async def _account(server: TestServer, user: str) -> Account:
    async with server.app[CORE].db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == user))
    assert acc is not None
    return acc


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_single_token_uninstall_marks_the_workspace_unreachable(
    event: dict[str, object], server: TestServer, fake_slack: FakeSlack
) -> None:
    cy = SlackUser(server, fake_slack, "UCY", "Cy")
    await cy.command("help")
    [sent] = await deliver(server, event_body("T1", event), JSON_TYPE)
    await server.app[SLACKBOT].settle()
    assert sent.acked
    acc = await _account(server, "UCY")
    assert acc.unreachable
    # The outbox holds notifications for it instead of calling Slack with a dead token.
    calls = len(fake_slack.calls)
    await server.app[CORE].delivery.flush()
    assert len(fake_slack.calls) == calls
    # Writing again (after a reinstall) makes the person reachable again.
    await cy.say("hi")
    assert not (await _account(server, "UCY")).unreachable
    assert await server.app[SLACKBOT].deliver(
        Destination(acc.id, "slack", "T1", "UCY"), [Reply("back")]
    )


async def test_user_tokens_revoked_leaves_the_workspace_reachable(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    dee = SlackUser(server, fake_slack, "UDEE", "Dee")
    await dee.command("help")
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["UDEE"], "bot": []}}
    [sent] = await deliver(server, event_body("T1", event), JSON_TYPE)
    await server.app[SLACKBOT].settle()
    assert sent.acked and not (await _account(server, "UDEE")).unreachable


async def test_a_mention_with_a_query_is_a_find_answered_in_its_thread(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    fake_slack.names["UMEN"] = "Meena"
    event = mention("T1", "UMEN", "<@UBOT> react hooks")
    [sent] = await deliver(server, event_body("T1", event, "Ev-mention-1"), JSON_TYPE)
    await server.app[SLACKBOT].settle()
    assert sent.acked
    answers = fake_slack.in_channel("C0GEN")
    assert answers and {p.thread_ts for p in answers} == {event["ts"]}
    text = "\n".join(p.text for p in answers)
    assert "React" in text and "Commands:" not in text  # a find for the query, not the help
    assert fake_slack.in_channel("DUMEN") == []  # nothing went to the DM


async def test_a_bare_mention_gets_help_in_its_thread(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    event = mention("T1", "UHLP", "<@UBOT>")
    event["thread_ts"] = "1699999999.000100"  # mentioned inside a thread: answer there
    [sent] = await deliver(server, event_body("T1", event), JSON_TYPE)
    await server.app[SLACKBOT].settle()
    assert sent.acked
    answers = fake_slack.in_channel("C0GEN")
    assert answers and {p.thread_ts for p in answers} == {"1699999999.000100"}
    assert "/mentor find" in "\n".join(p.text for p in answers)


async def test_global_shortcut_opens_the_find_modal_and_its_answer_comes_to_the_dm(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    fin = SlackUser(server, fake_slack, "UFIN", "Fin")
    [sent] = await deliver(
        server, interaction_body(shortcut("T1", "UFIN", "find_mentor", "sc.1")), FORM_TYPE
    )
    await server.app[SLACKBOT].settle()
    assert sent.acked
    modal = fake_slack.modals["sc.1"]
    assert modal["callback_id"] == "mbfind" and "initial_value" not in json.dumps(modal)
    # Submitted empty: the modal stays open with a word under the field.
    empty = view_submission("T1", "UFIN", "Fin", modal, {"query": ""}, "sc.2")
    [sent] = await deliver(server, interaction_body(empty), FORM_TYPE)
    assert sent.acked and json.loads(sent.text)["response_action"] == "errors"
    assert "query" in json.loads(sent.text)["errors"]
    status, answer, posted = await fin.submit({"query": "python"}, modal)
    assert status == 200 and answer is None  # the modal closes
    assert posted and "Python" in "\n".join(p.text for p in posted)


async def test_message_shortcut_opens_the_find_modal_with_that_message_text(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    text = "How do I use <https://react.dev|React> hooks &amp; context? cc <@U123>"
    payload = message_shortcut("T1", "UASK", "ask_mentor", "ms.1", text)
    [sent] = await deliver(server, interaction_body(payload), FORM_TYPE)
    await server.app[SLACKBOT].settle()
    assert sent.acked
    [block] = fake_slack.modals["ms.1"]["blocks"]
    assert block["element"]["initial_value"] == "How do I use React hooks & context? cc"


async def test_a_retried_mention_is_answered_once(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    # The first delivery was acked but Slack didn't see it (a timeout on its side): it sends
    # the same event_id again with X-Slack-Retry-Num; core records the id in the step's own
    # transaction, so the retry finds it and does nothing.
    body = event_body("T1", mention("T1", "URET", "<@UBOT> python"), "Ev-mention-retry")
    for retry in ("", "1", "2"):
        extra = (
            {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        )
        [sent] = await deliver(server, body, JSON_TYPE, extra=extra)
        await server.app[SLACKBOT].settle()
        assert sent.acked
    answers = fake_slack.in_channel("C0GEN")
    assert len({p.text for p in answers}) == len(answers) >= 1  # one find, not three
    assert len([p for p in answers if "Python" in p.text]) == 1


async def test_a_form_submitted_twice_is_saved_once(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    # Socket Mode redelivers an envelope that wasn't acked in time; over HTTP a double click
    # sends the same view twice. The view id is the delivery id: the second does nothing.
    admin = SlackUser(server, fake_slack, "UADMIN", "Ada Admin")
    await admin.command("help")
    kay = SlackUser(server, fake_slack, "UKAY", "Kay")
    await kay.command("apply")
    modal = kay.modal()
    assert modal is not None
    status, answer, posted = await kay.submit(GOOD, modal)
    assert (status, answer) == (200, None) and posted
    status, answer, posted = await kay.submit(GOOD, modal)
    assert (status, answer, posted) == (200, None, [])  # acked, closed, nothing more said
    notes = [p for p in fake_slack.in_channel("DUADMIN") if "New mentor application" in p.text]
    assert len(notes) == 1
    async with server.app[CORE].db.transaction() as s:
        ids = list(await s.scalars(select(ProcessedEvent.event_id)))
    assert f"view:{modal['id']}" in ids


async def test_a_button_under_a_mention_answer_keeps_its_buttons_for_others(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    event = mention("T1", "UBTN", "<@UBOT> python")
    await deliver(server, event_body("T1", event), JSON_TYPE)
    await server.app[SLACKBOT].settle()
    bea = SlackUser(server, fake_slack, "UBTN", "Bea")
    answers = fake_slack.in_channel("C0GEN")
    pressed = await bea.press("", answers)  # the first button under the answer
    assert pressed  # answered in the person's DM
    assert all(p.updates == [] for p in answers)  # the thread's message is left as it was
