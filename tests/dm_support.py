"""Direct-message test helpers: two people on their platforms who booked each other."""

from __future__ import annotations

from datetime import timedelta

from core.app import CoreApp
from core.booking.tables import Booking
from core.db.schema import MentorProfile
from core.messaging import Actor

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def person(core: CoreApp, actor: Actor, mentor: bool = False) -> int:
    async with core.uow() as u:
        user, _ = await u.identity.resolve(actor)
        user.display_name = actor.display_name
        user.onboarded = True
        if mentor and await u.session.get(MentorProfile, user.id) is None:
            user.wants_to_mentor = True
            u.session.add(
                MentorProfile(
                    user_id=user.id, headline=f"{actor.display_name} mentors", status="approved",
                    price_mode="free", price_minor=0, session_lengths=[30],
                )
            )  # fmt: skip
        return user.id


async def booked(core: CoreApp, learner_id: int, mentor_id: int, status: str = "completed") -> int:
    """A session the two had (a row as the booking service leaves it)."""
    async with core.uow() as u:
        start = u.now - timedelta(days=1)
        b = Booking(
            mentor_id=mentor_id, learner_id=learner_id, starts_at=start,
            ends_at=start + timedelta(minutes=30), length_min=30, topic="Python",
            status=status, price_mode="free", respond_by=start, created_at=start,
            decided_at=start, completed_at=start if status == "completed" else None,
        )  # fmt: skip
        u.session.add(b)
        await u.session.flush()
        return b.id


PDF = b"%PDF-1.4\n" + b"% notes for the session\n" * 40 + b"%%EOF\n"


def m4a_aac(seconds: float = 1.0) -> bytes:
    """A short m4a (AAC in MP4), as a phone's or Slack's audio clip is."""
    import io

    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, mode="w", format="ipod") as dst:
        stream = dst.add_stream("aac", rate=48000, layout="mono")
        n = int(48000 * seconds)
        tone = (np.sin(np.arange(n) * 2 * np.pi * 330 / 48000) * 8000).astype(np.int16)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
        for i in range(0, n, 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[None, i : i + 1024], format="s16", layout="mono"
            )
            frame.sample_rate = 48000
            for rf in resampler.resample(frame):
                rf.pts = None
                for packet in stream.encode(rf):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()
