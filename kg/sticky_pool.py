"""Forked worker processes that keep what they made between tasks.

``concurrent.futures.ProcessPoolExecutor`` hands each task to whichever
worker is free, so a task cannot count on what an earlier one left in its
worker's memory. A build's two passes want exactly that: the worker that
parsed an article (its first pass) holds the parsed Doc and what it found,
and the article's second pass, run in that same worker, neither files the Doc
nor reads it back (``kg.passes``). So here each task may name the worker it
must run in (its *owner*); tasks that name none go to whichever worker is
free, and the pool says which worker ran each task, for the caller to name
it next time. Results come back in the order the tasks were given, whatever
order the workers finish them in, so what a caller makes of them does not
depend on timing.

A worker that dies (killed, out of memory) fails the pool's caller with
``BrokenProcessPool``, as the executor does; an exception a task raises is
raised in the caller, and the pool stays usable unless other workers were
still at tasks then (their answers would be read as the next call's: the
pool ends instead). While the pool lives, the objects that existed when it
forked are kept out of the collector's scans here (``frozen_objects``), as
the executor's callers in ``kg.passes`` keep them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait

from kg.memory import frozen_objects


class StickyPool:
    """``processes`` forked workers, each running ``initializer(*initargs)``
    once, then the tasks it is sent (``map``, ``run_everywhere``) one at a
    time, in its own memory, until ``close``."""

    def __init__(self, processes: int, initializer: Callable[..., object] | None = None,
                 initargs: tuple = ()) -> None:
        if processes < 1:
            raise ValueError("a pool needs one process at least")
        context = multiprocessing.get_context("fork")
        self._busy: set[int] = set()  # the workers sent a task whose answer was not read
        self._conns: list[Connection] = []
        self._procs: list[multiprocessing.process.BaseProcess] = []
        # see kg.memory: the pages the workers share with this process stay
        # shared while they run
        self._frozen = contextlib.ExitStack()
        try:
            self._frozen.enter_context(frozen_objects())
            for n in range(processes):
                ours, theirs = context.Pipe()
                # a worker closes its copies of the pool's ends of the
                # others' pipes: each must see its own closed (``close``)
                proc = context.Process(
                    target=_serve, args=(theirs, list(self._conns) + [ours], initializer,
                                         initargs),
                    name=f"kg-worker-{n}", daemon=True)
                proc.start()
                theirs.close()
                self._conns.append(ours)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self._procs)

    def map(self, fn: Callable, args: Sequence, owners: Sequence[int | None] | None = None
            ) -> Iterator[tuple[int, object]]:
        """``fn(arg)`` for each of ``args``: the one whose owner (``owners``,
        by position; default none) is a worker's number runs in that worker,
        the others in whichever is free first; each worker takes its own
        tasks before anyone's. Yields (worker, result) in the order of
        ``args``."""
        if not self._procs:
            raise ValueError("the pool is closed")
        owners = list(owners) if owners is not None else [None] * len(args)
        if len(owners) != len(args):
            raise ValueError("one owner (or None) for each task")
        own: list[deque[int]] = [deque() for _ in self._procs]
        anyone: deque[int] = deque()
        for position, owner in enumerate(owners):
            if owner is None:
                anyone.append(position)
            elif 0 <= owner < len(own):
                own[owner].append(position)
            else:
                raise ValueError(f"no worker {owner} in a pool of {len(own)}")
        running: dict[int, int] = {}  # worker -> the task it runs
        done: dict[int, tuple[int, object]] = {}
        following = 0

        def feed(worker: int) -> None:
            queue = own[worker] if own[worker] else anyone
            if queue:
                position = queue.popleft()
                self._send(worker, (fn, args[position]))
                running[worker] = position

        try:
            for worker in range(len(self._procs)):
                feed(worker)
            while following < len(args):
                while following in done:
                    yield done.pop(following)
                    following += 1
                if following >= len(args):
                    break
                for conn in wait([self._conns[w] for w in running]):
                    worker = self._conns.index(conn)
                    position = running.pop(worker)
                    done[position] = (worker, self._receive(worker))
                    feed(worker)
        finally:
            if running:
                # a caller that stopped early, or a task that raised: the
                # workers still at tasks would answer the next call with
                # these tasks' results, so the pool ends here
                self.close()

    def run_everywhere(self, fn: Callable, arg: object) -> None:
        """``fn(arg)`` once in every worker (setting what later tasks read)."""
        for worker in range(len(self._procs)):
            self._send(worker, (fn, arg))
        errors = []
        for worker in range(len(self._procs)):
            try:
                self._receive(worker)
            except BrokenProcessPool:
                raise
            except Exception as exc:  # noqa: BLE001 - the first is raised, after all answered
                errors.append(exc)
        if errors:
            raise errors[0]

    def _send(self, worker: int, task: tuple) -> None:
        try:
            self._conns[worker].send_bytes(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            raise self._broken(worker) from None
        self._busy.add(worker)

    def _receive(self, worker: int) -> object:
        try:
            kind, value = pickle.loads(self._conns[worker].recv_bytes())
        except (EOFError, ConnectionResetError):
            raise self._broken(worker) from None
        self._busy.discard(worker)
        if kind == "error":
            raise value
        return value

    def _broken(self, worker: int) -> BrokenProcessPool:
        proc = self._procs[worker]
        proc.join(timeout=1.0)
        return BrokenProcessPool(f"a worker process ended before its task was done "
                                 f"(exit code {proc.exitcode})")

    def close(self) -> None:
        """End the workers (idempotent): an idle one ends once it sees its
        pipe closed (or is terminated after a few seconds); one still at a
        task, whose answer nobody will read (a caller that stopped early, an
        error, an interrupt), is terminated at once."""
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()
        for worker, proc in enumerate(self._procs):
            if worker not in self._busy:
                proc.join(timeout=5.0)
            if proc.exitcode is None:
                proc.terminate()
            proc.join()
        self._conns, self._procs, self._busy = [], [], set()
        self._frozen.close()

    def __enter__(self) -> StickyPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(conn: Connection, pools_ends: list[Connection],
           initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """A worker: run each task sent until the pool's end of the pipe closes.
    An interrupt (Ctrl-C reaches every process of the terminal's group) is
    left to the pool's process, which ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for end in pools_ends:
        end.close()
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            fn, arg = pickle.loads(conn.recv_bytes())
        except EOFError:
            return
        try:
            answer = ("ok", fn(arg))
        except Exception as exc:  # noqa: BLE001 - raised in the pool's caller
            answer = ("error", exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a result or an error that does not pickle
            data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            conn.send_bytes(data)
        except OSError:  # the pool is gone
            return
