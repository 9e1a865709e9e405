"""coturn REST credentials (use-auth-secret) and the ICE server list handed to a join."""

from __future__ import annotations

from calls.turn import ice_servers, turn_credentials, turn_password, turn_username_valid


def test_turn_credential_vector() -> None:
    assert (
        turn_password("turn-test-secret", "1700000000:mentee42") == "qCfYYkRA7EnjMJ8ChFDyJSaZpxM="
    )


def test_expired_username_is_refused() -> None:
    secret, username = "turn-test-secret", "1700000000:mentee42"
    password = turn_password(secret, username)
    assert turn_username_valid(secret, username, password, now_s=1_699_999_999)
    assert not turn_username_valid(secret, username, password, now_s=1_700_000_000)
    assert not turn_username_valid(secret, username, password + "x", now_s=1_600_000_000)
    assert not turn_username_valid(secret, "mentee42", password, now_s=1_600_000_000)


def test_credentials_are_time_limited_per_join() -> None:
    username, password = turn_credentials("s3cret", "u7", now_s=1_000, ttl_s=600)
    assert username == "1600:u7"
    assert turn_username_valid("s3cret", username, password, now_s=1_599)
    assert not turn_username_valid("s3cret", username, password, now_s=1_600)


def test_ice_servers_from_settings() -> None:
    assert ice_servers((), (), "", "u1", 0, 60) == []
    servers = ice_servers(
        ("stun:stun.example.org:3478",), ("turn:turn.example.org:3478",), "k", "u1", 100, 60
    )
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert servers[1]["urls"] == ["turn:turn.example.org:3478"]
    assert servers[1]["username"] == "160:u1"
    assert servers[1]["credential"] == turn_password("k", "160:u1")
    # TURN without a secret would only hand out useless credentials: left out.
    assert ice_servers((), ("turn:t.example.org",), "", "u1", 0, 60) == []
