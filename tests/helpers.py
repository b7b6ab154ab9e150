"""Small helpers shared by the tests: write articles, build them, run shipped queries."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

from rdflib import Graph

from kg.builder import build_graph
from kg.query import format_result, load_query_text, run_query


def write_article(folder: Path, name: str, text: str, date: str = "2021-03-01") -> Path:
    path = folder / f"{name}.txt"
    path.write_text(f" date {date} {text}", encoding="utf-8")
    return path


def build_texts(folder: Path, texts: dict[str, str], date: str = "2021-03-01") -> Graph:
    for name, text in texts.items():
        write_article(folder, name, text, date)
    return build_graph([folder]).graph


def rows(graph: Graph, query: str) -> list[dict[str, str]]:
    """Run a shipped query (or SPARQL) and return its rows as dicts of strings."""
    text = format_result(run_query(graph, load_query_text(query)), "csv")
    return list(csv.DictReader(io.StringIO(text)))


def column(graph: Graph, query: str, name: str) -> set[str]:
    return {r[name] for r in rows(graph, query)}


@cache
def seeds_winner() -> str:
    """The one winner of the seed articles, read from the committed build (kept
    current by test_end_to_end), so that tests checking the seeds' graph through
    other paths (the CLI, a server) need not name a person from an article."""
    from kg.query import run_file_query

    root = Path(__file__).resolve().parents[1]
    (winner, *_), = run_file_query(root / "output" / "graph.ttl",
                                   load_query_text("winners")).rows
    return winner


def page_data(page: str) -> dict:
    """The graph data a page made by kg viz hands to vis-network (nodes, edges,
    options)."""
    import json
    import re

    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page, re.S)
    assert m is not None, "the page has no kg-data block"
    return json.loads(m.group(1))


def kg_on_a_terminal(*args: str, cwd: Path, columns: int = 80) -> tuple[int, str]:
    """``python -m kg ARGS`` with its stderr on a pseudo-terminal ``columns``
    wide (so it draws its progress line): the exit code and what the terminal
    got, its line ends made plain ``\\n`` (carriage returns kept)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    got: list[bytes] = []

    def drain() -> None:  # read as it comes: a full pty blocks the writer
        with contextlib.suppress(OSError):  # the end of what the terminal got
            while chunk := os.read(leader, 65536):
                got.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=follower, timeout=300)
        os.close(follower)
        reader.join(timeout=30)
    finally:
        os.close(leader)
    return done.returncode, b"".join(got).decode("utf-8").replace("\r\n", "\n")
