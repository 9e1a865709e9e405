"""A mentor's profile picture in Discord (issue 18): search results carry it as an embed's
thumbnail, as the real discord.py client sends it to the fake Discord REST API."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.avatars import Pictures, process
from core.db.schema import Skill, UserSkill
from mentorbot.app import CORE
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.booking_support import add_mentor
from tests.picture_support import image_bytes


async def test_search_results_show_the_mentors_photo_as_an_embed_thumbnail(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    core = server.app[CORE]
    async with core.uow() as u:
        mentor_id = await add_mentor(u.session, "Meera", u.now)
        python = await u.session.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        u.session.add(UserSkill(user_id=mentor_id, skill_id=python, kind="teach", level="advanced"))
        pics = process(image_bytes("PNG"), max_bytes=10**7, max_pixels=10**8)
        assert isinstance(pics, Pictures)
        name = await u.trust.set_avatar(mentor_id, pics, "upload")
        u.profiles_changed([mentor_id])  # the search indexes her within a second
    ana = DiscordUser(server, fake_discord, "500000000000000031", "Ana")
    embeds: list[dict[str, Any]] = []
    for _ in range(20):  # bounded: the index catches up off the request path
        await ana.slash("find", query="python")
        embeds = [e for s in ana.last for e in _body(s.kind, s.body).get("embeds") or []]
        if embeds:
            break
        await asyncio.sleep(0.2)
    assert embeds, ana.text()
    [meera] = [e for e in embeds if e.get("title") == "Meera"]
    assert meera["thumbnail"]["url"].endswith(f"/avatars/{name}-thumb.jpg")
    assert meera["thumbnail"]["url"].startswith("http")


def _body(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data", body) if kind == "callback" else body
    return data if isinstance(data, dict) else {}
