"""Profile pictures in Slack blocks (issue 18): a result card with a photo is a section
whose accessory is the photo, at our public address; a profile's photo is an image block."""

from __future__ import annotations

from bots.slack.render import check_blocks, reply_blocks
from core.messaging import AVATAR, Button, Card, Reply, with_cards

PUBLIC = "https://mentorbot.example"
PIC = "/avatars/" + "a" * 32 + "-thumb.jpg"


def test_a_result_card_with_a_photo_has_it_as_the_accessory_image() -> None:
    reply = with_cards(
        Reply("*Best matches*\n1. Meera\n2. Raj", buttons=((Button("👤 Meera", "vp:1"),),)),
        [Card("Meera", "Python", "₹100", "★ 4.8", image=PIC), Card("Raj", "DSA")],
        "*Best matches*",
    )
    blocks = reply_blocks(reply, PUBLIC)
    assert check_blocks(blocks) == []
    pictured = [b for b in blocks if "accessory" in b]
    assert len(pictured) == 1  # Raj has no photo: no image for him
    assert pictured[0]["accessory"] == {
        "type": "image",
        "image_url": PUBLIC + PIC,
        "alt_text": "Meera",
    }
    assert "*Meera*" in pictured[0]["text"]["text"]


def test_a_profile_photo_is_an_image_block_and_only_our_own_paths_count() -> None:
    large = PIC.replace("thumb", "large")
    blocks = reply_blocks(Reply("*Meera*", meta=((AVATAR, large),)), PUBLIC)
    assert {"type": "image", "image_url": PUBLIC + large, "alt_text": "Profile photo"} in blocks
    hostile = reply_blocks(Reply("*Meera*", meta=((AVATAR, "https://evil.test/x.jpg"),)), PUBLIC)
    assert not [b for b in hostile if b["type"] == "image"]
