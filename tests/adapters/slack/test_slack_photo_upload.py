"""A profile photo shared in the app DM on Slack (issue 18): the file_share event's file is
fetched from url_private with the bot token and read by content, over the real bolt app
and the fake Slack Web API."""

from __future__ import annotations

import json
import time

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.db.schema import Account
from mentorbot.app import CORE
from tests.adapters.slack.driver import SlackUser, post_signed
from tests.adapters.slack.fake_slack import FakeSlack
from tests.picture_support import HTML_AS_PNG, SPY, image_bytes
from tests.support import onboard_learner


async def _share(user: SlackUser, fake: FakeSlack, name: str, mime: str, data: bytes) -> None:
    seen = len(fake.in_channel(user.channel))
    event = fake.user_shares(user.channel, user.user_id, name, mime, data)
    event["channel_type"] = "im"
    body = {
        "token": "legacy-unused",
        "team_id": user.team,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"EvShare{time.time_ns()}",
        "event_time": int(time.time()),
        "event": event,
    }
    status, _ = await post_signed(user.server, json.dumps(body), "application/json")
    assert status == 200
    user.last = await user._settle(seen)


async def test_a_photo_shared_in_the_dm_becomes_the_profile_picture(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    asha = SlackUser(server, fake_slack, "UASHA", "Asha Rao")
    await onboard_learner(asha, start="hi")
    await asha.command("profile")
    await asha.press("Photo")
    assert "send a photo for your profile" in asha.text()
    await _share(asha, fake_slack, "cat.png", "image/png", HTML_AS_PNG)
    assert "isn't a picture I can read" in asha.text()
    await _share(asha, fake_slack, "me.png", "image/png", image_bytes("PNG", (500, 400)))
    assert "Photo saved" in asha.text()
    core = server.app[CORE]
    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == "UASHA"))
    assert uid is not None
    async with core.uow() as u:
        assert await u.trust.avatar(uid) is not None


async def _avatar_of(server: TestServer, slack_id: str) -> str | None:
    core = server.app[CORE]
    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == slack_id))
    assert uid is not None
    async with core.uow() as u:
        return await u.trust.avatar(uid)


async def test_use_my_slack_photo_takes_the_profile_image_from_users_info(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    """users.info gives image_512; the image is fetched over HTTP without the bot token and
    read by content with Pillow (metadata gone). Slack's generated default is not taken."""
    ravi = SlackUser(server, fake_slack, "URAVI", "Ravi Kumar")
    await onboard_learner(ravi, start="hi")
    await ravi.command("profile")
    await ravi.press("Photo")
    await ravi.press("Use my Slack photo")
    assert "couldn't get a profile photo" in ravi.text()
    assert await _avatar_of(server, "URAVI") is None
    fake_slack.avatars["URAVI"] = HTML_AS_PNG  # whatever the host serves is read by content
    await ravi.press("Use my Slack photo")
    assert "isn't a picture I can read" in ravi.text()
    fake_slack.avatars["URAVI"] = image_bytes("JPEG", (512, 512), exif=True)
    await ravi.press("Use my Slack photo")
    assert "Photo saved" in ravi.text()
    assert fake_slack.avatar_fetches == ["URAVI", "URAVI"]  # never the default picture
    name = await _avatar_of(server, "URAVI")
    assert name is not None
    large = server.app[CORE].avatar_file(name, "large")
    assert large is not None and SPY.encode() not in large
