"""Discord modals (issue #25 item 2): "Answer here" for a question that takes typed text in
a server, and the mentor application as modal pages, through discord.py and the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

import bots.discord.forms
from bots.discord.ui import question_modal
from core.messaging import Asks
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord

ZOE, YUSUF, XIN = "500000000000000061", "500000000000000062", "500000000000000063"


def inputs(modal_body: dict[str, object]) -> list[dict[str, object]]:
    data = modal_body["data"]
    assert isinstance(data, dict)
    return [c for row in data["components"] for c in row["components"]]


async def test_a_question_in_a_server_is_answered_in_a_modal(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    zoe = DiscordUser(server, fake_discord, ZOE, "Zoe")
    await zoe.slash("find")  # no query: core asks which skill
    assert "Which skill do you want help with?" in zoe.text()
    await zoe.press("Answer here")
    modal = zoe.modal().body["data"]
    [field] = inputs(zoe.modal().body)
    assert modal["title"] == "Which skill do you want help with?"
    assert field["label"] == "Which skill do you want help with?" and field["max_length"] == 200
    assert field["style"] == 1  # one line
    await zoe.fill({field["custom_id"]: "pyhton"})  # type: ignore[dict-item]
    assert zoe.callback is not None and zoe.callback.type == 5  # the modal closes at once
    assert "Python" in zoe.text() and all(f == 64 for f in zoe.flags())

    # In the bot's DMs people type: no "Answer here" there.
    await zoe.slash("find", guild=False)
    assert not any(
        c.get("label") == "Answer here"
        for s in zoe.last
        for row in s.components
        for c in row["components"]
    )


async def test_the_answer_modal_works_after_a_restart(
    settings: Settings, fake_discord: FakeDiscord
) -> None:
    first = await start_server(settings)
    try:
        yusuf = DiscordUser(first, fake_discord, YUSUF, "Yusuf")
        await yusuf.slash("find")
        await yusuf.press("Answer here")
        opened = yusuf.modal()
    finally:
        await first.close()
    second = await start_server(settings)
    try:
        yusuf.server = second
        yusuf.callback = opened
        [field] = inputs(opened.body)
        await yusuf.fill({str(field["custom_id"]): "react"})
        assert "React" in yusuf.text()
    finally:
        await second.close()


async def test_the_mentor_application_as_modal_pages(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    xin = DiscordUser(server, fake_discord, XIN, "Xin")
    await xin.slash("apply")
    page1 = xin.modal().body["data"]
    assert page1["title"] == "Mentor application (1/2)"
    keys = [c["custom_id"] for c in inputs(xin.modal().body)]
    assert keys == ["name", "teach_skills", "languages", "timezone", "availability"]
    await xin.fill(
        {
            "name": "Xin Li",
            "teach_skills": "Python: advanced, SQL",
            "languages": "English",
            "timezone": "Singapore",
            "availability": "Mon-Fri 18:00-21:00",
        }
    )
    assert "Page 1 of 2 saved" in xin.text()
    await xin.press("Next")
    assert xin.modal().body["data"]["title"] == "Mentor application (2/2)"
    second = {
        "headline": "Data engineer who teaches SQL",
        "bio": "I have built data pipelines for six years and love explaining joins.",
        "years": "lots",  # not a number: refused, and what was typed is kept
        "price": "150",
        "extras": "",
    }
    await xin.fill(second)
    assert "Nothing was saved yet" in xin.text() and "Years of experience" in xin.text()
    await xin.press("Try again")
    kept = {c["custom_id"]: c.get("value") for c in inputs(xin.modal().body)}
    assert kept["bio"] == second["bio"] and kept["years"] == "lots"
    await xin.fill({**second, "years": "6"})
    # Session lengths are a multi-select, which this modal doesn't hold: a select message.
    assert "Session lengths you offer" in xin.text()
    await xin.press("20 min")
    assert "Your mentor application is with the admins" in xin.text()
    await xin.slash("profile")
    assert "Xin Li" in xin.text() and "Data engineer who teaches SQL" in xin.text()

    # The profile's edit buttons open the profile form the same way, prefilled.
    await xin.press("Name")
    assert xin.modal().body["data"]["title"].startswith("Edit your profile")
    page = {c["custom_id"]: c.get("value") for c in inputs(xin.modal().body)}
    assert page["name"] == "Xin Li" and len(page) == 5
    await xin.fill({"name": "Xin L."})
    while "saved" in xin.text():  # page after page, prefilled: accept each as it is
        await xin.press("Next")
        await xin.fill({})
    if "Session lengths" in xin.text():
        await xin.press("20 min")
    assert "Saved ✅" in xin.text() and "Xin L." in xin.text()
    assert fake_discord.refused == []


async def test_form_pages_survive_a_restart(settings: Settings, fake_discord: FakeDiscord) -> None:
    first = await start_server(settings)
    try:
        wen = DiscordUser(first, fake_discord, "500000000000000064", "Wen")
        await wen.slash("apply")
        await wen.fill(
            {
                "name": "Wen Chao",
                "teach_skills": "Go: advanced",
                "languages": "English",
                "timezone": "London",
                "availability": "Sat 10-13",
            }
        )
        saved = wen.last
    finally:
        await first.close()
    second = await start_server(settings)
    try:
        wen.server = second
        await wen.press("Next", where=saved)  # page 1 is in the database, not in memory
        assert wen.modal().body["data"]["title"] == "Mentor application (2/2)"
        await wen.fill(
            {
                "headline": "Backend engineer, Go and APIs",
                "bio": "Ten years of backend work; I like reviewing code with people.",
                "years": "10",
                "price": "free",
            }
        )
        await wen.press("10 min")
        assert "Your mentor application is with the admins" in wen.text()
        await wen.slash("profile")
        assert "Wen Chao" in wen.text() and "Go" in wen.text()
    finally:
        await second.close()


async def test_a_form_too_slow_to_open_falls_back_to_steps(
    server: TestServer, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A modal must be the first answer, within 3 s: if the form can't be read in time,
    the interaction is deferred and the step dialog asks instead."""
    core = server.app[CORE]
    real = core.open_form

    async def slow(*args: Any, **kw: Any) -> Any:
        await asyncio.sleep(0.5)
        return await real(*args, **kw)

    monkeypatch.setattr(bots.discord.forms, "OPEN_BUDGET_S", 0.05)
    monkeypatch.setattr(core, "open_form", slow)
    vic = DiscordUser(server, fake_discord, "500000000000000065", "Vic")
    await vic.slash("apply")
    assert vic.callback is not None and vic.callback.type == 5  # deferred, not a modal
    assert vic.text()  # the step dialog's first question
    assert fake_discord.refused == []


def test_a_multiline_question_gets_a_paragraph_input() -> None:
    modal = question_modal(Asks("Reason (they will see it)", max_length=500, multiline=True))
    [row] = modal.to_components()
    [field] = row["components"]
    assert field["style"] == 2 and field["max_length"] == 500
    assert field["label"] == "Reason (they will see it)"
    assert len(modal.to_dict()["custom_id"]) <= 100
