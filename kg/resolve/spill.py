"""A resolved corpus's per-article links, kept in files while it is made.

For every article, resolution links the entities it mentions and cites, its
tweets and its quotations (``Corpus.mentions``, ``citations``, ``tweets``,
``quotes``): about 4 KB per synthetic article, and two copies of them at once
while provisional ids become final ones. Nothing needs them again until the
graph is written, an article at a time. So a build that only writes its graph
(``kg build``) moves them to files, a slice of articles at a time, as it links
them; reads each slice back to link the tweets' @handles and to give every
entity its final id; and the graph is written from the files. What memory
holds then grows with the entities, nominations and credits, not with every
link of every article.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.resolve.model import Corpus

# articles linked between two slices moved to a file
SLICE_ARTICLES = 500
# the name of a folder of slices starts with this (a store removes any left
# by a killed build)
LINKS_PREFIX = "kg-links-"


class SpilledLinks:
    """Slices of per-article links, each a ``Corpus`` holding only mentions,
    citations, tweets and quotes, pickled in a temporary folder (removed by
    ``close``, or when the object is collected)."""

    def __init__(self, parent: Path | None = None) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix=LINKS_PREFIX, dir=parent)
        self._count = 0

    def _path(self, i: int) -> Path:
        return Path(self._folder.name) / f"{i:08d}.pickle"

    def take(self, corpus: Corpus) -> None:
        """File ``corpus``'s per-article links as the next slice, and empty
        them there."""
        links = Corpus(articles=[], tweets=corpus.tweets, quotes=corpus.quotes,
                       citations=corpus.citations, mentions=corpus.mentions)
        self._write(self._count, links)
        self._count += 1
        corpus.mentions, corpus.citations, corpus.tweets, corpus.quotes = set(), set(), [], []

    def __iter__(self) -> Iterator[Corpus]:
        for i in range(self._count):
            yield pickle.loads(self._path(i).read_bytes())

    def rewrite(self, change: Callable[[Corpus], Corpus | None]) -> None:
        """Replace every slice by ``change`` of it (which may change it in
        place), or leave it as it was where ``change`` gives None."""
        for i, links in enumerate(self):
            changed = change(links)
            if changed is not None:
                self._write(i, changed)

    def _write(self, i: int, links: Corpus) -> None:
        # a plain write: the folder is this object's alone, and is removed when
        # writing a slice fails (resolution fails with it)
        self._path(i).write_bytes(pickle.dumps(links, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        self._folder.cleanup()
        self._count = 0
