"""core.signing: a salt per purpose, key rotation, bytes compared, and every token issued
before it (hand-made HMAC formats) still accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from bots.web.identity import login_token, read_cookie, read_login_token, sign_cookie
from core.booking.views import RoomTicket, room_of_token, room_token
from core.calendar import FeedClaim, claim_of_feed_token, feed_token
from core.signing import SigningKeys, sign, unsign
from mentorbot.settings import Settings

OLD = b"old-key" * 5
NEW = b"new-key" * 5
ROTATED = SigningKeys(NEW, (OLD,))


def _old_sig(key: bytes, message: str, size: int) -> str:
    # Written out as the code before core.signing did it, to stand for tokens already issued.
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()[:size]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_tokens_issued_before_the_signing_module_still_verify() -> None:
    cookie = f"abcdEFGH1234_-xy.{_old_sig(OLD, 'cookie:abcdEFGH1234_-xy', 18)}"
    assert read_cookie(OLD, cookie) == "abcdEFGH1234_-xy"
    body = base64.urlsafe_b64encode(b"admin|4102444800").decode().rstrip("=")
    login = f"{body}.{_old_sig(OLD, 'login:' + body, 18)}"
    assert read_login_token(OLD, login, now=1_800_000_000) == "admin"
    assert read_login_token(OLD, login, now=4_102_444_801) is None  # expired is expired
    room = f"7.2.l.{_old_sig(OLD, 'room:7:2:l', 15)}"
    assert room_of_token(OLD, room) == RoomTicket(7, 2, "learner")
    feed = f"12-{_old_sig(OLD, 'calendar:12', 15)}"
    assert claim_of_feed_token(OLD, feed) == FeedClaim(12, 0)
    # ...and after a key rotation, as long as the old key is listed.
    assert read_cookie(ROTATED, cookie) == "abcdEFGH1234_-xy"
    assert room_of_token(ROTATED, room) == RoomTicket(7, 2, "learner")
    assert claim_of_feed_token(ROTATED, feed) == FeedClaim(12, 0)
    assert read_cookie(NEW, cookie) is None
    assert room_of_token(NEW, room) is None
    # A legacy-shaped token with a tampered part is refused.
    assert room_of_token(OLD, room.replace("7.2.l", "7.2.m")) is None
    assert claim_of_feed_token(OLD, "13" + feed[2:]) is None


def test_rotation_signs_with_the_current_key_and_accepts_old_ones() -> None:
    made_before = sign(OLD, "cookie", "guest1")
    assert unsign(ROTATED, "cookie", made_before) == "guest1"
    made_now = sign(ROTATED, "cookie", "guest2")
    assert unsign(NEW, "cookie", made_now) == "guest2"  # signed with the current key
    assert unsign(OLD, "cookie", made_now) is None
    assert unsign(NEW, "cookie", made_before) is None  # old key dropped: token refused


def test_a_token_is_good_for_its_own_purpose_only() -> None:
    cookie = sign_cookie(NEW, "7.2.l")
    assert read_cookie(NEW, cookie) == "7.2.l"
    assert room_of_token(NEW, cookie) is None
    assert unsign(NEW, "calendar", feed_token(NEW, 3)) == "3-0"
    assert unsign(NEW, "room", feed_token(NEW, 3)) is None
    assert room_of_token(NEW, room_token(NEW, 7, 2, "learner")) == RoomTicket(7, 2, "learner")


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "abc.é", "é", "1-é", "1.2.m.é", "1.2.m.\udcff", "a" * 5000, "1-" + "A" * 20, "x.y.z"],
)
def test_garbage_and_non_ascii_tokens_are_simply_not_valid(garbage: str) -> None:
    assert read_cookie(ROTATED, garbage) is None
    assert read_login_token(ROTATED, garbage) is None
    assert room_of_token(ROTATED, garbage) is None
    assert claim_of_feed_token(ROTATED, garbage) is None


def test_login_links_carry_any_name_and_expire() -> None:
    token = login_token(ROTATED, "Zoë Ω", ttl_s=60, now=1000)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token)  # safe in a URL as it is
    assert read_login_token(NEW, token, now=1050) == "Zoë Ω"
    assert read_login_token(NEW, token, now=1061) is None


def test_old_secret_keys_setting_is_read(tmp_path: object) -> None:
    s = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="now",  # type: ignore[arg-type]
        old_secret_keys="before, long-ago,,now",  # type: ignore[arg-type]
    )
    assert s.signing_keys() == SigningKeys(b"now", (b"before", b"long-ago"))
