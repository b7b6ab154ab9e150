"""Writing files so that nobody ever sees half of one.

Every file kg writes (graphs, pages, a store's cached Docs and facts) goes to a
temporary file in the target folder and is renamed into place: a failed or
interrupted write leaves the previous file intact, and a reader sees either the
old file or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def default_mode() -> int:
    """Permissions a normally created file would get (mkstemp makes 0600 files,
    but outputs are meant to be shared)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def temp_beside(path: Path) -> Path:
    """A new, empty temporary file in ``path``'s folder (same filesystem, so the
    rename into place is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def replace_from(tmp: Path, path: Path) -> None:
    """Give ``tmp`` normal permissions and rename it to ``path``."""
    os.chmod(tmp, default_mode())
    os.replace(tmp, path)


@contextlib.contextmanager
def open_atomic(path: Path | str, durable: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file beside it,
    renamed into place when the block ends without an error (and removed if it
    does not); ``durable`` also syncs it to disk first (for outputs a user keeps)."""
    path = Path(path)
    tmp = temp_beside(path)
    try:
        with open(tmp, "wb") as fh:
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


__all__ = ["default_mode", "open_atomic", "remove_temps", "replace_from", "temp_beside",
           "write_atomic"]
