"""`mentorbot eval dialog`: how well the plain-words readers (core.understand) read a labelled
set of messages, per dialog step. The labels say what the person means; the figures say how
far the readers are from it, so the rules are improved against measurements, not hopes.

Steps of the set (core/understand/data/dialog_eval.jsonl, one JSON object a line):
  first  — a free-standing message: "intent", and for find/teach "rest_skills"
  any    — a message sent in the middle of a question: "control" (a word that always works)
  name   — the answer to "what's your name?": "name"
  skills — the answer to "which skills?": "skills", a list of [name, level-or-null]
The rules are tuned on that set, so its figures are optimistic; the held-out set
(core/understand/data/dialog_holdout.jsonl, same format, written apart from the rules) gives the
honest ones: `mentorbot eval dialog --file core/understand/data/dialog_holdout.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from core.skills import LEVELS, SkillIndex, SkillMatch, SkillRef, TypedSkill, load_taxonomy
from core.understand.intents import Control, Intent, Reading, control_word, read_intent
from core.understand.slots import read_name, read_skills

STEPS = ("first", "any", "name", "skills")
INTENTS: tuple[str, ...] = get_args(Intent)
CONTROLS: tuple[str, ...] = get_args(Control)
ABOUT_SKILLS = ("find", "teach")  # the intents whose `rest` names skills
DATA = "data/dialog_eval.jsonl"


class DataError(ValueError):
    """A line of the labelled set that cannot be evaluated, with its line number."""


@dataclass(frozen=True)
class Example:
    line: int
    step: str
    text: str
    labels: dict[str, Any]
    note: str = ""


def _check(line: int, obj: Any) -> Example:
    def fail(why: str) -> DataError:
        return DataError(f"line {line}: {why}")

    if not isinstance(obj, dict):
        raise fail("not a JSON object")
    step, text, note = obj.get("step"), obj.get("text"), obj.get("note", "")
    if step not in STEPS:
        raise fail(f"step must be one of {', '.join(STEPS)}")
    if not isinstance(text, str) or not text.strip():
        raise fail("text must be a non-empty string")
    if not isinstance(note, str):
        raise fail("note must be a string")
    labels = {k: v for k, v in obj.items() if k not in ("step", "text", "note")}
    if step == "first":
        if labels.get("intent") not in INTENTS:
            raise fail(f"intent must be one of {', '.join(INTENTS)}")
        if labels["intent"] in ABOUT_SKILLS:
            skills = labels.get("rest_skills")
            if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
                raise fail("find/teach need rest_skills: a list of skill names")
        elif "rest_skills" in labels:
            raise fail("rest_skills belongs to find/teach only")
    elif step == "any":
        if "control" not in labels or labels["control"] not in (*CONTROLS, None):
            raise fail(f"control must be one of {', '.join(CONTROLS)} or null")
    elif step == "name":
        if "name" not in labels or not isinstance(labels["name"], str | None):
            raise fail("name must be a string or null")
    else:
        skills = labels.get("skills")
        ok = isinstance(skills, list) and all(
            isinstance(s, list)
            and len(s) == 2
            and isinstance(s[0], str)
            and s[0].strip()
            and s[1] in (*LEVELS, None)
            for s in skills
        )
        if not ok:
            raise fail("skills must be a list of [name, beginner|intermediate|advanced|null]")
    return Example(line, step, text, labels, note)


def default_path() -> Path:
    return Path(str(resources.files("core.understand").joinpath(DATA)))


def load_examples(path: Path | None = None) -> list[Example]:
    """Every line of the set, checked; a bad line is refused with its number."""
    out: list[Example] = []
    with (path or default_path()).open(encoding="utf-8") as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(f"line {n}: not JSON ({exc.msg})") from None
            out.append(_check(n, obj))
    return out


# ---- figures ---------------------------------------------------------------------------


@dataclass
class PRF:
    """Micro-averaged precision/recall over items. With nothing predicted precision is 1
    (no wrong claim was made); with nothing labelled recall is 1 (nothing was missed)."""

    tp: int = 0
    predicted: int = 0
    labelled: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: Iterable[Hashable], labelled: Iterable[Hashable]) -> None:
        """One item: a multiset match, so a skill named twice counts twice."""
        got, want = Counter(predicted), Counter(labelled)
        self.tp += sum((got & want).values())
        self.predicted += sum(got.values())
        self.labelled += sum(want.values())


def prf(items: Iterable[tuple[Iterable[Hashable], Iterable[Hashable]]]) -> PRF:
    """PRF over (predicted, labelled) pairs of collections."""
    acc = PRF()
    for got, want in items:
        acc.add(got, want)
    return acc


def skill_namer() -> Callable[[str], str]:
    """A skill's name as the catalogue calls it, lower case: "DSA" -> "data structures &
    algorithms", "pyhton" -> "python" (one clear correction, as the dialogs accept). A name
    the catalogue does not know stays as typed, casefolded and stripped."""
    index = _catalogue()

    def canon(name: str) -> str:
        hit = index.resolve(name)
        return hit.skill.name.casefold() if isinstance(hit, SkillMatch) else name.strip().casefold()

    return canon


def is_catalogue_skill() -> Callable[[str], bool]:
    index = _catalogue()
    return lambda name: index.exact(name) is not None


def _catalogue() -> SkillIndex:
    return SkillIndex([(SkillRef(i, e.name), e.aliases) for i, e in enumerate(load_taxonomy())])


@dataclass(frozen=True)
class Misreading:
    step: str
    text: str
    expected: str
    got: str
    note: str = ""


@dataclass
class Report:
    figures: list[tuple[str, str]] = field(default_factory=list)
    errors: dict[str, list[Misreading]] = field(default_factory=dict)
    # first messages read as another intent: (labelled, read) -> how many
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    def put(self, name: str, value: str) -> None:
        self.figures.append((name, value))

    def value(self, name: str) -> str:
        return next(v for n, v in self.figures if n == name)


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.4f} ({num}/{den})" if den else "n/a (0/0)"


def _prf_lines(report: Report, prefix: str, acc: PRF) -> None:
    report.put(f"{prefix}.precision", f"{acc.precision:.4f} ({acc.tp}/{acc.predicted})")
    report.put(f"{prefix}.recall", f"{acc.recall:.4f} ({acc.tp}/{acc.labelled})")
    report.put(f"{prefix}.f1", f"{acc.f1:.4f}")


@dataclass(frozen=True)
class Readers:
    """The readers under measurement; `real()` is core.understand with the skill catalogue."""

    intent: Callable[[str], Reading]
    control: Callable[[str], str | None]
    name: Callable[[str], str | None]
    skills: Callable[[str], list[TypedSkill]]
    canon: Callable[[str], str]  # a skill's name as the catalogue calls it
    # The skills /find's query understanding takes from a search: what a find actually uses.
    find_query: Callable[[str], list[str]]

    @classmethod
    def real(cls, model: str = "minilm") -> Readers:
        """`model`: "minilm" compares with the labelled examples by meaning, as the server
        does (matching's MiniLM, from its package); "tfidf" as tests and a server without
        MiniLM do."""
        from core.understand.nearest import use_encoder
        from matching.query import understand

        if model == "minilm":
            from matching.embed import MiniLMEmbedder

            use_encoder(MiniLMEmbedder().encode)
        else:
            use_encoder(None)
        index = _catalogue()
        now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the reading of skills is timeless
        return cls(
            lambda text: read_intent(text, index.names_in),
            control_word,
            read_name,
            lambda text: read_skills(text, is_skill=lambda n: index.exact(n) is not None),
            skill_namer(),
            lambda text: list(understand(text, index, None, now).skill_names),
        )


def evaluate(
    examples: Sequence[Example], readers: Readers | None = None, model: str = "minilm"
) -> Report:
    """Run every reader on its step's messages and compute the figures, in a stable order."""
    r = readers or Readers.real(model)
    canon = r.canon
    report = Report(errors={s: [] for s in STEPS})
    by_step = {s: [e for e in examples if e.step == s] for s in STEPS}

    # first: what a free-standing message asks for, and the skills it is about.
    first = by_step["first"]
    right = wrong_first = asked = 0
    per_intent = {i: PRF() for i in INTENTS}
    slots, query = PRF(), PRF()
    for e in first:
        want = e.labels["intent"]
        reading = r.intent(e.text)
        got = reading.intent
        right += got == want
        # A guess the dialog asks about first ("Shall I find a mentor for …?") is no action.
        asked += not reading.sure
        wrong_first += got != want and got != "unknown" and reading.sure
        for i in INTENTS:
            per_intent[i].add([i] if got == i else [], [i] if want == i else [])
        if got != want:
            report.confusions[(want, got)] += 1
        got_skills: list[str] = []
        searched: list[str] = []
        slot_miss = False
        if want in ABOUT_SKILLS:
            # The catalogue's skills the reader found, where it finds them (what a teach
            # offer prefills); otherwise the rest read as a skills answer.
            if reading.skills:
                got_skills = [canon(n) for n in reading.skills]
            else:
                got_skills = [canon(s.name) for s in r.skills(reading.rest)] if reading.rest else []
            want_skills = [canon(s) for s in e.labels["rest_skills"]]
            slots.add(got_skills, want_skills)
            slot_miss = Counter(got_skills) != Counter(want_skills)
        if want == "find":
            # The find dialog searches the reading's rest, or the whole message without one.
            if got == "find":
                searched = [canon(n) for n in r.find_query(reading.rest or e.text)]
            query.add(searched, want_skills)
            slot_miss = slot_miss or Counter(searched) != Counter(want_skills)
        if got != want or slot_miss:
            expected = want + (f" {e.labels['rest_skills']}" if want in ABOUT_SKILLS else "")
            shown = f"{got} rest={reading.rest!r}"
            if want in ABOUT_SKILLS:
                shown += f" skills={got_skills}"
            if want == "find":
                shown += f" find_query={searched}"
            report.errors["first"].append(Misreading("first", e.text, expected, shown, e.note))
    report.put("first.count", str(len(first)))
    report.put("first.intent_accuracy", _ratio(right, len(first)))
    for i in INTENTS:
        acc = per_intent[i]
        report.put(f"first.intent.{i}.precision", f"{acc.precision:.4f} ({acc.tp}/{acc.predicted})")
        report.put(f"first.intent.{i}.recall", f"{acc.recall:.4f} ({acc.tp}/{acc.labelled})")
    _prf_lines(report, "first.rest_skills", slots)
    _prf_lines(report, "first.find_query_skills", query)
    report.put("first.asked_before_acting", str(asked))
    report.put("first.wrong_actions", str(wrong_first))

    # any: the words that always work, and the real answers that must not be taken for them.
    anys = by_step["any"]
    right = wrong_any = missed = 0
    for e in anys:
        want_c, got_c = e.labels["control"], r.control(e.text)
        right += got_c == want_c
        wrong_any += got_c is not None and got_c != want_c
        missed += want_c is not None and got_c is None
        if got_c != want_c:
            report.errors["any"].append(Misreading("any", e.text, str(want_c), str(got_c), e.note))
    report.put("any.count", str(len(anys)))
    report.put("any.control_accuracy", _ratio(right, len(anys)))
    report.put("any.wrong_actions", str(wrong_any))
    report.put("any.missed_controls", str(missed))

    # name: the answer to "what's your name?"
    names = by_step["name"]
    right = wrong_names = missed = 0
    for e in names:
        want_n, got_n = e.labels["name"], r.name(e.text)
        # Capitals are how a name is shown ("ananya" is kept as "Ananya"), not what it is.
        same = (got_n or "").casefold() == (want_n or "").casefold() and (
            (got_n is None) == (want_n is None)
        )
        right += same
        wrong_names += got_n is not None and not same
        missed += want_n is not None and got_n is None
        if not same:
            report.errors["name"].append(
                Misreading("name", e.text, repr(want_n), repr(got_n), e.note)
            )
    report.put("name.count", str(len(names)))
    report.put("name.accuracy", _ratio(right, len(names)))
    report.put("name.wrong_names", str(wrong_names))
    report.put("name.missed_names", str(missed))

    # skills: names with levels from one answer.
    skills = by_step["skills"]
    pairs, bare = PRF(), PRF()
    for e in skills:
        got_pairs = [(canon(s.name), s.level) for s in r.skills(e.text)]
        want_pairs = [(canon(n), lvl) for n, lvl in e.labels["skills"]]
        pairs.add(got_pairs, want_pairs)
        bare.add([n for n, _ in got_pairs], [n for n, _ in want_pairs])
        if Counter(got_pairs) != Counter(want_pairs):
            report.errors["skills"].append(
                Misreading("skills", e.text, _pairs(want_pairs), _pairs(got_pairs), e.note)
            )
    report.put("skills.count", str(len(skills)))
    _prf_lines(report, "skills.pairs", pairs)
    _prf_lines(report, "skills.names", bare)

    # Unknown asks again, which is safe; any other wrong reading acts without asking.
    report.put("overall.wrong_actions_without_confirmation", str(wrong_first + wrong_any))
    return report


def _pairs(pairs: Sequence[tuple[str, str | None]]) -> str:
    return "[" + ", ".join(f"{n}:{lvl}" if lvl else n for n, lvl in pairs) + "]"


def format_report(report: Report, show_errors: int = 0) -> str:
    width = max(len(n) for n, _ in report.figures)
    lines = [f"{n:<{width}}  {v}" for n, v in report.figures]
    if show_errors > 0:
        lines.append("")
        lines.append(f"intent confusions in first (labelled -> read): {report.confusions.total()}")
        for (want, got), n in sorted(report.confusions.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {want} -> {got}: {n}")
        for step in STEPS:
            errs = report.errors.get(step, [])
            lines.append("")
            lines.append(
                f"misreadings in {step}: {len(errs)} (showing {min(len(errs), show_errors)})"
            )
            for m in errs[:show_errors]:
                note = f"   # {m.note}" if m.note else ""
                lines.append(f"  {m.text!r}: expected {m.expected}, got {m.got}{note}")
    return "\n".join(lines)


def add_command(esub: Any) -> None:
    d = esub.add_parser("dialog", help="how the plain-words readers read a labelled set, per step")
    d.add_argument("--file", type=Path, default=None, help="a labelled set (JSON lines)")
    d.add_argument(
        "--show-errors", type=int, default=0, metavar="N", help="list N misreadings per step"
    )
    d.add_argument(
        "--model",
        choices=("minilm", "tfidf"),
        default="minilm",
        help="how messages are compared with the labelled examples (default: minilm, as served)",
    )


def run(args: argparse.Namespace) -> None:
    try:
        examples = load_examples(args.file)
    except OSError as exc:
        sys.exit(f"Can't read the labelled set: {exc.strerror} ({exc.filename}).")
    except DataError as exc:
        sys.exit(f"The labelled set has a bad line: {exc}")
    from core.understand.nearest import use_encoder

    started = time.perf_counter()
    try:
        report = evaluate(examples, model=args.model)
    finally:
        use_encoder(None)  # the reading goes back to how it was (in-process callers, tests)
    print(format_report(report, max(0, args.show_errors)))
    spent = time.perf_counter() - started
    print(f"(model {args.model}: {spent:.1f} s in all, the model's load included)", file=sys.stderr)
