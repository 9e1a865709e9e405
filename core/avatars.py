"""Profile pictures (issue 18): an uploaded image checked by its content, re-encoded without
its metadata into a square thumbnail and a larger square, and kept on disk under a name
nobody can guess. A leaf module: Pillow and files only."""

from __future__ import annotations

import io
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
SIZES = {"thumb": 128, "large": 512}
NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")

NOT_AN_IMAGE = "That file isn't a picture I can read — please send a JPEG, PNG or WebP photo."
WRONG_KIND = "Only JPEG, PNG or WebP photos can be a profile picture (that one is {kind})."
TOO_BIG = "That photo is too big ({mb:.1f} MB); please send one under {limit} MB."
TOO_MANY_PIXELS = (
    "That image is too large in pixels ({w}×{h}); please send one at most {limit_mp} megapixels."
)


@dataclass(frozen=True)
class Refused:
    message: str


@dataclass(frozen=True)
class Pictures:
    """The re-encoded JPEGs: no EXIF, no ICC profile, no comments; square."""

    thumb: bytes
    large: bytes


def _square(img: Image.Image, side: int) -> bytes:
    from PIL import Image, ImageOps

    fitted = ImageOps.fit(img, (side, side), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image has no info dict: nothing of the original's metadata is written.
    fitted.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def process(data: bytes, *, max_bytes: int, max_pixels: int) -> Pictures | Refused:
    """Read `data` as an image by content (never by its name or claimed type)."""
    # Pillow is imported on the first picture, not at every server start.
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > max_bytes:
        return Refused(TOO_BIG.format(mb=len(data) / 1_048_576, limit=max_bytes // 1_048_576))
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that; we refuse at
            # our own limit before decoding a single pixel.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            kind = img.format or "unknown"
            if kind not in ALLOWED_FORMATS:
                return Refused(WRONG_KIND.format(kind=kind))
            w, h = img.size
            if w * h > max_pixels or w < 1 or h < 1:
                return Refused(
                    TOO_MANY_PIXELS.format(w=w, h=h, limit_mp=round(max_pixels / 1_000_000))
                )
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Refused(TOO_MANY_PIXELS.format(w="?", h="?", limit_mp=round(max_pixels / 1e6)))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return Refused(NOT_AN_IMAGE)
    upright = ImageOps.exif_transpose(img)  # upright as taken, then the EXIF is dropped
    clean = upright.convert("RGB")
    return Pictures(_square(clean, SIZES["thumb"]), _square(clean, SIZES["large"]))


class AvatarStore:
    """Files `<name>-thumb.jpg` and `<name>-large.jpg` in one folder; `name` is random."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        if self._folder is None:  # a core without a data folder (tests, the console)
            self._folder = Path(tempfile.mkdtemp(prefix="mentorbot-avatars-"))
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def save(self, pictures: Pictures) -> str:
        name = secrets.token_urlsafe(24)
        for size, data in (("thumb", pictures.thumb), ("large", pictures.large)):
            (self.folder / f"{name}-{size}.jpg").write_bytes(data)
        return name

    def read(self, name: str, size: str = "thumb") -> bytes | None:
        """The stored JPEG, or None: only names of our own shape, never a path."""
        if size not in SIZES or NAME.fullmatch(name) is None:
            return None
        path = self.folder / f"{name}-{size}.jpg"
        return path.read_bytes() if path.is_file() else None

    def delete(self, name: str) -> None:
        if NAME.fullmatch(name) is None:
            return
        for size in SIZES:
            (self.folder / f"{name}-{size}.jpg").unlink(missing_ok=True)


def picture_path(name: str | None, size: str = "thumb") -> str:
    """The URL path the web server serves a picture at ("" for none)."""
    return f"/avatars/{name}-{size}.jpg" if name else ""
