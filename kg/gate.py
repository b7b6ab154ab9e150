"""The gate in front of ``kg serve``'s engine: an HTTP server on the address the
user asked for that forwards every request to Oxigraph's server on a private
loopback port, after checking any SPARQL query it carries with
:mod:`kg.sparql_guard` (SERVICE, size, nesting: refused with HTTP 400).

Clients' requests are parsed by the stdlib's ``http.server``; Oxigraph's answers
are read by a small HTTP/1.1 client (:class:`_EngineConnection`; ``http.client``
cost nearly twice the CPU per request, the gate's main cost) over pooled
keep-alive connections. While the engine is down (a crash, or the watchdog in
:mod:`kg.serve` restarting it) the gate holds the requests it was forwarding and
retries them once the engine is back, so one bad query does not fail the other
clients' queries. See :mod:`kg.serve` for the whole picture.
"""

from __future__ import annotations

import functools
import re
import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl

from kg.sparql_guard import MAX_NESTING, MAX_QUERY_BYTES, QueryRefused, check

HOLD_EXTRA_S = 5.0  # the gate holds a request for the time limit + this while restarting


def hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def hard_limit(timeout_s: float) -> float:
    """When the watchdog steps in: twice the query limit, at least one second more,
    so Oxigraph's own (later-checked) cancellation gets its chance first."""
    return max(2.0 * timeout_s, timeout_s + 1.0)


# Not forwarded either way: they describe one connection, not the message ('expect':
# the gate has read the body already; content-length is set from what was read).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                        "expect", "content-length"})
FORM, SPARQL_QUERY = "application/x-www-form-urlencoded", "application/sparql-query"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CLIENT_IDLE_S = 60.0  # a client's idle keep-alive connection is closed after this long
POOL_SIZE = 32  # idle connections to the engine kept for reuse
SMALL_BODY = 256 * 1024  # answers up to this size are read whole, then sent in one write
MAX_SENDS = 2  # a request goes to the engine at most this often if it dies under it
VERDICT_CACHE = 1024  # recent requests (up to 8 KB) whose verdict is remembered
_MAX_LINE = 65536  # longest status or header line accepted from the engine


class EngineDied(Exception):
    """The engine closed the connection (or broke HTTP) before it had answered."""


@dataclass(frozen=True)
class GateRules:
    """What the gate refuses (see :mod:`kg.sparql_guard`)."""

    allow_service: bool = False
    max_query_bytes: int = MAX_QUERY_BYTES
    max_nesting: int = MAX_NESTING

    @property
    def max_body_bytes(self) -> int:
        """A form-encoded query takes up to three bytes (%XX) per byte, plus the rest."""
        return 3 * self.max_query_bytes + 4096


def carried_queries(query_string: str, media: str, body: bytes) -> list[str | bytes]:
    """Every SPARQL query a request carries, wherever Oxigraph looks for one: ``query=``
    in the URL's query string (any method), in a form body, or a sparql-query body."""
    texts: list[str | bytes] = []
    if query_string:  # names are decoded too: '%71uery=' is 'query='
        fields = parse_qsl(query_string, keep_blank_values=True, errors="replace")
        texts += [v for k, v in fields if k == "query"]
    if body and media == FORM:
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                         errors="replace")
        texts += [v for k, v in form if k == "query"]
    elif body and media == SPARQL_QUERY:
        texts.append(body)
    return texts


def _refusal(rules: GateRules, query_string: str, media: str, body: bytes) -> str | None:
    """Why the gate refuses a request carrying these, or None if it may go on."""
    for text in carried_queries(query_string, media, body):
        try:
            check(text, allow_service=rules.allow_service, max_bytes=rules.max_query_bytes,
                  max_nesting=rules.max_nesting)
        except QueryRefused as exc:
            return exc.reason
    return None


# Verdicts on small requests are remembered: clients repeat their queries, and reading
# a form and scanning its query is a third of the gate's time per request.
_remembered_refusal = functools.lru_cache(maxsize=VERDICT_CACHE)(_refusal)


class Engine(Protocol):
    """What the gate needs to know about the engine (a :class:`Supervisor` is one)."""

    def where(self) -> tuple[str, int, int]:
        """Host, port and generation (how many times it has started) of the engine."""

    def wait_for_start(self, generation: int, timeout: float) -> None:
        """Return once the engine has started after ``generation``, or after ``timeout``."""


