from __future__ import annotations

import pytest

from core.markup import esc, parse_line, to_html, to_plain


@pytest.mark.parametrize(
    ("src", "html"),
    [
        ("plain", "plain"),
        ("*bold* and _it_", "<b>bold</b> and <i>it</i>"),
        ("`a<b>`", "<code>a&lt;b&gt;</code>"),
        (
            "[docs](https://x.org/a?b=1&c=2)",
            '<a href="https://x.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">docs</a>',
        ),
        ("[evil](javascript:alert(1))", "[evil](javascript:alert(1))"),
        ("<script>&", "&lt;script&gt;&amp;"),
        ("a\nb", "a<br>b"),
        ("x\n- one\n- two\ny", "x<ul><li>one</li><li>two</li></ul>y"),
        ("lone * star", "lone * star"),
    ],
)
def test_to_html(src: str, html: str) -> None:
    assert to_html(src) == html


def test_escaped_user_text_renders_as_typed() -> None:
    bio = "I love *stars*, snake_case and `ticks` [x](https://a.b)"
    rendered = to_html("Bio: " + esc(bio))
    assert "<b>" not in rendered and "<i>" not in rendered and "<a " not in rendered
    assert to_plain(esc(bio)) == bio


def test_plain_keeps_link_targets() -> None:
    assert to_plain("see [docs](https://x.org)") == "see docs (https://x.org)"
    assert to_plain("- a\n- *b*") == "• a\n• b"


def test_telegram_mode_has_no_lists() -> None:
    assert to_html("- a\n- b", bullets_as_list=False) == "• a\n• b"


def test_unclosed_markers_stay_literal() -> None:
    spans = parse_line("2*3 = 6 and _x")
    assert [s.kind for s in spans] == ["text"]
    assert spans[0].text == "2*3 = 6 and _x"
