"""Whether a folder has room for what a build files there while it runs.

Between its two passes a build files each article's parsed Doc, what its first
pass found and its facts in a temporary folder (removed as it ends). At
100,000 articles that is gigabytes, and a disk that fills an hour into a build
fails it there; said before the build starts, the user can make room or build
elsewhere first. The figure is an estimate, so a build short of it still runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from kg.articles import MAX_ARTICLE_BYTES, Article

# what a build's files and its graph took at their peak (README, "Build"),
# measured with `kg build --jobs 2`: about 60 KB an article of 4 KB of text and
# 30 KB one of 0.75 KB; fitted as bytes a byte of text, plus bytes an article
BYTES_PER_TEXT_BYTE = 9
BYTES_PER_ARTICLE = 23_000
# a store keeps those files (its cache), and beside them its database and the
# parts resolution keeps between adds: 3.4 to 3.6 times as much, measured (108
# KB a synthetic article at 100,000 articles, 210 KB a real one)
STORE_TIMES = 3.5


def room_needed(text_bytes: int, articles: int, store: bool = False) -> int:
    """About how many bytes a build of ``articles`` articles, ``text_bytes``
    of text in all, files at its peak (with ``store``, what a store adds to
    keep them)."""
    need = text_bytes * BYTES_PER_TEXT_BYTE + articles * BYTES_PER_ARTICLE
    return round(need * STORE_TIMES) if store else need


def short_of_room(folder: Path, articles: Sequence[Article], store: bool = False
                  ) -> str | None:
    """What to tell the user when ``folder`` (or, not made yet, the folder it
    will be made in) has less room free than a build of ``articles`` may need
    there (with ``store``, adding them to the store there), or None. An
    article whose file cannot be looked up counts as having no text (its
    build reports it), and a folder whose free room cannot be asked is not
    warned about: the check must never stop a build itself."""
    try:
        free = shutil.disk_usage(_existing(folder)).free
    except OSError:
        return None
    # room for the largest article kg reads, as many times as there are
    # articles: their sizes need not be looked up (they are, one stat each,
    # 0.2 s at 100,000 articles, wherever room is less plentiful)
    if free >= room_needed(MAX_ARTICLE_BYTES * len(articles), len(articles), store):
        return None
    text = 0
    for article in articles:
        with contextlib.suppress(OSError):
            text += os.stat(article.path).st_size
    need = room_needed(text, len(articles), store)
    if free >= need:
        return None
    what = ("adding" if store else "building") + f" {len(articles):,} article(s)"
    kept = ("each article's text, parsed text and facts are kept, and the store's "
            "database grows" if store else "each article's parsed text is filed between "
            "the passes")
    return (f"{folder} has {size_text(free)} free, and {what} may need about "
            f"{size_text(need)} there ({kept}). The build goes on; if the disk fills, it "
            f"stops there: make room first, or build where there is more")


def warn_if_short_of_room(warn: Callable[[str], None], folder: Path,
                          articles: Sequence[Article], store: bool = False) -> None:
    """Tell ``warn`` what ``short_of_room`` finds, if anything, as a warning."""
    short = short_of_room(folder, articles, store)
    if short is not None:
        warn(f"warning: {short}")


def _existing(folder: Path) -> Path:
    """``folder``, or the nearest folder above it that exists."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate
    return folder


def size_text(size: int) -> str:
    """A size in bytes as a person reads it: "512 KB", "3.4 GB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if round(size / scale, 1) >= 1:
            return f"{size / scale:.1f} {unit}"
    return f"{max(size, 0) / 1e3:.0f} KB"