@dataclass
class _Answer:
    """The head of the engine's answer, and how its body is framed."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    length: int | None  # Content-Length, or None
    chunked: bool
    has_body: bool
    keep_alive: bool


class _EngineConnection:
    """One keep-alive HTTP/1.1 connection to the engine (loopback, trusted).

    Deliberately small instead of http.client: one write per request, the engine's
    headers passed on as they came, its own buffer (so that :meth:`quiet` can tell if
    anything unread is left), and about half the gate's time per request saved. The
    clients' requests, which are not trusted, are parsed by the stdlib's http.server.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.used = time.monotonic()
        self._buf = b""  # received, not yet read
        self._answer: _Answer | None = None
        self._left = 0  # bytes left of the current chunk, or of a Content-Length body
        self._done = False  # the current answer's body has been read in full

    def close(self) -> None:
        self.sock.close()

    def quiet(self) -> bool:
        """Nothing unread on an idle connection: the engine has neither closed it nor
        written to it unasked (see :class:`_Pool`)."""
        if self._buf:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def ask(self, request: bytes, head_only: bool) -> _Answer:
        """Send a whole request; read the head of the answer (1xx ones skipped)."""
        self.sock.sendall(request)
        status, reason = self._status_line()
        headers = self._headers()
        while 100 <= status < 200:
            status, reason = self._status_line()
            headers = self._headers()
        fields = {k.lower(): v for k, v in headers}
        chunked = "chunked" in fields.get("transfer-encoding", "").lower()
        length = None
        if not chunked and "content-length" in fields:
            try:
                length = int(fields["content-length"])
            except ValueError:
                raise EngineDied("bad Content-Length from the engine") from None
        has_body = not (head_only or status in (204, 304))
        keep_alive = "close" not in fields.get("connection", "").lower() and (
            not has_body or chunked or length is not None)
        self._answer = _Answer(status, reason, headers, length, chunked, has_body, keep_alive)
        self._left, self._done = length or 0, not has_body
        return self._answer

    def read1(self) -> bytes:
        """The next piece of the body; b"" once it has all come. EngineDied if the
        connection ends before the body does."""
        answer = self._answer
        assert answer is not None
        if self._done:
            return b""
        if answer.chunked:
            return self._read_chunk()
        if answer.length is None:  # ends with the connection
            data = self._take(65536)
            self._done = not data
            return data
        if not self._left:
            self._done = True
            return b""
        data = self._take(min(self._left, 65536))
        if not data:
            raise EngineDied("the engine closed the connection mid-answer")
        self._left -= len(data)
        return data

    def _read_chunk(self) -> bytes:
        if not self._left:
            size_line = self._line()
            try:
                self._left = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise EngineDied(f"bad chunk size {size_line[:40]!r}") from None
            if not self._left:
                while self._line():  # trailers, up to the blank line
                    pass
                self._done = True
                return b""
        data = self._take(min(self._left, 65536))
        if not data:
            raise EngineDied("the engine closed the connection mid-chunk")
        self._left -= len(data)
        if not self._left and self._line():
            raise EngineDied("a chunk did not end with CRLF")
        return data

    def _take(self, n: int) -> bytes:
        """Up to ``n`` bytes: what is buffered, else what one receive brings."""
        if not self._buf:
            self._buf = self.sock.recv(65536)
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def _line(self) -> bytes:
        """One line without its CRLF; EngineDied at the end of the stream."""
        while (end := self._buf.find(b"\n")) < 0:
            if len(self._buf) > _MAX_LINE:
                raise EngineDied("an overlong line from the engine")
            data = self.sock.recv(65536)
            if not data:
                raise EngineDied("the engine closed the connection")
            self._buf += data
        line, self._buf = self._buf[:end], self._buf[end + 1:]
        return line.rstrip(b"\r")

    def _status_line(self) -> tuple[int, str]:
        line = self._line()
        parts = line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise EngineDied(f"not an HTTP status line: {line[:60]!r}")
        return int(parts[1]), (parts[2] if len(parts) == 3 else b"").decode("latin-1")

    def _headers(self) -> list[tuple[str, str]]:
        headers = []
        while line := self._line():
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise EngineDied(f"not a header line: {line[:60]!r}")
            headers.append((name.strip(), value.strip()))
        return headers


class _Pool:
    """Idle keep-alive connections to the engine, shared by the gate's threads.

    Oxigraph answers a connection that has been idle for --timeout-s with an unsolicited
    HTTP 500 ("Resource temporarily unavailable") and closes it, so a connection idle
    for half that long is not reused, nor one with anything to read (that 500, or the
    end of the stream), nor one opened before the engine last restarted.
    """

    def __init__(self, engine: Engine, idle_s: float, timeout_s: float) -> None:
        self.engine, self.idle_s, self.timeout_s = engine, idle_s, timeout_s
        self._idle: list[tuple[int, _EngineConnection]] = []
        self._lock = threading.Lock()

    def get(self) -> tuple[_EngineConnection, int]:
        """A connection and the engine generation it belongs to; OSError if the engine
        does not accept connections (it is being restarted)."""
        host, port, generation = self.engine.where()
        now = time.monotonic()
        with self._lock:
            while self._idle:
                gen, conn = self._idle.pop()
                if gen == generation and now - conn.used < self.idle_s and conn.quiet():
                    return conn, gen
                conn.close()
        return _EngineConnection(host, port, self.timeout_s), generation

    def put(self, conn: _EngineConnection, generation: int) -> None:
        conn.used = time.monotonic()
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append((generation, conn))
                return
        conn.close()

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, conn in idle:
            conn.close()


