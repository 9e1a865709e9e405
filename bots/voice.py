"""Voice notes between platforms (issue #16): a recording made in a browser is WebM/Opus,
and Telegram plays only OGG/Opus as a voice note, so it is transcoded with PyAV (off the
event loop). Shared by the adapters; imports no adapter."""

from __future__ import annotations

import asyncio
import io
import logging

import av

log = logging.getLogger(__name__)
MAX_SECONDS = 15 * 60  # a longer recording is not a voice note


def transcode_ogg_opus(data: bytes) -> bytes:
    """Any audio PyAV can read, as mono 48 kHz OGG/Opus (ValueError: not audio)."""
    out = io.BytesIO()
    try:
        with av.open(io.BytesIO(data), mode="r") as src:
            if not src.streams.audio:
                raise ValueError("no audio stream")
            with av.open(out, mode="w", format="ogg") as dst:
                stream = dst.add_stream("libopus", rate=48000, layout="mono")
                resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
                seconds = 0.0
                for frame in src.decode(audio=0):
                    seconds += frame.samples / max(1, frame.sample_rate)
                    if seconds > MAX_SECONDS:
                        break
                    for rf in resampler.resample(frame):
                        rf.pts = None
                        for packet in stream.encode(rf):
                            dst.mux(packet)
                for rf in resampler.resample(None):
                    rf.pts = None
                    for packet in stream.encode(rf):
                        dst.mux(packet)
                for packet in stream.encode(None):
                    dst.mux(packet)
    except av.FFmpegError as exc:
        raise ValueError(str(exc)) from exc
    return out.getvalue()


def is_ogg_opus(data: bytes) -> bool:
    """OGG with an Opus stream (its first page holds OpusHead): Telegram plays it as it is;
    anything else (OGG/Vorbis, WebM, m4a) is transcoded."""
    return data[:4] == b"OggS" and b"OpusHead" in data[:96]


async def to_ogg_opus(data: bytes) -> bytes | None:
    """The voice note Telegram plays, or None when the data isn't audio PyAV can read."""
    try:
        return await asyncio.to_thread(transcode_ogg_opus, data)
    except ValueError as exc:
        log.warning("voice note could not be transcoded: %s", exc)
        return None


def webm_opus(seconds: float = 1.0) -> bytes:
    """A short WebM/Opus tone, as a browser's MediaRecorder makes (tests, bench)."""
    import numpy as np

    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as dst:
        stream = dst.add_stream("libopus", rate=48000, layout="mono")
        n = int(48000 * seconds)
        tone = (np.sin(np.arange(n) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16)
        for i in range(0, n, 960):
            frame = av.AudioFrame.from_ndarray(tone[None, i : i + 960], format="s16", layout="mono")
            frame.sample_rate = 48000
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()
