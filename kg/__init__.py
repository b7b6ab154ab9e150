"""kg: a knowledge-graph builder for entertainment news.

    >>> import kg
    >>> graph = kg.build(["seeds"])          # an rdflib.Graph
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rdflib is imported by the build, not by every kg module
    from rdflib import Graph

__all__ = ["build", "__version__"]
__version__ = "0.1.0"


def build(paths: Iterable[Path | str], model: str | None = None) -> Graph:
    """Build the knowledge graph of the articles under ``paths`` (files or folders).

    Unreadable articles are skipped; use ``kg.builder.build_graph`` to see them.
    """
    from kg.builder import build_graph

    with build_graph(paths, model=model) as result:
        return result.graph
