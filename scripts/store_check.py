#!/usr/bin/env python3
"""Check that a store built by adds and replacements equals a fresh build.

    .venv/bin/python scripts/store_check.py --seeds 1-4 [--fold-all] [--new-first] [FOLDER ...]

For each seed: articles from a small synthetic world (invented names, so the
same people and works meet across many articles: shared nominees, open
categories, costars, tweet authors whose names become titles), plus the
articles of any FOLDER given, shuffled; half go into a new store, the rest
are added in batches of one to three, some batches also replacing a kept
article by another's text; after each batch every quad of the store is
compared with a fresh build of the same files. The first difference is
printed (a few quads each way) and the exit status is 1. Found this way:
an evidence sentence kept beside its replacement, and tweets whose author's
name became a title left linked to the old account (both fixed, with tests).
Each batch takes a few seconds; a seed about a minute.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import World, article  # noqa: E402


def _quads(database) -> set[tuple[str, str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
            for q in database}


def check(seed: int, folders: list[Path], work: Path, synthetic: int = 40,
          new_first: bool = False) -> str | None:
    """One seed's run in ``work`` (emptied first); the first difference, or None.
    ``new_first``: each batch's new articles are named to sort before every
    article kept so far (a store's units then put their rows back at the new
    articles' ranks)."""
    import pyoxigraph

    from kg.builder import build_graph
    from kg.store import build_into_store

    rng = random.Random(seed)
    world = World(24, rng)
    texts = [article(world, rng) for _ in range(synthetic)]
    for folder in folders:
        texts += [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    rng.shuffle(texts)
    shutil.rmtree(work, ignore_errors=True)
    src, store = work / "src", work / "store"
    src.mkdir(parents=True)

    def put(i: int, text: str) -> Path:
        path = src / f"a{i:04d}.txt"
        if new_first:  # kept: m0000 on; each new batch sorts before all of those
            path = src / (f"b{9999 - i:04d}.txt" if i >= first else f"m{i:04d}.txt")
        path.write_text(text, encoding="utf-8")
        return path

    first = len(texts) // 2
    build_into_store([put(i, texts[i]) for i in range(first)], store)
    done, step = first, 0
    while done < len(texts):
        k = rng.choice([1, 1, 2, 3])
        batch = [put(j, texts[j]) for j in range(done, min(done + k, len(texts)))]
        done += k
        if rng.random() < 0.4:  # a kept article replaced by another's text
            batch.append(put(rng.randrange(first), rng.choice(texts)))
        build_into_store(batch, store)
        step += 1
        kept = _quads(pyoxigraph.Store.read_only(str(store / "oxigraph")))
        with build_graph([src]) as fresh:
            made = _quads(fresh.database)
        if kept != made:
            lines = [f"seed {seed}, batch {step} ({', '.join(p.name for p in batch)}): "
                     f"{len(kept - made)} quads only in the store, {len(made - kept)} only "
                     f"in a fresh build"]
            lines += [f"  + {q}" for q in sorted(kept - made)[:5]]
            lines += [f"  - {q}" for q in sorted(made - kept)[:5]]
            return "\n".join(lines)
    return None


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(text)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path, help="folders of articles to mix in")
    ap.add_argument("--seeds", default="1", help="a seed or a range, e.g. 1-4")
    ap.add_argument("--fold-all", action="store_true",
                    help="keep a fold of every entity, however few its rows (FOLD_MIN 1)")
    ap.add_argument("--new-first", action="store_true",
                    help="name each batch's new articles to sort before the kept ones")
    args = ap.parse_args()
    if args.fold_all:
        import kg.storeparts
        import kg.storeupdate

        kg.storeparts.FOLD_MIN = kg.storeupdate.FOLD_MIN = 1
    failed = False
    with tempfile.TemporaryDirectory(prefix="kg-store-check-") as tmp:
        for seed in _seeds(args.seeds):
            found = check(seed, args.folders, Path(tmp) / str(seed),
                          new_first=args.new_first)
            print(found or f"seed {seed}: equal after every batch", flush=True)
            failed |= found is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
