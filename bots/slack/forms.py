"""core.forms.Form -> a Slack modal (input blocks), and a view_submission back to values.

Each field is one input block whose block_id is the field key, so core's per-field errors
go straight back as `response_action: "errors"` and the person keeps what they typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bots.slack.inbound import FIND_BLOCK, FIND_VIEW, MAX_QUERY, VALUE
from bots.slack.render import plain, to_mrkdwn
from core.forms import Form, FormField, FormRef
from core.markup import to_plain

# Slack's limits for modals and input blocks (docs.slack.dev/reference/views/modal-views,
# block-kit input block and elements).
MAX_MODAL_BLOCKS = 100
MAX_MODAL_TITLE = 24  # title, submit and close
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000  # plain_text_input max_length
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_BLOCK_ID = 255
MAX_CALLBACK_ID = 255
MAX_SECTION_TEXT = 3000
FIND_EMPTY = "Type a skill or a question, e.g. react hooks."

View = dict[str, Any]


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _element(f: FormField) -> dict[str, Any]:
    el: dict[str, Any]
    if f.kind in ("text", "long_text"):
        el = {"type": "plain_text_input", "action_id": VALUE, "multiline": f.kind == "long_text"}
        limit = min(f.max_length or MAX_INPUT_LENGTH, MAX_INPUT_LENGTH)
        el["max_length"] = limit
        initial = f.initial if isinstance(f.initial, str) else ", ".join(f.initial)
        if initial:
            el["initial_value"] = initial[:limit]
    else:
        options = [_option(o.label, o.value) for o in f.options[:MAX_OPTIONS]]
        chosen = (f.initial,) if isinstance(f.initial, str) else f.initial
        picked = [o for o in options if o["value"] in chosen]
        el = {"action_id": VALUE, "options": options}
        if f.kind == "select":
            el["type"] = "static_select"
            if picked:
                el["initial_option"] = picked[0]
        else:
            el["type"] = "multi_static_select"
            if picked:
                el["initial_options"] = picked
    if f.placeholder:
        el["placeholder"] = plain(to_plain(f.placeholder), MAX_PLACEHOLDER)
    return el


def form_view(form: Form, public_url: str = "") -> View:
    """The modal for views.open; callback_id names the form through the payload codec."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        text = to_mrkdwn(form.intro, public_url)[:MAX_SECTION_TEXT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    for f in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f.key[:MAX_BLOCK_ID],
            "label": plain(to_plain(f.label), MAX_LABEL),
            "element": _element(f),
            "optional": f.optional,
        }
        if f.hint:
            block["hint"] = plain(to_plain(f.hint), MAX_HINT)
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": FormRef(form.name).pack(),
        "title": plain(form.title, MAX_MODAL_TITLE),
        "submit": plain(form.submit, MAX_MODAL_TITLE),
        "close": plain("Cancel", MAX_MODAL_TITLE),
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def find_view(query: str = "") -> View:
    """The find modal of the shortcuts: one line for what to learn, maybe pre-filled."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "max_length": MAX_QUERY,
        "placeholder": plain("e.g. react hooks, system design", MAX_PLACEHOLDER),
    }
    if query:
        element["initial_value"] = query[:MAX_QUERY]
    return {
        "type": "modal",
        "callback_id": FIND_VIEW,
        "title": plain("Find a mentor", MAX_MODAL_TITLE),
        "submit": plain("Find", MAX_MODAL_TITLE),
        "close": plain("Cancel", MAX_MODAL_TITLE),
        "blocks": [
            {
                "type": "input",
                "block_id": FIND_BLOCK,
                "label": plain("What do you want to learn?", MAX_LABEL),
                "element": element,
            }
        ],
    }


def error_response(errors: Mapping[str, str], view: Mapping[str, Any]) -> dict[str, str]:
    """Core's errors keyed by the blocks this view has (Slack refuses unknown block ids)."""
    blocks = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    return {k: to_plain(v)[:MAX_HINT] for k, v in errors.items() if k in blocks}


def check_view(view: Mapping[str, Any]) -> list[str]:
    """Problems Slack would refuse a modal for (tests, debug logs)."""
    problems: list[str] = []
    blocks: Sequence[dict[str, Any]] = view.get("blocks", [])
    if len(blocks) > MAX_MODAL_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {MAX_MODAL_BLOCKS}")
    for key in ("title", "submit", "close"):
        if key in view and len(view[key]["text"]) > MAX_MODAL_TITLE:
            problems.append(f"{key} over {MAX_MODAL_TITLE}")
    if len(view.get("callback_id", "")) > MAX_CALLBACK_ID:
        problems.append("callback_id too long")
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        problems.append("duplicate block_id")
    for b in blocks:
        if b["type"] == "section" and len(b["text"]["text"]) > MAX_SECTION_TEXT:
            problems.append("section text over 3000")
        if b["type"] != "input":
            continue
        if "submit" not in view:
            problems.append("input blocks need a submit button")
        if len(b["label"]["text"]) > MAX_LABEL:
            problems.append(f"{b['block_id']}: label over {MAX_LABEL}")
        if "hint" in b and len(b["hint"]["text"]) > MAX_HINT:
            problems.append(f"{b['block_id']}: hint over {MAX_HINT}")
        el = b["element"]
        if "placeholder" in el and len(el["placeholder"]["text"]) > MAX_PLACEHOLDER:
            problems.append(f"{b['block_id']}: placeholder over {MAX_PLACEHOLDER}")
        if el["type"] == "plain_text_input":
            if el.get("max_length", 0) > MAX_INPUT_LENGTH:
                problems.append(f"{b['block_id']}: max_length over {MAX_INPUT_LENGTH}")
            if len(el.get("initial_value", "")) > el.get("max_length", MAX_INPUT_LENGTH):
                problems.append(f"{b['block_id']}: initial value longer than max_length")
        else:
            if len(el["options"]) > MAX_OPTIONS:
                problems.append(f"{b['block_id']}: too many options")
            for o in el["options"]:
                if len(o["text"]["text"]) > MAX_OPTION_TEXT:
                    problems.append(f"{b['block_id']}: option text over {MAX_OPTION_TEXT}")
                if len(o["value"]) > MAX_OPTION_VALUE:
                    problems.append(f"{b['block_id']}: option value over {MAX_OPTION_VALUE}")
    return problems
