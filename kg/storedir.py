"""The layout of a kg store folder, shared by the side that builds a store
(``kg.store``, which needs spaCy) and the sides that only read one (``kg
query``, ``kg serve``), so reading a store never loads the build."""

from __future__ import annotations

from pathlib import Path

OXIGRAPH_DIR = "oxigraph"  # the Oxigraph database inside a store folder


def is_store(path: Path) -> bool:
    """Whether ``path`` is a kg store folder (one ``kg build --store`` made)."""
    return (path / OXIGRAPH_DIR).is_dir()


__all__ = ["OXIGRAPH_DIR", "is_store"]
