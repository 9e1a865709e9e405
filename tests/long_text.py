"""A reply of about 12,000 characters for the adapters' split tests: paragraphs, a bullet
list, a line of 4,300 characters with bold and code spans inside, a bold span of 3,500
characters (a cut by length lands inside it on every platform) and a word of 2,100."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from core.markup import esc, to_plain


def long_reply_text() -> str:
    paragraphs = [
        "\n".join(f"Paragraph {p} line {i}: " + " ".join(["words"] * 8) for i in range(6))
        for p in range(4)
    ]
    paragraphs.append("\n".join(f"- *item {i}* with `code {i}` & more" for i in range(20)))
    one_line = " ".join(
        f"*bold {i} and on*" if i % 7 == 0 else (f"`c{i}`" if i % 11 == 0 else f"w{i:04d}")
        for i in range(560)
    )
    paragraphs.append(one_line)
    paragraphs.append("*" + " ".join(f"b{i:03d}" for i in range(700)) + "*")
    paragraphs.append("z" * 2100)
    text = "\n\n".join(paragraphs)
    assert 10_000 <= len(text) <= 13_000 and max(len(line) for line in text.split("\n")) > 4096
    return text


def letters(text: str) -> str:
    """What the reader sees, without whitespace, bullets or the platforms' markup signs."""
    return re.sub(r"[\s*_`•]|^- ", "", text, flags=re.MULTILINE)


def sent_in_full(received: list[str], text: str) -> bool:
    return letters("\n".join(received)) == letters(to_plain(text))


# Markup of every kind the splitter must keep whole: words, specials, long words, spans.
WORDS = st.one_of(
    st.text(alphabet="abcdefghij", min_size=1, max_size=12),
    st.text(alphabet="xyz&<>*_`[]()\\é😀", min_size=1, max_size=6),
    st.text(alphabet="w", min_size=30, max_size=400),
    st.sampled_from(["*bold words*", "_in italics_", "`a < b`", "[the docs](https://x.org/d)"]),
    st.builds(lambda w: f"*{esc(w)} {esc(w)}*", st.text(alphabet="kl*_", min_size=1, max_size=50)),
)
LINES = st.builds(
    lambda bullet, ws: ("- " if bullet else "") + " ".join(ws),
    st.booleans(),
    st.lists(WORDS, max_size=25),
)


def markup_texts(max_repeat: int = 1) -> st.SearchStrategy[str]:
    """Texts of up to 20 lines, repeated up to max_repeat times (past a platform's limit)."""
    return st.builds(
        lambda lines, k: "\n".join(lines * k),
        st.lists(LINES, min_size=1, max_size=20),
        st.integers(1, max_repeat),
    )
