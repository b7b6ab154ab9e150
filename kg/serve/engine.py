"""The Oxigraph server process behind ``kg serve``: finding the binary and a port,
starting it on a store with a large thread stack, waiting until it answers,
stopping it; and preparing the store it serves (an RDF file loaded into a
temporary store, or a snapshot of a store folder). See :mod:`kg.serve`."""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from kg.formats import KNOWN_SUFFIXES, READ_ERRORS, load_file, oxigraph_format, unreadable
from kg.gate import hostport
from kg.storedir import OXIGRAPH_DIR, database_dir, snapshot

STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this long
ENGINE_STACK_BYTES = 256 * 1024 * 1024  # RUST_MIN_STACK for Oxigraph's threads


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
        load_file(store, source, fmt)
        store.flush()
        return len(store)
    except READ_ERRORS as exc:
        raise ServeError(unreadable(source, fmt, exc)) from None
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


def endpoint_url(host: str, port: int) -> str:
    """The base URL to open: a wildcard bind address is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{hostport(shown, port)}/"
