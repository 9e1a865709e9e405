"""Images for the profile-picture tests, made in the test (no files on disk)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from core.messaging import FileIn

SPY = "SpyCam 9000"


def image_bytes(fmt: str, size: tuple[int, int] = (800, 600), *, exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 60, 30))
    for x in range(0, size[0], 40):  # some content, so the encoders have work to do
        img.paste((20, 120, 220), (x, 0, min(x + 20, size[0]), size[1]))
    out = io.BytesIO()
    kwargs: dict[str, object] = {}
    if exif:
        e = Image.Exif()
        e[0x010F] = SPY  # Make
        e[0x0110] = "Secret model"  # Model
        e[0x0132] = "2026:01:02 03:04:05"  # DateTime
        kwargs["exif"] = e.tobytes()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height and holds almost nothing: a decompression bomb's
    header (Pillow reads the size before any pixel)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def photo(data: bytes, name: str = "me.jpg", mime: str = "image/jpeg") -> FileIn:
    return FileIn(name, mime, len(data), "test-ref", data)
