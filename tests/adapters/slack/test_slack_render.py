"""Block Kit rendering stays inside Slack's limits; /mentor subcommands map to core commands."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from bots.slack.inbound import parse_subcommand
from bots.slack.render import check_blocks, messages, reply_blocks, to_mrkdwn
from core.messaging import Button, Choice, Choices, CommandIn, Image, LinkButton, Reply
from tests.long_text import markup_texts


def test_markup_becomes_mrkdwn() -> None:
    text = "*Bold* _it_ `x<y` [docs](/help) & - item\n- bullet"
    assert to_mrkdwn(text, "https://mb.example") == (
        "*Bold* _it_ `x&lt;y` <https://mb.example/help|docs> &amp; - item\n• bullet"
    )


def test_long_text_many_buttons_and_options_fit_the_limits() -> None:
    long_text = "\n".join(
        f"line {i} " + "x" * 90 for i in range(1600)
    )  # ~160 000 chars: 50+ sections
    buttons = tuple(
        tuple(Button("B" * 120 + str(i * 30 + j), f"p:{i}:{j}") for j in range(30))
        for i in range(3)
    )
    choices = Choices("Pick one", tuple(Choice("O" * 90, f"o:{i}") for i in range(150)))
    reply = Reply(long_text, buttons=buttons, choices=choices, image=Image(b"png", "a chart"))
    out = messages([reply])
    assert len(out) >= 2
    for _, blocks in out:
        assert check_blocks(blocks) == []
        assert len(blocks) <= 50
    all_blocks = [b for _, bl in out for b in bl]
    values = [
        e["value"]
        for b in all_blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "value" in e
    ]
    assert len(values) == 90  # every button survives, just split across rows
    opts = [
        o
        for b in all_blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
        for o in e["options"]
    ]
    assert len(opts) == 150
    assert any(b["type"] == "context" for b in all_blocks)
    joined = "".join(b["text"]["text"] for b in all_blocks if b["type"] == "section")
    assert joined.replace("\n", "") == to_mrkdwn(long_text).replace("\n", "")


def test_action_ids_are_unique_and_link_buttons_carry_urls() -> None:
    reply = Reply("x", buttons=((Button("a", "menu:find"), LinkButton("site", "/chat")),))
    blocks = reply_blocks(reply, "https://mb.example")
    els = blocks[-1]["elements"]
    assert els[0]["value"] == "menu:find" and els[1]["url"] == "https://mb.example/chat"
    assert els[0]["action_id"] != els[1]["action_id"]
    assert check_blocks(
        [
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "z" * 76}}],
            }
        ]
    )


def test_subcommands() -> None:
    assert parse_subcommand("find react hooks") == CommandIn("find", "react hooks")
    assert parse_subcommand("") == CommandIn("menu")
    assert parse_subcommand("Admin approve 12") == CommandIn("admin", "approve 12")
    assert parse_subcommand("apply") == CommandIn("mentor")
    assert parse_subcommand("link AB12-CD34") == CommandIn("link", "AB12-CD34")
    assert parse_subcommand("sessions") == CommandIn("sessions")
    assert parse_subcommand("wallet") == CommandIn("wallet")
    unknown = parse_subcommand("dance")
    assert isinstance(unknown, Reply) and "/mentor dance" in unknown.text


def test_long_button_labels_are_cut_at_a_word() -> None:
    """Issue #22 item 13: Slack's 75-character button text ends at a word with an ellipsis."""
    label = "👤 " + "Anita Desai Krishnamurthy " * 4
    (blocks,) = [b for _, b in messages([Reply("x", buttons=((Button(label, "pv:1"),),))])]
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert (
        button["text"]["text"]
        == "👤 Anita Desai Krishnamurthy Anita Desai Krishnamurthy Anita Desai…"
    )
    assert len(button["text"]["text"]) <= 75
    assert check_blocks(blocks) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markup_texts(max_repeat=60))
def test_any_text_becomes_messages_slack_takes_with_the_buttons_last(text: str) -> None:
    out = messages([Reply(text, buttons=((Button("OK", "ok:1"),),))])
    assert all(check_blocks(blocks) == [] for _, blocks in out)
    assert all(b["type"] == "section" for _, blocks in out[:-1] for b in blocks)
    assert out[-1][1][-1]["type"] == "actions"
