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
from pathlib import Path


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


def write_atomic(path: Path | str, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename;
    ``durable`` also syncs it to disk first (for outputs a user keeps)."""
    path = Path(path)
    tmp = temp_beside(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        replace_from(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


__all__ = ["default_mode", "replace_from", "temp_beside", "write_atomic"]
