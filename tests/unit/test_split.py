"""One splitter for long replies (core.markup.split_markup): paragraph, line, word, then a cut
inside one word; never a part over the limit, never a blank part, never a span broken."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.markup import parse_line, split_markup, to_html, to_plain, utf16_len
from tests.long_text import markup_texts

MEASURES: dict[str, Callable[[str], int]] = {
    "markup": len,
    "plain utf-16": lambda s: utf16_len(to_plain(s)),
    "html utf-16": lambda s: utf16_len(to_html(s, bullets_as_list=False)),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


texts = markup_texts()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, limit=st.integers(20, 300), measure=st.sampled_from(sorted(MEASURES)))
def test_parts_fit_are_never_blank_and_read_back_as_the_text(
    text: str, limit: int, measure: str
) -> None:
    size = MEASURES[measure]
    parts = split_markup(text, limit, size)
    assert all(size(p) <= limit for p in parts)
    assert all(to_plain(p).strip() for p in parts)
    assert squash("".join(to_plain(p) for p in parts)) == squash(to_plain(text))


def test_a_short_text_is_one_part_as_written() -> None:
    assert split_markup("Hi *there*\n\n- one", 100) == ["Hi *there*\n\n- one"]
    assert split_markup("\n  \n", 100) == []


def test_paragraphs_go_first_then_lines() -> None:
    one = "First paragraph, line one.\nLine two."
    two = "Second paragraph.\nIts second line."
    assert split_markup(f"{one}\n\n{two}", 60) == [one, two]
    # A paragraph longer than the limit is cut at a line break.
    assert split_markup(f"{one}\n{two}", 40) == [
        "First paragraph, line one.\nLine two.",
        "Second paragraph.\nIts second line.",
    ]


def test_a_long_line_is_cut_between_words_and_marks_are_closed_and_reopened() -> None:
    parts = split_markup("see *these bold words* now", 15)
    assert parts == ["see *these*", "*bold words*", "now"]
    for p in parts:
        assert all(s.kind in ("text", "bold") for s in parse_line(p))
    assert [s.text for p in parts for s in parse_line(p) if s.kind == "bold"] == [
        "these",
        "bold words",
    ]


def test_a_bullet_keeps_its_mark_once_and_a_continuation_is_no_bullet() -> None:
    parts = split_markup("- tea or coffee - or water", 16)
    assert parts == ["- tea or coffee", "\\- or water"]
    assert [to_plain(p) for p in parts] == ["• tea or coffee", "- or water"]


def test_a_word_longer_than_the_limit_is_cut_inside_it_and_nothing_is_lost() -> None:
    word = "x" * 25
    assert split_markup(word, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_markup(f"`{word}`", 12) == ["`" + "x" * 10 + "`"] * 2 + ["`xxxxx`"]


def test_a_link_is_whole_unless_it_alone_is_over_the_limit() -> None:
    link = "[the docs](https://x.org/d)"
    assert split_markup(f"read {link} today", 30) == ["read", link, "today"]
    parts = split_markup(link, 12)
    assert squash("".join(parts)) == squash("the docs (https://x.org/d)")
    assert all(len(p) <= 12 for p in parts)


def test_entities_are_never_cut_because_the_source_is_split_before_rendering() -> None:
    size: Callable[[str], int] = lambda s: len(to_html(s, bullets_as_list=False))  # noqa: E731
    parts = split_markup("&" * 30, 20, size)
    rendered = [to_html(p, bullets_as_list=False) for p in parts]
    assert all(r == "&amp;" * (len(r) // 5) for r in rendered)
    assert sum(len(r) for r in rendered) == 30 * 5


def test_a_limit_below_one_character_is_refused() -> None:
    with pytest.raises(ValueError):
        split_markup("&", 3, lambda s: len(to_html(s)))
    with pytest.raises(ValueError):
        split_markup("x", 0)
