"""A reply of about 12,000 characters for the adapters' split tests: paragraphs, a bullet
list, a line of 4,300 characters with bold and code spans inside, a bold span of 3,500
characters (a cut by length lands inside it on every platform) and a word of 2,100."""

from __future__ import annotations

import re

from core.markup import to_plain


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
