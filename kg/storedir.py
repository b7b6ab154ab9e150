"""The layout of a kg store folder, shared by the side that builds a store
(``kg.store``, which needs spaCy) and the sides that only read one (``kg
query``, ``kg serve``), so reading a store never loads the build."""

from __future__ import annotations

from pathlib import Path

OXIGRAPH_DIR = "oxigraph"  # the Oxigraph database inside a store folder
# A rebuild fills OXIGRAPH_DIR + NEW_SUFFIX, then renames the current database to
# OXIGRAPH_DIR + OLD_SUFFIX and the new one into place: if it is killed between
# those two renames, the previous database is still there under the old name.
NEW_SUFFIX, OLD_SUFFIX = ".new", ".old"


def database_dir(path: Path) -> Path:
    """The store's Oxigraph database folder: normally ``oxigraph/``; the previous
    one when a rebuild was interrupted while swapping them."""
    current = path / OXIGRAPH_DIR
    previous = path / (OXIGRAPH_DIR + OLD_SUFFIX)
    if not current.is_dir() and previous.is_dir():
        return previous
    return current


def snapshot(database: Path, location: Path) -> None:
    """Copy the Oxigraph database at ``database`` to ``location`` with Oxigraph's
    backup (hard links where the filesystem allows, so it is nearly free), for a
    reader that must not be disturbed by a rebuild, and that reads faster from a
    database it opens for writing than from one opened read-only (about three
    times, for a whole-graph dump). Raises OSError when it cannot."""
    import pyoxigraph

    source = pyoxigraph.Store.read_only(str(database))
    source.backup(str(location))
    del source


def is_store(path: Path) -> bool:
    """Whether ``path`` is a kg store folder (one ``kg build --store`` made)."""
    return database_dir(path).is_dir()


__all__ = ["NEW_SUFFIX", "OLD_SUFFIX", "OXIGRAPH_DIR", "database_dir", "is_store", "snapshot"]
