"""The runaway watchdog of ``kg serve``: Oxigraph cannot cancel a query once it
works in memory, so the supervisor (:mod:`kg.serve.supervisor`) restarts the
server when a connection thread stays busy long past the time limit.

It reads /proc, not psutil: psutil tells neither a thread's name (RocksDB's
compaction threads are busy for long and must not count) nor the time a thread
spent waiting for a CPU, which is what lets a runaway on a loaded machine be
told from a thread that sleeps."""

from __future__ import annotations

import os
import time
from pathlib import Path


class RunawayWatch:
    """Notices a server thread that has been busy for ``limit_s`` seconds straight.

    Oxigraph answers each connection on its own thread and evaluates a query on that
    thread, so one thread busy long past the query time limit is a query its
    cancellation did not reach. Linux only (it reads /proc); elsewhere it never fires.
    Samples, per thread, the time it spent running or waiting for a CPU (schedstat;
    CPU time where the kernel has no schedstat); busy means at least half the wall
    time since the previous sample. Counting the wait matters on a loaded machine: a
    runaway thread sharing two cores with other busy processes gets well under half a
    core, yet never sleeps. A client hammering one keep-alive connection with
    back-to-back heavy queries for that long would look the same; the limit is
    generous for that.
    """

    def __init__(self, pid: int, limit_s: float) -> None:
        self.tasks = Path(f"/proc/{pid}/task")
        self.limit_s = limit_s
        self.enabled = self.tasks.is_dir()
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._seen: dict[str, tuple[float, float, float]] = {}  # tid -> (t, cpu, busy since)

    def _cpu_seconds(self, task: Path) -> float | None:
        try:
            if (task / "comm").read_text().startswith("rocksdb"):
                return None
            try:  # nanoseconds on a CPU, waiting for one, and a count of time slices
                on_cpu, waiting, _ = (task / "schedstat").read_text().split()
                return (int(on_cpu) + int(waiting)) / 1e9
            except (OSError, ValueError):
                pass
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # the thread ended between listing and reading
        return (int(fields[11]) + int(fields[12])) / self._tick  # utime + stime

    def busy_too_long(self) -> bool:
        """Sample every thread; True if one has been busy for ``limit_s`` seconds."""
        if not self.enabled:
            return False
        now = time.monotonic()
        seen: dict[str, tuple[float, float, float]] = {}
        try:
            tasks = list(self.tasks.iterdir())
        except OSError:
            return False
        runaway = False
        for task in tasks:
            cpu = self._cpu_seconds(task)
            if cpu is None:
                continue
            t0, cpu0, since = self._seen.get(task.name, (now, cpu, now))
            if now > t0 and cpu - cpu0 < 0.5 * (now - t0):
                since = now  # idle or waiting on the client in between: not a runaway
            seen[task.name] = (now, cpu, since)
            runaway = runaway or now - since >= self.limit_s
        self._seen = seen
        return runaway
