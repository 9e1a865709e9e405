"""Discord's component limits: labels are cut at a word (issue #22 item 13)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from bots.discord.render import MAX_CONTENT, MAX_LABEL, render
from core.messaging import Button, Choice, Choices, Reply
from tests.long_text import markup_texts


def test_long_button_and_option_labels_are_cut_at_a_word() -> None:
    label = "✖ " + "today evening (Mon 17:00–Mon 21:00 your time) " * 3
    reply = Reply(
        "x",
        buttons=((Button(label, "fm:drop:time"),),),
        choices=Choices("Pick", (Choice("Hindi " + "and more words " * 10, "fm:lang:hi"),)),
    )
    (msg,) = render([reply])
    (button,) = [b for row in msg.rows if not hasattr(row, "options") for b in row]
    assert button.label == "✖ today evening (Mon 17:00–Mon 21:00 your time) today evening…"
    assert len(button.label) <= MAX_LABEL


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markup_texts(max_repeat=30))
def test_any_text_becomes_messages_within_2000_with_the_buttons_last(text: str) -> None:
    messages = render([Reply(text, buttons=((Button("OK", "ok:1"),),))])
    assert all(0 < len(m.content) <= MAX_CONTENT for m in messages)
    assert all(not m.rows for m in messages[:-1]) and messages[-1].rows
