"""kg serve: Oxigraph's read-only SPARQL endpoint over a built graph, checked over HTTP.

Every test talks to a real ``oxigraph serve-read-only`` on 127.0.0.1 (no other network),
so what is asserted here is what the server actually does: status codes, formats,
the time limit, and how serve() starts, restarts, stops and cleans up. The tests of
``kg serve`` itself go through its gate (kg.gate.Gate): SERVICE and deep queries are
refused before the engine sees them, the engine is restarted with back-off, and
queries in flight while it restarts are held and answered.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from helpers import seeds_winner
from rdflib import Graph, Literal, URIRef

from kg import gate as kggate
from kg import serve as kgserve
from kg import serve_options
from kg.gate import FORM, hard_limit
from kg.serve import (
    BACKOFF_CAP_S,
    BACKOFF_FIRST_S,
    ENGINE_STACK_BYTES,
    WINNERS,
    Backoff,
    RunawayWatch,
    ServeError,
    Supervisor,
    find_free_port,
    load_into_store,
    serve,
    start_server,
    stop_server,
    wait_until_ready,
)
from kg.sparql_guard import MAX_NESTING, MAX_QUERY_BYTES

ROOT = Path(__file__).resolve().parent.parent
SEEDS_WINNER = seeds_winner()
SEEDS = ROOT / "seeds"
SCHEMA = "https://schema.org/"
JSON_RESULTS = "application/sparql-results+json"
CANCELLED = "The SPARQL operation has been cancelled"
SHORT_TIMEOUT = 1  # seconds, for the servers that are sent endless queries

# Every triple times every triple times every triple. Oxigraph evaluates it by reading
# the store over and over, and checks its cancellation token while it reads, so its
# --timeout-s stops it.
SCANNING_ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# One more factor: Oxigraph 0.5 multiplies in memory and never looks at the token, so
# the query runs for minutes past the limit; only serve()'s watchdog stops it.
IN_MEMORY_ENDLESS = ("SELECT (COUNT(*) AS ?n) WHERE "
                     "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph_ttl(seeds_files: dict[str, Path]) -> Path:
    """The seed articles' graph written as Turtle, as `kg build` does."""
    return seeds_files["ttl"]


