"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a graph, run by Oxigraph.

The HTTP side is Oxigraph's own server (``oxigraph serve-read-only``), not ours:
content negotiation, the YASGUI page at ``/``, HTTP 400 for malformed queries and
HTTP 403 for SPARQL UPDATE and Graph Store writes are all Oxigraph's. This module
only prepares a store for it, starts it, tells the user how to reach it, and looks
after it while it runs:

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
  restarts the server when it finds one (in-flight requests are dropped).
* Oxigraph 0.5 can abort (SIGABRT) on a large ORDER BY over mixed kinds of terms;
  a server that dies unexpectedly is restarted, at most a few times a minute.

    kg serve output/graph.ttl                  http://127.0.0.1:7878/
    kg serve store --port 8000 --timeout 10
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from typing import IO, Any

from kg.storedir import OXIGRAPH_DIR

EXIT_OK, EXIT_FAILED, EXIT_NOTHING = 0, 1, 2

# Suffix -> pyoxigraph.RdfFormat attribute; the formats a kg build or export writes.
RDF_SUFFIXES = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".nq": "N_QUADS", ".trig": "TRIG"}

PREFIXES = ("PREFIX kg: <https://w3id.org/kgnews/ontology#> "
            "PREFIX schema: <https://schema.org/> ")
WINNERS = (PREFIXES + "SELECT ?winner ?category WHERE { ?n a kg:Nomination ; kg:won true ; "
           "kg:nominee/schema:name ?winner ; kg:category/schema:name ?category }")
PEOPLE = (PREFIXES + "CONSTRUCT { ?p schema:name ?name } WHERE { ?p a schema:Person ; "
          "schema:name ?name }")

POLL_S = 0.25  # how often the supervisor looks at the child
STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this long
MAX_RESTARTS, RESTART_WINDOW_S = 5, 60.0


class ServeError(Exception):
    """A problem the user can fix (a missing file, a busy port); shown as one line."""


def _say(msg: str, out: IO[str]) -> None:
    print(f"kg: {msg}", file=out, flush=True)


# --- finding and starting the server ------------------------------------------------------

def find_oxigraph() -> Path:
    """The ``oxigraph`` binary: next to this Python first (the venv the `oxigraph`
    wheel installed it into, even when the venv is not activated), then on PATH."""
    name = "oxigraph.exe" if os.name == "nt" else "oxigraph"
    beside = Path(sys.executable).parent / name  # not resolved: a venv's python is a symlink
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError("the Oxigraph server binary 'oxigraph' was not found next to "
                     f"{sys.executable} or on PATH; install it with "
                     "'pip install \"oxigraph>=0.5,<0.6\"'")


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (another process may still take it)."""
    family = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _check_port(host: str, port: int) -> None:
    """Fail early with a clear message, and make sure a server already on the port is
    not mistaken for ours by :func:`wait_until_ready`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        # Like Rust's listener, so a port in TIME_WAIT after a restart still counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise ServeError(f"cannot listen on {_hostport(host, port)}: "
                             f"{exc.strerror or exc}; choose another --port") from None


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _whole_seconds(timeout_s: float) -> int:
    """Oxigraph's --timeout-s takes whole seconds; round up rather than cut short."""
    if not timeout_s > 0:
        raise ServeError(f"the query time limit must be positive, not {timeout_s}")
    return max(1, math.ceil(timeout_s))


def start_server(location: Path, host: str = "127.0.0.1", port: int = 7878,
                 timeout_s: float = 5.0, *, stderr: Any = None) -> subprocess.Popen:
    """Start ``oxigraph serve-read-only`` on the store at ``location``.

    The union of all graphs is the default graph, because a kg store keeps one named
    graph per article and plain queries should see all of them. ``stderr`` goes to
    Popen (default: inherited, so Oxigraph's own error lines reach the user); never
    pass a pipe nobody reads, or a chatty server blocks once it fills.
    """
    cmd = [str(find_oxigraph()), "serve-read-only", "--location", str(location),
           "--bind", _hostport(host, port), "--timeout-s", str(_whole_seconds(timeout_s)),
           "--union-default-graph"]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)


