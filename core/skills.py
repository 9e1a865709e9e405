"""Skill taxonomy and name normalisation (rapidfuzz). Never a silent wrong match."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

Level = Literal["beginner", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")


def skill_key(name: str) -> str:
    """Spelling-insensitive key: "React.js" and "reactjs" meet; "C++" and "C#" stay apart."""
    return re.sub(r"[^a-z0-9+#]", "", name.casefold().replace("&", "and"))


# Words that are also skill aliases somewhere ("go", "r", "c", "art") but in a sentence are
# almost always just words; a skill with such a name is still found as "golang", "r language".
_COMMON = frozenset(
    [
        "a",
        "i",
        "go",
        "r",
        "c",
        "d",
        "do",
        "it",
        "is",
        "in",
        "on",
        "at",
        "to",
        "me",
        "my",
        "be",
        "an",
        "as",
        "or",
        "if",
        "so",
        "no",
        "up",
        "we",
        "us",
        "am",
        "can",
        "will",
        "art",
        "design",
        "data",
        "help",
        "need",
        "want",
        "learn",
        "teach",
        "find",
        "free",
        "now",
        "today",
        "time",
        "work",
        "job",
        "jobs",
        "interview",
        "interviews",
        "mentor",
        "session",
        "call",
        "book",
        "english",
        "hindi",
    ]
)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9+#]+", text.casefold()) if len(w) >= 3]


@dataclass(frozen=True)
class TaxonomyEntry:
    name: str
    category: str
    aliases: tuple[str, ...]


def load_taxonomy() -> tuple[TaxonomyEntry, ...]:
    raw = resources.files("core").joinpath("data/skills.json").read_text(encoding="utf-8")
    return tuple(
        TaxonomyEntry(e["name"], e["category"], tuple(e.get("aliases", ())))
        for e in json.loads(raw)
    )


@dataclass(frozen=True)
class SkillRef:
    id: int
    name: str
    status: str = "approved"


@dataclass(frozen=True)
class SkillMatch:
    skill: SkillRef
    typed: str
    corrected: bool


@dataclass(frozen=True)
class SkillSuggestions:
    typed: str
    options: tuple[SkillRef, ...]


@dataclass(frozen=True)
class SkillUnknown:
    typed: str


SkillResult = SkillMatch | SkillSuggestions | SkillUnknown


def _max_typos(length: int) -> int:
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    return 2


class SkillIndex:
    """In-memory lookup over skill names and aliases, rebuilt when skills change."""

    def __init__(self, skills: list[tuple[SkillRef, tuple[str, ...]]]) -> None:
        self._by_key: dict[str, SkillRef] = {}
        self._keys: list[str] = []
        self._owner: list[SkillRef] = []
        self._anagrams: dict[str, list[tuple[str, SkillRef]]] = {}
        self.by_id: dict[int, SkillRef] = {}
        for ref, aliases in skills:
            self.by_id[ref.id] = ref
            for label in (ref.name, *aliases):
                key = skill_key(label)
                if not key or key in self._by_key:
                    continue
                self._by_key[key] = ref
                self._keys.append(key)
                self._owner.append(ref)
                if 5 <= len(key) < 7 and " " not in key:
                    self._anagrams.setdefault("".join(sorted(key)), []).append((key, ref))

    def __len__(self) -> int:
        return len(self.by_id)

    def exact(self, typed: str) -> SkillRef | None:
        return self._by_key.get(skill_key(typed))

    def resolve(self, typed: str) -> SkillResult:
        typed = typed.strip()
        key = skill_key(typed)
        if not key:
            return SkillUnknown(typed)
        hit = self._by_key.get(key)
        if hit is not None:
            return SkillMatch(hit, typed, corrected=False)
        # Typos: accept one clear nearest neighbour by edit distance (transpositions count 1).
        limit = _max_typos(len(key))
        if limit:
            near = process.extract(
                key, self._keys, scorer=OSA.distance, score_cutoff=limit + 1, limit=8
            )
            best: dict[int, int] = {}
            for _k, dist, idx in near:
                ref = self._owner[idx]
                best[ref.id] = min(best.get(ref.id, 99), int(dist))
            ranked = sorted(best.items(), key=lambda kv: kv[1])
            if ranked and ranked[0][1] <= limit:
                top = ranked[0][1]
                if len([1 for _, d in ranked if d == top]) == 1:
                    return SkillMatch(self.by_id[ranked[0][0]], typed, corrected=True)
        options = self.suggest(typed)
        return SkillSuggestions(typed, options) if options else SkillUnknown(typed)

    def find_in(self, text: str, max_words: int = 4) -> list[SkillRef]:
        """The skills a sentence names ("need help in excel urgently" -> Excel): its word runs
        that are a skill's name or alias, longest first, and single long words one clear typo
        away from one ("javascrpt"). Common words are never read as skills."""
        words = re.findall(r"[a-z0-9+#.]+", text.casefold())
        found: list[SkillRef] = []
        used = [False] * len(words)
        for n in range(min(max_words, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                if any(used[i : i + n]):
                    continue
                run = " ".join(words[i : i + n]).strip(".")
                if all(w in _COMMON for w in words[i : i + n]):
                    continue  # "go", and "i am" (not IAM) in a sentence are just words
                hit = self._by_key.get(skill_key(run))
                if hit is None and n == 1 and len(run) >= 7:
                    res = self.resolve(run)
                    hit = res.skill if isinstance(res, SkillMatch) else None
                if hit is None and n == 1 and 5 <= len(run) < 7:
                    hit = self._swapped(run)
                if hit is not None:
                    used[i : i + n] = [True] * n
                    if hit not in found:
                        found.append(hit)
        return found

    def _swapped(self, word: str) -> SkillRef | None:
        """The one-word skill a shorter word is two neighbouring letters swapped from
        ("pyhton" -> Python): a slip, not a different word, so it is safe from 5 letters."""
        for key, ref in self._anagrams.get("".join(sorted(word)), ()):
            if key != word and OSA.distance(key, word) == 1:
                return ref
        return None

    def names_in(self, text: str) -> list[str]:
        """The names of the skills a sentence names (the plain-words reader's finder)."""
        return [s.name for s in self.find_in(text)]

    def suggest(self, typed: str, limit: int = 4) -> tuple[SkillRef, ...]:
        key = skill_key(typed)
        found = process.extract(key, self._keys, scorer=fuzz.WRatio, score_cutoff=72, limit=24)
        seen: list[SkillRef] = []
        words = _words(typed)
        for k, _score, idx in found:
            ref = self._owner[idx]
            # WRatio rates partial overlaps highly ("hello" ~ "powershell"), so a hit must also
            # be close as a whole, share a close word, or start with what was typed.
            if not (
                fuzz.ratio(key, k) >= 60
                or any(fuzz.ratio(w, nw) >= 85 for w in words for nw in _words(ref.name))
                or (len(key) >= 3 and k.startswith(key))
            ):
                continue
            if ref not in seen:
                seen.append(ref)
            if len(seen) == limit:
                break
        return tuple(seen)


def parse_level(text: str) -> Level | None:
    t = text.strip().casefold()
    table: dict[str, Level] = {
        "b": "beginner",
        "beg": "beginner",
        "beginner": "beginner",
        "basic": "beginner",
        "new": "beginner",
        "novice": "beginner",
        "1": "beginner",
        "i": "intermediate",
        "int": "intermediate",
        "intermediate": "intermediate",
        "mid": "intermediate",
        "medium": "intermediate",
        "2": "intermediate",
        "a": "advanced",
        "adv": "advanced",
        "advanced": "advanced",
        "expert": "advanced",
        "pro": "advanced",
        "3": "advanced",
    }
    return table.get(t)


@dataclass(frozen=True)
class TypedSkill:
    name: str
    level: Level | None


def split_skill_list(text: str) -> tuple[list[TypedSkill], list[str]]:
    """ "python: advanced, react (beginner), DSA" -> names with optional levels, plus errors."""
    items: list[TypedSkill] = []
    errors: list[str] = []
    for part in re.split(r"[,;\n]+", text):
        part = part.strip()
        if not part:
            continue
        level: Level | None = None
        m = re.match(r"^(.*?)\s*(?:[:\-–]\s*|\()\s*([A-Za-z0-9]+)\s*\)?$", part)
        if m and parse_level(m.group(2)) is not None and m.group(1).strip():
            part, level = m.group(1).strip(), parse_level(m.group(2))
        elif m and m.group(1).strip() and ":" in part:
            errors.append(
                f"'{m.group(2)}' isn't a level I know: use beginner, intermediate or advanced."
            )
            part = m.group(1).strip()
        if len(part) > 60:
            errors.append(f"'{part[:30]}…' is too long for a skill name.")
            continue
        items.append(TypedSkill(part, level))
    return items, errors
