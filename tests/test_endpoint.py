"""The graph in an external triple store: ``kg push`` (SPARQL Graph Store Protocol)
and ``kg query --endpoint`` (SPARQL Protocol), against a real Virtuoso server that
the tests start, and against a small scripted server for what a real one rarely
does (refuse, then come back)."""

from __future__ import annotations

import csv
import io
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import kg_on_a_terminal

import kg.endpoint
import kg.query
from kg.cli import main

CRUD = "/sparql-graph-crud-auth"
DBA = ["--user", "dba", "--auth", "digest"]  # a new Virtuoso database's administrator
OUR_GRAPHS = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
              "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kgnews/')) }")


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(capsys, *args: str, in_order: bool = False) -> list[list[str]]:
    """The header, then the rows: sorted, or as the query ordered them."""
    code, out, err = _run(capsys, *args, "--format", "csv")
    assert code == 0, err
    header, *rows = list(csv.reader(io.StringIO(out)))
    return [header, *(rows if in_order else sorted(rows))]


def _ordered_by(query: str, header: list[str]) -> list[int]:
    """The columns a shipped query sorts by, in order, as far as they are
    columns of its rows: ``?x``, ``DESC(?x)`` and a key made of one
    (``?xKey``, see nominations.rq) stand for column ``x``; the first key made
    of something else (an IRI) ends the list, since ties on it may come in
    any order."""
    clause = query[query.rindex("ORDER BY") + len("ORDER BY"):]
    out = []
    for name in re.findall(r"\?(\w+)", clause):
        column = name.removesuffix("Key") if name not in header else name
        if column not in header:
            break
        out.append(header.index(column))
    return out


