"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a graph, run by Oxigraph.

The SPARQL engine is Oxigraph's own server (``oxigraph serve-read-only``): content
negotiation, the YASGUI page at ``/``, HTTP 400 for malformed queries and HTTP 403 for
SPARQL UPDATE and Graph Store writes are all Oxigraph's. This module prepares a store
for it, starts it on a private loopback port, puts a small gate in front of it on the
address the user asked for, tells the user how to reach it, and looks after it:

* **The gate** (:class:`Gate`: the stdlib's ``http.server`` for the clients' requests,
  a small HTTP/1.1 client for Oxigraph's answers) forwards every request to Oxigraph
  unchanged (method, path, headers less hop-by-hop ones, body; status, headers and
  body streamed back), over pooled keep-alive connections, except that any SPARQL
  query it carries (GET ``?query=``, a POSTed form's ``query=``, an
  ``application/sparql-query`` body, on any path) is first checked by
  :mod:`kg.sparql_guard`, which refuses with HTTP 400:
  SERVICE (federated query; Oxigraph would fetch any URL a client names, from this
  machine's network) unless ``--allow-service``; queries over ``--max-query-bytes``
  (64 KiB); and queries nested deeper than ``--max-nesting`` (100) levels. Request
  bodies need a Content-Length (411) and are bounded (413).
* **Deep queries crash Oxigraph**: its parser and evaluator recurse once per level, and
  with Rust's default thread stack the server aborted (SIGABRT) at 2,208 nested
  ``{``, 4,672 nested ``(``, 9,344 ``!`` or 6,912 terms of ``1+1+...`` (0.5.13, this
  project's measurements). The engine is therefore started with a 256 MiB thread stack
  (``RUST_MIN_STACK``; reserved address space, not memory used), which moved those
  to 70,656 ``{`` and 303,104 ``!``: far beyond both the nesting limit and what fits
  in the byte limit.
* An RDF file is bulk-loaded into a fresh temporary store; a store folder (an
  Oxigraph database, or a kg store with one in ``oxigraph/``) is served from a
  snapshot, so that ``kg build`` may rewrite the store while it is being served.
  The temporary folder is deleted when the server stops.
* Oxigraph's ``--timeout-s`` cancels a query only while it is still reading the
  store; work done in memory (hash-join products, ORDER BY sorts, aggregates over
  them) runs on past the limit, and a cancelled query still gets HTTP 200 with the
  message "The SPARQL operation has been cancelled" written into the body, because
  the status line is sent before evaluation starts. So a watchdog also checks, on
  Linux, for a connection thread that has been busy for twice the time limit, and
  restarts the server when it finds one.
* A server that dies (a crash, or the watchdog) is restarted, after 0.5 s, then
  after twice as long each time it dies again soon (at most 30 s), never giving up.
  Meanwhile the gate holds the requests it was forwarding and retries them once the
  server is back (for up to the time limit + 5 s), so one bad query does not fail
  the other clients' queries. A request the server died under is sent once more (it
  may have been a bystander), and not at all if it had run past the watchdog's limit.

    kg serve output/graph.ttl                  http://127.0.0.1:7878/
    kg serve store --port 8000 --timeout 10

The parts: :mod:`kg.serve.engine` (the Oxigraph process and the store it
serves), :mod:`kg.serve.watchdog` (runaway queries), :mod:`kg.serve.supervisor`
(restarts), :mod:`kg.gate` (the gate); this module puts them together.
"""

from __future__ import annotations

import shlex
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from kg.exits import EXIT_NOTHING, EXIT_OK
from kg.exits import EXIT_SOME_FAILED as EXIT_FAILED
from kg.gate import Engine, Gate, GateRules, hostport
from kg.serve.engine import (
    ENGINE_STACK_BYTES,
    STOP_GRACE_S,
    ServeError,
    _check_port,
    _say,
    _whole_seconds,
    endpoint_url,
    engine_environment,
    find_free_port,
    find_oxigraph,
    is_oxigraph_store,
    load_into_store,
    prepare_store,
    snapshot_store,
    start_server,
    stop_server,
    wait_until_ready,
)
from kg.serve.supervisor import (
    BACKOFF_CAP_S,
    BACKOFF_FIRST_S,
    BACKOFF_RESET_S,
    POLL_S,
    Backoff,
    Supervisor,
)
from kg.serve.watchdog import RunawayWatch
from kg.sparql_guard import MAX_NESTING, MAX_QUERY_BYTES

PREFIXES = ("PREFIX kg: <https://w3id.org/kgnews/ontology#> "
            "PREFIX schema: <https://schema.org/> ")
WINNERS = (PREFIXES + "SELECT ?winner ?category WHERE { ?n a kg:Nomination ; kg:won true ; "
           "kg:nominee/schema:name ?winner ; kg:category/schema:name ?category }")
PEOPLE = (PREFIXES + "CONSTRUCT { ?p schema:name ?name } WHERE { ?p a schema:Person ; "
          "schema:name ?name }")


def examples(base_url: str) -> list[str]:
    """Three requests a user can paste into a shell: CSV, JSON, and Turtle."""
    query_url = base_url + "query"
    return [
        f"curl -s {query_url} -H 'Accept: text/csv' \\\n"
        f"    --data-urlencode {shlex.quote('query=' + WINNERS)}",
        f"curl -s {query_url} -H 'Accept: application/sparql-results+json' \\\n"
        f"    --data-urlencode {shlex.quote('query=' + WINNERS)}",
        f"curl -s {query_url} -H 'Accept: text/turtle' \\\n"
        f"    --data-urlencode {shlex.quote('query=' + PEOPLE)}",
    ]


def _banner(what: str, base_url: str, host: str, timeout: int, rules: GateRules,
            out: IO[str]) -> None:
    _say(f"serving {what}, read-only", out)
    _say(f"query editor:    {base_url}", out)
    _say(f"SPARQL endpoint: {base_url}query  (SPARQL 1.1 Protocol, GET or POST; "
         f"queries stop after {timeout} s; updates are refused)", out)
    refused = "" if rules.allow_service else "SERVICE (federated query), "
    _say(f"refused before they run: {refused}queries over {rules.max_query_bytes} bytes "
         f"or nested over {rules.max_nesting} levels", out)
    if rules.allow_service:
        _say("warning: SERVICE (federated query) is allowed: the server will fetch any URL "
             "a query names, including hosts on this machine's own network", out)
    if host in ("0.0.0.0", "::", ""):
        _say("listening on every network interface: anyone who can reach this machine "
             "can query the graph", out)
    print("\nExamples (winners as CSV, as SPARQL JSON, people as Turtle):\n", file=out)
    for ex in examples(base_url):
        print(f"  {ex}\n", file=out)
    _say("press Ctrl-C to stop", out)
    out.flush()


# --- serve --------------------------------------------------------------------------------

def serve(source: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 5.0,
          out: IO[str] = sys.stderr, allow_service: bool = False,
          max_query_bytes: int = MAX_QUERY_BYTES, max_nesting: int = MAX_NESTING) -> int:
    """Serve ``source`` (an RDF file or a store folder) until Ctrl-C or SIGTERM.

    Returns 0 after a requested stop, 2 if nothing could be served (the message says
    why), 1 if the server would not start. The temporary store is always deleted and
    the server always stopped, whichever way this returns.
    """
    source = Path(source)
    workdir: Path | None = None
    engine: Supervisor | None = None
    gate: Gate | None = None
    rules = GateRules(allow_service, max_query_bytes, max_nesting)
    restore = _stop_on_signals()
    try:
        timeout = _whole_seconds(timeout_s)
        if timeout != timeout_s:
            _say(f"Oxigraph takes whole seconds: the time limit is {timeout} s", out)
        find_oxigraph()  # before the (possibly long) load, so a missing binary fails fast
        if port == 0:
            port = find_free_port(host)
        _check_port(host, port)
        workdir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
        location, what = prepare_store(source, workdir)
        engine = Supervisor(location, timeout, out)
        engine.start()
        gate = _open_gate(host, port, engine, rules, timeout)
        gate.start()
        _banner(what, endpoint_url(host, port), host, timeout, rules, out)
        return engine.run()
    except ServeError as exc:
        _say(str(exc), out)
        return EXIT_NOTHING
    except TimeoutError as exc:
        _say(f"the Oxigraph server did not start: {exc}", out)
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say("stopping", out)
        return EXIT_OK
    finally:
        if gate is not None:
            gate.close()
        if engine is not None:
            engine.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        restore()


def _open_gate(host: str, port: int, engine: Engine, rules: GateRules, timeout: int) -> Gate:
    try:
        return Gate(host, port, engine, rules, timeout)
    except OSError as exc:
        raise ServeError(f"cannot listen on {hostport(host, port)}: "
                         f"{exc.strerror or exc}; choose another --port") from None

def _stop_on_signals() -> Any:
    """Make SIGTERM and SIGHUP stop serve() like Ctrl-C does, so the child is stopped and
    the temporary store deleted; returns a function restoring the old handlers. Only
    the main thread may set handlers; elsewhere the caller's own handling applies."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {}
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            sig = getattr(signal, name)
            old[sig] = signal.signal(sig, signal.default_int_handler)

    def restore() -> None:
        for sig, handler in old.items():
            signal.signal(sig, handler)

    return restore


# --- command line -------------------------------------------------------------------------


__all__ = ["BACKOFF_CAP_S", "BACKOFF_FIRST_S", "BACKOFF_RESET_S", "ENGINE_STACK_BYTES", "PEOPLE",
           "POLL_S", "STOP_GRACE_S", "WINNERS", "Backoff", "RunawayWatch", "ServeError",
           "Supervisor", "endpoint_url", "engine_environment",
           "examples", "find_free_port", "find_oxigraph", "is_oxigraph_store", "load_into_store",
           "prepare_store", "serve", "snapshot_store", "start_server", "stop_server",
           "wait_until_ready"]
