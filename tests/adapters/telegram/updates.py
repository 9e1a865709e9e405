"""Hypothesis strategies for Telegram update dicts: mostly the right shape, with any field
liable to be the wrong type, a huge number, a lone surrogate or missing."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from core.commands import COMMANDS

# Any character at all, lone UTF-16 surrogates included (Hypothesis leaves those out).
TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
BIG = st.integers(min_value=-(2**70), max_value=2**70)
IDS = st.one_of(st.integers(min_value=-(10**13), max_value=10**13), BIG)
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | BIG | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a value of the right kind; one time in ten anything JSON can hold."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: JSON if n == 0 else valid)


_NAMES = [c.name for c in COMMANDS] + ["start", "nosuch"]
TYPED = st.one_of(
    TEXT,
    st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(_NAMES), TEXT),
    st.builds(lambda c, b: f"/{c}@{b}", st.sampled_from(_NAMES), st.sampled_from(["bot", "x"])),
    st.builds(lambda n: f"/start book_{n}", st.one_of(BIG.map(str), st.just("²"), TEXT)),
    st.builds(lambda w: f"/start {w}", st.sampled_from(["find", "link_abc", "menu", "x"])),
)
PAYLOADS = st.one_of(
    TEXT,
    st.builds(
        lambda p, n: f"{p}:{n}",
        st.sampled_from(["pv", "fm", "menu", "bk:book", "bk:acc", "ob", "adm:ok"]),
        st.one_of(BIG.map(str), TEXT),
    ),
)

UPDATE_IDS = st.integers(min_value=0, max_value=2**31 - 1)


def _as_is(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return valid


def _updates(m: Any) -> st.SearchStrategy[Any]:
    """Update dicts whose every field goes through m (as is, or maybe the wrong thing)."""
    user = st.fixed_dictionaries(
        {"id": m(IDS), "is_bot": m(st.booleans()), "first_name": m(TEXT)},
        optional={
            "last_name": m(TEXT),
            "username": m(st.sampled_from(["bot", "alice"]) | TEXT),
            "language_code": m(TEXT),
        },
    )
    chat = st.fixed_dictionaries(
        {
            "id": m(IDS),
            "type": m(st.sampled_from(["private", "group", "supergroup", "channel"])),
        },
        optional={"title": m(TEXT), "first_name": m(TEXT)},
    )
    base_message = {"message_id": m(IDS), "date": m(IDS), "chat": m(chat)}
    message_extra = {
        "from": m(user),
        "text": m(TYPED),
        "caption": m(TEXT),
        "document": m(
            st.fixed_dictionaries(
                {"file_id": m(TEXT), "file_unique_id": m(TEXT)},
                optional={"file_name": m(TEXT), "file_size": m(BIG), "mime_type": TEXT},
            )
        ),
    }
    asked = st.fixed_dictionaries(base_message, optional=message_extra)
    message = st.fixed_dictionaries(
        base_message,
        optional={
            **message_extra,
            "reply_to_message": m(asked),
            "reply_markup": m(
                st.just({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]})
            ),
        },
    )
    press = st.fixed_dictionaries(
        {"id": m(TEXT), "from": m(user), "chat_instance": m(TEXT)},
        optional={"data": m(PAYLOADS), "message": m(message)},
    )
    statuses = ["left", "member", "kicked", "administrator", "creator", "restricted"]
    member = st.fixed_dictionaries(
        {"status": m(st.sampled_from(statuses)), "user": m(user)},
        optional={"until_date": m(IDS), "is_member": m(st.booleans())},
    )
    membership = st.fixed_dictionaries(
        {
            "chat": m(chat),
            "from": m(user),
            "date": m(IDS),
            "old_chat_member": m(member),
            "new_chat_member": m(member),
        }
    )
    kinds: list[tuple[str, st.SearchStrategy[Any]]] = [
        ("message", message),
        ("callback_query", press),
        ("my_chat_member", membership),
        ("edited_message", message),
    ]
    one_kind = st.sampled_from(kinds).flatmap(
        lambda kind: st.builds(lambda body: {kind[0]: body}, m(kind[1]))
    )
    return st.one_of(
        st.builds(lambda uid, rest: {"update_id": uid, **rest}, m(UPDATE_IDS), one_kind),
        st.fixed_dictionaries({"update_id": m(UPDATE_IDS)}, optional=dict(kinds)),
    )


UPDATES: st.SearchStrategy[Any] = st.one_of(_updates(_as_is), _updates(maybe), JSON)
