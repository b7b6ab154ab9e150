"""The line ``kg build`` keeps up to date on a terminal while it works.

A build of 100,000 articles takes most of an hour, nearly all of it in two
counted steps (parsing, then extracting, an article at a time). A count alone
("3412/100000 parsing ...") leaves the reader to do the arithmetic, so the
line also says how long the build has run and, once a counted step has gone
on for a few seconds, how long that step has left at the rate it has kept so
far. The steps after those (linking, writing) are not counted, and take
minutes at that size: ``TerminalProgress`` redraws the line every second from
a thread of its own, so the time run keeps moving while they work.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from kg.terminal import fitted, terminal_text

# a step's rate is trusted after this long (the first articles of a step wait
# for the model and the workers, and would make the estimate far too long)
SETTLE_SECONDS = 5.0
# the most of the step and article a line shows, and the least
WHAT_MOST, WHAT_LEAST = 50, 12


def stderr_columns() -> int:
    """The width of the terminal the line is drawn on (80 if unknown): a line
    any wider wraps, and a carriage return then redraws only its last row."""
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80
    return columns if columns > 0 else 80  # a terminal that says 0 has not been sized


def duration(seconds: float) -> str:
    """A time left, as a person would say it: "40 s", "12 min", "2 h 05 min"."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def clock_time(seconds: float) -> str:
    """A time run, as a clock shows it: "0:07", "12:40", "1:02:09"."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """Formats the progress a build reports (``progress(done, total, what)``,
    where ``what`` is the step, its first word, and the article it is at) as
    one line: the count, the step, the time run and, for a counted step, the
    time it has left. ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 started: float | None = None) -> None:
        """``started``: when the command started, by ``clock`` (default: now)."""
        self._clock = clock
        self._started = clock() if started is None else started
        self._step: str | None = None
        self._step_start: tuple[float, int] = (self._started, 0)
        self._widest = 0  # each line covers the whole of the one before it
        self._last: tuple[int, int, str] | None = None

    def elapsed(self) -> float:
        """Seconds since the command started."""
        return self._clock() - self._started

    def again(self, width: int = 80) -> str | None:
        """The last line again, its times brought up to now (None before the first)."""
        return None if self._last is None else self.line(*self._last, width=width)

    def line(self, done: int, total: int, what: str, width: int = 80) -> str:
        """The line for this report, within ``width`` columns (less one, so the
        cursor stays on it) where the count and times leave the step room; a
        step of nothing to count (``total`` 0: reading a graph file) shows no
        count."""
        now = self._clock()
        self._last = (done, total, what)
        step = what.split(" ", 1)[0]
        if step != self._step:
            # the rate is measured from the first report of a step on
            self._step, self._step_start = step, (now, done)
        run = clock_time(now - self._started)
        left = self._left(now, done, total)
        head, tail = f"kg: {done:,}/{total:,} " if total else "kg: ", f" [{run}]"
        if left is not None:  # unless it leaves the step too little room
            longer = f" [{run}, about {duration(left)} left]"
            if width - 1 - len(head) - len(longer) >= WHAT_LEAST:
                tail = longer
        room = max(WHAT_LEAST, min(WHAT_MOST, width - 1 - len(head) - len(tail)))
        # the widest line so far, so this one covers it; never past the edge
        self._widest = min(max(self._widest, len(head) + room + len(tail)), width - 1)
        return fitted(f"{head}{fitted(terminal_text(what), room)}{tail}", self._widest)

    def _left(self, now: float, done: int, total: int) -> float | None:
        """The step's time left at its rate so far; None until it has run
        ``SETTLE_SECONDS``, and for a step that is not counted (done = total)."""
        since, first = self._step_start
        if done >= total or done <= first or now - since < SETTLE_SECONDS:
            return None
        return (total - done) * (now - since) / (done - first)


class TerminalProgress:
    """A build's ``progress`` callback that keeps a ``ProgressLine`` on a
    terminal (``write`` gets each line; nothing is shown when not ``shown``),
    redrawn every ``every`` seconds until ``end`` (which leaves the cursor on
    a fresh line, for what is printed after). The thread only redraws what the
    build last reported, under the same lock as the build's own reports.
    ``after``: nothing is drawn until the command has run that long (by the
    line's clock), so a command that is most often quick (a query, a small
    graph's check) leaves no line behind; a line never drawn is not ended."""

    def __init__(self, write: Callable[[str], object], shown: bool = True,
                 every: float = 1.0, line: ProgressLine | None = None,
                 columns: Callable[[], int] = stderr_columns, after: float = 0.0) -> None:
        self._write, self._shown, self._every = write, shown, every
        self._line, self._columns = line or ProgressLine(), columns
        self._after, self._drawn = after, False
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._thread: threading.Thread | None = None

    def _draw(self, text: str) -> None:
        """The line written over the last (under the lock), once it is due."""
        if self._drawn or self._line.elapsed() >= self._after:
            self._write(f"\r{text}")
            self._drawn = True

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self._shown or self._ended.is_set():
            return
        with self._lock:
            self._draw(self._line.line(done, total, what, self._columns()))
        if self._thread is None:
            self._thread = threading.Thread(target=self._redraw, name="kg-progress",
                                            daemon=True)
            self._thread.start()

    def _redraw(self) -> None:
        while not self._ended.wait(self._every):
            with self._lock:
                if self._ended.is_set():
                    return
                text = self._line.again(self._columns())
                if text is not None:
                    self._draw(text)

    def end(self) -> None:
        """Stop redrawing and end the line, if one was shown (idempotent)."""
        if self._ended.is_set():
            return
        self._ended.set()  # first: an interrupt while waiting for the lock still stops it
        with self._lock:
            if self._drawn:
                self._write("\n")
        if self._thread is not None:
            self._thread.join()