class Gate(ThreadingHTTPServer):
    """The user-facing HTTP server: checks queries, forwards everything to the engine.

    One thread per client connection (as Oxigraph does); a request is relayed over a
    pooled connection to the engine and the answer streamed back as it comes.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, engine: Engine, rules: GateRules,
                 timeout_s: float) -> None:
        self.address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        self.engine, self.rules = engine, rules
        self.hold_s = timeout_s + HOLD_EXTRA_S
        self.runaway_s = hard_limit(timeout_s)
        self.pool = _Pool(engine, idle_s=timeout_s / 2, timeout_s=self.runaway_s + 30.0)
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _GateHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host (slow, unused)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="kg-serve-gate", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting; connections being answered end with the process."""
        if self._thread is not None:
            self.shutdown()
        self.server_close()
        self.pool.clear()


class _GateHandler(BaseHTTPRequestHandler):
    """One client connection: each request is checked, then relayed to the engine."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = CLIENT_IDLE_S
    server: Gate

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        """Quiet, like Oxigraph: no line per request."""

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it."""
        problem = self._body_problem()
        if problem is not None:
            self._reply(*problem, close=True)
            return False
        return super().handle_expect_100()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        refusal = self._refusal(body)
        if refusal is not None:
            self._reply(400, refusal)
            return
        self._relay(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve

    # -- what the request carries -------------------------------------------------------

    def _body_problem(self) -> tuple[int, str] | None:
        """Why the request body will not be read, if so: a status and a message."""
        if self.headers.get("Transfer-Encoding"):
            return 411, ("send the request body with a Content-Length header; chunked "
                         "bodies are not accepted")
        lengths = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not lengths:
            if self.command in BODY_METHODS:
                return 411, f"a {self.command} request needs a Content-Length header"
            return None
        length = lengths.pop()
        if lengths or not (length.isascii() and length.isdigit()):
            return 400, "the Content-Length header is not one number"
        limit = self.server.rules.max_body_bytes
        if int(length) > limit:
            return 413, (f"the request body is {int(length)} bytes; the limit is {limit} "
                         f"(queries may be {self.server.rules.max_query_bytes} bytes)")
        return None

    def _read_body(self) -> bytes | None:
        """The request body (b"" if none); None if refused or cut short (answered)."""
        problem = self._body_problem()
        if problem is not None:
            self._reply(*problem, close=True)
            return None
        if not _FORWARDABLE_TARGET.fullmatch(self.path):
            self._reply(400, "the request target must be printable ASCII, with '#' written "
                             "as %23", close=True)
            return None
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        if len(body) < size:
            self.close_connection = True
            return None
        return body

    def _refusal(self, body: bytes) -> str | None:
        if len(self.headers.get_all("Content-Type") or []) > 1:
            return "the request has more than one Content-Type header"
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        query_string = self.path.partition("?")[2]
        refusal = _remembered_refusal if len(query_string) + len(body) <= 8192 else _refusal
        return refusal(self.server.rules, query_string, media, body)

    # -- relaying -------------------------------------------------------------------------

    def _relay(self, body: bytes) -> None:
        """Send the request to the engine and its answer back; while the engine is being
        restarted, hold the request and retry (see the module docstring)."""
        gate = self.server
        request = self._request_bytes(body)
        if request is None:
            return
        deadline: float | None = None  # set by the first failure
        sends = 0
        while True:
            generation = gate.engine.where()[2]
            try:
                conn, generation = gate.pool.get()
            except OSError:
                deadline = deadline or time.monotonic() + gate.hold_s
                if not self._wait_for_engine(generation, deadline):
                    return
                continue
            sends += 1
            sent = time.monotonic()
            try:
                self._answer(conn, generation, request)
                return
            except EngineDied:
                conn.close()
                if sends >= MAX_SENDS or time.monotonic() - sent >= gate.runaway_s:
                    self._reply(502, self._died_message(time.monotonic() - sent))
                    return
                deadline = time.monotonic() + gate.hold_s
                if not self._wait_for_engine(generation, deadline):
                    return

    def _request_bytes(self, body: bytes) -> bytes | None:
        """The request as the engine gets it: the client's, less hop-by-hop headers."""
        lines = [f"{self.command} {self.path} HTTP/1.1"]
        has_host = False
        for name, value in self.headers.items():
            low = name.lower()
            if low in HOP_BY_HOP:
                continue
            if "\r" in value or "\n" in value:
                self._reply(400, f"the {name} header spans lines", close=True)
                return None
            has_host = has_host or low == "host"
            lines.append(f"{name}: {value}")
        if not has_host:
            host, port, _ = self.server.engine.where()
            lines.append(f"Host: {hostport(host, port)}")
        if body or self.command in BODY_METHODS:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _died_message(self, elapsed: float) -> str:
        gate = self.server
        if elapsed >= gate.runaway_s:
            return (f"the query ran for over {gate.runaway_s:g} s and the SPARQL engine was "
                    "restarted to stop it")
        return ("the SPARQL engine stopped while answering this request, twice; it is "
                "being restarted")

    def _wait_for_engine(self, generation: int, deadline: float) -> bool:
        """Wait a little for the engine to come back; False (503 sent) past ``deadline``."""
        left = deadline - time.monotonic()
        if left <= 0:
            self._reply(503, f"the SPARQL engine is being restarted and was not back within "
                             f"{self.server.hold_s:g} s; try again later")
            return False
        self.server.engine.wait_for_start(generation, min(left, 0.5))
        return True

    def _answer(self, conn: _EngineConnection, generation: int, request: bytes) -> None:
        """Relay one request and its answer; EngineDied while it can still be retried.

        Up to SMALL_BODY of the answer is read before anything is sent, so a small answer
        goes out in one write with its length (and is retried whole if the engine dies
        while sending it); a larger one is streamed on from there."""
        try:
            answer = conn.ask(request, head_only=self.command == "HEAD")
            length = answer.length  # as announced, before any of the body is read
            data, complete = _read_up_to(conn, SMALL_BODY)
        except OSError as exc:
            raise EngineDied from exc
        head = self._head(answer, len(data) if complete else length, complete)
        if self._chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        try:
            self.wfile.write(head + data)
            if not complete:
                self._stream(conn)
        except (EngineDied, OSError, _ClientGone):
            conn.close()  # the engine died mid-answer, or the client left
            self.close_connection = True
            return
        if answer.keep_alive:
            self.server.pool.put(conn, generation)
        else:
            conn.close()

    def _head(self, answer: _Answer, length: int | None, complete: bool) -> bytes:
        """Status line and headers for the client. An answer of unknown length still
        coming goes out chunked (HTTP/1.1) or ends with the connection (HTTP/1.0)."""
        lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
        lines += [f"{k}: {v}" for k, v in answer.headers if k.lower() not in HOP_BY_HOP]
        self._chunked = False
        if not answer.has_body:
            declared = [v for k, v in answer.headers if k.lower() == "content-length"]
            lines += [f"Content-Length: {v}" for v in declared[:1]]
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        elif self.request_version == "HTTP/1.1" and not complete:
            lines.append("Transfer-Encoding: chunked")
            self._chunked = True
        else:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _stream(self, conn: _EngineConnection) -> None:
        """Copy the rest of the answer as it arrives (EngineDied if it breaks off;
        _ClientGone if the client leaves)."""
        while True:
            data = conn.read1()
            try:
                if self._chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if data else b"0\r\n\r\n")
                elif data:
                    self.wfile.write(data)
            except OSError as exc:
                raise _ClientGone from exc
            if not data:
                return

    def _reply(self, status: int, message: str, close: bool = False) -> None:
        """An answer of the gate's own, as plain text like Oxigraph's."""
        body = message.encode("utf-8")
        if close:
            self.close_connection = True
        reason = self.responses.get(status, ("",))[0]
        head = [f"HTTP/1.1 {status} {reason}", "Content-Type: text/plain; charset=utf-8",
                f"Content-Length: {len(body)}"]
        if self.close_connection:
            head.append("Connection: close")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(payload + (b"" if self.command == "HEAD" else body))
        except OSError:
            self.close_connection = True


# What the gate forwards as a request target: printable ASCII, no '#' (a fragment never
# belongs in a request; Oxigraph and the gate might read what follows it differently).
_FORWARDABLE_TARGET = re.compile(r"[\x21-\x22\x24-\x7e]+")


class _ClientGone(Exception):
    """The client closed its connection while the answer was being sent."""


def _read_up_to(conn: _EngineConnection, limit: int) -> tuple[bytes, bool]:
    """The answer's body as it arrives, until it ends or passes ``limit`` bytes; and
    whether it ended."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        data = conn.read1()
        if not data:
            return b"".join(parts), True
        parts.append(data)
        size += len(data)
    return b"".join(parts), False
