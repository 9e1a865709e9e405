"""Shared skill-list steps: resolve typed names, ask "did you mean", then levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.dialogs.engine import Ctx
from core.dialogs.fields import read_skill_list
from core.markup import esc, quote
from core.messaging import JSON, Button, Choice, Choices, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.skills import LEVELS, SkillMatch, SkillSuggestions


@dataclass(frozen=True)
class Pick(Payload, prefix="sk"):
    """A skill-resolution answer: pick a suggestion, keep as new tag, skip, or set a level."""

    what: str  # id | new | skip | lvl
    value: str


def _put(ctx: Ctx, key: str, items: Sequence[JSON]) -> None:
    ctx.data[key] = list(items)


def _pairs(ctx: Ctx) -> list[list[JSON]]:
    raw = ctx.data.get("sk_ok")
    return [list(x) for x in raw if isinstance(x, list)] if isinstance(raw, list) else []


def _pending(ctx: Ctx) -> list[str]:
    raw = ctx.data.get("sk_pending")
    return [x for x in raw if isinstance(x, str)] if isinstance(raw, list) else []


def begin(ctx: Ctx, text: str) -> list[str]:
    """Parse a typed list into resolved pairs and pending names; returns error hints."""
    got = read_skill_list(ctx.deps.catalog.index, text)
    _put(ctx, "sk_ok", [[sid, name, lvl] for sid, name, lvl in got.found])
    _put(ctx, "sk_pending", [f"{name}|{lvl or ''}" for name, lvl in got.unresolved])
    _put(ctx, "sk_notes", list(got.corrections))
    return list(got.errors)


def has_pending(ctx: Ctx) -> bool:
    return bool(_pending(ctx))


def missing_levels(ctx: Ctx) -> list[str]:
    return [str(p[1]) for p in _pairs(ctx) if not p[2]]


def resolved(ctx: Ctx) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for p in _pairs(ctx):
        if isinstance(p[0], int) and isinstance(p[1], str):
            out.append((p[0], p[1], str(p[2] or "beginner")))
    return out


def notes(ctx: Ctx) -> list[str]:
    raw = ctx.data.get("sk_notes")
    return [x for x in raw if isinstance(x, str)] if isinstance(raw, list) else []


def pick_prompt(ctx: Ctx) -> Reply:
    typed, _, _lvl = _pending(ctx)[0].partition("|")
    res = ctx.deps.catalog.index.resolve(typed)
    options = res.options if isinstance(res, SkillSuggestions) else ()
    text = (
        f"I don't know the skill {quote(typed)} exactly."
        + (" Did you mean one of these?" if options else "")
        + " You can also type it differently, keep it as a new skill, or skip it."
    )
    buttons = [Button(o.name, Pick("id", str(o.id)).pack()) for o in options]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append(
        (
            Button(f"Keep “{typed[:20]}” as new", Pick("new", "1").pack()),
            Button("Skip it", Pick("skip", "1").pack()),
        )
    )
    return Reply(text, buttons=tuple(rows))


async def pick_answer(ctx: Ctx, payload: Pick | None, text: str | None) -> str | None:
    """Apply an answer to the first pending name; returns an error hint or None."""
    pending = _pending(ctx)
    if not pending:
        return None
    typed, _, lvl = pending[0].partition("|")
    level = lvl or None
    ok = _pairs(ctx)
    if payload is not None:
        skill_id = as_int(payload.value) if payload.what == "id" else None
        if skill_id is not None:
            ref = ctx.deps.catalog.index.by_id.get(skill_id)
            if ref is None:
                return "That skill isn't available any more — pick another."
            ok.append([ref.id, ref.name, level])
        elif payload.what == "new":
            ref = await ctx.deps.catalog.add_tag(
                ctx.session, typed, ctx.user.id, ctx.now, ctx.events
            )
            ok.append([ref.id, ref.name, level])
            _put(
                ctx,
                "sk_notes",
                [*notes(ctx), f"“{esc(ref.name)}” added as a new skill (admins will review it)"],
            )
        elif payload.what != "skip":
            return "Please use one of the buttons, or type the skill name again."
    elif text:
        res = ctx.deps.catalog.index.resolve(text)
        if isinstance(res, SkillMatch):
            ok.append([res.skill.id, res.skill.name, level])
        else:
            pending[0] = f"{text}|{lvl}"
            _put(ctx, "sk_pending", pending)
            return f"I still don't recognise {quote(text)}."
    else:
        return "Please pick one of the options."
    _put(ctx, "sk_ok", ok)
    _put(ctx, "sk_pending", pending[1:])
    return None


def level_prompt(ctx: Ctx, kind: str) -> Reply:
    names = ", ".join(esc(n) for n in missing_levels(ctx))
    question = (
        f"What's your level in {names}?"
        if kind == "learn"
        else f"At what level can you teach {names}?"
    )
    return Reply(
        question + " (One answer for all; write e.g. “python: advanced” later to be precise.)",
        buttons=(tuple(Button(lv.capitalize(), Pick("lvl", lv).pack()) for lv in LEVELS),),
    )


def level_answer(ctx: Ctx, level: str) -> None:
    _put(ctx, "sk_ok", [[p[0], p[1], p[2] or level] for p in _pairs(ctx)])


def choices_from(refs: list[tuple[int, str]], placeholder: str, what: str) -> Choices:
    return Choices(placeholder, tuple(Choice(name, Pick(what, str(i)).pack()) for i, name in refs))