def wait_until_ready(url: str, timeout: float = 15.0,
                     proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until the server answers; fail fast if ``proc`` dies meanwhile."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise ServeError(f"the Oxigraph server stopped before it was ready "
                             f"({_describe_exit(proc.returncode)})")
        try:
            with opener.open(url, timeout=2) as response:
                response.read(1)
                return
        except urllib.error.HTTPError:
            return  # it answered: ready, whatever it thinks of the path
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer from {url} after {timeout:g} s")
        time.sleep(0.05)


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def stop_server(proc: subprocess.Popen, grace: float = STOP_GRACE_S) -> int:
    """SIGTERM, then SIGKILL if it is still there after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


# --- preparing a store --------------------------------------------------------------------

def is_oxigraph_store(path: Path) -> bool:
    """An Oxigraph (RocksDB) database folder: it has a CURRENT file."""
    return (path / "CURRENT").is_file()


def load_into_store(source: Path, location: Path) -> int:
    """Bulk-load the RDF file ``source`` into a new store at ``location``; the number of
    quads loaded. The store is closed on return, so a server can open it."""
    import pyoxigraph

    fmt_name = RDF_SUFFIXES.get(source.suffix.lower())
    if fmt_name is None:
        raise ServeError(f"{source}: unknown RDF file type {source.suffix!r}; give a "
                         f"{', '.join(RDF_SUFFIXES)} file or an Oxigraph store folder")
    try:
        store = pyoxigraph.Store(str(location))
    except OSError as exc:
        raise ServeError(f"cannot create a temporary store in {location} ({exc})") from None
    try:
        store.bulk_load(path=str(source), format=getattr(pyoxigraph.RdfFormat, fmt_name),
                        base_iri=source.resolve().as_uri())
        store.flush()
        return len(store)
    except (SyntaxError, ValueError, OSError) as exc:
        raise ServeError(f"{source}: not a readable {fmt_name.replace('_', '-').title()} "
                         f"file ({exc})") from None
    finally:
        del store  # closes the database and releases its lock


def snapshot_store(database: Path, location: Path) -> None:
    """Copy the Oxigraph database at ``database`` to ``location`` (hard links where the
    filesystem allows), so rebuilding the original cannot disturb the server."""
    import pyoxigraph

    try:
        store = pyoxigraph.Store.read_only(str(database))
        store.backup(str(location))
    except OSError as exc:
        raise ServeError(f"{database}: cannot open the Oxigraph store ({exc})") from None
    del store


def prepare_store(source: Path, workdir: Path) -> tuple[Path, str]:
    """A store folder for the server under ``workdir``, and a phrase describing it."""
    if not source.exists():
        raise ServeError(f"{source}: no such file or folder (build a graph with 'kg build')")
    location = workdir / "store"
    if source.is_dir():
        for database in (source, source / OXIGRAPH_DIR):
            if is_oxigraph_store(database):
                snapshot_store(database, location)
                return location, f"{source} (a snapshot of the Oxigraph store {database})"
        raise ServeError(f"{source}: a folder, but not an Oxigraph store (no CURRENT file) "
                         f"nor a kg store (no {OXIGRAPH_DIR}/ in it); give an RDF file "
                         f"({', '.join(RDF_SUFFIXES)}) or a store folder")
    quads = load_into_store(source, location)
    return location, f"{source} ({quads} triple{'s' if quads != 1 else ''})"


# --- the runaway watchdog -----------------------------------------------------------------

class RunawayWatch:
    """Notices a server thread that has been busy for ``limit_s`` seconds straight.

    Oxigraph answers each connection on its own thread and evaluates a query on that
    thread, so one thread busy long past the query time limit is a query its
    cancellation did not reach. Linux only (it reads /proc); elsewhere it never fires.
    Samples CPU time per thread; busy means at least half the wall time since the
    previous sample. A client hammering one keep-alive connection with back-to-back
    heavy queries for that long would look the same; the limit is generous for that.
    """

    def __init__(self, pid: int, limit_s: float) -> None:
        self.tasks = Path(f"/proc/{pid}/task")
        self.limit_s = limit_s
        self.enabled = self.tasks.is_dir()
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._seen: dict[str, tuple[float, float, float]] = {}  # tid -> (t, cpu, busy since)

    def _cpu_seconds(self, task: Path) -> float | None:
        try:
            if (task / "comm").read_text().startswith("rocksdb"):
                return None
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # the thread ended between listing and reading
        return (int(fields[11]) + int(fields[12])) / self._tick  # utime + stime

    def busy_too_long(self) -> bool:
        """Sample every thread; True if one has been busy for ``limit_s`` seconds."""
        if not self.enabled:
            return False
        now = time.monotonic()
        seen: dict[str, tuple[float, float, float]] = {}
        try:
            tasks = list(self.tasks.iterdir())
        except OSError:
            return False
        runaway = False
        for task in tasks:
            cpu = self._cpu_seconds(task)
            if cpu is None:
                continue
            t0, cpu0, since = self._seen.get(task.name, (now, cpu, now))
            if now > t0 and cpu - cpu0 < 0.5 * (now - t0):
                since = now  # idle or waiting on the client in between: not a runaway
            seen[task.name] = (now, cpu, since)
            runaway = runaway or now - since >= self.limit_s
        self._seen = seen
        return runaway


def hard_limit(timeout_s: float) -> float:
    """When the watchdog steps in: twice the query limit, at least one second more,
    so Oxigraph's own (later-checked) cancellation gets its chance first."""
    return max(2.0 * timeout_s, timeout_s + 1.0)


# --- what to tell the user ----------------------------------------------------------------

