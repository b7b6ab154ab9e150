"""One writer at a time per folder: a build takes a lock on its output folder or
store before it writes, so two builds into the same place never interleave.

The lock is an OS file lock (``filelock``: ``flock`` on POSIX), so it is freed
by the kernel when its holder exits, even after ``kill -9``: a crashed build
never leaves a folder locked. While holding it, a build may safely remove the
temporary files an earlier, killed build left behind, since nobody else can be
writing them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".kg.lock"


@contextlib.contextmanager
def folder_lock(folder: Path | str, say: Callable[[str], None] | None = None,
                timeout: float | None = None) -> Iterator[None]:
    """Hold the write lock of ``folder`` (created if missing) for the block.

    If another process holds it, ``say`` is told once and the call waits for
    it: ``timeout`` seconds (``None``: as long as it takes), then ``LockBusy``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_NAME, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if say is not None:
            say(f"{folder}: another kg build is writing here; waiting for it to finish")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise LockBusy(f"{folder}: another kg build is still writing here after "
                           f"{timeout:g} s; try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


class LockBusy(Exception):
    """The folder stayed locked by another build for longer than allowed."""


__all__ = ["LOCK_NAME", "LockBusy", "folder_lock"]
