"""Profile pictures through the dialog (issue 18): a photo sent at the "Photo" step of
/profile is read by content, re-encoded without metadata into two squares, stored under a
random name; anything else is refused in words and the step asks again."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image
from sqlalchemy import select

from core.app import CoreApp
from core.avatars import Pictures, process
from core.booking.payloads import Bk
from core.db.schema import Skill, UserSkill
from core.db.trust import UserTrust
from core.dialogs.profile import Edit
from core.messaging import AVATAR, ActionIn, Button, avatar_of, cards_of
from core.policies import Policies
from core.services.buttons import ViewProfile
from tests.booking_support import add_mentor
from tests.picture_support import HTML_AS_PNG, SPY, image_bytes, photo, png_header_only
from tests.support import ChatDriver, rebuilt


async def at_photo_step(core: CoreApp, name: str = "ravi") -> ChatDriver:
    c = ChatDriver(core, name)
    await c.send(ActionIn(Edit("photo").pack()))
    assert "send a photo for your profile" in c.text()
    return c


async def avatar_name(core: CoreApp) -> str | None:
    async with core.db.transaction() as s:
        return await s.scalar(select(UserTrust.avatar).where(UserTrust.avatar.is_not(None)))


async def test_a_jpeg_is_stored_square_and_without_its_exif(core: CoreApp) -> None:
    data = image_bytes("JPEG", (800, 600), exif=True)
    assert SPY.encode() in data and Image.open(io.BytesIO(data)).getexif()
    c = await at_photo_step(core)
    await c.send(photo(data))
    assert "Photo saved" in c.text()
    name = await avatar_name(core)
    assert name is not None and len(name) >= 20
    thumb, large = core.avatar_file(name, "thumb"), core.avatar_file(name, "large")
    assert thumb is not None and large is not None
    for data_out, side in ((thumb, 128), (large, 512)):
        img = Image.open(io.BytesIO(data_out))
        assert img.format == "JPEG" and img.size == (side, side)
        assert not img.getexif() and "exif" not in img.info
        assert SPY.encode() not in data_out and b"Secret model" not in data_out
    # The name is all there is: no path tricks reach the disk.
    assert core.avatar_file("../" + name, "thumb") is None
    assert core.avatar_file(name, "original") is None


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp")])
async def test_png_and_webp_are_taken_too(core: CoreApp, fmt: str, mime: str) -> None:
    c = await at_photo_step(core)
    await c.send(photo(image_bytes(fmt, (300, 500)), f"me.{fmt.lower()}", mime))
    assert "Photo saved" in c.text()
    name = await avatar_name(core)
    assert name is not None
    thumb = core.avatar_file(name)
    assert thumb is not None and Image.open(io.BytesIO(thumb)).size == (128, 128)


async def test_html_named_png_is_refused_as_not_a_picture(core: CoreApp) -> None:
    c = await at_photo_step(core)
    await c.send(photo(HTML_AS_PNG, "cute.png", "image/png"))
    assert "isn't a picture I can read" in c.text()
    assert "send a photo for your profile" in c.text()  # the same step again
    assert await avatar_name(core) is None


async def test_a_gif_is_refused_by_its_kind(core: CoreApp) -> None:
    c = await at_photo_step(core)
    await c.send(photo(image_bytes("GIF", (64, 64)), "me.gif", "image/gif"))
    assert "Only JPEG, PNG or WebP" in c.text() and "GIF" in c.text()
    assert await avatar_name(core) is None


async def test_too_many_bytes_is_refused(core: CoreApp) -> None:
    small = rebuilt(core, policies=Policies(page_size=5, avatar_max_bytes=1024 * 1024))
    c = await at_photo_step(small)
    big = image_bytes("PNG", (10, 10)) + b"\0" * (1024 * 1024)
    await c.send(photo(big, "big.png", "image/png"))
    assert "too big" in c.text() and "under 1 MB" in c.text()
    # An adapter that didn't fetch a big file hands its size only: refused the same way.
    await c.send(dataclasses.replace(photo(b""), size=50 * 1024 * 1024, data=None))
    assert "too big" in c.text()
    assert await avatar_name(small) is None


async def test_too_many_pixels_is_refused_before_decoding(core: CoreApp) -> None:
    c = await at_photo_step(core)
    await c.send(photo(png_header_only(7000, 7000), "wide.png", "image/png"))
    assert "too large in pixels" in c.text() and "7000×7000" in c.text()
    assert await avatar_name(core) is None


async def test_a_decompression_bomb_is_refused_even_above_our_limit(core: CoreApp) -> None:
    """With our own pixel limit set sky-high, Pillow's DecompressionBombError still stops a
    header claiming 2.5 gigapixels, and the person hears why."""
    lax = rebuilt(core, policies=Policies(page_size=5, avatar_max_pixels=10**11))
    c = await at_photo_step(lax)
    await c.send(photo(png_header_only(50_000, 50_000), "bomb.png", "image/png"))
    assert "too large in pixels" in c.text()
    assert await avatar_name(lax) is None


async def test_typed_text_at_the_photo_step_asks_for_a_photo_and_skip_moves_on(
    core: CoreApp,
) -> None:
    c = await at_photo_step(core)
    await c.say("here is my photo")
    assert "Please send a photo, or tap Skip" in c.text()
    await c.press("Skip")
    assert "send a photo for your profile" not in c.text()


async def test_a_mentors_photo_is_on_search_cards_and_their_profile(core: CoreApp) -> None:
    async with core.uow() as u:
        mentor_id = await add_mentor(u.session, "Meera", u.now)
        python = await u.session.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        u.session.add(UserSkill(user_id=mentor_id, skill_id=python, kind="teach", level="advanced"))
        # add_mentor makes no chat account: the picture is stored as the dialog stores it.
        pics = process(image_bytes("JPEG"), max_bytes=10**7, max_pixels=10**8)
        assert isinstance(pics, Pictures)
        await u.trust.set_avatar(mentor_id, pics, "upload")
    learner = ChatDriver(core, "asha")
    [*_, profile] = await learner.send(ActionIn(ViewProfile(mentor_id).pack()))
    picture = avatar_of(profile)
    assert picture.startswith("/avatars/") and picture.endswith("-large.jpg")
    assert dict(profile.meta)[AVATAR] == picture
    # The Book button is there as before: the photo changes nothing else.
    book = Bk("book", mentor_id).pack()
    assert any(isinstance(b, Button) and b.payload == book for b in profile.all_buttons())
    # Search results carry the thumbnail on the mentor's card.
    replies = await learner.say("/find python")
    cards = [card for r in replies if (h := cards_of(r)) for card in h[1]]
    assert [c.title for c in cards] == ["Meera"], learner.text()
    assert cards[0].image.startswith("/avatars/") and cards[0].image.endswith("-thumb.jpg")