def endpoint_url(host: str, port: int) -> str:
    """The base URL to open: a wildcard bind address is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{_hostport(shown, port)}/"


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


def _banner(what: str, base_url: str, host: str, timeout: int, out: IO[str]) -> None:
    _say(f"serving {what}, read-only", out)
    _say(f"query editor:    {base_url}", out)
    _say(f"SPARQL endpoint: {base_url}query  (SPARQL 1.1 Protocol, GET or POST; "
         f"queries stop after {timeout} s; updates are refused)", out)
    if host in ("0.0.0.0", "::", ""):
        _say("listening on every network interface: anyone who can reach this machine "
             "can query the graph", out)
    print("\nExamples (winners as CSV, as SPARQL JSON, people as Turtle):\n", file=out)
    for ex in examples(base_url):
        print(f"  {ex}\n", file=out)
    _say("press Ctrl-C to stop", out)
    out.flush()


# --- serve --------------------------------------------------------------------------------

class Supervisor:
    """Runs the server on a store and keeps it running: restarts it after a crash or a
    runaway query, at most MAX_RESTARTS times in RESTART_WINDOW_S seconds."""

    def __init__(self, location: Path, host: str, port: int, timeout: int,
                 out: IO[str]) -> None:
        self.location, self.host, self.port, self.timeout = location, host, port, timeout
        self.url = endpoint_url(host, port)
        self.out = out
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = start_server(self.location, self.host, self.port, self.timeout)
        wait_until_ready(self.url, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop_server(self.proc)

    def run(self) -> int:
        """Wait for the server until it stops for good; the exit code for serve()."""
        assert self.proc is not None, "start() first"
        restarts: deque[float] = deque()
        limit = hard_limit(self.timeout)
        watch = RunawayWatch(self.proc.pid, limit)
        while True:
            try:
                code = self.proc.wait(POLL_S)
            except subprocess.TimeoutExpired:
                if not watch.busy_too_long():
                    continue
                _say(f"a query has run for over {limit:g} s and Oxigraph did not cancel it; "
                     "restarting the server (requests in flight are dropped)", self.out)
                stop_server(self.proc)
            else:
                if code == 0 or (code < 0 and -code in _STOP_SIGNALS):
                    _say(f"the Oxigraph server stopped ({_describe_exit(code)})", self.out)
                    return EXIT_OK
                _say(f"the Oxigraph server stopped unexpectedly ({_describe_exit(code)}); "
                     "restarting it", self.out)
            now = time.monotonic()
            restarts.append(now)
            while restarts[0] < now - RESTART_WINDOW_S:
                restarts.popleft()
            if len(restarts) > MAX_RESTARTS:
                _say(f"giving up: the server stopped {len(restarts)} times in "
                     f"{RESTART_WINDOW_S:g} s", self.out)
                return EXIT_FAILED
            try:
                self.start()
            except (ServeError, TimeoutError) as exc:
                _say(f"could not restart the server: {exc}", self.out)
                return EXIT_FAILED
            _say(f"the server is back at {self.url}", self.out)
            watch = RunawayWatch(self.proc.pid, limit)


def serve(source: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 5.0,
          out: IO[str] = sys.stderr) -> int:
    """Serve ``source`` (an RDF file or a store folder) until Ctrl-C or SIGTERM.

    Returns 0 after a requested stop, 2 if nothing could be served (the message says
    why), 1 if the server would not start or kept dying. The temporary store is always
    deleted and the server always stopped, whichever way this returns.
    """
    source = Path(source)
    workdir: Path | None = None
    server: Supervisor | None = None
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
        server = Supervisor(location, host, port, timeout, out)
        server.start()
        _banner(what, server.url, host, timeout, out)
        return server.run()
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
        if server is not None:
            server.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        restore()


_STOP_SIGNALS = {int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, name)}


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

def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``serve`` on the ``kg`` command's subparsers."""
    p = subparsers.add_parser(
        "serve", help="serve a graph as a read-only SPARQL endpoint (Oxigraph)",
        description="Serve a graph over the SPARQL 1.1 Protocol with Oxigraph's server, "
                    "read-only: SPARQL UPDATE and Graph Store writes are refused (HTTP 403). "
                    "SOURCE is an RDF file (.ttl, .nt, .nq, .trig), loaded into a temporary "
                    "store, or a store folder (an Oxigraph database or a kg store), served "
                    "from a snapshot. Open http://HOST:PORT/ for a query editor; send "
                    "queries to http://HOST:PORT/query. Queries are stopped after --timeout "
                    "seconds; one that Oxigraph cannot stop gets the server restarted at "
                    "twice that. Ctrl-C stops the server and deletes the temporary store.")
    p.add_argument("source", nargs="?", default="output/graph.ttl",
                   help="RDF file or store folder (default: output/graph.ttl)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 for every interface)")
    p.add_argument("--port", type=_port, default=7878, help="TCP port (default: 7878; 0 picks "
                                                             "a free one)")
    p.add_argument("--timeout", type=_positive_int, default=5, metavar="SECONDS",
                   help="time limit for one query, in whole seconds (default: 5)")
    p.set_defaults(func=cmd_serve)
    return p


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port (0-65535)")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1 second")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(Path(args.source), host=args.host, port=args.port, timeout_s=args.timeout)


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.serve``: the same as ``kg serve``, before the CLI grows it."""
    parser = argparse.ArgumentParser(prog="kg")
    add_serve_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
