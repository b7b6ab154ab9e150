"""Where an article's extracted facts are filed: a file of their own, or a
record in a build's facts log.

A store keeps each article's facts in a file of its own, so that the next
build finds them by name. A plain build's facts live only as long as the
build, and filing them one file an article cost more than writing them:
creating a file took half a millisecond on the machine the benchmark runs on
(its ext4), against microseconds to append to an open one, so 1,000 articles
spent half a second creating files, about 2% of a one-process build. So a
build's own scratch appends every article's facts to one log, in the process
that runs the passes (a pool's workers hand the facts back, which they do
anyway with their results), and says where each record is.

A place is a string either way (a build of 100,000 articles holds one per
article through resolution, and a string is the smallest row): a file's
path, or ``LOG\\0OFFSET\\0LENGTH`` for a record of a log (NUL never appears in
a path). A log made ``relative`` names itself in its places by its file
name alone, to be read against its folder (``read_place(place, folder)``):
half the bytes, for places held on every article's job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

_SEPARATOR = "\0"


class FactsLog:
    """An append-only file of records; ``append`` says where each one went.
    Opened on the first record, so a build that extracts nothing makes no
    file. Each record is written out as it is appended (a system call, a few
    microseconds): it can be read at once, and a process forked meanwhile
    inherits nothing pending that it could write again."""

    def __init__(self, path: Path, relative: bool = False) -> None:
        self.path = os.fspath(path)
        self._named = os.path.basename(self.path) if relative else self.path
        self._file: BinaryIO | None = None

    def append(self, data: bytes) -> str:
        """Write one record at the end; its place (see the module docstring)."""
        return self.place(self.write(data), len(data))

    def write(self, data: bytes) -> int:
        """Write one record at the end; its offset (for a caller that keeps
        many places compactly, as numbers, and makes them with ``place``)."""
        if self._file is None:
            self._file = open(self.path, "ab")  # noqa: SIM115 - held open until close
        offset = self._file.tell()
        self._file.write(data)
        self._file.flush()
        return offset

    def place(self, offset: int, length: int) -> str:
        """The place of the record of ``length`` bytes at ``offset``."""
        return f"{self._named}{_SEPARATOR}{offset}{_SEPARATOR}{length}"

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> FactsLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def file_of(place: str | Path) -> str:
    """The file a place is in: the file itself, or the log holding the record."""
    return os.fspath(place).split(_SEPARATOR, 1)[0]


def filed_size(place: str | Path) -> int:
    """The bytes at a place, without reading them: a log record's length, or
    a file's size (0 for a file that cannot be seen, or a place that is not
    one ``FactsLog`` gave: reading it is what reports it)."""
    path, *span = os.fspath(place).split(_SEPARATOR)
    try:
        return int(span[-1]) if span else os.stat(path).st_size
    except (OSError, ValueError):
        return 0


def read_place(place: str | Path, folder: str | Path | None = None) -> bytes:
    """The bytes at a place (in ``folder``, for a ``relative`` log's): a whole
    file, or one record of a log. Raises ``OSError`` if it cannot be read,
    ``EOFError`` if a record is cut short, ``ValueError`` if the place is not
    one ``FactsLog`` gave."""
    path, *span = os.fspath(place).split(_SEPARATOR)
    if folder is not None:
        path = os.path.join(folder, path)
    if not span:
        return Path(path).read_bytes()
    offset, length = (int(n) for n in span)  # ValueError: not two numbers
    with open(path, "rb") as log:
        log.seek(offset)
        data = log.read(length)
    if len(data) != length:
        raise EOFError(f"{path}: a record of {length} bytes at {offset} is cut short")
    return data
