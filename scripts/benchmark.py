#!/usr/bin/env python3
"""Print build speed and memory on a synthetic corpus of N articles.

    .venv/bin/python scripts/benchmark.py --copies 20

The corpus repeats the seed articles and the invented held-out articles under
new names (each copy is a separate article), so the figures are comparable
between runs. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=10, help="copies of each source article")
    args = ap.parse_args()
    sources = sorted((ROOT / "seeds").glob("*.txt")) + sorted(
        (ROOT / "tests/data/heldout").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for n in range(args.copies):
            for src in sources:
                shutil.copy(src, corpus / f"{src.stem}-{n:04d}.txt")
        words = sum(len(p.read_text(encoding="utf-8").split()) for p in corpus.iterdir())
        from kg.builder import build_graph, serialize_turtle
        from kg.nlp import load_pipeline

        t0 = time.perf_counter()
        load_pipeline()
        t1 = time.perf_counter()
        result = build_graph([corpus])
        t2 = time.perf_counter()
        data = serialize_turtle(result.graph)
        t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles        {result.articles}")
    print(f"words           {words}")
    print(f"model load      {t1 - t0:.1f} s")
    print(f"build           {t2 - t1:.1f} s  ({result.articles / (t2 - t1):.1f} articles/s, "
          f"{words / (t2 - t1):.0f} words/s)")
    print(f"turtle          {t3 - t2:.1f} s  ({len(data) / 1e6:.1f} MB, {len(result.graph)} "
          "triples)")
    print(f"peak memory     {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
