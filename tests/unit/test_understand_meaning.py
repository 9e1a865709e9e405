"""Intent by meaning (issue #26): the real MiniLM compares a message with the labelled
examples; what the rules cannot place, or what the vote clearly doubts, is shown back and
confirmed with one tap before anything is done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.app import CoreApp
from core.understand.intents import read_intent
from core.understand.nearest import meaning_voter, tuning_examples, use_encoder
from matching.embed import MiniLMEmbedder
from mentorbot.dialog_eval import _catalogue
from tests.unit.test_plain_words import newcomer

_MODEL = MiniLMEmbedder()


@pytest.fixture
def by_meaning() -> Iterator[None]:
    use_encoder(_MODEL.encode)
    yield
    use_encoder(None)  # the rest of the suite reads as a server without MiniLM does


def test_the_training_phrasings_are_examples_beside_the_tuning_set() -> None:
    texts = {t for t, _ in tuning_examples()}
    assert "mentor chahiye data analysis ke liye" in texts  # data/dialog_train.jsonl
    assert "hi" in texts  # data/dialog_eval.jsonl


def test_what_the_rules_cannot_place_is_read_by_meaning_and_asked_about(by_meaning: None) -> None:
    names_in = _catalogue().names_in
    refund = read_intent("mentor ghosted me, want my cash back", names_in)
    assert (refund.intent, refund.sure) == ("ask_refund", False)
    teach = read_intent("can people like me run classes here", names_in)
    assert (teach.intent, teach.sure, teach.rest) == ("teach", False, "")
    # Words that always work and clear rules readings are not second-guessed.
    assert read_intent("cancel", names_in).sure
    price = read_intent("how much does a session cost?", names_in)
    assert (price.intent, price.sure) == ("ask_price", True)
    # Small talk stays unknown: nothing is done, the choices are shown.
    assert read_intent("what time is it", names_in).intent == "unknown"


def test_without_an_encoder_nothing_is_compared_by_meaning() -> None:
    from core.understand.intents import _prepared

    assert meaning_voter(_prepared) is None
    assert read_intent("can people like me run classes here").intent != "teach"


async def test_an_unsure_reading_is_shown_and_confirmed_with_one_tap(
    core: CoreApp, by_meaning: None
) -> None:
    c = await newcomer(core, "m1")
    await c.say("mentor ghosted me, want my cash back")
    assert "Did you mean how refunds work?" in c.text()
    await c.press("Yes")
    assert "refund" in c.text().casefold()
    c2 = await newcomer(core, "m2")
    await c2.say("can people like me run classes here")
    assert "Did you mean you'd like to teach as a mentor here?" in c2.text()
    await c2.press("No, show me the choices")
    assert "What would you like to do?" in c2.text()
    c3 = await newcomer(core, "m3")
    await c3.say("can people like me run classes here")
    await c3.press("Yes")
    assert "mentor" in c3.text().casefold() and "Did you mean" not in c3.text()


def test_a_server_embeds_the_examples_once_matching_has_loaded_the_model() -> None:
    from core.understand import nearest
    from core.understand.intents import _prepared

    nearest.use_encoder(_MODEL.encode, background=True)
    try:
        assert nearest.meaning_voter(_prepared) is None  # no message waits for the model
        nearest.warm()  # what matching runs in a thread after loading it
        assert nearest.meaning_voter(_prepared) is not None
    finally:
        nearest.use_encoder(None)
