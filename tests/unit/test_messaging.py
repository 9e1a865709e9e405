from __future__ import annotations

import pytest

from core.messaging import (
    Asks,
    Attachment,
    Button,
    Card,
    Choice,
    Choices,
    CommandIn,
    Image,
    LinkButton,
    Reply,
    TextIn,
    cards_of,
    fit_label,
    parse_text,
    reply_from_json,
    reply_to_json,
    with_cards,
)


def test_reply_json_round_trip() -> None:
    r = Reply(
        "hi *there*",
        buttons=((Button("A", "x:1"), LinkButton("Docs", "https://x.org")),),
        choices=Choices("Pick", (Choice("One", "c:1"), Choice("Two", "c:2"))),
        image=Image(b"\x89PNG\r\n", "chart"),
        attachment=Attachment("s.ics", "text/calendar", b"BEGIN:VCALENDAR"),
        ephemeral=True,
        meta=(("k", "v"),),
        asks=Asks("Your name", 80, multiline=False, placeholder="e.g. Asha"),
    )
    assert reply_from_json(reply_to_json(r)) == r
    assert reply_from_json(reply_to_json(Reply("plain"))) == Reply("plain")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/find react hooks", CommandIn("find", "react hooks")),
        ("/START", CommandIn("start", "")),
        ("/find@MentorBot python", CommandIn("find", "python")),
        ("  hello ", TextIn("hello")),
        ("/", TextIn("/")),
        ("// comment", TextIn("// comment")),
        ("/ spaced", TextIn("/ spaced")),
        ("/1/2", TextIn("/1/2")),
    ],
)
def test_parse_text(text: str, expected: object) -> None:
    assert parse_text(text) == expected


# ---- button labels and result cards (issue #22 item 13) ----
@pytest.mark.parametrize(
    ("label", "limit", "expected"),
    [
        ("✖ today evening (Mon 17:00–Mon 21:00 your time)", 28, "✖ today evening…"),
        ("✖ Fri 17:00–Fri 21:00 your time", 28, "✖ Fri 17:00–Fri 21:00 your…"),
        ("👤 Anita Desai Krishnamurthy", 24, "👤 Anita Desai…"),
        ("Hello world foo", 12, "Hello world…"),
        ("Hello world foo", 11, "Hello…"),
        ("Supercalifragilistic", 10, "Supercali…"),
        ("Fits as is", 10, "Fits as is"),
        ("Fits\n as is", 11, "Fits\n as is"),
        ("Not\n so  spaced  out", 14, "Not so spaced…"),
    ],
)
def test_fit_label_cuts_at_a_word_boundary(label: str, limit: int, expected: str) -> None:
    got = fit_label(label, limit)
    assert got == expected
    assert len(got) <= limit


def test_cards_travel_in_meta_and_survive_the_transcript() -> None:
    reply = with_cards(
        Reply("head\n1. *Anu* — reason\nPage 1 of 1.", buttons=((Button("👤 Anu", "pv:1"),),)),
        [Card("Anu", "Teaches Python", "₹100", "new mentor", (Button("Profile", "pv:1"),))],
        "head\nPage 1 of 1.",
    )
    again = reply_from_json(reply_to_json(reply))
    assert again.text == reply.text and again.buttons == reply.buttons
    assert cards_of(again) == (
        "head\nPage 1 of 1.",
        [Card("Anu", "Teaches Python", "₹100", "new mentor", (Button("Profile", "pv:1"),))],
    )
    assert cards_of(Reply("plain")) is None
    broken = Reply("x", meta=(("cards_text", "x"), ("card", "{not json"), ("card", "[1]")))
    assert cards_of(broken) is None