@pytest.fixture(scope="module")
def pushed(virtuoso: str, seeds_files: dict[str, Path]) -> Iterator[str]:
    """The seeds' named graphs pushed once; the SPARQL endpoint's URL."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(kg.endpoint.PASSWORD_ENV, "dba")
        assert main(["push", str(seeds_files["nq"]), "--endpoint", virtuoso + CRUD, *DBA,
                     "-q"]) == 0
    yield virtuoso + "/sparql"


@pytest.fixture(autouse=True)
def _password(monkeypatch) -> None:
    monkeypatch.setenv(kg.endpoint.PASSWORD_ENV, "dba")


@pytest.mark.parametrize("name", [q.name for q in kg.query.shipped_queries()])
def test_every_shipped_query_gives_the_same_rows_on_virtuoso(name, pushed, seeds_files,
                                                              capsys):
    local = ["--graph", str(seeds_files["nq"])]
    params: list[str] = []
    if name == "entity":  # a parameter: bound the same way on both sides
        winner = _rows(capsys, "query", "winners", *local)[1][0]
        params = ["--param", f"name={winner}"]
    expected = _rows(capsys, "query", name, *params, *local, in_order=True)
    assert len(expected) > 1, f"{name}: no rows on the seeds, so the comparison says nothing"
    got = _rows(capsys, "query", name, *params, "--endpoint", pushed, in_order=True)
    assert sorted(got) == sorted(expected)
    # and in the same order, as far as the query's sort keys decide it
    keys = _ordered_by(kg.query.QUERY_DIR.joinpath(f"{name}.rq").read_text(encoding="utf-8"),
                       expected[0])
    assert keys, f"{name}: sorts by no column of its rows"
    assert [[row[k] for k in keys] for row in got] == [[row[k] for k in keys]
                                                         for row in expected]


def test_pushing_again_in_small_batches_replaces_rather_than_adds(pushed, virtuoso,
                                                                  seeds_files, seeds_build,
                                                                  capsys):
    before = _rows(capsys, "query", OUR_GRAPHS, "--endpoint", pushed)
    assert before[1] == [str(len(seeds_build.database))]
    code, _, err = _run(capsys, "push", str(seeds_files["nq"]), "--endpoint",
                        virtuoso + CRUD, *DBA, "--batch", "50")
    assert code == 0, err
    assert "pushed 3 graph(s)" in err
    assert _rows(capsys, "query", OUR_GRAPHS, "--endpoint", pushed) == before


def test_a_turtle_file_needs_a_graph_to_go_into(virtuoso, seeds_files, seeds_build, capsys):
    code, _, err = _run(capsys, "push", str(seeds_files["ttl"]), "--endpoint",
                        virtuoso + CRUD, *DBA)
    assert code == 2 and "--graph IRI" in err
    into = "https://w3id.org/kgnews/id/graph/test-turtle"
    code, _, err = _run(capsys, "push", str(seeds_files["ttl"]), "--endpoint",
                        virtuoso + CRUD, *DBA, "--graph", into)
    assert code == 0, err
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{into}> {{ ?s ?p ?o }} }}"
    assert _rows(capsys, "query", count, "--endpoint", virtuoso + "/sparql")[1] == [
        str(len(seeds_build.graph))]


def test_a_wrong_password_is_refused_at_once_with_the_servers_answer(virtuoso, seeds_files,
                                                                    capsys, monkeypatch):
    monkeypatch.setenv(kg.endpoint.PASSWORD_ENV, "not-the-password")
    code, _, err = _run(capsys, "push", str(seeds_files["nq"]), "--endpoint",
                        virtuoso + CRUD, *DBA)
    assert code == 2
    assert "HTTP 401" in err and "failed" not in err  # not retried


def test_a_user_without_a_password_in_the_environment_is_told_where_to_put_it(
        seeds_files, capsys, monkeypatch):
    monkeypatch.delenv(kg.endpoint.PASSWORD_ENV)
    code, _, err = _run(capsys, "push", str(seeds_files["nq"]), "--endpoint",
                        "http://127.0.0.1:9/", "--user", "someone")
    assert code == 2 and kg.endpoint.PASSWORD_ENV in err


# --- a scripted Graph Store endpoint --------------------------------------------------


class _Scripted(BaseHTTPRequestHandler):
    script: list[int] = []
    seen: list[tuple[str, str, bytes]] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.command, self.path, body))
        step = self.script.pop(0) if self.script else 201
        status, message, headers = step if isinstance(step, tuple) else (
            step, b"busy, come back later" if step >= 500 else b"fine", {})
        self.send_response(status)
        for name, value in {"Content-Length": str(len(message)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(message)

    do_PUT = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[type[_Scripted]]:
    handler = type("Handler", (_Scripted,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/store"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def _tiny_graph(tmp_path: Path) -> Path:
    path = tmp_path / "g.nq"
    path.write_text('<https://x.test/a> <https://x.test/p> "one" <https://x.test/g1> .\n'
                    '<https://x.test/a> <https://x.test/p> "two" <https://x.test/g1> .\n'
                    '<https://x.test/b> <https://x.test/p> "three" <https://x.test/g2> .\n',
                    encoding="utf-8")
    return path


def test_a_busy_endpoint_is_retried_until_it_takes_the_graph(scripted, tmp_path, capsys,
                                                            monkeypatch):
    scripted.script[:] = [503, 502]
    code, _, err = _run(capsys, "push", str(_tiny_graph(tmp_path)), "--endpoint",
                        scripted.url, "--batch", "1", "--parallel", "1")
    assert code == 0, err
    assert [(m, p.split("?")[1]) for m, p, _ in scripted.seen] == [
        ("PUT", "graph=https%3A%2F%2Fx.test%2Fg1"),  # 503
        ("PUT", "graph=https%3A%2F%2Fx.test%2Fg1"),  # 502
        ("PUT", "graph=https%3A%2F%2Fx.test%2Fg1"),  # replaced with its first triple
        ("POST", "graph=https%3A%2F%2Fx.test%2Fg1"),  # its second added
        ("PUT", "graph=https%3A%2F%2Fx.test%2Fg2")]
    first_graph = scripted.seen[2][2] + scripted.seen[3][2]
    assert sorted(first_graph.decode().splitlines()) == [
        '<https://x.test/a> <https://x.test/p> "one" .',
        '<https://x.test/a> <https://x.test/p> "two" .']


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_push_on_a_terminal_counts_the_graphs_sent_and_ends_its_line(scripted, tmp_path):
    code, text = kg_on_a_terminal("push", str(_tiny_graph(tmp_path)), "--endpoint",
                                  scripted.url, "--parallel", "1", cwd=tmp_path)
    assert code == 0
    drawn = [part for part in text.split("\r") if part.startswith("kg: ")]
    assert any(re.match(r"kg: 2/2 graphs sent, 3 triples +\[0:\d\d\]", part) for part in drawn)
    assert re.search(r"\]\s*\n+kg: pushed 2 graph\(s\), 3 triples", text)


def test_an_endpoint_that_stays_busy_fails_the_push_naming_the_graph(scripted, tmp_path,
                                                                     capsys, monkeypatch):
    scripted.script[:] = [503] * 10
    code, _, err = _run(capsys, "push", str(_tiny_graph(tmp_path)), "--endpoint",
                        scripted.url, "--retries", "1", "--parallel", "1")
    assert code == 2
    assert "graph <https://x.test/g1>" in err and "failed 2 times" in err
    assert "HTTP 503: busy, come back later" in err
    assert len(scripted.seen) == 2


def test_a_redirect_is_not_followed_and_the_user_is_told_where_it_pointed(scripted, tmp_path,
                                                                         capsys):
    scripted.script[:] = [(308, b"", {"Location": "https://elsewhere.test/store"})]
    code, _, err = _run(capsys, "push", str(_tiny_graph(tmp_path)), "--endpoint",
                        scripted.url, "--parallel", "1")
    assert code == 2
    assert "HTTP 308, redirected to https://elsewhere.test/store" in err
    assert len(scripted.seen) == 1


def test_a_servers_answer_cannot_write_escape_sequences_to_the_terminal(scripted, tmp_path,
                                                                      capsys):
    scripted.script[:] = [(400, b"\x1b[2J\x1b[31mrefused\x07", {})]
    code, _, err = _run(capsys, "push", str(_tiny_graph(tmp_path)), "--endpoint",
                        scripted.url, "--parallel", "1")
    assert code == 2
    assert "HTTP 400: ?[2J?[31mrefused?" in err and "\x1b" not in err


def test_a_large_file_is_read_through_a_database_on_disk(scripted, tmp_path, capsys,
                                                        monkeypatch):
    import tempfile

    monkeypatch.setattr(kg.endpoint, "IN_MEMORY_MAX_BYTES", 10)
    made: list[Path] = []
    real = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        folder = real(*args, **kwargs)
        made.append(Path(folder.name))
        return folder

    monkeypatch.setattr(kg.endpoint.tempfile, "TemporaryDirectory", recorded)
    code, _, err = _run(capsys, "push", str(_tiny_graph(tmp_path)), "--endpoint",
                        scripted.url)
    assert code == 0, err
    assert len(scripted.seen) == 2
    assert len(made) == 1 and made[0].name.startswith("kg-push-")
    assert not made[0].exists()  # removed after the push


def test_a_store_folder_is_pushed_one_graph_per_article(scripted, tmp_path, capsys):
    from kg.store import build_into_store

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(
        " date 2021-03-01 Ada Quill won the Harbor Prize for Copper Lake.", encoding="utf-8")
    build_into_store([tmp_path / "a"], tmp_path / "store").close()
    code, _, err = _run(capsys, "push", str(tmp_path / "store"), "--endpoint", scripted.url)
    assert code == 0, err
    graphs = sorted(p.split("graph=")[1] for _, p, _ in scripted.seen)
    assert graphs == ["https%3A%2F%2Fw3id.org%2Fkgnews%2Fid%2Fgraph%2Farticle%2Fone",
                      "https%3A%2F%2Fw3id.org%2Fkgnews%2Fid%2Fgraph%2Fentities"]
