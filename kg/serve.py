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
from pathlib import Path
from typing import IO, Any

from kg.exits import EXIT_NOTHING, EXIT_OK
from kg.exits import EXIT_SOME_FAILED as EXIT_FAILED
from kg.formats import KNOWN_SUFFIXES, oxigraph_format
from kg.gate import Engine, Gate, GateRules, hard_limit, hostport
from kg.sparql_guard import MAX_NESTING, MAX_QUERY_BYTES
from kg.storedir import OXIGRAPH_DIR, database_dir, snapshot

PREFIXES = ("PREFIX kg: <https://w3id.org/kgnews/ontology#> "
            "PREFIX schema: <https://schema.org/> ")
WINNERS = (PREFIXES + "SELECT ?winner ?category WHERE { ?n a kg:Nomination ; kg:won true ; "
           "kg:nominee/schema:name ?winner ; kg:category/schema:name ?category }")
PEOPLE = (PREFIXES + "CONSTRUCT { ?p schema:name ?name } WHERE { ?p a schema:Person ; "
          "schema:name ?name }")

POLL_S = 0.25  # how often the supervisor looks at the child
STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this long
ENGINE_STACK_BYTES = 256 * 1024 * 1024  # RUST_MIN_STACK for Oxigraph's threads
BACKOFF_FIRST_S, BACKOFF_CAP_S, BACKOFF_RESET_S = 0.5, 30.0, 60.0


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
            raise ServeError(f"cannot listen on {hostport(host, port)}: "
                             f"{exc.strerror or exc}; choose another --port") from None


def _whole_seconds(timeout_s: float) -> int:
    """Oxigraph's --timeout-s takes whole seconds; round up rather than cut short."""
    if not timeout_s > 0:
        raise ServeError(f"the query time limit must be positive, not {timeout_s}")
    return max(1, math.ceil(timeout_s))


def engine_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Oxigraph: ``base`` (default: ours) with RUST_MIN_STACK at
    least ENGINE_STACK_BYTES. Rust gives every thread it spawns that much stack
    (Oxigraph answers and evaluates each query on such threads), so deep queries
    overflow far later; it is reserved address space, touched only when used."""
    env = dict(os.environ if base is None else base)
    try:
        current = int(env.get("RUST_MIN_STACK", "0"))
    except ValueError:
        current = 0
    env["RUST_MIN_STACK"] = str(max(current, ENGINE_STACK_BYTES))
    return env


def start_server(location: Path, host: str = "127.0.0.1", port: int = 7878,
                 timeout_s: float = 5.0, *, stderr: Any = None) -> subprocess.Popen:
    """Start ``oxigraph serve-read-only`` on the store at ``location``.

    The union of all graphs is the default graph, because a kg store keeps one named
    graph per article and plain queries should see all of them. ``stderr`` goes to
    Popen (default: inherited, so Oxigraph's own error lines reach the user); never
    pass a pipe nobody reads, or a chatty server blocks once it fills.
    """
    cmd = [str(find_oxigraph()), "serve-read-only", "--location", str(location),
           "--bind", hostport(host, port), "--timeout-s", str(_whole_seconds(timeout_s)),
           "--union-default-graph"]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                            env=engine_environment())


def wait_until_ready(url: str, timeout: float = 15.0,
                     proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until the server answers (tenacity, every 50 ms); fail fast
    if ``proc`` dies meanwhile."""
    from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy

    def answers() -> None:
        if proc is not None and proc.poll() is not None:
            raise ServeError(f"the Oxigraph server stopped before it was ready "
                             f"({_describe_exit(proc.returncode)})")
        try:
            with opener.open(url, timeout=2) as response:
                response.read(1)
        except urllib.error.HTTPError:
            return  # it answered: ready, whatever it thinks of the path
        except (OSError, ValueError) as exc:
            raise _NotYet(str(exc)) from None

    try:
        for attempt in Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(0.05),
                                retry=retry_if_exception_type(_NotYet), reraise=True):
            with attempt:
                answers()
    except _NotYet:
        raise TimeoutError(f"no answer from {url} after {timeout:g} s") from None


class _NotYet(Exception):
    """The server does not answer yet."""


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

    fmt = oxigraph_format(source)
    if fmt is None:
        raise ServeError(f"{source}: unknown RDF file type {source.suffix!r}; give a "
                         f"{KNOWN_SUFFIXES} file or an Oxigraph store folder")
    try:
        store = pyoxigraph.Store(str(location))
    except OSError as exc:
        raise ServeError(f"cannot create a temporary store in {location} ({exc})") from None
    try:
        store.bulk_load(path=str(source), format=fmt, base_iri=source.resolve().as_uri())
        store.flush()
        return len(store)
    except (SyntaxError, ValueError, OSError) as exc:
        raise ServeError(f"{source}: not a readable {fmt.name} file ({exc})") from None
    finally:
        del store  # closes the database and releases its lock