@pytest.fixture(scope="module")
def store(graph_ttl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("store") / "db"
    assert load_into_store(graph_ttl, location) > 100
    return location


@pytest.fixture(scope="module")
def chain_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1000 generated triples: SCANNING_ENDLESS over them would take minutes."""
    src = tmp_path_factory.mktemp("chain") / "chain.nt"
    src.write_text("".join(f"<urn:kg:test:n{i}> <urn:kg:test:next> <urn:kg:test:n{i + 1}> .\n"
                           for i in range(1000)), encoding="utf-8")
    location = src.parent / "db"
    assert load_into_store(src, location) == 1000
    return location


@contextmanager
def running(location: Path, timeout_s: float, log: Path) -> Iterator[tuple[str, object]]:
    """A server on a free loopback port; always stopped, and asserted gone, on exit.
    A port taken between choosing and binding it (by a client's outgoing
    connection) is given up for another, up to three times."""
    for attempt in range(3):
        port = find_free_port()
        with log.open("ab") as err:
            proc = start_server(location, "127.0.0.1", port, timeout_s, stderr=err)
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_ready(url, proc=proc)
            break
        except ServeError:
            stop_server(proc)
            if attempt == 2 or "Address already in use" not in log.read_text(errors="replace"):
                raise
    try:
        yield url, proc
    finally:
        code = stop_server(proc)
        assert proc.poll() is not None
        assert code == -signal.SIGTERM, f"server exited with {code}: {log.read_text()[-2000:]}"


@pytest.fixture(scope="module")
def server(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(store, 5, tmp_path_factory.mktemp("log") / "oxigraph.log") as (url, _):
        yield url


@pytest.fixture(scope="module")
def slow_server(chain_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("log") / "oxigraph.log"
    with running(chain_store, SHORT_TIMEOUT, log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:  # trust_env: no proxy for loopback
        yield c


def query(client: httpx.Client, url: str, text: str, accept: str = JSON_RESULTS,
          **kw: object) -> httpx.Response:
    return client.post(url + "query", data={"query": text}, headers={"Accept": accept}, **kw)


def count(client: httpx.Client, url: str) -> int:
    r = query(client, url, COUNT)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# --- the endpoint ---------------------------------------------------------------------------

def test_select_as_json_finds_the_winner(client: httpx.Client, server: str) -> None:
    r = query(client, server, WINNERS)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(JSON_RESULTS)
    assert r.json()["head"]["vars"] == ["winner", "category"]
    winners = {row["winner"]: row["category"] for row in bindings(r)}
    assert SEEDS_WINNER in winners
    assert winners[SEEDS_WINNER]


def test_select_by_get_as_csv(client: httpx.Client, server: str) -> None:
    r = client.get(server + "query", params={"query": WINNERS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == {"winner", "category"}
    assert SEEDS_WINNER in {row["winner"] for row in rows}


@pytest.mark.parametrize("accept", ["text/tab-separated-values", "application/sparql-results+xml"])
def test_select_in_the_other_result_formats(client: httpx.Client, server: str,
                                            accept: str) -> None:
    r = query(client, server, WINNERS, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    assert SEEDS_WINNER in r.text


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")])
def test_construct_returns_parseable_rdf(client: httpx.Client, server: str, graph_ttl: Path,
                                         accept: str, rdflib_format: str) -> None:
    construct = kgserve.PEOPLE
    r = query(client, server, construct, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    got = Graph().parse(data=r.text, format=rdflib_format)
    assert (None, URIRef(SCHEMA + "name"), Literal(SEEDS_WINNER)) in got
    # The same CONSTRUCT by rdflib over the Turtle file: the store holds the same graph.
    expected = Graph().parse(graph_ttl, format="turtle").query(construct).graph
    assert set(got) == set(expected)


def test_unacceptable_format_is_a_406(client: httpx.Client, server: str) -> None:
    r = query(client, server, WINNERS, "image/png")
    assert r.status_code == 406


@pytest.mark.parametrize(("method", "path", "kw"), [
    ("POST", "update", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
    ("POST", "update", {"content": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                        "headers": {"Content-Type": "application/sparql-update"}}),
    ("POST", "update", {"data": {"update": "DELETE WHERE { ?s ?p ?o }"}}),
    ("PUT", "store?default", {"content": "<urn:a> <urn:b> <urn:c> .",
                              "headers": {"Content-Type": "text/turtle"}}),
    ("POST", "store?default", {"content": "<urn:a> <urn:b> <urn:c> .",
                               "headers": {"Content-Type": "text/turtle"}}),
    ("DELETE", "store?default", {}),
    ("DELETE", "store", {}),
])
def test_writes_are_refused_and_change_nothing(client: httpx.Client, server: str, method: str,
                                               path: str, kw: dict) -> None:
    before = count(client, server)
    r = client.request(method, server + path, **kw)
    assert r.status_code == 403, r.text
    assert "read-only" in r.text
    assert count(client, server) == before
    ask = query(client, server, "ASK { <urn:a> <urn:b> <urn:c> }")
    assert ask.json()["boolean"] is False


def test_malformed_query_is_a_400_with_the_parser_message(client: httpx.Client,
                                                          server: str) -> None:
    r = query(client, server, "SELEC * WHERE {")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert re.match(r"error at 1:\d+", r.text), r.text  # where the parser gave up


def test_a_request_without_a_query_is_a_400(client: httpx.Client, server: str) -> None:
    r = client.post(server + "query", data={"nothing": "here"})
    assert r.status_code == 400
    assert "query" in r.text


def test_endless_query_is_stopped_by_the_time_limit(client: httpx.Client,
                                                    slow_server: str) -> None:
    # without the limit the query would scan for minutes: the answer must come
    # well inside a generous read time-out (not a timing assertion)
    r = query(client, slow_server, SCANNING_ENDLESS, timeout=60)
    if r.status_code == 200:
        # Oxigraph 0.5 commits to 200 before evaluating, so the cancellation arrives as
        # its message where the results should be: the body is not valid JSON.
        assert r.text.endswith(CANCELLED), r.text[-200:]
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.text)
    else:
        assert r.status_code >= 400
    assert count(client, slow_server) == 1000  # and the server carries on


def test_server_stops_cleanly_and_frees_its_port(store: Path, tmp_path: Path) -> None:
    with running(store, 5, tmp_path / "log") as (url, proc):
        port = int(url.rsplit(":", 1)[1].strip("/"))
    assert proc.returncode == -signal.SIGTERM  # it exited on SIGTERM, not SIGKILL
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_wait_until_ready_reports_a_server_that_dies(tmp_path: Path) -> None:
    not_a_store = tmp_path / "empty"
    not_a_store.mkdir()
    port = find_free_port()
    proc = start_server(not_a_store, "127.0.0.1", port, 5, stderr=subprocess.DEVNULL)
    try:
        with pytest.raises(ServeError, match="stopped before it was ready"):
            wait_until_ready(f"http://127.0.0.1:{port}/", timeout=10, proc=proc)
    finally:
        stop_server(proc)


def test_wait_until_ready_gives_up_on_a_port_nobody_answers() -> None:
    port = find_free_port()
    with pytest.raises(TimeoutError, match=f"no answer from http://127.0.0.1:{port}/ after 0.3 s"):
        wait_until_ready(f"http://127.0.0.1:{port}/", timeout=0.3)


# --- the watchdog ----------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_runaway_watch_flags_a_busy_thread_and_not_an_idle_one() -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy_watch, idle_watch = RunawayWatch(busy.pid, 0.6), RunawayWatch(idle.pid, 0.6)
        deadline, flagged = time.monotonic() + 5, False
        while not flagged and time.monotonic() < deadline:
            time.sleep(0.1)
            flagged = busy_watch.busy_too_long()
            assert not idle_watch.busy_too_long()
        assert flagged
    finally:
        for p in (busy, idle):
            p.kill()
            p.wait()


def test_hard_limit_leaves_oxigraph_its_own_chance() -> None:
    assert hard_limit(1) == 2
    assert hard_limit(5) == 10


# --- serve() ---------------------------------------------------------------------------------

class Served:
    """`python -m kg.serve ...` in a subprocess, its stderr collected line by line."""

    def __init__(self, args: list[str], tmpdir: Path) -> None:
        tmpdir.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["TMPDIR"] = str(tmpdir)  # where the temporary store goes: checked to be cleaned
        self.args, self.env, self.restarts = args, env, 0
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._start()

    def _start(self) -> None:
        """Start the server on a port that was free a moment ago: another
        process (a client's outgoing connection) may take it in between, and
        ``wait_for`` then starts it again on another."""
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg.serve", *self.args, "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._changed:
                if proc is self.proc:  # not a line of a server given up on
                    self.lines.append(line)
                    self._changed.notify_all()

    def _port_taken(self) -> bool:
        return self.proc.poll() is not None and self.restarts < 3 and \
            "Address already in use" in "".join(self.lines)

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, text: str, times: int = 1, timeout: float = 20) -> None:
        """Until ``text`` has been printed ``times`` times in all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while "".join(self.lines).count(text) < times:
                if self._port_taken():
                    self.restarts += 1
                    self.lines.clear()
                    self._start()
                    continue
                left = deadline - time.monotonic()
                assert left > 0 and self.proc.poll() is None, (
                    f"no {text!r} from kg serve:\n{''.join(self.lines)}")
                self._changed.wait(min(left, 0.2))

    def child(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        (pid,) = children.split()
        return int(pid)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for s in started:
        s.stop()


def curl_request(command: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """URL, headers and form of a printed curl example, split as a shell would."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl"
    url, headers, form, i = "", {}, {}, 1
    while i < len(words):
        word = words[i]
        if word == "-H":
            name, value = words[i + 1].split(":", 1)
            headers[name] = value.strip()
            i += 1
        elif word == "--data-urlencode":
            name, value = words[i + 1].split("=", 1)
            form[name] = value
            i += 1
        elif word.startswith("http"):
            url = word
        i += 1
    return url, headers, form


def test_serve_prints_the_url_and_working_examples_then_stops_clean(
        graph_ttl: Path, tmp_path: Path, served: list[Served], client: httpx.Client) -> None:
    s = Served([str(graph_ttl)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    out = s.output
    assert f"query editor:    {s.url}\n" in out
    assert f"SPARQL endpoint: {s.url}query " in out
    assert re.search(r"serving .*graph\.ttl \(\d+ triples\), read-only", out)
    assert client.get(s.url).status_code == 200  # the YASGUI page

    examples = re.findall(r"^  (curl .*\\\n.*)$", out, flags=re.MULTILINE)
    assert len(examples) == 3
    accepts = []
    for example in examples:
        url, headers, form = curl_request(example)
        assert url == s.url + "query"
        r = client.post(url, data=form, headers=headers)
        assert r.status_code == 200, (example, r.text)
        assert SEEDS_WINNER in r.text
        accepts.append(headers["Accept"])
    assert accepts == ["text/csv", JSON_RESULTS, "text/turtle"]

    child = s.child()
    assert s.stop() == 0
    assert "kg: stopping" in s.output
    assert not any((tmp_path / "tmp").iterdir()), "the temporary store was left behind"
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_serve_restarts_after_a_runaway_query_and_a_crash(
        graph_ttl: Path, tmp_path: Path, served: list[Served], client: httpx.Client) -> None:
    s = Served([str(graph_ttl), "--timeout", str(SHORT_TIMEOUT)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")

    # the server is restarted under it: the answer comes well inside a generous
    # read time-out (not a timing assertion), and says why
    r = query(client, s.url, IN_MEMORY_ENDLESS, timeout=60)
    assert r.status_code == 502, r.text  # the gate says why, rather than dropping it
    assert "restarted to stop it" in r.text
    # said before the answer went, but read from the server's output by another
    # thread, which a loaded machine may not have run yet
    s.wait_for("Oxigraph did not cancel it; restarting")
    s.wait_for("the server is back")
    assert SEEDS_WINNER in query(client, s.url, WINNERS).text

    os.kill(s.child(), signal.SIGKILL)  # as the OOM killer, or Oxigraph aborting, would
    s.wait_for("stopped unexpectedly (killed by SIGKILL)")
    s.wait_for("the server is back", times=2)
    assert SEEDS_WINNER in query(client, s.url, WINNERS).text
    assert s.stop() == 0


def test_serve_a_store_folder_from_a_snapshot(store: Path, tmp_path: Path,
                                              served: list[Served],
                                              client: httpx.Client) -> None:
    kg_store = tmp_path / "kgstore"
    shutil.copytree(store, kg_store / "oxigraph")  # a kg store keeps its database there
    s = Served([str(kg_store)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    assert "a snapshot of the Oxigraph store" in s.output
    before = count(client, s.url)
    shutil.rmtree(kg_store)  # as a rebuild replacing the database would
    assert count(client, s.url) == before > 100
    assert s.stop() == 0


# --- serve() refusing -------------------------------------------------------------------------

def _bad_turtle(tmp: Path) -> Path:
    path = tmp / "bad.ttl"
    path.write_text("<urn:a> <urn:b> garbage .\n", encoding="utf-8")
    return path


def _empty_folder(tmp: Path) -> Path:
    (tmp / "folder").mkdir()
    return tmp / "folder"


@pytest.mark.parametrize(("make", "message"), [
    (lambda tmp: tmp / "missing.ttl", "no such file or folder"),
    (lambda tmp: tmp / "x.txt", "unknown RDF file type '.txt'"),
    (_empty_folder, "not an Oxigraph store"),
    (_bad_turtle, "not a readable Turtle file"),
])
def test_serve_refuses_what_it_cannot_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            make, message: str) -> None:
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = io.StringIO()
    assert serve(make(tmp_path), port=find_free_port(), out=out) == 2
    assert message in out.getvalue()
    assert not any(temp.iterdir())


def test_serve_refuses_a_busy_port(graph_ttl: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = io.StringIO()
        assert serve(graph_ttl, port=s.getsockname()[1], out=out) == 2
    assert "choose another --port" in out.getvalue()


def test_serve_without_the_oxigraph_binary(graph_ttl: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    out = io.StringIO()
    assert serve(graph_ttl, port=find_free_port(), out=out) == 2
    assert "'oxigraph' was not found" in out.getvalue()
    assert "pip install" in out.getvalue()


def test_serve_parser_defaults_and_checks() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="kg")
    serve_options.add_serve_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.source, args.host, args.port, args.timeout) == (
        "output/graph.ttl", "127.0.0.1", 7878, 5)
    assert args.func is serve_options.cmd_serve
    args = parser.parse_args(["serve", "g.nt", "--host", "::1", "--port", "0", "--timeout", "3"])
    assert (args.source, args.host, args.port, args.timeout) == ("g.nt", "::1", 0, 3)
    for bad in (["--timeout", "0"], ["--port", "70000"], ["--timeout", "1.5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", *bad])


def test_serve_parser_gate_options() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="kg")
    sub = serve_options.add_serve_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.allow_service, args.max_query_bytes, args.max_nesting) == (
        False, MAX_QUERY_BYTES, MAX_NESTING)
    args = parser.parse_args(["serve", "--allow-service", "--max-query-bytes", "5000",
                              "--max-nesting", "20"])
    assert (args.allow_service, args.max_query_bytes, args.max_nesting) == (True, 5000, 20)
    for bad in (["--max-nesting", "0"], ["--max-query-bytes", "-1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", *bad])
    helptext = " ".join(sub.format_help().split())
    assert "including hosts on the server's own network" in helptext  # the risk, stated
    assert "SERVICE (federated query)" in helptext


# --- the engine's stack ------------------------------------------------------------------------

DEEP_BRACES = 5000  # Oxigraph 0.5.13 with Rust's default stack aborted at 2,208


def test_deep_nesting_crashes_oxigraph_unless_its_stack_is_raised(store: Path,
                                                                   tmp_path: Path) -> None:
    """Why the gate refuses deep queries, and why kg serve raises the engine's stack:
    without RUST_MIN_STACK this query aborts the whole server; with it, it is answered."""
    deep = "ASK " + "{" * DEEP_BRACES + "}" * DEEP_BRACES
    port = find_free_port()
    env = {k: v for k, v in os.environ.items() if k != "RUST_MIN_STACK"}
    plain = subprocess.Popen(
        [str(kgserve.find_oxigraph()), "serve-read-only", "--location", str(store),
         "--bind", f"127.0.0.1:{port}"], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/", proc=plain)
        with httpx.Client(trust_env=False, timeout=30) as c, pytest.raises(httpx.TransportError):
            query(c, f"http://127.0.0.1:{port}/", deep)
        assert plain.wait(10) == -signal.SIGABRT  # the whole server, not just the query
    finally:
        stop_server(plain)

    assert int(kgserve.engine_environment({})["RUST_MIN_STACK"]) == ENGINE_STACK_BYTES
    assert kgserve.engine_environment({"RUST_MIN_STACK": str(2**30)})["RUST_MIN_STACK"] == str(
        2**30)  # a larger one already set is kept
    with running(store, 5, tmp_path / "log") as (url, proc), \
            httpx.Client(trust_env=False, timeout=30) as c:
        r = query(c, url, deep)
        assert r.status_code == 200, r.text[:200]
        assert r.json()["boolean"] is True
        assert proc.poll() is None


# --- the gate: SERVICE, nesting, bodies ------------------------------------------------------

@pytest.fixture(scope="module")
def gated(graph_ttl: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One `kg serve` (gate and engine) for the tests that do not restart it."""
    s = Served([str(graph_ttl)], tmp_path_factory.mktemp("gated"))
    try:
        s.wait_for("press Ctrl-C to stop")
        yield s
    finally:
        s.stop()


@contextmanager
def listening() -> Iterator[tuple[socket.socket, str]]:
    """A local socket a SERVICE clause can point at: whoever connects is seen."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock, f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"


def service_query(endpoint: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"


def test_service_is_refused_and_nothing_is_fetched(gated: Served,
                                                   client: httpx.Client) -> None:
    with listening() as (sock, endpoint):
        text = service_query(endpoint)
        attempts = [
            query(client, gated.url, text),
            client.get(gated.url + "query", params={"query": text}),
            client.post(gated.url + "query", content=text,
                        headers={"Content-Type": "application/sparql-query"}),
            client.post(gated.url + "sparql", data={"query": text}),  # any path
            client.post(gated.url + "query?query=" + urllib.parse.quote(text),
                        data={"other": "field"}),  # URL query string of a POST
            query(client, gated.url, f"select * where {{ service silent <{endpoint}> {{ }} }}"),
        ]
        for r in attempts:
            assert r.status_code == 400, r.text
            assert r.headers["content-type"].startswith("text/plain")
            assert ("SERVICE (federated query) is disabled on this endpoint; start kg serve "
                    "with --allow-service to enable it") in r.text
        sock.settimeout(1.0)  # the refusals are answered before anything is forwarded
        with pytest.raises(TimeoutError):
            sock.accept()
    assert "refused before they run: SERVICE (federated query)" in gated.output


def test_service_is_allowed_with_allow_service(graph_ttl: Path, tmp_path: Path,
                                               served: list[Served],
                                               client: httpx.Client) -> None:
    s = Served([str(graph_ttl), "--allow-service"], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    assert "warning: SERVICE (federated query) is allowed" in s.output
    with listening() as (sock, endpoint):
        answer: list[httpx.Response | Exception] = []

        def ask() -> None:
            try:
                answer.append(query(client, s.url, service_query(endpoint)))
            except httpx.HTTPError as exc:
                answer.append(exc)

        asking = threading.Thread(target=ask)
        asking.start()
        sock.settimeout(20)
        conn, _ = sock.accept()  # the engine came to fetch it: the gate let it through
        with conn:
            conn.settimeout(20)
            assert b"/sparql" in conn.recv(4096).split(b"\r\n")[0]  # the URL we named
        asking.join(30)
    assert len(answer) == 1 and isinstance(answer[0], httpx.Response)  # an answer came back
    assert query(client, s.url, WINNERS).status_code == 200


@pytest.mark.parametrize("deep", [
    "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 5000 + "true) }",
])
def test_deep_nesting_is_refused_and_the_server_carries_on(gated: Served, client: httpx.Client,
                                                           deep: str) -> None:
    r = query(client, gated.url, deep)
    assert r.status_code == 400, r.text
    assert "the query nests 5" in r.text and "levels deep; the limit is 100" in r.text
    r = query(client, gated.url, WINNERS)
    assert r.status_code == 200 and SEEDS_WINNER in r.text


def test_long_queries_and_bodies_are_refused(gated: Served, client: httpx.Client) -> None:
    long = "SELECT * WHERE { ?s ?p ?o } # " + "x" * MAX_QUERY_BYTES
    r = query(client, gated.url, long)
    assert r.status_code == 400
    assert f"bytes; the limit is {MAX_QUERY_BYTES}" in r.text
    r = client.post(gated.url + "query", content=b"x" * (4 * MAX_QUERY_BYTES),
                    headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413, r.text
    assert "the request body is" in r.text
    assert query(client, gated.url, COUNT).status_code == 200


def raw_exchange(url: str, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are (no client library fixing them up); the answer's head."""
    host, port = url.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer


def test_bodies_need_a_content_length(gated: Served) -> None:
    no_length = (b"POST /query HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/sparql-query\r\n\r\nASK {}")
    assert raw_exchange(gated.url, no_length).startswith(b"HTTP/1.1 411 ")
    chunked = (b"POST /query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/sparql-query\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n")
    assert raw_exchange(gated.url, chunked).startswith(b"HTTP/1.1 411 ")
    # Too big, announced with Expect: the body is refused before it is sent.
    expect = (b"POST /query HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              b"Content-Type: application/sparql-query\r\nContent-Length: 99999999\r\n\r\n")
    head = raw_exchange(gated.url, expect)
    assert head.startswith(b"HTTP/1.1 413 ") and b"Connection: close" in head


def test_the_gate_relays_the_rest_unchanged(gated: Served, client: httpx.Client) -> None:
    page = client.get(gated.url)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["server"].startswith("Oxigraph")  # Oxigraph's own answer
    r = client.post(gated.url + "update",
                    data={"update": "INSERT DATA { <urn:kg:a> <urn:kg:b> <urn:kg:c> }"})
    assert r.status_code == 403 and "read-only" in r.text
    r = query(client, gated.url, "SELEC * WHERE {")
    assert r.status_code == 400 and re.match(r"error at 1:\d+", r.text)  # Oxigraph's parser
    r = client.get(gated.url + "query", params={"query": WINNERS},
                   headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert SEEDS_WINNER in r.text
    r = query(client, gated.url, WINNERS, "image/png")
    assert r.status_code == 406


@pytest.mark.slow
def test_an_engine_connection_idle_past_the_time_limit_is_not_reused(
        graph_ttl: Path, tmp_path: Path, served: list[Served], client: httpx.Client) -> None:
    # Oxigraph answers a keep-alive connection idle for --timeout-s with an unsolicited
    # HTTP 500 ("Resource temporarily unavailable"); the gate must not relay that.
    s = Served([str(graph_ttl), "--timeout", str(SHORT_TIMEOUT)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    for _ in range(3):
        assert query(client, s.url, COUNT).status_code == 200
        time.sleep(SHORT_TIMEOUT + 0.5)  # idle: not a timing assertion
    assert count(client, s.url) > 100


# --- the supervisor: back-off, never giving up ----------------------------------------------

class Lines(io.TextIOBase):
    """A text stream the supervisor can write to from its threads; waitable."""

    def __init__(self) -> None:
        self.text = ""
        self.changed = threading.Condition()

    def write(self, s: str) -> int:
        with self.changed:
            self.text += s
            self.changed.notify_all()
        return len(s)

    def wait_for(self, text: str, times: int = 1, timeout: float = 30) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.text.count(text) >= times, timeout), (
                f"no {text!r} ({times}x) in:\n{self.text}")


def test_backoff_doubles_to_a_cap_and_resets_after_a_stable_run() -> None:
    b = Backoff(first=0.5, cap=30, reset_after=60)
    assert [b.next(up_for=1) for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert b.next(up_for=61) == 0.5
    assert b.next(up_for=1) == 1
    assert (BACKOFF_FIRST_S, BACKOFF_CAP_S) == (0.5, 30.0)


def test_supervisor_keeps_restarting_past_the_old_limit(store: Path) -> None:
    crashes = 8  # the old supervisor gave up after 5 restarts in a minute
    out = Lines()
    engine = Supervisor(store, 5, out, backoff=Backoff(first=0.05, cap=0.2, reset_after=60))
    engine.start()
    result: list[int] = []
    watcher = threading.Thread(target=lambda: result.append(engine.run()))
    watcher.start()
    try:
        for n in range(1, crashes + 1):
            assert engine.proc is not None
            os.kill(engine.proc.pid, signal.SIGKILL)
            out.wait_for("the server is back", times=n)
            host, port, generation = engine.where()
            assert generation == n + 1
            wait_until_ready(f"http://{host}:{port}/", timeout=10)
    finally:
        engine.stop()
        watcher.join(30)
    assert result == [0]
    delays = [float(d) for d in re.findall(r"restarting it in ([\d.]+) s", out.text)]
    assert delays == [0.05, 0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    assert "killed by SIGKILL" in out.text and "giving up" not in out.text


# --- load and a runaway query, through the gate -----------------------------------------------

def engine_url(s: Served) -> str:
    """The private address of the engine behind a `kg serve`, to compare with the gate."""
    args = Path(f"/proc/{s.child()}/cmdline").read_bytes().split(b"\0")
    return f"http://{args[args.index(b'--bind') + 1].decode()}/"


def hammer(url: str, total: int, clients: int) -> tuple[list[float], list[str], float]:
    """``total`` WINNERS queries from ``clients`` threads, each on its own keep-alive
    connection: latencies, errors, and the wall time for all of them."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client_thread(n: int) -> None:
        with httpx.Client(trust_env=False, timeout=30) as c:
            for _ in range(n):
                started = time.perf_counter()
                try:
                    r = query(c, url, WINNERS)
                    ok = r.status_code == 200 and SEEDS_WINNER in r.text
                    problem = "" if ok else f"{r.status_code}: {r.text[:100]}"
                except httpx.HTTPError as exc:
                    problem = repr(exc)
                with lock:
                    latencies.append(time.perf_counter() - started)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=client_thread, args=(total // clients,))
               for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def _report(label: str, latencies: list[float], wall: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{label}: {len(ordered)} requests, {len(ordered) / wall:.0f} requests/s, "
            f"p50 {ordered[len(ordered) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")


LOAD_REQUESTS, LOAD_CLIENTS = 2000, 8


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_load_through_the_gate_has_no_errors(gated: Served) -> None:
    latencies, errors, wall = hammer(gated.url, LOAD_REQUESTS, LOAD_CLIENTS)
    assert errors == []
    assert len(latencies) == LOAD_REQUESTS
    direct, direct_errors, direct_wall = hammer(engine_url(gated), LOAD_REQUESTS, LOAD_CLIENTS)
    assert direct_errors == []
    print(f"\n{_report('direct Oxigraph', direct, direct_wall)}"
          f"\n{_report('through the gate', latencies, wall)}")
    assert "restarting" not in gated.output  # the watchdog did not take load for a runaway


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_runaway_query_does_not_fail_the_other_clients(graph_ttl: Path, tmp_path: Path,
                                                          served: list[Served]) -> None:
    s = Served([str(graph_ttl), "--timeout", str(SHORT_TIMEOUT)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    restarted = threading.Event()
    statuses: list[int | str] = []
    lock = threading.Lock()
    after_restart, most = 20, 5000  # each client: until the restart, then 20 more; bounded

    def normal_client() -> None:
        left = after_restart
        with httpx.Client(trust_env=False, timeout=60) as c:
            for _ in range(most):
                try:
                    r = query(c, s.url, WINNERS)
                    status: int | str = r.status_code if SEEDS_WINNER in r.text else r.text
                except httpx.HTTPError as exc:
                    status = repr(exc)
                with lock:
                    statuses.append(status)
                if restarted.is_set():
                    left -= 1
                    if not left:
                        return
                time.sleep(0.01)  # pacing, so the clients span the restart

    runaway: list[httpx.Response] = []

    def runaway_client() -> None:
        with httpx.Client(trust_env=False, timeout=60) as c:
            runaway.append(query(c, s.url, IN_MEMORY_ENDLESS))

    clients = [threading.Thread(target=normal_client) for _ in range(4)]
    for t in clients:
        t.start()
    bad = threading.Thread(target=runaway_client)
    bad.start()
    try:
        s.wait_for("the server is back", timeout=60)
    finally:
        restarted.set()
        for t in [bad, *clients]:
            t.join(120)
    assert s.output.count("Oxigraph did not cancel it") == 1  # the others never looked like it
    assert runaway and runaway[0].status_code == 502
    assert statuses and all(status == 200 for status in statuses), [
        st for st in statuses if st != 200][:5]
    assert len(statuses) >= 4 * after_restart


def test_a_query_sent_while_the_engine_is_down_is_held_until_it_is_back(
        graph_ttl: Path, tmp_path: Path, served: list[Served], client: httpx.Client) -> None:
    s = Served([str(graph_ttl)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")
    assert query(client, s.url, WINNERS).status_code == 200  # a pooled connection now exists
    os.kill(s.child(), signal.SIGKILL)  # down now, and for the 0.5 s back-off at least
    r = query(client, s.url, WINNERS)
    assert r.status_code == 200 and SEEDS_WINNER in r.text
    assert "stopped unexpectedly (killed by SIGKILL); restarting it in 0.5 s" in s.output
    # the supervisor says so on its own thread, which may print after the answer went out
    s.wait_for("the server is back")


# --- the gate on its own, in front of a stand-in engine ---------------------------------------

class StandIn:
    """An :class:`kg.serve.Engine` for a Gate under test: a fixed address, no restarts."""

    def __init__(self, port: int) -> None:
        self.port, self.waits = port, 0

    def where(self) -> tuple[str, int, int]:
        return "127.0.0.1", self.port, 1

    def wait_for_start(self, generation: int, timeout: float) -> None:
        self.waits += 1
        time.sleep(timeout)


class Echo(BaseHTTPRequestHandler):
    """Answers with what it received, in a chunked body, with headers a gate must keep."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen = {"method": self.command, "path": self.path, "body": body.decode(),
                "headers": [[k, v] for k, v in self.headers.items()]}
        data = json.dumps(seen).encode()
        self.send_response(201, "Made Up")
        self.send_header("X-Kept", "one")
        self.send_header("X-Kept", "two")
        self.send_header("Connection", "keep-alive")  # hop-by-hop: not relayed
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (data[:10], data[10:]):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")


@contextmanager
def gate_before(engine: StandIn, timeout_s: float = 1) -> Iterator[str]:
    gate = kggate.Gate("127.0.0.1", 0, engine, kggate.GateRules(), timeout_s)
    gate.start()
    try:
        yield f"http://127.0.0.1:{gate.server_address[1]}/"
    finally:
        gate.close()


def test_the_gate_relays_requests_and_answers_faithfully(client: httpx.Client) -> None:
    backend = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        with gate_before(StandIn(backend.server_address[1])) as url:
            sent = "query=ASK%20%7B%7D&extra=%C3%A9"
            r = client.post(url + "some/path?a=1&a=2", content=sent, headers={
                "Content-Type": FORM, "X-Custom": "kept", "Keep-Alive": "timeout=5",
                "Accept": "text/x-mine"})
            assert (r.status_code, r.reason_phrase) == (201, "Made Up")
            assert r.headers.get_list("X-Kept") == ["one", "two"]
            assert "keep-alive" not in r.headers.get("connection", "")
            seen = r.json()
            assert (seen["method"], seen["path"], seen["body"]) == (
                "POST", "/some/path?a=1&a=2", sent)
            headers = {k.lower(): v for k, v in seen["headers"]}
            assert headers["x-custom"] == "kept" and headers["accept"] == "text/x-mine"
            assert headers["content-length"] == str(len(sent))
            assert "keep-alive" not in headers  # hop-by-hop: not forwarded
            assert headers["host"] == url.split("//")[1].strip("/")  # the client's Host
    finally:
        backend.shutdown()
        backend.server_close()


def test_the_gate_answers_503_if_the_engine_stays_down(client: httpx.Client,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kggate, "HOLD_EXTRA_S", 0.5)
    engine = StandIn(find_free_port())  # nobody listens there
    with gate_before(engine, timeout_s=0.5) as url:
        r = query(client, url, WINNERS)
    assert r.status_code == 503
    assert "being restarted and was not back within 1 s" in r.text
    assert engine.waits >= 1  # it was held, not failed at once


@pytest.mark.parametrize(("query_string", "media", "body", "expected"), [
    ("query=ASK+%7B%7D", "", b"", ["ASK {}"]),
    ("%71uery=ASK%20%7B%7D", "", b"", ["ASK {}"]),  # names are percent-decoded too
    ("query=A&query=B&other=C", "", b"", ["A", "B"]),
    ("", FORM, b"query=SELECT+*+%7B%7D&default-graph-uri=x", ["SELECT * {}"]),
    ("query=A", FORM, b"query=B", ["A", "B"]),  # both places: each is checked
    ("", "application/sparql-query", b"ASK {}", [b"ASK {}"]),
    ("", "text/plain", b"query=ASK {}", []),  # Oxigraph refuses that media type (415)
    ("queryx=A&xquery=B", "", b"", []),
])
def test_every_query_a_request_carries_is_found(query_string: str, media: str, body: bytes,
                                                expected: list) -> None:
    assert kggate.carried_queries(query_string, media, body) == expected


def test_an_encoded_parameter_name_does_not_hide_a_query(gated: Served,
                                                         client: httpx.Client) -> None:
    with listening() as (_, endpoint):
        text = urllib.parse.quote(service_query(endpoint))
        r = client.get(gated.url + "query?%71uery=" + text)
    assert r.status_code == 400 and "SERVICE (federated query) is disabled" in r.text


def test_a_large_answer_is_streamed_unchanged(gated: Served, client: httpx.Client) -> None:
    # Over SMALL_BODY, so streamed in pieces; the same plan on the same store gives the
    # same order each time (no ORDER BY: sorting that product takes too long).
    big = "SELECT ?a ?b ?c ?d WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 6000"
    through = query(client, gated.url, big)
    direct = query(client, engine_url(gated), big)
    assert through.status_code == direct.status_code == 200
    assert len(direct.content) > kggate.SMALL_BODY
    assert through.content == direct.content
    assert through.headers["content-type"] == direct.headers["content-type"]
    # HTTP/1.0 has no chunks: the answer ends with the connection instead.
    form = urllib.parse.urlencode({"query": big}).encode()
    host, port = gated.url.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"POST /query HTTP/1.0\r\nAccept: " + JSON_RESULTS.encode() +
                     b"\r\nContent-Type: " + FORM.encode() +
                     b"\r\nContent-Length: %d\r\n\r\n" % len(form) + form)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"chunked" not in head.lower()
    assert body == direct.content
