"""kg.sticky_pool: forked workers that keep their state between tasks, run a
task in the worker it names, and give results in the order tasks were given."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from kg.sticky_pool import StickyPool

_kept: dict[str, object] = {}


def _remember(value: object) -> int:
    _kept["value"] = value
    return os.getpid()


def _recall(_: object) -> tuple[int, object]:
    return os.getpid(), _kept.get("value")


def _late_first(position: int) -> int:
    """Earlier tasks finish later, so results come back out of order."""
    time.sleep(0.02 * (5 - position))
    return position * 10


def _fail(value: int) -> int:
    if value == 2:
        raise ValueError(f"task {value} failed")
    return value


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _die(_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _set_up(label: str) -> None:
    _kept["label"] = label


def _label(_: object) -> object:
    return _kept.get("label")


def test_results_come_in_the_order_the_tasks_were_given():
    with StickyPool(2) as pool:
        results = list(pool.map(_late_first, range(6)))
    assert [r for _, r in results] == [0, 10, 20, 30, 40, 50]
    assert {w for w, _ in results} == {0, 1}  # both workers took tasks


def test_a_task_runs_in_the_worker_it_names_and_finds_what_that_worker_kept():
    with StickyPool(3) as pool:
        pids = [pid for _, pid in pool.map(_remember, ["a", "b", "c"], owners=[0, 1, 2])]
        assert len(set(pids)) == 3
        again = list(pool.map(_recall, [None] * 6, owners=[2, 0, 1, 2, 1, 0]))
    assert [w for w, _ in again] == [2, 0, 1, 2, 1, 0]
    assert [r for _, r in again] == [(pids[2], "c"), (pids[0], "a"), (pids[1], "b"),
                                     (pids[2], "c"), (pids[1], "b"), (pids[0], "a")]


def test_the_initializer_runs_in_every_worker_and_run_everywhere_reaches_each():
    with StickyPool(2, _set_up, ("first",)) as pool:
        assert [r for _, r in pool.map(_label, [None, None], owners=[0, 1])] == ["first"] * 2
        pool.run_everywhere(_set_up, "second")
        assert [r for _, r in pool.map(_label, [None, None], owners=[0, 1])] == ["second"] * 2


def test_an_exception_a_task_raises_is_raised_in_the_caller():
    with StickyPool(1) as pool:
        with pytest.raises(ValueError, match="task 2 failed"):
            list(pool.map(_fail, [1, 2, 3]))
        assert [r for _, r in pool.map(_fail, [4, 5])] == [4, 5]  # still usable


def test_a_worker_that_dies_breaks_the_pool():
    with StickyPool(2) as pool, pytest.raises(BrokenProcessPool, match="exit code -9"):
        list(pool.map(_die, [None], owners=[1]))


def test_close_lets_idle_workers_end_on_their_own():
    """Each worker sees its own pipe closed, though later workers were
    forked holding copies of the pool's ends of earlier ones' pipes: they
    exit rather than wait to be terminated."""
    pool = StickyPool(3)
    list(pool.map(_remember, [1, 2, 3], owners=[0, 1, 2]))
    procs = list(pool._procs)
    pool.close()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    pool.close()  # again: nothing left to end


def test_a_worker_still_at_a_task_nobody_waits_for_is_ended_at_once(monkeypatch):
    """A caller that stops reading (an error, an interrupt) leaves a worker
    at a task: the pool ends, that worker terminated rather than waited for,
    the idle one on its own."""
    from multiprocessing.process import BaseProcess

    waited: list[tuple[str, float | None]] = []
    real_join = BaseProcess.join

    def join(self, timeout=None):
        waited.append((self.name, timeout))
        return real_join(self, timeout)

    pool = StickyPool(2)
    results = pool.map(_sleep, [0.0, 600.0], owners=[0, 1])
    assert next(results) == (0, 0.0)
    procs = list(pool._procs)
    monkeypatch.setattr(BaseProcess, "join", join)
    results.close()
    assert [p.exitcode for p in procs] == [0, -signal.SIGTERM]
    # the idle worker was given time to go; the busy one none
    assert [t for name, t in waited if name == procs[1].name] == [None]
    with pytest.raises(ValueError, match="closed"):
        list(pool.map(_sleep, [0.0]))


def test_owners_must_name_workers_of_the_pool():
    with StickyPool(2) as pool, pytest.raises(ValueError, match="no worker 2"):
        list(pool.map(_recall, [None], owners=[2]))


def test_what_existed_when_the_pool_forked_stays_frozen_while_it_lives():
    """The collector's scans would copy the pages the workers share with
    this process: what existed then is frozen until the pool closes."""
    import gc

    assert gc.get_freeze_count() == 0
    pool = StickyPool(1)
    try:
        list(pool.map(_remember, ["a"]))
        assert gc.get_freeze_count() > 0
    finally:
        pool.close()
    assert gc.get_freeze_count() == 0