def snapshot_store(database: Path, location: Path) -> None:
    """Copy the Oxigraph database at ``database`` to ``location`` (hard links where the
    filesystem allows), so rebuilding the original cannot disturb the server."""
    try:
        snapshot(database, location)
    except OSError as exc:
        raise ServeError(f"{database}: cannot open the Oxigraph store ({exc})") from None


def prepare_store(source: Path, workdir: Path) -> tuple[Path, str]:
    """A store folder for the server under ``workdir``, and a phrase describing it."""
    if not source.exists():
        raise ServeError(f"{source}: no such file or folder (build a graph with 'kg build')")
    location = workdir / "store"
    if source.is_dir():
        for database in (source, database_dir(source)):
            if is_oxigraph_store(database):
                snapshot_store(database, location)
                return location, f"{source} (a snapshot of the Oxigraph store {database})"
        raise ServeError(f"{source}: a folder, but not an Oxigraph store (no CURRENT file) "
                         f"nor a kg store (no {OXIGRAPH_DIR}/ in it); give an RDF file "
                         f"({KNOWN_SUFFIXES}) or a store folder")
    quads = load_into_store(source, location)
    return location, f"{source} ({quads} triple{'s' if quads != 1 else ''})"


# --- the runaway watchdog -----------------------------------------------------------------

class RunawayWatch:
    """Notices a server thread that has been busy for ``limit_s`` seconds straight.

    Oxigraph answers each connection on its own thread and evaluates a query on that
    thread, so one thread busy long past the query time limit is a query its
    cancellation did not reach. Linux only (it reads /proc); elsewhere it never fires.
    Samples, per thread, the time it spent running or waiting for a CPU (schedstat;
    CPU time where the kernel has no schedstat); busy means at least half the wall
    time since the previous sample. Counting the wait matters on a loaded machine: a
    runaway thread sharing two cores with other busy processes gets well under half a
    core, yet never sleeps. A client hammering one keep-alive connection with
    back-to-back heavy queries for that long would look the same; the limit is
    generous for that.
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
            try:  # nanoseconds on a CPU, waiting for one, and a count of time slices
                on_cpu, waiting, _ = (task / "schedstat").read_text().split()
                return (int(on_cpu) + int(waiting)) / 1e9
            except (OSError, ValueError):
                pass
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


# --- what to tell the user ----------------------------------------------------------------

def endpoint_url(host: str, port: int) -> str:
    """The base URL to open: a wildcard bind address is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{hostport(shown, port)}/"


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


# --- keeping the engine running -----------------------------------------------------------

class Backoff:
    """How long to wait before restarting the engine: ``first`` seconds, doubling each
    time it dies again soon, up to ``cap``; back to ``first`` once it has stayed up for
    ``reset_after`` seconds. A query that crashes the engine every time is thus tried
    at a falling rate, and the server never gives up on the other clients."""

    def __init__(self, first: float = BACKOFF_FIRST_S, cap: float = BACKOFF_CAP_S,
                 reset_after: float = BACKOFF_RESET_S) -> None:
        self.first, self.cap, self.reset_after = first, cap, reset_after
        self._next = first

    def next(self, up_for: float) -> float:
        """The delay before the next start, given how long the engine last stayed up."""
        if up_for >= self.reset_after:
            self._next = self.first
        delay = self._next
        self._next = min(self.cap, delay * 2)
        return delay


