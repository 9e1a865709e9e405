"""What the call rooms need from settings, as one value (the composition root builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CallConfig:
    data_dir: Path
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_ttl_s: int = 3600
    # p2p: browsers connect to each other, the server only relays signaling;
    # relay: both connect to the server peer, which forwards their tracks.
    mode: str = "p2p"
    recording: bool = True
    max_server_peers: int = 8
    echo_seconds: float = 60.0
    status_check_s: float = 15.0
    extra_origins: tuple[str, ...] = field(default_factory=tuple)
