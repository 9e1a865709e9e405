"""A profile picture from Telegram (issue 18), over real HTTP to the fake Bot API with
aiogram: a photo sent at the /profile "Photo" step is downloaded (getFile), checked and
stored; "Use my Telegram photo" takes the current profile photo (getUserProfilePhotos)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.db.schema import Account
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.test_media import _onboard
from tests.adapters.telegram.tguser import TgUser
from tests.picture_support import HTML_AS_PNG, SPY, image_bytes


async def _avatar(core: CoreApp, telegram_id: int) -> str | None:
    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == str(telegram_id)))
    assert uid is not None
    async with core.uow() as u:
        return await u.trust.avatar(uid)


def _photo_update(api: FakeBotAPI, user_id: int, file_id: str) -> dict[str, object]:
    update = api.text_update(user_id, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": file_id, "file_unique_id": "u" + file_id, "width": 800, "height": 600}
    ]
    return update


async def test_a_photo_sent_at_the_photo_step_becomes_the_profile_picture(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 501, "Ravi")
    await _onboard(u)
    await u.say("/profile")
    await u.press("Photo")
    assert "send a photo for your profile" in u.text()
    api.files["disguised"] = HTML_AS_PNG
    await u.send_update(_photo_update(api, 501, "disguised"))
    assert "isn't a picture I can read" in u.text()
    api.files["ravi-photo"] = image_bytes("JPEG", (800, 600), exif=True)
    await u.send_update(_photo_update(api, 501, "ravi-photo"))
    assert "Photo saved" in u.text()
    assert ("getFile", {"file_id": "ravi-photo"}) in [
        (m, {k: v for k, v in p.items() if k == "file_id"}) for m, p in api.calls
    ]
    name = await _avatar(tg_core, 501)
    assert name is not None
    thumb = tg_core.avatar_file(name)
    assert thumb is not None and SPY.encode() not in thumb
    assert Image.open(io.BytesIO(thumb)).size == (128, 128)


async def test_use_my_telegram_photo_takes_the_current_profile_photo(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 502, "Isha")
    await _onboard(u)
    await u.say("/profile")
    await u.press("Photo")
    # Without a profile photo (or hidden by privacy settings) the person is told so.
    await u.press("Use my Telegram photo")
    assert "couldn't get a profile photo" in u.text()
    assert await _avatar(tg_core, 502) is None
    api.profile_photos[502] = ["isha-pp"]
    api.files["isha-pp"] = image_bytes("JPEG", (640, 640))
    await u.press("Use my Telegram photo")
    assert "Photo saved" in u.text()
    assert api.count("getUserProfilePhotos") == 2
    assert await _avatar(tg_core, 502) is not None
