"""A kept folder's index of its articles' letters: which texts a title may be in.

When a title comes or goes, every kept article that may mention it must be
extracted again (``kg.passes``). Whether one may is a question about its text
alone: do the title's letters follow each other in the text's letters
(``KnownWorks.mentioned_in``)? Asking it of every kept article meant reading
every stored text, 10,000 files for an add into a 10,000-article store. This
index answers it from a SQLite full-text table over each text's letters
(FTS5's trigram tokenizer matches any substring of three or more characters),
so only the texts it names are read.

The index is a cache, never the truth: it is keyed by the text's digest, so a
changed text is simply not in it, and a text it does not know, or a title
whose letters are too short for trigrams, is checked by reading the text as
before. Its file is named by the extraction code's fingerprint and the Unicode
version (what makes the letters), so letters made another way are never read.
"""

from __future__ import annotations

import contextlib
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

# the shortest run of letters a trigram index can look for
_SHORTEST = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS text (id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    letters, tokenize = 'trigram case_sensitive 1', detail = 'full');
"""


def index_name(code: str) -> str:
    """The index's file name in a folder, for extraction code ``code`` and this
    Python's Unicode tables (which say what a letter is, and how it folds)."""
    return f"letters-{code}-{unicodedata.unidata_version}.sqlite"


class LettersIndex:
    """Article text digest -> the text's letters, searchable by substring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)  # writes in sqlite3's own transactions
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def known(self, digests: Iterable[str]) -> set[str]:
        """Those of ``digests`` the index holds letters for."""
        wanted = set(digests)
        return {d for (d,) in self._db.execute("SELECT digest FROM text") if d in wanted}

    def add(self, items: Iterable[tuple[str, str]]) -> None:
        """Index (digest, letters) pairs; a digest already held is left as it is
        (its letters are those of the same text)."""
        with self._db:  # one transaction: committed whole, or rolled back
            for digest, letters in items:
                cur = self._db.execute("INSERT OR IGNORE INTO text (digest) VALUES (?)", (digest,))
                if cur.rowcount:
                    self._db.execute("INSERT INTO search (rowid, letters) VALUES (?, ?)",
                                     (cur.lastrowid, letters))

    def containing(self, keys: Iterable[str]) -> set[str] | None:
        """The digests of the texts whose letters hold one of ``keys`` (runs of
        letters, as ``KnownWorks.touching`` gives them); None when a key is too
        short to look up, and every text must be checked."""
        keys = sorted(set(keys))
        if any(len(k) < _SHORTEST for k in keys):
            return None
        found: set[str] = set()
        for key in keys:
            # a key is letters and digits alone (no quote to escape): one phrase
            found.update(d for (d,) in self._db.execute(
                "SELECT text.digest FROM search JOIN text ON text.id = search.rowid "
                "WHERE search MATCH ?", (f'"{key}"',)))
        return found

    def keep_only(self, digests: Iterable[str]) -> None:
        """Forget the texts not in ``digests`` (articles no longer kept)."""
        wanted = set(digests)
        gone = [(i,) for i, d in self._db.execute("SELECT id, digest FROM text")
                if d not in wanted]
        if gone:
            with self._db:
                self._db.executemany("DELETE FROM search WHERE rowid = ?", gone)
                self._db.executemany("DELETE FROM text WHERE id = ?", gone)


@contextlib.contextmanager
def opened(path: Path | None) -> Iterator[LettersIndex | None]:
    """The index at ``path`` (None: no index, and None given), closed after; an
    index that cannot be opened (a damaged file) is made again, and where it
    cannot be made (a SQLite without FTS5 or its trigram tokenizer, before
    3.34) there is none: every text is then read, as without an index."""
    if path is None:
        yield None
        return
    try:
        index = LettersIndex(path)
    except sqlite3.DatabaseError:
        path.unlink(missing_ok=True)
        try:
            index = LettersIndex(path)
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
            yield None
            return
    try:
        yield index
    finally:
        index.close()
