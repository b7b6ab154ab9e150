"""Giving freed memory back to the system.

A process that parsed articles keeps the memory spaCy and thinc freed: glibc's
allocator holds on to it (a process that parsed 200 articles and let them go
still uses about 250 MB more than before). ``give_back`` asks the allocator to
return what is free, so the rest of a build (resolution, writing the graph)
does not add to a peak that parsing already set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Collect garbage, then return the allocator's free memory to the system."""
    gc.collect()
    trim_memory()


def trim_memory() -> None:
    """Return the allocator's free memory to the system, without collecting
    garbage (which, in a process that has forked, would write to every object
    it shares with its child and so copy them)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
