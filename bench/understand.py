"""How fast the plain-words readers place a message (core.understand), per message.

    .venv/bin/python -m bench.understand [--repeat 3] [--model minilm|tfidf]

Reads every message of the held-out dialog set (core/understand/data/dialog_holdout.jsonl)
with `read_intent` (the catalogue's skill finder included, as the runner calls it) and
`control_word`, and prints the first call (it builds the nearest-examples index, once per
process: with MiniLM that embeds the labelled examples) and the mean, p50, p95 and max per
message after it. `--model minilm` (the default, as a server with MiniLM matching reads)
loads the model first and prints how long that took; `tfidf` is a server without MiniLM.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib import resources

from core.skills import SkillIndex, SkillRef, load_taxonomy
from core.understand.intents import control_word, read_intent


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", choices=("minilm", "tfidf"), default="minilm")
    args = ap.parse_args(argv)
    if args.model == "minilm":
        from core.understand.nearest import use_encoder
        from matching.embed import MiniLMEmbedder

        model = MiniLMEmbedder()
        start = time.perf_counter()
        model.load()
        print(f"MiniLM loaded in {time.perf_counter() - start:.1f} s (once per server)")
        use_encoder(model.encode)
    index = SkillIndex([(SkillRef(i, e.name), e.aliases) for i, e in enumerate(load_taxonomy())])
    data = resources.files("core.understand").joinpath("data/dialog_holdout.jsonl")
    texts = [json.loads(line)["text"] for line in data.read_text("utf-8").splitlines() if line]
    start = time.perf_counter()
    read_intent("zzqq blorp", index.names_in)  # nothing a rule knows: builds the fallback
    first = time.perf_counter() - start
    took: list[float] = []
    for _ in range(max(1, min(args.repeat, 20))):
        for text in texts:
            start = time.perf_counter()
            read_intent(text, index.names_in)
            control_word(text)
            took.append(time.perf_counter() - start)
    took.sort()
    n = len(took)
    ms = [1000 * took[i] for i in (n // 2, int(n * 0.95), n - 1)]
    print(f"first call (builds the nearest-examples index): {1000 * first:.1f} ms")
    print(
        f"{n} messages: mean {1000 * sum(took) / n:.2f} ms, p50 {ms[0]:.2f} ms, "
        f"p95 {ms[1]:.2f} ms, max {ms[2]:.2f} ms"
    )


if __name__ == "__main__":
    main()
