"""Discord's component limits: labels are cut at a word (issue #22 item 13)."""

from __future__ import annotations

from bots.discord.render import MAX_LABEL, render
from core.messaging import Button, Choice, Choices, Reply


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
