"""Spoken languages: a small catalogue shipped as data, and a forgiving parser for lists of them."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

ACCEPT_SIMILARITY = 0.8
SUGGEST_SIMILARITY = 0.6
ACCEPT_MARGIN = 0.1
MIN_FUZZY_LEN = 4
MAX_SUGGESTIONS = 3

_SEPARATORS = re.compile(r"\s*(?:,|;|/|&|\+|\band\b|\bor\b|\n)\s*", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Language:
    code: str
    name: str


@dataclass(frozen=True)
class LanguageParse:
    found: tuple[Language, ...]
    unknown: tuple[str, ...]
    suggestions: dict[str, tuple[Language, ...]] = field(default_factory=dict)


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", decomposed).split())


@dataclass(frozen=True)
class _Catalogue:
    by_code: dict[str, Language]
    by_alias: dict[str, Language]
    ordered: tuple[Language, ...]


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    raw = resources.files("core").joinpath("data/languages.json").read_text(encoding="utf-8")
    by_code: dict[str, Language] = {}
    by_alias: dict[str, Language] = {}
    for item in json.loads(raw):
        lang = Language(str(item["code"]), str(item["name"]))
        by_code[lang.code] = lang
        for alias in (lang.name, lang.code, *item.get("aliases", ())):
            by_alias.setdefault(_key(str(alias)), lang)
    return _Catalogue(by_code, by_alias, tuple(by_code.values()))


def all_languages() -> tuple[Language, ...]:
    return _catalogue().ordered


def language_by_code(code: str) -> Language | None:
    return _catalogue().by_code.get(code)


def _fuzzy(key: str) -> tuple[Language | None, tuple[Language, ...]]:
    """(accepted, suggestions): accept only a clear winner, otherwise offer choices."""
    if len(key) < MIN_FUZZY_LEN:
        return None, ()
    cat = _catalogue()
    # Two-letter codes would match almost anything; only names and longer aliases compete.
    aliases = [a for a in cat.by_alias if len(a) >= 3]
    hits = process.extract(
        key, aliases, scorer=OSA.normalized_similarity, limit=20, score_cutoff=SUGGEST_SIMILARITY
    )
    best: dict[Language, float] = {}
    for alias, score, _ in hits:
        lang = cat.by_alias[alias]
        best[lang] = max(score, best.get(lang, 0.0))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None, ()
    top, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score >= ACCEPT_SIMILARITY and score - runner_up >= ACCEPT_MARGIN:
        return top, ()
    return None, tuple(lang for lang, _ in ranked[:MAX_SUGGESTIONS])


def _pieces(text: str) -> list[str]:
    """Split on list separators; "english hindi" (spaces only) splits into words too."""
    cat = _catalogue()
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        words = part.split()
        if len(words) > 1 and _key(part) not in cat.by_alias:
            out.extend(words)
        else:
            out.append(part)
    return out


def parse_languages(text: str) -> LanguageParse:
    cat = _catalogue()
    found: list[Language] = []
    unknown: list[str] = []
    suggestions: dict[str, tuple[Language, ...]] = {}
    for piece in _pieces(text):
        key = _key(piece)
        if not key:
            continue
        lang = cat.by_alias.get(key)
        if lang is None:
            lang, options = _fuzzy(key)
            if lang is None:
                unknown.append(piece)
                if options:
                    suggestions[piece] = options
                continue
        if lang not in found:
            found.append(lang)
    return LanguageParse(tuple(found), tuple(unknown), suggestions)
