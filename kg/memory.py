"""Giving freed memory back to the system.

A process that parsed articles keeps the memory spaCy and thinc freed: glibc's
allocator holds on to it (a process that parsed 200 articles and let them go
still uses about 250 MB more than before). ``give_back`` asks the allocator to
return what is free, so the rest of a build (resolution, writing the graph)
does not add to a peak that parsing already set.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (``gc.disable``) for a step that
    makes many objects while this process holds many more, and makes next to
    no cycles: each full collection the step's allocations trigger scans
    everything held. In an add to a store of 10,000 articles (the kept
    state, the largest component's 30,000 records read ahead) those scans
    were a fifth of the update; in a command-line build's resolving and
    writing, over a quarter (``kg.builder.build_corpus``, whose pause lasts
    until the build drops its corpus). The step's objects are freed by their
    reference counts as ever; only cycles wait for the collector, which runs
    again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_objects() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector's scans
    while processes forked from this one run (``gc.freeze``): a full collection
    in a forked process writes to every object it scans, which copies the page
    holding it, so the pages it shares with its parent (the model, the
    gazetteers) would become a copy per process at once (80 to 100 MB more in
    all, seen in builds of 4,000 and 10,000 articles). Objects frozen before
    (a build's extraction process inherits them frozen) stay frozen."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


@contextlib.contextmanager
def imports_frozen() -> Iterator[None]:
    """Import modules with the cyclic collector off, then freeze everything
    that exists (``gc.freeze``) and turn it back on: for a process that ends
    when its work does (a build's extraction process), as nothing is
    unfrozen after (nor does ``frozen_objects`` unfreeze, while anything is
    frozen), and garbage cycles the imports made are kept. What an import
    makes (modules, classes, functions) lives as long as the process, yet the
    collections its allocations trigger scan it again and again: importing
    spaCy and kg's extractors took 0.40 s with them and 0.36 s without (the
    means of eight runs each), and frozen after, the model's load that
    follows costs no more (collected off until then, its load took 0.06 s
    longer: the first collection after scanned all of it)."""
    with collection_paused():
        try:
            yield
        finally:
            gc.freeze()  # before the collector runs again
