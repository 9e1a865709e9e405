"""What people (or fuzzers) type or press reaches core only as something it can answer:
numbers the database can't hold, broken text and huge messages get words, never "sorry"."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.app import CoreApp
from core.messaging import MAX_TEXT, ActionIn, TextIn
from core.numbers import as_int
from core.payloads import MAX_DB_INT
from core.runner import SORRY, TOO_LONG
from tests.support import ChatDriver, RecordingChannel

HUGE = "9" * 25


def no_sorry(c: ChatDriver) -> None:
    assert SORRY not in c.text(), c.text()
    assert c.last, "every input gets an answer"


def test_as_int_reads_only_ascii_digits_within_the_database_range() -> None:
    assert as_int("42") == 42 and as_int(str(MAX_DB_INT)) == MAX_DB_INT
    for bad in ("", "²", "٣", "+5", "-1", " 5", "1_000", str(MAX_DB_INT + 1), HUGE):
        assert as_int(bad) is None, bad
    assert as_int("61", hi=60) is None


async def test_numbers_beyond_the_database_in_commands_and_buttons(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    c = ChatDriver(core, "ravi")
    await c.say("/start")
    for text in (f"/book {HUGE}", "/book ²", f"/book 5:{HUGE}"):
        await c.say(text)
        no_sorry(c)
    for payload in (
        f"pv:{HUGE}",
        f"bk:book:{HUGE}",
        f"bk:acc:{HUGE}",
        f"bk:cancel:{HUGE}",
        f"rt:{HUGE}:5",
        "bk:book:²",
        f"adm:ok:{HUGE}",
        f"wal:ok:{HUGE}",
    ):
        await c.send(ActionIn(payload))
        no_sorry(c)
    admin = ChatDriver(core, "admin")
    for text in (f"/admin approve {HUGE}", f"/admin reject {HUGE} spam", f"/wallet reject {HUGE}"):
        await admin.say(text)
        no_sorry(admin)


async def test_broken_text_is_stored_cleaned(core: CoreApp, inbox: RecordingChannel) -> None:
    c = ChatDriver(core, "ravi")
    await c.say("/start")
    await c.press("Learn")
    await c.send(TextIn("Ra\ud800vi\x00\x07"))
    no_sorry(c)
    assert "Ra\ufffdvi" in c.text()


async def test_a_message_over_the_limit_is_refused_in_words(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    c = ChatDriver(core, "ravi")
    await c.send(TextIn("x" * (MAX_TEXT + 1)))
    assert c.text() == TOO_LONG


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    prefix=st.sampled_from(
        ["menu", "pe", "pv", "pp", "adm", "bk", "rt", "wal", "walc", "form", "ob", "fm", "bb", "sk"]
    ),
    parts=st.lists(
        st.one_of(
            st.text(alphabet=string.ascii_letters + string.digits + "²-_", max_size=12),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
        ),
        max_size=4,
    ),
)
async def test_any_payload_of_any_prefix_gets_an_answer(
    core: CoreApp, inbox: RecordingChannel, prefix: str, parts: list[str]
) -> None:
    c = ChatDriver(core, "fuzz")
    await c.send(ActionIn(":".join([prefix, *parts])[:100]))
    no_sorry(c)


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300))
async def test_any_text_at_any_point_of_onboarding_gets_an_answer(
    core: CoreApp, inbox: RecordingChannel, text: str
) -> None:
    c = ChatDriver(core, "typist")
    await c.send(TextIn(text))
    no_sorry(c)
