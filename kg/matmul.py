"""How the model multiplies its matrices: numpy's BLAS, one thread a process,
a block of a fixed number of rows at a time.

thinc, under spaCy, multiplies with blis by default. For the small matrices
of a CPU pipeline such as ``en_core_web_sm`` (64 to 576 inputs, 50 to 1,024
outputs) numpy's BLAS is faster on this project's test machine: 400
synthetic articles parsed in 7.3 to 7.7 s of CPU against 10.4 to 11.2 s, and
a build of 1,000 took about 23 s against 29 s with ``--jobs 1``, 14 to 15 s
against 17 s with ``--jobs 2``. The transition parser's own C loop keeps
blis; only the layers run through thinc change.

Two things come with numpy's BLAS, and are dealt with here:

- It starts a thread per core, and kg's parallelism is its processes
  (``--jobs``): two processes each running two BLAS threads on two cores made
  a build a third slower than blis. So the BLAS is held to one thread.
- Its result for a row depends on how many rows are multiplied at once (it
  picks other kernels for a few rows), and a batch's rows are the tokens of
  all its texts: an article parsed alone (a store add) or with others (a
  build, batched differently with ``--jobs 1`` and ``--jobs 2``) would get
  slightly different numbers, where kg promises the same output however it
  runs. So every multiplication is made in blocks of ``ROWS`` rows, the last
  filled up with zeros: a row's numbers then depend on that row alone. blis
  has this property by itself. Where a probe finds that a BLAS lacks it even
  so, the model keeps blis.

The labels are the same as with blis: every tag, arc, lemma and entity of
52,739 tokens of news and synthetic articles matched (the floats are not
bit for bit blis's, so the names parsed Docs are filed under say how they
were multiplied: ``kind``).

A layer made later with other ops (thinc's ``Model.copy``, spaCy's
``replace_listeners`` or ``add_pipe(source=...)``) would multiply with blis
again; kg's pipeline uses none of them.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from thinc.api import NumpyOps, get_current_ops, set_current_ops
from threadpoolctl import threadpool_info, threadpool_limits

if TYPE_CHECKING:
    from spacy.language import Language

# rows in every multiplication; a batch of texts is a few thousand tokens, so
# the zeros that fill the last block cost a build a few percent (a short text
# parsed alone pays for 256 rows a layer: a few milliseconds)
ROWS = 256
# (inputs, outputs) of the layers the probe tries: en_core_web_sm's own
_PROBED_SHAPES = ((576, 288), (288, 288), (96, 50), (64, 1024))


def in_blocks(x: np.ndarray, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``x @ w``, ``ROWS`` rows of ``x`` at a time (the last block filled up
    with zeros), so that each row of the result is the same wherever the row
    sits in ``x`` and however many rows ``x`` has."""
    x = np.ascontiguousarray(x)
    rows = x.shape[0]
    if out is None:
        out = np.empty((rows, w.shape[1]), dtype=np.result_type(x, w))
    whole = rows - rows % ROWS
    for start in range(0, whole, ROWS):
        np.matmul(x[start:start + ROWS], w, out=out[start:start + ROWS])
    if whole < rows:
        last = np.zeros((ROWS, x.shape[1]), dtype=x.dtype)
        last[:rows - whole] = x[whole:]
        out[whole:] = np.matmul(last, w)[:rows - whole]
    return out


class RowStableOps(NumpyOps):
    """thinc's CPU ops, multiplying with numpy's BLAS in blocks of ``ROWS``
    rows. Only inference's products (``x @ y`` or ``x @ y.T`` in float32) go
    by blocks; anything else (training's gradients) is numpy's ``dot`` as it
    is."""

    def __init__(self) -> None:
        super().__init__(use_blis=False)

    def gemm(self, x: np.ndarray, y: np.ndarray, out: np.ndarray | None = None,
             trans1: bool = False, trans2: bool = False) -> np.ndarray:
        if trans1 or x.ndim != 2 or y.ndim != 2 or not x.dtype == y.dtype == np.float32:
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
        return in_blocks(x, y.T if trans2 else y, out)


@cache
def rows_stable() -> bool:
    """Whether ``RowStableOps`` gives a row the same numbers wherever it sits,
    on this machine's BLAS (``probed_rows_stable``). The probe takes about
    45 ms, on the way of every command that loads the model (a thirtieth of
    an add to a store), so its answer is kept in the user's cache
    (``kg.user_cache``) under the BLAS's name, version and kernels
    (``_blas``: the processor they were chosen for among them) and numpy's
    version, and read from there once a process. A BLAS threadpoolctl does
    not name is probed every time."""
    blas = _blas()
    if not blas:
        return probed_rows_stable()
    from kg.user_cache import cached_table

    key = hashlib.sha256(f"{_PROBE}\0{blas}\0{np.__version__}".encode()).hexdigest()[:20]
    kept = cached_table("rows-stable", key,
                        lambda: {"stable": "yes" if probed_rows_stable() else "no"},
                        lambda table: table.get("stable") in ("yes", "no"))
    return kept["stable"] == "yes"


# what the probe tries, in the key its answer is kept under: another probe is
# another question
_PROBE = f"rows{ROWS}-{_PROBED_SHAPES}-v1"


def probed_rows_stable() -> bool:
    """Whether ``RowStableOps`` gives a row the same numbers wherever it sits,
    in a full block or the last, and alone, on this machine's BLAS: random
    numbers in the model's shapes and layout (its layers multiply by their
    weights transposed)."""
    rng = np.random.default_rng(0)
    ops = RowStableOps()
    for inputs, outputs in _PROBED_SHAPES:
        w = rng.standard_normal((outputs, inputs), dtype=np.float32)
        x = rng.standard_normal((2 * ROWS + 40, inputs), dtype=np.float32)
        whole = ops.gemm(x, w, trans2=True)
        for start, stop in ((1, ROWS + 1), (39, None), (ROWS + 39, None), (2 * ROWS + 39, None),
                            (5, 6)):
            if not np.array_equal(ops.gemm(x[start:stop], w, trans2=True), whole[start:stop]):
                return False
    return True


def kind(nlp: Language) -> str:
    """How ``nlp``'s layers multiply, for the names its parsed Docs are filed
    under: in blocks, with which BLAS (its name, version and kernels), or
    thinc's ops as they are."""
    ops = next((pipe.model.ops for _, pipe in nlp.pipeline
                if getattr(pipe, "model", None) is not None), get_current_ops())
    if isinstance(ops, RowStableOps):
        return f"rows{ROWS}-{_blas()}"
    return f"thinc-{type(ops).__name__}-{getattr(ops, 'use_blis', '')}"


@cache
def _blas() -> str:
    return "+".join(sorted(f"{i['internal_api']}-{i['version']}-{i.get('architecture')}"
                           for i in threadpool_info() if i["user_api"] == "blas"))


@contextlib.contextmanager
def numpy_matmul() -> Iterator[None]:
    """A context in which the model layers made (a model being loaded)
    multiply with ``RowStableOps``. On entering, every BLAS in the process is
    held to one thread, for good. Where the current ops are not thinc's plain
    CPU ops (a GPU's, Apple's), or the probe finds rows unstable, the layers
    keep the current ops."""
    current = get_current_ops()
    if type(current) is not NumpyOps:
        yield
        return
    one_blas_thread()
    if not rows_stable():
        yield
        return
    set_current_ops(RowStableOps())
    try:
        yield
    finally:
        set_current_ops(current)


def one_blas_thread() -> None:
    """Hold every BLAS library loaded in this process to one thread, for good
    (processes forked later inherit it)."""
    threadpool_limits(limits=1, user_api="blas")
