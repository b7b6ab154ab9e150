"""Keeping the Oxigraph server of ``kg serve`` running: restarts after a crash or
a runaway query, with back-off between tries. See :mod:`kg.serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from kg.exits import EXIT_OK
from kg.gate import hard_limit
from kg.serve.engine import (
    ServeError,
    _describe_exit,
    _say,
    endpoint_url,
    find_free_port,
    start_server,
    stop_server,
    wait_until_ready,
)
from kg.serve.watchdog import RunawayWatch

POLL_S = 0.25  # how often the supervisor looks at the child
BACKOFF_FIRST_S, BACKOFF_CAP_S, BACKOFF_RESET_S = 0.5, 30.0, 60.0

# a child stopped by one of these was stopped on purpose, not crashed
_STOP_SIGNALS = {int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, name)}


class Backoff:
    """How long to wait before restarting the engine: ``first`` seconds, doubling each
    time it dies again soon, up to ``cap``; back to ``first`` once it has stayed up for
    ``reset_after`` seconds. A query that crashes the engine every time is thus tried
    at a falling rate, and the server never gives up on the other clients."""

    def __init__(self, first: float = BACKOFF_FIRST_S, cap: float = BACKOFF_CAP_S,
                 reset_after: float = BACKOFF_RESET_S) -> None:
        self.first, self.cap, self.reset_after = first, cap, reset_after
        self._next = first

    def next(self, up_for: float) -> float:
        """The delay before the next start, given how long the engine last stayed up."""
        if up_for >= self.reset_after:
            self._next = self.first
        delay = self._next
        self._next = min(self.cap, delay * 2)
        return delay


class Supervisor:
    """Runs the engine on a store, on a private loopback port, and keeps it running:
    restarts it after a crash or a runaway query, with :class:`Backoff` between tries,
    until :meth:`stop`. It is the gate's :class:`Engine`."""

    def __init__(self, location: Path, timeout: int, out: IO[str], *,
                 backoff: Backoff | None = None, host: str = "127.0.0.1") -> None:
        self.location, self.timeout, self.out = location, timeout, out
        self.host, self.port = host, find_free_port(host)
        self.backoff = backoff or Backoff()
        self.proc: subprocess.Popen | None = None
        self.generation = 0  # starts so far; the gate waits for it to change
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._up_since = time.monotonic()

    @property
    def url(self) -> str:
        return endpoint_url(self.host, self.port)

    def where(self) -> tuple[str, int, int]:
        with self._changed:
            return self.host, self.port, self.generation

    def wait_for_start(self, generation: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout)

    def start(self) -> None:
        """Start the engine and wait until it answers (ServeError or TimeoutError if not;
        a half-started engine is stopped)."""
        read_end, write_end = os.pipe()  # Oxigraph's stdout and stderr, read by a thread
        try:
            proc = start_server(self.location, self.host, self.port, self.timeout,
                                stderr=write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        threading.Thread(target=_relay_log, args=(os.fdopen(read_end, "rb"), self.out),
                         daemon=True, name="kg-serve-engine-log").start()
        try:
            wait_until_ready(self.url, proc=proc)
        except BaseException:
            stop_server(proc)
            raise
        self.proc, self._up_since = proc, time.monotonic()
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None:
            stop_server(self.proc)

    def run(self) -> int:
        """Watch the engine until it is stopped for good; the exit code for serve()."""
        assert self.proc is not None, "start() first"
        limit = hard_limit(self.timeout)
        watch = RunawayWatch(self.proc.pid, limit)
        while True:
            try:
                code = self.proc.wait(POLL_S)
            except subprocess.TimeoutExpired:
                if self._stopping.is_set():
                    return EXIT_OK
                if not watch.busy_too_long():
                    continue
                delay = self.backoff.next(time.monotonic() - self._up_since)
                _say(f"a query has run for over {limit:g} s and Oxigraph did not cancel it; "
                     f"restarting the server in {delay:g} s (that query is dropped, the "
                     "others in flight are retried)", self.out)
                stop_server(self.proc)
            else:
                if self._stopping.is_set() or code == 0 or (code < 0 and -code in _STOP_SIGNALS):
                    _say(f"the Oxigraph server stopped ({_describe_exit(code)})", self.out)
                    return EXIT_OK
                delay = self.backoff.next(time.monotonic() - self._up_since)
                _say(f"the Oxigraph server stopped unexpectedly ({_describe_exit(code)}); "
                     f"restarting it in {delay:g} s", self.out)
            if not self._restart(delay):
                return EXIT_OK
            watch = RunawayWatch(self.proc.pid, limit)

    def _restart(self, delay: float) -> bool:
        """Start the engine again after ``delay``, retrying with back-off if it will not
        start (on a new port, in case another program took this one); False if stopped
        meanwhile."""
        while not self._stopping.wait(delay):
            try:
                self.start()
            except (ServeError, TimeoutError) as exc:
                delay = self.backoff.next(0.0)
                with self._changed:
                    self.port = find_free_port(self.host)
                _say(f"could not restart the server ({exc}); trying again in {delay:g} s",
                     self.out)
                continue
            if self._stopping.is_set():  # stop() came while it was starting
                stop_server(self.proc)
                return False
            _say("the server is back", self.out)
            return True
        return False


def _relay_log(stream: IO[bytes], out: IO[str]) -> None:
    """Pass Oxigraph's messages (errors, a crash's last words) on to the user, except
    the line naming its private port, which is not the address to use."""
    with stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not line.startswith("Listening for requests at "):
                print(line, file=out, flush=True)
