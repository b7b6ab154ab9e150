"""The graph in an external triple store: ``kg push`` and ``kg query --endpoint``.

``kg push`` uploads a graph with the SPARQL 1.1 Graph Store HTTP Protocol, which
Virtuoso, Oxigraph's server, Fuseki, GraphDB and others speak: each named graph
(one per article, plus the entities graph) is sent with PUT, which replaces it,
so pushing again is idempotent; a graph larger than one batch is sent as a PUT
of its first batch then POSTs (which add) of the others. A request that fails
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

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

# triples per request: a few MB of N-Triples, small enough for any server's
# default request limit, large enough that request overhead does not dominate
PUSH_BATCH = 20_000
RETRIES = 5
# answers that say "try again later"; any other error is the request's own (Virtuoso
# answers a query it cannot run with 500, which no retry will change)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
TIMEOUT_S = 120.0
PASSWORD_ENV = "KG_ENDPOINT_PASSWORD"
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
    return httpx.Client(auth=auth.for_httpx() if auth else None, timeout=TIMEOUT_S,
                        follow_redirects=False, trust_env=False)


def _send(client: httpx.Client, what: str, retries: int, **request: Any) -> httpx.Response:
    """One request, retried while it fails in a way that may pass."""

    def attempt() -> httpx.Response:
        try:
            response = client.request(**request)
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(f"HTTP {response.status_code}: {_first_line(response.text)}")
        if response.status_code >= 400:
            raise EndpointError(f"{what}: HTTP {response.status_code}: "
                                f"{_first_line(response.text)}")
        return response

    retrying = Retrying(stop=stop_after_attempt(retries + 1),
                        wait=wait_exponential(multiplier=0.5, max=10),
                        retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
                        reraise=False)
    try:
        return retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        message = last.message if isinstance(last, _Retryable) else str(last)
        raise EndpointError(f"{what}: failed {retries + 1} times, last: {message}") from None


def _first_line(text: str) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "(no message)")
    return line[:300]


# --- push ------------------------------------------------------------------------------

_FILE_FORMATS = {".nq": pyoxigraph.RdfFormat.N_QUADS, ".trig": pyoxigraph.RdfFormat.TRIG,
                 ".ttl": pyoxigraph.RdfFormat.TURTLE, ".nt": pyoxigraph.RdfFormat.N_TRIPLES}


def open_source(source: Path) -> pyoxigraph.Store:
    """What to push: a kg store folder (read in place) or an RDF file (loaded
    into memory; N-Quads and TriG keep their named graphs)."""
    from kg.storedir import database_dir, is_store

    if source.is_dir():
        if not is_store(source):
            raise EndpointError(f"{source}: a folder that is not a kg store (push a store "
                                "made with 'kg build --store', or a graph file)")
        return pyoxigraph.Store.read_only(str(database_dir(source)))
    if not source.is_file():
        raise EndpointError(f"{source}: no such graph file or store")
    fmt = _FILE_FORMATS.get(source.suffix.lower())
    if fmt is None:
        raise EndpointError(f"{source}: push reads .nq, .trig, .ttl or .nt files")
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(source), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise EndpointError(f"{source}: not a readable {fmt.name} file ({exc})") from None
    return store


@dataclass(frozen=True)
class PushPlan:
    """Each graph to send, by IRI, and its size in triples."""

    graphs: list[tuple[str, int]]

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)


def plan_push(store: pyoxigraph.Store, into: str | None = None) -> PushPlan:
    """The named graphs of ``store``, in IRI order; a store whose triples are all
    in the default graph (a Turtle file) goes into ``into``, which it must name."""
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
    default = sum(1 for _ in store.quads_for_pattern(None, None, None,
                                                      pyoxigraph.DefaultGraph()))
    if default and into is None:
        raise EndpointError("the graph has triples outside any named graph (a .ttl or .nt "
                            "file): name the graph to put them in with --graph IRI, or push "
                            "an .nq export or a store, which keep one graph per article")
    sizes = [(g, _count(store, pyoxigraph.NamedNode(g))) for g in graphs]
    if default and into is not None:
        sizes = [(g, n) for g, n in sizes if g != into] + [(into, default)]
    return PushPlan(sizes)


def _count(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _batches(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph,
             size: int) -> Iterator[bytes]:
    """The graph's triples as N-Triples, ``size`` at a time."""
    batch: list[pyoxigraph.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, graph):
        batch.append(quad.triple)
        if len(batch) >= size:
            yield pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.N_TRIPLES)
            batch = []
    if batch:
        yield pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.N_TRIPLES)


# (graphs sent, graphs in all, triples sent)
PushProgress = Callable[[int, int, int], None]


def push(store: pyoxigraph.Store, endpoint: str, *, auth: Auth | None = None,
         into: str | None = None, batch: int = PUSH_BATCH, retries: int = RETRIES,
         progress: PushProgress | None = None) -> PushPlan:
    """Send every graph of ``store`` to the Graph Store endpoint at ``endpoint``
    (see the module docstring). Returns what was sent."""
    plan = plan_push(store, into)
    sent = 0
    with _client(auth) as client:
        for done, (iri, _size) in enumerate(plan.graphs, start=1):
            source = (pyoxigraph.DefaultGraph() if into is not None and iri == into
                      else pyoxigraph.NamedNode(iri))
            method = "PUT"
            for body in _batches(store, source, batch):
                _send(client, f"{method} graph <{iri}> to {endpoint}", retries,
                      method=method, url=endpoint, params={"graph": iri}, content=body,
                      headers={"Content-Type": "application/n-triples"})
                method = "POST"
                sent += body.count(b"\n")
            if progress:
                progress(done, len(plan.graphs), sent)
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
