"""The progress line a build keeps on a terminal: time run, and time left."""

from __future__ import annotations

from kg.progress import (
    SETTLE_SECONDS,
    ProgressLine,
    TerminalProgress,
    clock_time,
    duration,
)
from kg.terminal import columns_of, terminal_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_durations_read_as_a_person_would_say_them():
    assert [duration(s) for s in (0, 40.4, 89, 95, 750, 5000, 5400, 7505)] == \
        ["0 s", "40 s", "89 s", "2 min", "12 min", "83 min", "1 h 30 min", "2 h 05 min"]
    assert [clock_time(s) for s in (7.9, 760, 3729)] == ["0:07", "12:40", "1:02:09"]


def test_a_counted_step_shows_its_time_left_at_its_own_rate():
    clock = FakeClock()
    line = ProgressLine(clock)
    assert line.line(1, 1001, "parsing a-0001").rstrip().endswith("[0:00]")
    clock.now += SETTLE_SECONDS - 1  # too soon to trust the rate
    assert "left" not in line.line(41, 1001, "parsing a-0041")
    clock.now += 6  # 10 s for 100 articles: 900 more take 90 s
    assert line.line(101, 1001, "parsing a-0101").rstrip().endswith("[0:10, about 2 min left]")
    # the next step is timed from its own start, not the build's
    clock.now += 80
    assert line.line(1, 1001, "extracting a-0001").rstrip().endswith("[1:30]")
    clock.now += 10  # 500 articles in 10 s: 500 more take 10 s
    assert "[1:40, about 10 s left]" in line.line(501, 1001, "extracting a-0501")


def test_an_uncounted_step_shows_the_time_run_and_covers_the_longer_line_before():
    clock = FakeClock()
    line = ProgressLine(clock)
    clock.now += 1
    line.line(1, 10, "parsing a")
    clock.now += 60
    before = line.line(5, 10, "parsing e")
    assert "left" in before
    after = line.line(10, 10, "linking entities across articles")
    assert after.rstrip().endswith("[1:01]") and "left" not in after
    assert len(after) >= len(before)  # written over it with \r, nothing of it shows


def test_a_line_fits_the_terminal_so_a_carriage_return_redraws_all_of_it():
    clock = FakeClock()
    line = ProgressLine(clock)
    line.line(1, 100_000, "parsing article-000001", width=120)
    clock.now += 3600
    for width, timing in ((50, "[1:00:00]"), (80, "[1:00:00, about 60 min left]"),
                          (200, "[1:00:00, about 60 min left]")):
        text = line.line(50_000, 100_000, "parsing article-with-a-long-name-" + "x" * 80,
                         width=width)
        assert len(text) <= width - 1
        assert text.rstrip().endswith(timing)  # the time left goes before the step's room
        assert "parsing arti" in text


def test_wide_characters_and_tiny_terminals_stay_within_the_columns():
    def columns(text: str) -> int:
        return sum(columns_of(c) for c in text)

    line = ProgressLine(FakeClock())
    plain = line.line(7, 100_000, "parsing " + "x" * 80, width=80)
    wide = line.line(7, 100_000, "parsing " + "\u6620\u753b\u8cde" * 20, width=80)
    marked = line.line(7, 100_000, "parsing " + "e\u0301" * 60, width=80)  # e + accent
    assert columns(plain) <= 79 and len(wide) < len(plain) < len(marked)
    assert columns(wide) == columns(marked) == columns(plain)  # each as wide on screen
    assert wide.rstrip().endswith("[0:00]") and marked.rstrip().endswith("[0:00]")
    for width in (20, 30, 41):
        assert sum(columns_of(c) for c in line.line(9, 100_000, "parsing x", width=width)) \
            == width - 1


def test_a_name_cannot_drive_the_terminal():
    line = ProgressLine(FakeClock()).line(1, 2, "parsing evil\x1b[2J\nname\u2028", width=80)
    assert "\x1b" not in line and "\n" not in line and "\u2028" not in line
    assert "parsing evil\\x1b[2J\\nname\\u2028" in line
    assert terminal_text("line one\nline\ttwo", lines=True) == "line one\nline\\ttwo"


def _until(condition, timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds (a thread's work, not a speed)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_the_terminal_line_keeps_its_time_moving_through_a_silent_step_until_it_ends():
    import threading

    clock, written = FakeClock(), []
    lock = threading.Lock()

    def write(text: str) -> None:
        with lock:
            written.append(text)

    shown = TerminalProgress(write, every=0.01, line=ProgressLine(clock))
    shown(10, 10, "linking entities across articles")
    assert written[0].startswith("\rkg: 10/10 linking") and written[0].rstrip().endswith("[0:00]")
    clock.now += 7  # the build says nothing more for a while
    assert _until(lambda: any(w.rstrip().endswith("[0:07]") for w in written))
    shown.end()
    with lock:
        count = len(written)
        assert written[-1] == "\n"
    shown(10, 10, "writing the graph")  # too late: the line is closed
    shown.end()
    assert not _until(lambda: len(written) > count, timeout=0.1)


def test_nothing_is_drawn_when_not_on_a_terminal():
    written: list[str] = []
    shown = TerminalProgress(written.append, shown=False, every=0.01)
    shown(1, 10, "parsing a")
    shown.end()
    assert written == []


def test_a_step_of_nothing_to_count_shows_no_count():
    clock = FakeClock()
    line = ProgressLine(clock)
    clock.now += 75
    shown = line.line(0, 0, "reading graph.ttl")
    assert shown.startswith("kg: reading graph.ttl") and shown.rstrip().endswith("[1:15]")


def test_a_line_due_later_is_drawn_only_once_the_command_has_run_that_long():
    """A command that is most often quick (a query) leaves no line behind;
    one that runs on gets its line from then on."""
    clock, written = FakeClock(), []
    quick = TerminalProgress(written.append, every=0.01, line=ProgressLine(clock), after=1.0)
    quick(0, 0, "querying graph.ttl")
    clock.now += 0.5
    quick.end()
    assert written == []
    slow = TerminalProgress(written.append, every=0.01, line=ProgressLine(clock), after=1.0)
    slow(0, 0, "reading graph.ttl")
    assert not _until(lambda: bool(written), timeout=0.1)
    clock.now += 1.0
    assert _until(lambda: bool(written))
    slow.end()
    assert written[0].startswith("\rkg: reading graph.ttl") and written[-1] == "\n"
