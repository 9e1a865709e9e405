"""Forms: a dialog declared as one form, for surfaces where a form reads better than steps.

A `Form` is neutral data (like `Reply`): adapters that have forms (Slack modals) render it
and send back the typed values; platforms without forms keep the step dialog. Every field
is checked by the same parser the step dialog uses (`validator`), so a value accepted in
one is accepted in the other, with the same "did you mean" answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

from core.messaging import Reply
from core.payloads import Payload

if TYPE_CHECKING:
    from core.policies import Policies
    from core.skills import SkillIndex

FieldKind: TypeAlias = Literal["text", "long_text", "select", "multi_select"]
FormValues: TypeAlias = Mapping[str, "str | Sequence[str] | None"]

# The longest error one field gets (Slack shows it under the input; keep it readable).
MAX_ERROR = 300
REQUIRED = "Please fill this in."


@dataclass(frozen=True)
class Invalid:
    """A value a parser refused, with the hint the person sees."""

    message: str


@dataclass(frozen=True)
class FieldEnv:
    """What field parsers may consult: the skill index and the policies. Nothing else."""

    skills: SkillIndex
    policies: Policies


# A parser: typed text -> the parsed value, or Invalid with a hint.
Validator: TypeAlias = Callable[[FieldEnv, str], object]


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    kind: FieldKind = "text"
    options: tuple[Option, ...] = ()
    optional: bool = False
    initial: str | tuple[str, ...] = ""
    max_length: int = 0  # 0: no limit beyond the surface's own
    hint: str = ""
    placeholder: str = ""
    validator: Validator | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    submit: str
    intro: str
    fields: tuple[FormField, ...]

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class FormRef(Payload, prefix="form"):
    """Names a form in a button or a modal's callback id (the central payload codec)."""

    name: str


@dataclass(frozen=True)
class FormOutcome:
    """A submission: per-field errors (nothing saved), or the replies after saving."""

    errors: Mapping[str, str]
    replies: tuple[Reply, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _text_of(f: FormField, raw: str | Sequence[str] | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    return ", ".join(v.strip() for v in raw if v.strip())


def _clip(message: str) -> str:
    return message if len(message) <= MAX_ERROR else message[: MAX_ERROR - 1] + "…"


def validate(
    env: FieldEnv, form: Form, values: FormValues
) -> tuple[dict[str, object], dict[str, str]]:
    """Every field of a submission through its parser: (parsed values, errors by field key).

    An empty optional field parses to None. A select must name one of its options.
    """
    parsed: dict[str, object] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        raw = values.get(f.key)
        text = _text_of(f, raw)
        if not text:
            if f.optional:
                parsed[f.key] = None
            else:
                errors[f.key] = REQUIRED
            continue
        if f.max_length and len(text) > f.max_length:
            errors[f.key] = f"At most {f.max_length} characters (that was {len(text)})."
            continue
        if f.kind in ("select", "multi_select"):
            chosen = [text] if isinstance(raw, str) else [v for v in raw or () if v.strip()]
            allowed = {o.value for o in f.options}
            if any(c not in allowed for c in chosen):
                errors[f.key] = "Please choose from the list."
                continue
        if f.validator is None:
            parsed[f.key] = text
            continue
        result = f.validator(env, text)
        if isinstance(result, Invalid):
            errors[f.key] = _clip(result.message)
        else:
            parsed[f.key] = result
    return parsed, errors