class Supervisor:
    """Runs the engine on a store, on a private loopback port, and keeps it running:
    restarts it after a crash or a runaway query, with :class:`Backoff` between tries,
    until :meth:`stop`. It is the gate's :class:`Engine`."""

    def __init__(self, location: Path, timeout: int, out: IO[str], *,
                 backoff: Backoff | None = None, host: str = "127.0.0.1") -> None:
        self.location, self.timeout, self.out = location, timeout, out
        self.host, self.port = host, find_free_port(host)
        self.backoff = backoff or Backoff()
        self.proc: subprocess.Popen | None = None
        self.generation = 0  # starts so far; the gate waits for it to change
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._up_since = time.monotonic()

    @property
    def url(self) -> str:
        return endpoint_url(self.host, self.port)

    def where(self) -> tuple[str, int, int]:
        with self._changed:
            return self.host, self.port, self.generation

    def wait_for_start(self, generation: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout)

    def start(self) -> None:
        """Start the engine and wait until it answers (ServeError or TimeoutError if not;
        a half-started engine is stopped)."""
        read_end, write_end = os.pipe()  # Oxigraph's stdout and stderr, read by a thread
        try:
            proc = start_server(self.location, self.host, self.port, self.timeout,
                                stderr=write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        threading.Thread(target=_relay_log, args=(os.fdopen(read_end, "rb"), self.out),
                         daemon=True, name="kg-serve-engine-log").start()
        try:
            wait_until_ready(self.url, proc=proc)
        except BaseException:
            stop_server(proc)
            raise
        self.proc, self._up_since = proc, time.monotonic()
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None:
            stop_server(self.proc)

    def run(self) -> int:
        """Watch the engine until it is stopped for good; the exit code for serve()."""
        assert self.proc is not None, "start() first"
        limit = hard_limit(self.timeout)
        watch = RunawayWatch(self.proc.pid, limit)
        while True:
            try:
                code = self.proc.wait(POLL_S)
            except subprocess.TimeoutExpired:
                if self._stopping.is_set():
                    return EXIT_OK
                if not watch.busy_too_long():
                    continue
                delay = self.backoff.next(time.monotonic() - self._up_since)
                _say(f"a query has run for over {limit:g} s and Oxigraph did not cancel it; "
                     f"restarting the server in {delay:g} s (that query is dropped, the "
                     "others in flight are retried)", self.out)
                stop_server(self.proc)
            else:
                if self._stopping.is_set() or code == 0 or (code < 0 and -code in _STOP_SIGNALS):
                    _say(f"the Oxigraph server stopped ({_describe_exit(code)})", self.out)
                    return EXIT_OK
                delay = self.backoff.next(time.monotonic() - self._up_since)
                _say(f"the Oxigraph server stopped unexpectedly ({_describe_exit(code)}); "
                     f"restarting it in {delay:g} s", self.out)
            if not self._restart(delay):
                return EXIT_OK
            watch = RunawayWatch(self.proc.pid, limit)

    def _restart(self, delay: float) -> bool:
        """Start the engine again after ``delay``, retrying with back-off if it will not
        start (on a new port, in case another program took this one); False if stopped
        meanwhile."""
        while not self._stopping.wait(delay):
            try:
                self.start()
            except (ServeError, TimeoutError) as exc:
                delay = self.backoff.next(0.0)
                with self._changed:
                    self.port = find_free_port(self.host)
                _say(f"could not restart the server ({exc}); trying again in {delay:g} s",
                     self.out)
                continue
            if self._stopping.is_set():  # stop() came while it was starting
                stop_server(self.proc)
                return False
            _say("the server is back", self.out)
            return True
        return False


def _relay_log(stream: IO[bytes], out: IO[str]) -> None:
    """Pass Oxigraph's messages (errors, a crash's last words) on to the user, except
    the line naming its private port, which is not the address to use."""
    with stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not line.startswith("Listening for requests at "):
                print(line, file=out, flush=True)


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
                    "queries to http://HOST:PORT/query. A gate in front of Oxigraph refuses "
                    "(HTTP 400, with the reason) queries using SERVICE (federated query) "
                    "unless --allow-service, queries over --max-query-bytes and queries "
                    "nested deeper than --max-nesting, before they reach the engine. "
                    "Queries are stopped after --timeout seconds; one that Oxigraph cannot "
                    "stop gets the server restarted at twice that. A server that crashes "
                    "is restarted (0.5 s, then up to 30 s apart), and queries in flight are "
                    "held and retried meanwhile. Ctrl-C stops the server and deletes the "
                    "temporary store. This is for one machine (up to a few hundred million "
                    "triples); for a graph shared by many users or of billions of triples, "
                    "'kg push' it to Virtuoso or load it into QLever, and query that with "
                    "'kg query --endpoint' (docs/scale.md).")
    p.add_argument("source", nargs="?", default="output/graph.ttl",
                   help="RDF file or store folder (default: output/graph.ttl)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 for every interface)")
    p.add_argument("--port", type=_port, default=7878, help="TCP port (default: 7878; 0 picks "
                                                             "a free one)")
    p.add_argument("--timeout", type=_positive_int, default=5, metavar="SECONDS",
                   help="time limit for one query, in whole seconds (default: 5)")
    p.add_argument("--allow-service", action="store_true",
                   help="let queries use SERVICE (federated query). RISK: the server will "
                        "then fetch any URL a client names in a query, including hosts on "
                        "the server's own network (localhost, intranet, cloud metadata "
                        "addresses) that the client itself cannot reach; only for "
                        "trusted clients")
    p.add_argument("--max-query-bytes", type=_at_least_one, default=MAX_QUERY_BYTES,
                   metavar="N", help=f"refuse longer queries (default: {MAX_QUERY_BYTES}; "
                                     "far larger ones can crash the engine, which is then "
                                     "restarted)")
    p.add_argument("--max-nesting", type=_at_least_one, default=MAX_NESTING, metavar="N",
                   help=f"refuse queries nested deeper, counting {{ ( [ << and unary ! "
                        f"(default: {MAX_NESTING})")
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


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(Path(args.source), host=args.host, port=args.port, timeout_s=args.timeout,
                 allow_service=args.allow_service, max_query_bytes=args.max_query_bytes,
                 max_nesting=args.max_nesting)


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.serve``: the same as ``kg serve``, before the CLI grows it."""
    parser = argparse.ArgumentParser(prog="kg")
    add_serve_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
