"""Adds and replacements of synthetic articles (invented names from a small
world, so nominees, open categories, costars and tweet authors meet across
articles), each batch compared with a fresh build: the check
``scripts/store_check.py`` runs over many seeds, for one seed (one whose
batches met a bug since fixed: a tweet author's account left as it was
when the author's name became a title)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_store_after_random_adds_and_replacements_equals_fresh_builds(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    from store_check import check

    assert check(7, [], tmp_path / "run", synthetic=24) is None


def test_a_folded_store_after_adds_that_sort_first_equals_fresh_builds(tmp_path,
                                                                        monkeypatch):
    """Every entity folded, and each batch's articles named to sort before the
    kept ones: units made again put their rows back at the new articles'
    ranks, which the folds must take (``kg.storeparts._StandIns``: 25 times
    at this seed)."""
    import kg.storeparts
    import kg.storeupdate

    monkeypatch.setattr(kg.storeparts, "FOLD_MIN", 1)
    monkeypatch.setattr(kg.storeupdate, "FOLD_MIN", 1)
    sys.path.insert(0, str(ROOT / "scripts"))
    from store_check import check

    assert check(3, [], tmp_path / "run", synthetic=24, new_first=True) is None
