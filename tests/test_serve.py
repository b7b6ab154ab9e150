"""kg serve: Oxigraph's read-only SPARQL endpoint over a built graph, checked over HTTP.

Every test talks to a real ``oxigraph serve-read-only`` on 127.0.0.1 (no other network),
so what is asserted here is what the server actually does: status codes, formats,
the time limit, and how serve() starts, restarts, stops and cleans up.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from kg import serve as kgserve
from kg.builder import build_graph
from kg.exports import write_file
from kg.serve import (
    WINNERS,
    RunawayWatch,
    ServeError,
    find_free_port,
    hard_limit,
    load_into_store,
    serve,
    start_server,
    stop_server,
    wait_until_ready,
)

ROOT = Path(__file__).resolve().parent.parent
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
def graph_ttl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles built once and written as Turtle, as `kg build` does."""
    path = tmp_path_factory.mktemp("graph") / "graph.ttl"
    with build_graph([SEEDS]) as result:
        assert result.articles > 0 and not result.errors
        write_file(result.database, "ttl", path)
    return path


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
    """A server on a free loopback port; always stopped, and asserted gone, on exit."""
    port = find_free_port()
    with log.open("ab") as err:
        proc = start_server(location, "127.0.0.1", port, timeout_s, stderr=err)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, proc=proc)
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
    assert "Mark Ruffalo" in winners
    assert winners["Mark Ruffalo"]


def test_select_by_get_as_csv(client: httpx.Client, server: str) -> None:
    r = client.get(server + "query", params={"query": WINNERS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == {"winner", "category"}
    assert "Mark Ruffalo" in {row["winner"] for row in rows}


@pytest.mark.parametrize("accept", ["text/tab-separated-values", "application/sparql-results+xml"])
def test_select_in_the_other_result_formats(client: httpx.Client, server: str,
                                            accept: str) -> None:
    r = query(client, server, WINNERS, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    assert "Mark Ruffalo" in r.text


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
    assert (None, URIRef(SCHEMA + "name"), Literal("Mark Ruffalo")) in got
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
    started = time.monotonic()
    r = query(client, slow_server, SCANNING_ENDLESS)
    elapsed = time.monotonic() - started
    assert elapsed < 2 * SHORT_TIMEOUT, elapsed
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
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg.serve", *args, "--port", str(self.port)], cwd=ROOT,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, text: str, times: int = 1, timeout: float = 20) -> None:
        """Until ``text`` has been printed ``times`` times in all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while "".join(self.lines).count(text) < times:
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
        assert "Mark Ruffalo" in r.text
        accepts.append(headers["Accept"])
    assert accepts == ["text/csv", JSON_RESULTS, "text/turtle"]

    child = s.child()
    assert s.stop() == 0
    assert "kg: stopping" in s.output
    assert not any((tmp_path / "tmp").iterdir()), "the temporary store was left behind"
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_serve_restarts_after_a_runaway_query_and_a_crash(
        graph_ttl: Path, tmp_path: Path, served: list[Served], client: httpx.Client) -> None:
    s = Served([str(graph_ttl), "--timeout", str(SHORT_TIMEOUT)], tmp_path / "tmp")
    served.append(s)
    s.wait_for("press Ctrl-C to stop")

    started = time.monotonic()
    with pytest.raises(httpx.TransportError):  # dropped: the server was restarted under it
        query(client, s.url, IN_MEMORY_ENDLESS)
    assert time.monotonic() - started < hard_limit(SHORT_TIMEOUT) + 1.5
    assert "Oxigraph did not cancel it; restarting" in s.output
    s.wait_for("the server is back")
    assert "Mark Ruffalo" in query(client, s.url, WINNERS).text

    os.kill(s.child(), signal.SIGKILL)  # as the OOM killer, or Oxigraph aborting, would
    s.wait_for("stopped unexpectedly (killed by SIGKILL)")
    s.wait_for("the server is back", times=2)
    assert "Mark Ruffalo" in query(client, s.url, WINNERS).text
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
    kgserve.add_serve_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.source, args.host, args.port, args.timeout) == (
        "output/graph.ttl", "127.0.0.1", 7878, 5)
    assert args.func is kgserve.cmd_serve
    args = parser.parse_args(["serve", "g.nt", "--host", "::1", "--port", "0", "--timeout", "3"])
    assert (args.source, args.host, args.port, args.timeout) == ("g.nt", "::1", 0, 3)
    for bad in (["--timeout", "0"], ["--port", "70000"], ["--timeout", "1.5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", *bad])
