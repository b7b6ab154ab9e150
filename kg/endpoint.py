"""The graph in an external triple store: ``kg push`` and ``kg query --endpoint``.

``kg push`` uploads a graph with the SPARQL 1.1 Graph Store HTTP Protocol, which
Virtuoso, Oxigraph's server, Fuseki, GraphDB and others speak: each named graph
(one per article, plus the entities graph) is sent with PUT, which replaces it,
so pushing again is idempotent; a graph larger than one batch is sent as a PUT
of its first batch then POSTs (which add) of the others. ``parallel`` graphs
are sent at a time, each over its own connection. A request that fails
for a reason that may pass (no connection, a time-out, HTTP 429, 502, 503
or 504) is retried with exponential back-off; any other refusal stops the push at once
with the server's answer.

``kg query --endpoint`` sends a query with the SPARQL 1.1 Protocol and turns
the JSON answer into the same rows as a local query. kg's queries read the
named graphs as one default graph, as Virtuoso does by default; Oxigraph's
server needs ``--union-default-graph`` for it, Fuseki ``unionDefaultGraph``.

These are the only places kg sends a request to another machine, and only to
the address the user gives.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph

from kg.defaults import PARALLEL, PASSWORD_ENV, PUSH_BATCH, RETRIES
from kg.formats import KNOWN_SUFFIXES, READ_ERRORS, load_file, oxigraph_format, unreadable

# httpx (0.08 s to import) and tenacity (0.03 s) are imported where a request is made
if TYPE_CHECKING:
    import httpx

# answers that say "try again later"; any other error is the request's own (Virtuoso
# answers a query it cannot run with 500, which no retry will change)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
TIMEOUT_S = 120.0
# Virtuoso answers ASK with 1 / 0 and booleans as such in JSON results
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


class EndpointError(Exception):
    """The endpoint refused a request, or could not be reached after retries;
    the message says which request and what the server answered."""


@dataclass(frozen=True)
class Auth:
    user: str
    password: str
    scheme: str = "basic"  # or "digest" (Virtuoso's /sparql-graph-crud-auth)

    def for_httpx(self) -> httpx.Auth:
        import httpx

        if self.scheme == "digest":
            return httpx.DigestAuth(self.user, self.password)
        return httpx.BasicAuth(self.user, self.password)


def auth_from(user: str | None, scheme: str, password_env: str = PASSWORD_ENV) -> Auth | None:
    """Credentials for ``user``, the password read from an environment variable
    (never from the command line, where other users of the machine can see it)."""
    if not user:
        return None
    password = os.environ.get(password_env)
    if password is None:
        raise EndpointError(f"--user {user}: set the password in the environment variable "
                            f"{password_env}")
    return Auth(user, password, scheme)


class _Retryable(Exception):
    """A failure worth another try (kept apart so that tenacity retries only these)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _client(auth: Auth | None) -> httpx.Client:
    import httpx

    return httpx.Client(auth=auth.for_httpx() if auth else None, timeout=TIMEOUT_S,
                        follow_redirects=False)


def _send(client: httpx.Client, what: str, retries: int, **request: Any) -> httpx.Response:
    """One request, retried while it fails in a way that may pass."""
    import httpx

    def attempt() -> httpx.Response:
        try:
            response = client.request(**request)
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(f"HTTP {response.status_code}: {_first_line(response.text)}")
        if response.is_redirect:  # not followed: credentials and body stay with the URL given
            raise EndpointError(f"{what}: HTTP {response.status_code}, redirected to "
                                f"{_printable(response.headers.get('location', '?'))}: give "
                                "that address instead")
        if not response.is_success:
            raise EndpointError(f"{what}: HTTP {response.status_code}: "
                                f"{_first_line(response.text)}")
        return response

    from tenacity import (
        RetryError,
        Retrying,
        retry_if_exception_type,
        stop_after_attempt,
        wait_exponential,
    )

    retrying = Retrying(stop=stop_after_attempt(retries + 1),
                        wait=wait_exponential(multiplier=0.5, max=10),
                        retry=retry_if_exception_type(_Retryable),
                        reraise=False)
    try:
        return retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        message = last.message if isinstance(last, _Retryable) else str(last)
        raise EndpointError(f"{what}: failed {retries + 1} times, last: {message}") from None


