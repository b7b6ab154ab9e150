"""Writing files so that nobody ever sees half of one.

Every file kg writes (graphs, pages, a store's cached Docs and facts) goes to a
temporary file in the target folder and is renamed into place: a failed or
interrupted write leaves the previous file intact, and a reader sees either the
old file or the new one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# names temporary files apart within a process; the process id tells processes apart
_serial = itertools.count()


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new temporary file in ``path``'s folder (same filesystem, so the rename
    into place is atomic), open for writing: (descriptor, path). It is created
    exclusively with the permissions of a normally created file (0666 less the
    umask: outputs are meant to be shared), so nothing needs changing after,
    and a name taken by a file a killed writer left behind is simply skipped.
    (``tempfile.mkstemp`` costs four times as much in a folder of many files,
    and makes 0600 files.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}-{next(_serial)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def temp_beside(path: Path) -> Path:
    """A new, empty temporary file in ``path``'s folder (see ``_create_temp``)."""
    fd, tmp = _create_temp(path)
    os.close(fd)
    return tmp


def replace_from(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path``."""
    os.replace(tmp, path)


@contextlib.contextmanager
def open_atomic(path: Path | str, durable: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file beside it,
    renamed into place when the block ends without an error (and removed if it
    does not); ``durable`` also syncs it to disk first (for outputs a user keeps)."""
    path = Path(path)
    fd, tmp = _create_temp(path)
    try:
        try:
            fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        replace_from(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def remove_temps(folder: Path | str, target: str = "*") -> list[Path]:
    """Remove the temporary files ``temp_beside`` made in ``folder`` for files
    named like ``target`` (a glob): what a killed writer leaves behind. Call it
    only while holding the folder's lock (``kg.locking``), or a live writer's
    file could go."""
    removed = []
    for tmp in Path(folder).glob(f".{target}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def write_atomic(path: Path | str, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` as ``open_atomic`` does."""
    with open_atomic(path, durable) as fh:
        fh.write(data)


__all__ = ["open_atomic", "remove_temps", "replace_from", "temp_beside",
           "write_atomic"]
