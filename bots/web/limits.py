"""How fast one person may talk to the web chat, so a burst is answered "slow down" instead
of growing a queue without bound."""

from __future__ import annotations

from dataclasses import dataclass

from core.ratelimit import Bucket

RATE_PER_S = 5.0  # sustained messages per second per person (typing and tapping fast)
BURST = 30  # messages allowed at once (a quick run of button presses, a paste)
MAX_SOCKETS = 5  # open chat tabs per person
SLOW_DOWN = "You're sending messages faster than I can answer — please slow down a little."
MAX_FRAME_BYTES = 64 * 1024  # far above what the page sends (4,000 characters, JSON-escaped)

# A client that isn't the page: it keeps going after many "slow down" answers, or keeps
# sending messages over the size limit. Each has its own allowance, refilled slowly; when it
# runs out the socket is closed with a close code and a reason (close reasons: ≤ 123 bytes).
SLOW_DOWNS = 50  # "slow down" answers allowed at once; a pasted 60-line burst gets ~30
SLOW_DOWNS_PER_S = 1.0
TOO_BIG = 5  # refusals for size allowed at once
TOO_BIG_PER_S = 0.1
CLOSED_FLOOD = "Too many messages after being asked to slow down."  # code 1008
CLOSED_TOO_BIG = "Messages over the size limit, again and again."  # code 1009
FRAME_TOO_BIG = f"Messages can be at most {MAX_FRAME_BYTES // 1024} KiB."  # code 1009


def person_bucket(now: float) -> Bucket:
    """A person's allowance, shared by their tabs."""
    return Bucket(rate=RATE_PER_S, burst=BURST, at=now)


@dataclass
class Patience:
    """What one connection may still get away with before it is closed."""

    slow_downs: Bucket
    too_big: Bucket

    @classmethod
    def fresh(cls, now: float) -> Patience:
        return cls(
            Bucket(rate=SLOW_DOWNS_PER_S, burst=SLOW_DOWNS, tokens=float(SLOW_DOWNS), at=now),
            Bucket(rate=TOO_BIG_PER_S, burst=TOO_BIG, tokens=float(TOO_BIG), at=now),
        )
