from __future__ import annotations

import pytest

from core.messaging import (
    Asks,
    Attachment,
    Button,
    Choice,
    Choices,
    CommandIn,
    Image,
    LinkButton,
    Reply,
    TextIn,
    parse_text,
    reply_from_json,
    reply_to_json,
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
