"""Renderer snapshots: Telegram HTML escaping, keyboards, media, and the 64-byte limit."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.telegram.render import Out, OutDocument, OutPhoto, OutText, render
from core.markup import Span, esc, parse_line
from core.messaging import Attachment, Button, Choice, Choices, Image, LinkButton, Reply
from core.payloads import MAX_BYTES
from tests.adapters.telegram.fakeapi import _check_html as check_html
from tests.adapters.telegram.fakeapi import _check_length as check_length
from tests.long_text import markup_texts


def _shown(s: Span) -> str:
    # Telegram shows a link it can open by its label, any other as "label (address)".
    if s.kind == "link" and not s.url.startswith(("http://", "https://", "mailto:")):
        return f"{s.text} ({s.url})"
    return s.text


def to_plain_tg(text: str) -> str:
    out = []
    for line in text.split("\n"):
        bullet = line.startswith(("- ", "• "))
        body = line[2:] if bullet else line
        out.append(("• " if bullet else "") + "".join(_shown(s) for s in parse_line(body)))
    return "\n".join(out)


def snap(outs: list[Out]) -> str:
    lines = []
    for o in outs:
        if isinstance(o, OutText):
            lines.append(f"text: {o.html}")
        elif isinstance(o, OutPhoto):
            lines.append(f"photo[{len(o.png)}]: {o.caption}")
        elif isinstance(o, OutDocument):
            lines.append(f"document {o.filename} ({o.mime}): {o.caption}")
        if o.keyboard is not None:
            for row in o.keyboard.inline_keyboard:
                lines.append(
                    "  | " + " | ".join(f"{b.text} -> {b.callback_data or b.url}" for b in row)
                )
    return "\n".join(lines)


def test_escaping_of_angle_brackets_ampersands_and_names_with_markup() -> None:
    name = "<b>Bob</b> & *Co_*"
    reply = Reply(
        f"Hi *{esc(name)}*! 1 < 2 & 3 > 2, `a<b && c`\n"
        "- first [docs](https://x.org/?a=1&b=2)\n"
        "- _second_",
        buttons=((Button("Approve <now>", "adm:ok:42"), LinkButton("Open", "https://t.me/x")),),
    )
    assert snap(render(reply)) == (
        "text: Hi <b>&lt;b&gt;Bob&lt;/b&gt; &amp; *Co_*</b>! 1 &lt; 2 &amp; 3 &gt; 2, "
        "<code>a&lt;b &amp;&amp; c</code>\n"
        '• first <a href="https://x.org/?a=1&amp;b=2">docs</a>\n'
        "• <i>second</i>\n"
        "  | Approve <now> -> adm:ok:42 | Open -> https://t.me/x"
    )


def test_links_telegram_cannot_open_become_text_and_choices_become_rows() -> None:
    reply = Reply(
        "Log in on the web",
        buttons=((LinkButton("Web chat", "http://127.0.0.1:8080/chat"),),),
        choices=Choices("Pick", (Choice("Mon", "av:1"), Choice("Tue", "av:2"))),
    )
    assert snap(render(reply)) == (
        "text: Log in on the web\n"
        "text: Web chat: http://127.0.0.1:8080/chat\n"
        "  | Mon -> av:1\n"
        "  | Tue -> av:2"
    )


def test_images_and_files_carry_short_text_as_caption() -> None:
    png = b"\x89PNG fake"
    assert snap(render(Reply("Your *QR*", image=Image(png, "QR code")))) == (
        "photo[9]: Your <b>QR</b>"
    )
    ics = Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR")
    assert snap(render(Reply("Add it to your calendar", attachment=ics))) == (
        "document session.ics (text/calendar): Add it to your calendar"
    )
    long = "x" * 1500
    outs = render(Reply(long, image=Image(png, "a <chart>"), buttons=((Button("OK", "ok"),),)))
    assert snap(outs) == f"text: {long}\nphoto[9]: a &lt;chart&gt;\n  | OK -> ok"


def test_long_text_is_split_on_lines_with_the_keyboard_last() -> None:
    text = "\n".join(f"- *line {i}* " + "y" * 80 for i in range(120))
    outs = render(Reply(text, buttons=((Button("More", "fm:page:2"),),)))
    assert len(outs) > 1
    assert all(isinstance(o, OutText) and len(o.html) <= 4096 for o in outs)
    assert all(o.keyboard is None for o in outs[:-1]) and outs[-1].keyboard is not None
    assert all(o.html.count("<b>") == o.html.count("</b>") for o in outs if isinstance(o, OutText))


@given(st.text(min_size=0, max_size=80))
def test_callback_data_is_never_over_64_bytes(payload: str) -> None:
    outs = render(Reply("pick", buttons=((Button("A", payload), Button("B", "ok:1")),)))
    for o in outs:
        assert o.keyboard is not None
        for row in o.keyboard.inline_keyboard:
            for b in row:
                assert b.callback_data is not None
                assert len(b.callback_data.encode()) <= MAX_BYTES


def test_long_button_labels_are_cut_at_a_word() -> None:
    """Issue #22 item 13: never "… (Mon 17:00–Mon" — a word-boundary ellipsis within 64."""
    label = "✖ " + "weekday evening (Mon 17:00–Mon 21:00 your time) " * 3
    reply = Reply("x", buttons=((Button(label, "fm:drop:time"), LinkButton(label, "https://x")),))
    (out,) = render(reply)
    assert out.keyboard is not None
    texts = [b.text for b in out.keyboard.inline_keyboard[0]]
    assert texts == ["✖ weekday evening (Mon 17:00–Mon 21:00 your time) weekday…"] * 2
    assert all(len(t) <= 64 for t in texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markup_texts(max_repeat=30))
def test_any_text_becomes_messages_telegram_takes_with_all_of_it_there(text: str) -> None:
    outs = render(Reply(text, buttons=((Button("OK", "ok:1"),),)))
    for o in outs:
        assert isinstance(o, OutText)
        check_html(o.html)  # the fake's checks: known tags only, no bare < or &, ≤ 4,096
        check_length(o.html, 4096, "message is too long")
    assert all(o.keyboard is None for o in outs[:-1]) and outs[-1].keyboard is not None
    shown = "".join(html.unescape(re.sub(r"<[^>]+>", "", o.html)) for o in outs)
    assert re.sub(r"\s", "", shown).replace("…", "") == re.sub(r"\s", "", to_plain_tg(text))