def _first_line(text: str) -> str:
    """The first line of a server's answer, for an error message."""
    line = next((x.strip() for x in text.splitlines() if x.strip()), "(no message)")
    return _printable(line[:300])


def _printable(text: str) -> str:
    """``text`` with control characters replaced: a server's answer goes to the
    user's terminal, where escape sequences could rewrite what they see."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)


# --- push ------------------------------------------------------------------------------



# a graph file larger than this is loaded into a temporary on-disk database
# (in $TMPDIR) rather than memory, which holds about 400 bytes per triple
IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024


@contextmanager
def opened_source(source: Path) -> Iterator[pyoxigraph.Store]:
    """What to push: a kg store folder (from a snapshot in $TMPDIR, so a build
    into the store meanwhile does not change what is sent) or an RDF file
    (loaded into a database of its own; N-Quads and TriG keep their named
    graphs)."""
    from kg.storedir import database_dir, is_store, snapshot

    if source.is_dir():
        if not is_store(source):
            raise EndpointError(f"{source}: a folder that is not a kg store (push a store "
                                "made with 'kg build --store', or a graph file)")
        with tempfile.TemporaryDirectory(prefix="kg-push-") as tmp:
            try:
                snapshot(database_dir(source), Path(tmp) / "db")
                store = pyoxigraph.Store(str(Path(tmp) / "db"))
            except OSError as exc:
                raise EndpointError(f"{source}: cannot read the store ({exc})") from None
            yield store
            del store  # closed before its folder is removed
        return
    if not source.is_file():
        raise EndpointError(f"{source}: no such graph file or store")
    fmt = oxigraph_format(source)
    if fmt is None:
        raise EndpointError(f"{source}: unknown RDF file type {source.suffix!r}; push a "
                            f"{KNOWN_SUFFIXES} file or a store folder")
    with contextlib.ExitStack() as stack:
        if source.stat().st_size > IN_MEMORY_MAX_BYTES:
            store = pyoxigraph.Store(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="kg-push-")))
        else:
            store = pyoxigraph.Store()
        try:
            load_file(store, source, fmt)
        except READ_ERRORS as exc:
            raise EndpointError(unreadable(source, fmt, exc)) from None
        yield store
        del store  # closed before its folder is removed


@dataclass(frozen=True)
class PushPlan:
    """The graphs to send, by IRI, and the triples in all."""

    graphs: list[str]
    triples: int


def plan_push(store: pyoxigraph.Store, into: str | None = None) -> PushPlan:
    """The named graphs of ``store``, in IRI order; a store whose triples are in
    the default graph (a Turtle file) sends them to ``into``, which it must name."""
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
    if _has_default_triples(store):
        if into is None:
            raise EndpointError("the graph has triples outside any named graph (a .ttl or .nt "
                                "file): name the graph to put them in with --graph IRI, or "
                                "push an .nq export or a store, which keep one graph per "
                                "article")
        graphs = [g for g in graphs if g != into] + [into]
    return PushPlan(graphs, len(store))


def _has_default_triples(store: pyoxigraph.Store) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())),
                None) is not None


class _LineBatches:
    """A binary writer that Oxigraph serialises one graph into (in native code,
    much faster than turning each triple into a Python object): each time
    ``size`` N-Triples lines have come, they are handed to ``deliver``, and the
    rest on ``close``, so memory holds one batch whatever the graph's size."""

    def __init__(self, size: int, deliver: Callable[[bytes], None]) -> None:
        self.size, self.deliver = size, deliver
        self.buffer = bytearray()
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.lines += data.count(b"\n")
        while self.lines >= self.size:
            cut, found = 0, 0
            while found < self.size:
                cut = self.buffer.index(b"\n", cut) + 1
                found += 1
            self.deliver(bytes(self.buffer[:cut]))
            del self.buffer[:cut]
            self.lines -= self.size
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.buffer:
            self.deliver(bytes(self.buffer))
            self.buffer.clear()
            self.lines = 0


