"""How the model multiplies its matrices: numpy's BLAS, one thread a process.

thinc, under spaCy, multiplies with blis by default. For the small matrices of
a CPU pipeline such as ``en_core_web_sm`` (a few hundred rows of 96 to 300
columns at a time) numpy's BLAS is faster on this project's test machine: 400
synthetic articles parsed in 7.3 to 7.7 s of CPU against 10.4 to 11.2 s, and
a build of 1,000 took 24 s against 30 s with ``--jobs 1``, 14.3 to 14.9 s
against 17.3 to 17.5 s with ``--jobs 2``. The numbers are the same: every tag, arc, lemma and entity of 52,739 tokens of
news and synthetic articles matched. The transition parser's own C loop keeps
blis; only the layers run through thinc change.

numpy's BLAS starts a thread per core. kg's parallelism is its processes
(``--jobs``): two processes each running two BLAS threads on two cores made a
build a third slower than blis, so the BLAS is held to one thread.
"""

from __future__ import annotations

import contextlib

from thinc.api import NumpyOps, get_current_ops, use_ops
from threadpoolctl import threadpool_limits


def numpy_matmul() -> contextlib.AbstractContextManager:
    """A context in which the model layers made (a model being loaded) multiply
    with numpy's BLAS, held to one thread. Where the current ops are not thinc's
    plain CPU ops (a GPU, Apple's ops), they are left as they are."""
    if type(get_current_ops()) is not NumpyOps:
        return contextlib.nullcontext()
    one_blas_thread()
    return use_ops("numpy", use_blis=False)


def one_blas_thread() -> None:
    """Hold every BLAS library loaded in this process to one thread, for good
    (processes forked later inherit it)."""
    threadpool_limits(limits=1, user_api="blas")
