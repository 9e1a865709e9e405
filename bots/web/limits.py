"""How fast one person may talk to the web chat, so a burst is answered "slow down" instead
of growing a queue without bound."""

from __future__ import annotations

from dataclasses import dataclass, field

RATE_PER_S = 5.0  # sustained messages per second per person (typing and tapping fast)
BURST = 30  # messages allowed at once (a quick run of button presses, a paste)
MAX_SOCKETS = 5  # open chat tabs per person
SLOW_DOWN = "You're sending messages faster than I can answer — please slow down a little."


@dataclass
class Bucket:
    """A token bucket: `take` says whether one more message may go now."""

    rate: float = RATE_PER_S
    burst: int = BURST
    tokens: float = float(BURST)
    at: float = field(default=0.0)

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