# (graphs sent, graphs in all, triples sent)
PushProgress = Callable[[int, int, int], None]


def push(store: pyoxigraph.Store, endpoint: str, *, auth: Auth | None = None,
         into: str | None = None, batch: int = PUSH_BATCH, retries: int = RETRIES,
         parallel: int = PARALLEL, progress: PushProgress | None = None) -> PushPlan:
    """Send every graph of ``store`` to the Graph Store endpoint at ``endpoint``
    (see the module docstring), ``parallel`` graphs at a time (each graph's own
    requests in order). Returns what was sent; on the first request that fails
    for good, the graphs not yet started are not sent and the error is raised."""
    plan = plan_push(store, into)
    local = threading.local()  # one connection (and one digest session) per thread
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = _client(auth)
            with lock:
                clients.append(local.client)
        return local.client

    failed = threading.Event()

    def send(iri: str) -> int:
        if failed.is_set():  # another graph failed for good: start no more
            return 0
        source = (pyoxigraph.DefaultGraph() if into is not None and iri == into
                  else pyoxigraph.NamedNode(iri))
        sent = [0]

        def deliver(body: bytes) -> None:
            method = "POST" if sent[0] else "PUT"  # the first batch replaces the graph
            _send(client(), f"{method} graph <{iri}> to {endpoint}", retries, method=method,
                  url=endpoint, params={"graph": iri}, content=body,
                  headers={"Content-Type": "application/n-triples"})
            sent[0] += body.count(b"\n")

        try:
            writer = _LineBatches(batch, deliver)
            store.dump(writer, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=source)
            writer.close()
        except BaseException:
            failed.set()
            raise
        return sent[0]

    pool = ThreadPoolExecutor(max(1, parallel), thread_name_prefix="kg-push")
    try:
        futures = [pool.submit(send, iri) for iri in plan.graphs]
        sent = 0
        for done, future in enumerate(as_completed(futures), start=1):
            sent += future.result()
            if progress:
                progress(done, len(plan.graphs), sent)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for c in clients:
            c.close()
    return plan


# --- query -----------------------------------------------------------------------------

def query_endpoint(endpoint: str, text: str, *, auth: Auth | None = None,
                   retries: int = RETRIES) -> dict[str, Any] | str:
    """The endpoint's answer to a query: SPARQL JSON results (SELECT, ASK) as
    a dict, or Turtle text (CONSTRUCT, DESCRIBE)."""
    with _client(auth) as client:
        response = _send(client, f"query {endpoint}", retries, method="POST", url=endpoint,
                         data={"query": text},
                         headers={"Accept": "application/sparql-results+json, "
                                            "text/turtle;q=0.9"})
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if kind in ("application/sparql-results+json", "application/json"):
        try:
            return response.json()
        except ValueError as exc:
            raise EndpointError(f"query {endpoint}: the answer is not JSON ({exc})") from None
    return response.text


def json_rows(answer: dict[str, Any]) -> tuple[str, list[str], list[list[str]], bool]:
    """(kind, columns, rows, boolean) of SPARQL JSON results, each cell as a
    local query gives it (a literal's text, an IRI, ``_:id`` for a blank node;
    a boolean as true / false, whichever way the server writes it)."""
    if "boolean" in answer:
        return "ask", [], [], _truth(answer["boolean"])
    columns = list(answer.get("head", {}).get("vars", []))
    rows = [[_json_cell(b.get(c)) for c in columns]
            for b in answer.get("results", {}).get("bindings", [])]
    return "select", columns, rows, False


def _json_cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    if term.get("type") == "bnode":
        return f"_:{term['value']}"
    if term.get("datatype") == _BOOLEAN:
        return "true" if _truth(term["value"]) else "false"
    return term["value"]


def _truth(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")
