"""Tables kg derives from installed data, kept between runs in the user's cache.

Some tables cost more to make than to read: the first-name table is made by
reading a 4 MB name list line by line, about a third of a second, in every
command that loads the pipeline (adding one article to a store among them).
Each is kept as JSON (after a line that says what it is) under
``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``, named by
a key of what it was made from, so a new version of the data makes a new file.
The cache is only ever a shortcut: a file that is missing, damaged or cannot
be written means the table is made again, never an error. The last few
tables of each name are kept, by their last use (two installations of kg on
one machine, whose data lives in two places, would otherwise remake the table
on every other run, each replacing the other's).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from kg.atomic import write_atomic

# tables of one name kept at once (each of other sources: another installation,
# or older data); the least recently used goes first
KEPT_PER_NAME = 4
# a kept file is one line of JSON saying what the table is (its key, size,
# the checksum of what follows and this format), then the table as JSON
# (before, one JSON object whose checksum was of the table written again)
_FORMAT = 2


def cache_dir() -> Path:
    explicit = os.environ.get("KG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kg"


def kept_file(name: str, key: str) -> Path:
    """Where the table ``name`` made from ``key`` is kept (the format is in
    the name, so that two versions of kg on one machine that keep tables in
    different formats keep one each, rather than replace each other's at
    every run)."""
    return cache_dir() / f"{name}-{key}.v{_FORMAT}.json"


def source_key(files: Iterable[Path], version: str) -> str:
    """A key that changes when any of ``files`` (their path, size or time of
    change) or ``version`` (of the code that makes the table) does."""
    h = hashlib.sha256(version.encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:20]


def cached_table(name: str, key: str, make: Callable[[], dict[str, str]],
                 valid: Callable[[dict[str, str]], bool] = lambda table: True
                 ) -> dict[str, str]:
    """The table ``make`` returns, read from the cache when it holds one made
    from the same sources (``key``) that ``valid`` accepts, else made and kept
    there (with the ``KEPT_PER_NAME`` - 1 tables of other sources used last)."""
    try:
        path: Path | None = kept_file(name, key)
    except RuntimeError:  # no home folder to keep it in
        path = None
    with contextlib.suppress(Exception):  # missing or damaged: made below
        header, _, body = path.read_bytes().partition(b"\n") if path else (b"", b"", b"")
        kept = json.loads(header)
        if kept["format"] == _FORMAT and kept["key"] == key and \
                kept["checksum"] == _checksum(body):
            table = json.loads(body)
            if kept["size"] == len(table) and \
                    all(isinstance(v, str) for v in table.values()) and valid(table):
                with contextlib.suppress(OSError):  # used now: the last to go
                    os.utime(path)
                return table
    table = make()
    with contextlib.suppress(Exception):  # a read-only home: no shortcut next time
        if path:
            body = json.dumps(table, ensure_ascii=False, sort_keys=True).encode()
            header = json.dumps({"key": key, "size": len(table), "checksum": _checksum(body),
                                 "format": _FORMAT}).encode()
            write_atomic(path, header + b"\n" + body)
            _keep_last_used(name, path)
    return table


def _keep_last_used(name: str, made: Path) -> None:
    """Remove the tables of ``name`` beyond the ``KEPT_PER_NAME`` used last
    (``made`` among them). Another process may prune at the same time: a
    file gone meanwhile is passed over, not a reason to stop."""
    used: list[tuple[int, str, Path]] = []
    for other in made.parent.glob(f"{name}-*.json"):
        if other != made:
            with contextlib.suppress(FileNotFoundError):
                used.append((other.stat().st_mtime_ns, other.name, other))
    for *_, old in sorted(used, reverse=True)[KEPT_PER_NAME - 1:]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


def _checksum(body: bytes) -> str:
    """The digest of a table's bytes as kept, in the line before them: a kept
    table damaged on disk yet still well formed (a name's gender, a module's
    imports gone) is made again rather than used, as a table made from other
    sources is. Digesting the bytes read, not the table made again as JSON,
    costs a millisecond where that cost 33 ms for the first-name table, in
    every command that loads the pipeline."""
    return hashlib.sha256(body).hexdigest()


__all__ = ["cache_dir", "cached_table", "kept_file", "source_key"]
