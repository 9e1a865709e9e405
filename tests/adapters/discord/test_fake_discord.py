"""The fake refuses what Discord refuses (issue #25 item 7), over real HTTP: one initial
callback per interaction, within 3 s; follow-ups only after it; modals within Discord's
limits; request bodies only as JSON or multipart. (Interactions only for registered
commands: tests/adapters/discord/test_discord_commands.py.)"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.adapters.discord.fake_discord import APP_ID, FakeDiscord, Unregistered

USER = "500000000000000051"


async def _new(fake: FakeDiscord, kind: int = 3) -> tuple[str, str]:
    fake.add_user(USER, "Uma")
    d = fake.raw(USER, kind, {"custom_id": "x", "component_type": 2, "components": []})
    token = await fake.interact(d, deliver=False)
    return str(d["id"]), token


async def _post(
    fake: FakeDiscord, path: str, body: Any, content_type: str = "application/json"
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{fake.api_url}/{path}", data=data, headers={"Content-Type": content_type}
        ) as resp,
    ):
        return resp.status, await resp.json()


async def test_one_initial_callback_per_interaction(fake_discord: FakeDiscord) -> None:
    iid, token = await _new(fake_discord)
    callback = f"interactions/{iid}/{token}/callback"
    assert (await _post(fake_discord, callback, {"type": 5}))[0] == 200
    status, error = await _post(fake_discord, callback, {"type": 4, "data": {"content": "hi"}})
    assert status == 400 and error["code"] == 40060
    assert error["message"] == "Interaction has already been acknowledged."
    assert fake_discord.refused == [(callback, 400, 40060)]


async def test_a_late_or_unknown_callback_is_an_unknown_interaction(
    fake_discord: FakeDiscord,
) -> None:
    iid, token = await _new(fake_discord)
    fake_discord.elapse(3.01)
    status, error = await _post(fake_discord, f"interactions/{iid}/{token}/callback", {"type": 5})
    assert status == 404 and error == {"message": "Unknown interaction", "code": 10062}
    status, error = await _post(fake_discord, "interactions/1/itok-none/callback", {"type": 5})
    assert status == 404 and error["code"] == 10062


async def test_follow_ups_need_the_initial_callback(fake_discord: FakeDiscord) -> None:
    iid, token = await _new(fake_discord)
    followup = f"webhooks/{APP_ID}/{token}"
    status, error = await _post(fake_discord, followup, {"content": "too early"})
    assert status == 404 and error["code"] == 10015
    await _post(fake_discord, f"interactions/{iid}/{token}/callback", {"type": 5})
    assert (await _post(fake_discord, followup, {"content": "now"}))[0] == 200


async def test_callback_types_and_modals_are_checked(fake_discord: FakeDiscord) -> None:
    iid, token = await _new(fake_discord)
    callback = f"interactions/{iid}/{token}/callback"
    assert (await _post(fake_discord, callback, {"type": 8, "data": {"choices": []}}))[0] == 400
    long_title = {
        "type": 9,
        "data": {
            "custom_id": "m",
            "title": "x" * 46,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}]}
            ],
        },
    }
    status, error = await _post(fake_discord, callback, long_title)
    assert status == 400 and error["code"] == 50035 and "title" in error["errors"]
    modal_iid, modal_token = await _new(fake_discord, kind=5)
    modal = {**long_title, "data": {**long_title["data"], "title": "ok"}}
    status, _ = await _post(fake_discord, f"interactions/{modal_iid}/{modal_token}/callback", modal)
    assert status == 400  # a modal can't answer a modal submission
    assert (await _post(fake_discord, callback, modal))[0] == 200  # but a command, yes


async def test_bodies_must_be_json_or_multipart(fake_discord: FakeDiscord) -> None:
    iid, token = await _new(fake_discord)
    callback = f"interactions/{iid}/{token}/callback"
    status, _ = await _post(fake_discord, callback, '{"type": 5}', "text/plain")
    assert status == 415
    status, error = await _post(fake_discord, callback, '{"type": 5', "application/json")
    assert status == 400 and error["code"] == 50109
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"type": 5}', content_type="application/json")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake_discord.api_url}/{callback}", data=form) as resp,
    ):
        assert resp.status == 200
    assert [r[1] for r in fake_discord.refused] == [415, 400]


async def test_forged_commands_still_need_a_registered_name(fake_discord: FakeDiscord) -> None:
    fake_discord.add_user(USER, "Uma")
    for kind in (2, 4):
        with pytest.raises(Unregistered):
            fake_discord.raw(USER, kind, {"name": "mentor", "type": 1, "options": []})
    fake_discord.raw(USER, 3, {"custom_id": "anything", "component_type": 2})  # components: yes
