"""A mentor's profile picture in Discord (issue 18): search results carry it as an embed's
thumbnail, as the real discord.py client sends it to the fake Discord REST API."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.avatars import Pictures, process
from core.db.schema import Account, Skill, User, UserSkill
from mentorbot.app import CORE
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.booking_support import add_mentor
from tests.picture_support import HTML_AS_PNG, SPY, image_bytes


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


async def test_a_photo_attached_in_dm_becomes_the_profile_picture(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    core = server.app[CORE]
    ravi = DiscordUser(server, fake_discord, "500000000000000032", "Ravi")
    await ravi.say("/profile")  # no profile yet: onboarding starts; the account exists now
    async with core.db.transaction() as s:
        uid = await s.scalar(
            select(Account.user_id).where(Account.external_id == "500000000000000032")
        )
        assert uid is not None
        user = await s.get(User, uid)
        assert user is not None
        user.onboarded = user.wants_to_learn = True
    await ravi.say("/profile")
    await ravi.press("Photo", guild=False)
    assert "send a photo for your profile" in ravi.text()  # a step, not the profile form
    await ravi.say("", files=[("evil.png", "image/png", HTML_AS_PNG)])
    assert "isn't a picture I can read" in ravi.text()
    await ravi.say("", files=[("me.webp", "image/webp", image_bytes("WEBP", (400, 300)))])
    assert "Photo saved" in ravi.text()
    async with core.uow() as u:
        assert await u.trust.avatar(uid) is not None


async def test_use_my_discord_photo_takes_the_avatar_from_the_cdn(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    """The avatar hash on the interaction's user, fetched by discord.py from the CDN
    (512 px, PNG) and read by content; no custom avatar means there is none to take."""
    core = server.app[CORE]
    isha = DiscordUser(server, fake_discord, "500000000000000033", "Isha")
    await isha.say("/profile")
    async with core.db.transaction() as s:
        uid = await s.scalar(
            select(Account.user_id).where(Account.external_id == "500000000000000033")
        )
        assert uid is not None
        user = await s.get(User, uid)
        assert user is not None
        user.onboarded = user.wants_to_learn = True
    await isha.say("/profile")
    await isha.press("Photo", guild=False)
    await isha.press("Use my Discord photo", guild=False)
    assert "couldn't get a profile photo" in isha.text()
    assert fake_discord.avatar_fetches == []
    fake_discord.set_avatar(isha.uid, image_bytes("PNG", (512, 512), exif=True))
    await isha.press("Use my Discord photo", guild=False)
    assert "Photo saved" in isha.text()
    [fetched] = fake_discord.avatar_fetches
    assert fetched.startswith(f"/avatars/{isha.uid}/") and fetched.endswith(".png?size=512")
    async with core.uow() as u:
        name = await u.trust.avatar(uid)
    assert name is not None
    large = core.avatar_file(name, "large")
    assert large is not None and SPY.encode() not in large
