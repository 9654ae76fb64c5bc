"""The built-in HTTP server: HTTP/1.1 keep-alive, TCP_NODELAY, a thread per
connection (threads are kept and reused: a connection's thread is ready at once,
which matters to a suite that opens one connection per test), start and stop in
milliseconds.

Nothing a client does holds the server's threads or memory without bound (issue 19):

- at most ``max_connections`` connections are served at once; one more is answered
  at once with a ``503`` JSON body and ``Connection: close`` by the accept loop (no
  thread: what it sent is read away for a moment, so it sees the answer, not a reset);
- a connection that sends nothing for ``idle_timeout`` seconds is closed: between
  requests silently, in the middle of a request with a ``408``. A request's line and
  its headers each have ``idle_timeout`` in all, however slowly they trickle in; its
  body ``idle_timeout`` plus one second per 64 KiB, and so has the answer to go out
  (transport time, from the monotonic clock: not the fake's clock);
- request bodies being read or answered hold at most ``body_budget`` bytes in all
  (default: the body cap): a request that would pass it waits before its body is
  read, until others finish.

With glibc, memory freed after a large body goes back to the system only if it was
mapped on its own; :func:`tune_allocator` (which ``mailblocks serve`` calls for its
own process) makes every allocation from 256 KiB up so.

werkzeug's development server closes every connection and its ``shutdown()``
waits on a half-second poll; pytest-httpserver inherits both. This server keeps
connections open (so a client's session reuses its socket), wakes its accept loop
through a socketpair (so stopping is immediate), and stops gracefully: requests
in flight finish and are answered, idle keep-alive connections are closed.

It serves any WSGI app but is written for :class:`~.app.App`: bodies are read
whole (capped by the app's ``max_body``) before the app runs, and
:class:`~.errors.ConnectionReset` from the app drops the connection with a TCP RST.
"""

from __future__ import annotations

import io
import json
import queue
import selectors
import socket
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from typing import IO, Any
from urllib.parse import unquote_to_bytes

from .errors import ConnectionReset
from .wsgi import URI_TOO_LONG_KEY, make_environ, split_target

__all__ = ["DEFAULT_IDLE_TIMEOUT", "DEFAULT_MAX_CONNECTIONS", "WSGIServer", "check_transport", "tune_allocator"]

#: seconds a connection may stay silent (and a request's line or headers may take)
DEFAULT_IDLE_TIMEOUT = 30.0
#: connections served at once; one more is refused with a 503
DEFAULT_MAX_CONNECTIONS = 256

_WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
_MAX_LINE = 65536
_MAX_DISCARD = 16 * 1024 * 1024
_MAX_HEADERS = 200
#: bytes per second a body (or an answer) must keep up on average, after idle_timeout
_MIN_RATE = 64 * 1024
#: a refused connection is read away this long (seconds) before it is closed
_LINGER = 1.0
#: threads kept waiting for the next connection once theirs closed
_IDLE_THREADS = 8
#: glibc's mallopt parameter number for the mmap threshold (malloc.h)
_M_MMAP_THRESHOLD = -3
_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def tune_allocator() -> bool:
    """glibc only, for a process that is the server: give every allocation of 256 KiB
    or more its own mapping, returned to the system when freed. By default glibc
    raises that threshold to the size of the largest block freed (up to 32 MiB), so
    request bodies of a few MB are carved from heaps that never shrink: 32 uploads of
    10 MB at once left 225 MB resident instead of 63 MB. Whether it applied."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's name (musl, macOS and Windows differ)
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, 256 * 1024))


def check_transport(max_connections: Any, idle_timeout: Any) -> None:
    """Refuse a connection cap or an idle timeout the server cannot work with."""
    if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
        raise ValueError(f"max_connections must be a positive integer, got {max_connections!r}")
    if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, (int, float)) or not 0 < idle_timeout < 1e6:
        raise ValueError(f"idle_timeout must be a positive number of seconds, got {idle_timeout!r}")


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Timeout(OSError):
    """The client sent nothing for the idle timeout, or too slowly for a deadline."""


class _DeadlineIO(socket.SocketIO):
    """A socket's reading side where each read waits at most ``idle`` seconds and
    never past ``deadline`` (monotonic), so a trickle cannot stretch a request."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__(sock, "rb")
        self.sock = sock
        self.idle = idle
        self.deadline = float("inf")

    def expire_in(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def readinto(self, b: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout("deadline passed")
        self.sock.settimeout(min(self.idle, remaining))
        try:
            return self.sock.recv_into(b)
        except TimeoutError:
            raise _Timeout("no data within the timeout") from None


class _Conn:
    __slots__ = ("addr", "busy", "io", "sock", "thread")

    def __init__(self, sock: socket.socket, addr: Any, idle: float) -> None:
        self.sock = sock
        self.addr = addr
        self.busy = False
        self.thread: threading.Thread | None = None
        self.io = _DeadlineIO(sock, idle)


class WSGIServer:
    """The socket under a :class:`~.fake.FakeServer`: serve any WSGI ``app`` on
    ``host:port`` (port 0: a free one, read back after bind).

    :param max_body: request bodies above this are not read; the app is told the
        length and answers in its own format, then the connection is closed.
    :param max_connections: connections served at once (one more gets a 503).
    :param idle_timeout: seconds of silence before a connection is closed (see the
        module docstring for the deadlines it sets).
    :param body_budget: bytes of request bodies in flight at once (default:
        ``max_body``, so one body of the largest size at a time).
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body: int = 10 * 1024 * 1024,
        backlog: int = 128,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        body_budget: int | None = None,
    ) -> None:
        check_transport(max_connections, idle_timeout)
        self.app = app
        self.host = host
        self.max_body = max_body
        self.max_connections = max_connections
        self.idle_timeout = float(idle_timeout)
        self.body_budget = max_body if body_budget is None else body_budget
        self._in_flight = 0
        self._budget = threading.Condition()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, port), family=family, backlog=backlog)
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._conns: set[_Conn] = set()
        self._lock = threading.Lock()
        # connection threads: each serves connections one after another, waiting on
        # the queue in between (None: stop); ``_idle`` of them are waiting now
        self._workers: set[threading.Thread] = set()
        self._handoff: queue.SimpleQueue[_Conn | None] = queue.SimpleQueue()
        self._idle = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.requests_served = 0
        self.connections_accepted = 0
        self.connections_refused = 0

    @property
    def connections(self) -> int:
        """Connections being served now (each holds a thread)."""
        return len(self._conns)

    @property
    def url(self) -> str:
        """The base URL a client on this machine uses: a wildcard bind ("0.0.0.0",
        "::" or "") is reached through loopback."""
        host = _WILDCARD.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("server already started")
        self._thread = threading.Thread(target=self._accept_loop, name="mailblocks-accept", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish requests in flight, close every connection."""
        if self._stopping:
            return
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            conns = list(self._conns)
            for c in conns:
                if not c.busy:
                    _shutdown(c.sock)
            workers = list(self._workers)
        for _ in workers:  # wakes every waiting thread (one that serves exits after)
            self._handoff.put(None)
        for w in workers:
            w.join(timeout)
        for s in (self._wake_r, self._wake_w, self._listener):
            try:
                s.close()
            except OSError:
                pass

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread (or Ctrl-C)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    # -- accept --------------------------------------------------------------------
    def _accept_loop(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        refused: dict[socket.socket, float] = {}  # refused connections read away until
        try:
            while not self._stopping:
                timeout = max(0.0, min(refused.values()) - time.monotonic()) if refused else None
                for key, _ in sel.select(timeout):
                    if key.fileobj is self._wake_r or self._stopping:
                        return
                    if key.fileobj is not self._listener:
                        _drain(sel, refused, key.fileobj)  # type: ignore[arg-type]
                        continue
                    try:
                        sock, addr = self._listener.accept()
                    except OSError:
                        continue
                    with self._lock:
                        full = len(self._conns) >= self.max_connections
                    if full:
                        self._refuse(sel, refused, sock)
                        continue
                    self.connections_accepted += 1
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    conn = _Conn(sock, addr, self.idle_timeout)
                    with self._lock:
                        self._conns.add(conn)
                        waiting = self._idle > 0
                        if waiting:
                            self._idle -= 1
                    if waiting:
                        self._handoff.put(conn)
                    else:
                        thread = threading.Thread(
                            target=self._worker, args=(conn,), name="mailblocks-conn", daemon=True
                        )
                        with self._lock:
                            self._workers.add(thread)
                        thread.start()
                now = time.monotonic()
                for sock in [s for s, until in refused.items() if until <= now]:
                    _forget(sel, refused, sock)
        finally:
            for sock in list(refused):
                _forget(sel, refused, sock)
            sel.close()
            try:
                self._listener.close()
            except OSError:
                pass

    def _refuse(self, sel: selectors.BaseSelector, refused: dict[socket.socket, float], sock: socket.socket) -> None:
        """Answer a connection over the cap with a 503 and close it, without a thread:
        what the client sends is read away for a moment first, so it reads the answer
        rather than a reset."""
        self.connections_refused += 1
        message = f"the fake serves at most {self.max_connections} connections at once; retry shortly"
        try:
            sock.setblocking(False)
            sock.send(_simple(503, "too_many_connections", message, ("Retry-After", "1")))
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        if len(refused) >= self.max_connections:
            sock.close()
            return
        sel.register(sock, selectors.EVENT_READ)
        refused[sock] = time.monotonic() + _LINGER

    # -- one connection ------------------------------------------------------------
    def _worker(self, conn: _Conn | None) -> None:
        """Serve ``conn``, then the connections handed over, until stopped, until no
        connection came for ``idle_timeout`` seconds, or when enough threads wait."""
        try:
            while conn is not None:
                conn.thread = threading.current_thread()
                self._serve_conn(conn)
                with self._lock:
                    if self._stopping or self._idle >= _IDLE_THREADS:
                        return
                    self._idle += 1
                conn = self._next_conn()
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())

    def _next_conn(self) -> _Conn | None:
        """Wait for a connection handed over (None: stop, or none came in time)."""
        while True:
            try:
                return self._handoff.get(timeout=self.idle_timeout)
            except queue.Empty:
                with self._lock:
                    # every handover counts one waiting thread off: while some are
                    # still counted, none is promised to this one, which can go
                    if self._idle > 0:
                        self._idle -= 1
                        return None

    def _serve_conn(self, conn: _Conn) -> None:
        sock = conn.sock
        rfile = io.BufferedReader(conn.io, 65536)
        try:
            while not self._stopping:
                conn.io.expire_in(self.idle_timeout)  # the wait, then the request line
                try:
                    line = rfile.readline(_MAX_LINE + 1)
                except (OSError, ValueError):
                    return
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    continue
                with self._lock:
                    if self._stopping:
                        return
                    conn.busy = True
                try:
                    keep = self._one_request(conn, rfile, line)
                except _Timeout:
                    _send_simple(sock, 408, "request timeout: the request did not arrive in time", "request_timeout")
                    return
                except _BadRequest as exc:
                    _send_simple(sock, exc.status, str(exc))
                    return
                except ConnectionReset:
                    _reset(sock)
                    return
                except OSError:
                    return
                finally:
                    conn.busy = False
                if not keep:
                    _linger(sock)
                    return
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                rfile.close()
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def _one_request(self, conn: _Conn, rfile: Any, line: bytes) -> bool:
        """One request: its line, its headers, its body, the app, the answer written;
        whether to keep the connection."""
        conn.io.expire_in(self.idle_timeout)  # the rest of the line and the headers
        method, target, version, too_long = _request_line(rfile, line)
        headers = _read_headers(rfile)
        lower = {n.lower(): v for n, v in headers}
        connection = lower.get("connection", "").lower()
        keep = ("close" not in connection) if version == "HTTP/1.1" else ("keep-alive" in connection)
        cap = self._body_cap(method, target)
        reserved = self._reserve(lower, cap)
        body: bytes | IO[bytes] = b""
        try:
            body, declared, oversized = self._read_body(conn, rfile, lower, cap)
            environ = make_environ(
                method,
                target,
                headers,
                body,
                server_name=self.host,
                server_port=self.port,
                remote=conn.addr,
                protocol=version,
            )
            environ["CONTENT_LENGTH"] = str(declared)
            if too_long:
                environ[URI_TOO_LONG_KEY] = True
            status_line, out_headers, result = self._run_app(environ)
            keep = keep and not oversized and not self._stopping
            try:
                if _streamed(method, status_line, out_headers):
                    return self._write_streamed(conn.sock, status_line, out_headers, result, keep, version)
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            self._write(conn.sock, method, status_line, out_headers, payload, keep)
            return keep
        finally:
            if not isinstance(body, bytes):
                body.close()
            self._release(reserved)

    def _body_cap(self, method: str, target: str) -> int:
        """The body cap of this request: the app's for its path where the app says
        (``app.body_cap(method, path)``: a route taking bigger bodies, such as a state
        import), else ``max_body``."""
        ask = getattr(self.app, "body_cap", None)
        if ask is None:
            return self.max_body
        path = unquote_to_bytes(split_target(target).partition("?")[0]).decode("latin-1")
        return max(self.max_body, int(ask(method, path)))

    def _reserve(self, lower: dict[str, str], cap: int) -> int:
        """Wait until the body this request announces fits the in-flight budget (or
        nothing else is in flight), and take it; the bytes taken (a body over
        ``max_body`` is kept on disk, and counts as ``max_body``)."""
        if lower.get("transfer-encoding"):
            n = self.max_body
        else:
            raw = lower.get("content-length", "").strip()
            n = min(int(raw), self.max_body) if raw.isdigit() and int(raw) <= cap else 0
        if n:
            with self._budget:
                self._budget.wait_for(lambda: not self._in_flight or self._in_flight + n <= self.body_budget)
                self._in_flight += n
        return n

    def _release(self, n: int) -> None:
        if n:
            with self._budget:
                self._in_flight -= n
                self._budget.notify_all()

    def _read_body(
        self, conn: _Conn, rfile: Any, lower: dict[str, str], cap: int
    ) -> tuple[bytes | IO[bytes], int, bool]:
        """The body (chunked or by length, within ``cap``): (body, the length the app
        is told, whether it was over the cap and so left unread). A body over
        ``max_body`` (a route with a bigger cap) is spooled to a temporary file, so it
        is never held in memory whole."""
        te = lower.get("transfer-encoding", "").lower()
        continues = lower.get("expect", "").lower() == "100-continue"
        if te:
            if te != "chunked":
                raise _BadRequest(501, "unsupported transfer-encoding")
            conn.io.expire_in(self.idle_timeout + cap / _MIN_RATE)
            if continues:
                conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            chunked, size, oversized = _read_chunked(rfile, cap, self.max_body)
            return chunked, cap + 1 if oversized else size, oversized
        length = _content_length(lower.get("content-length"))
        if length > cap:
            return b"", length, True
        conn.io.expire_in(self.idle_timeout + length / _MIN_RATE)
        if length and continues:
            conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if length > self.max_body:
            return _spooled(rfile, length, self.max_body), length, False
        body = rfile.read(length) if length else b""
        if len(body) < length:
            raise OSError("connection closed in body")
        return body, length, False

    def _run_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        """The app's answer to ``environ``: status line, headers, the body's pieces
        (the caller closes them)."""
        answer: list[Any] = ["500 Internal Server Error", []]

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, list(response_headers)]
            return lambda data: None

        result = self.app(environ, start_response)
        self.requests_served += 1
        return answer[0], answer[1], result

    def _write_streamed(
        self,
        sock: socket.socket,
        status_line: str,
        out_headers: list[tuple[str, str]],
        result: Iterable[bytes],
        keep: bool,
        version: str,
    ) -> bool:
        """Send an answer whose length is not known beforehand (a snapshot export), as
        the app makes it: chunked to an HTTP/1.1 client, else up to a closed
        connection. Each piece has ``idle_timeout`` plus a second per 64 KiB to go
        out. A failure while the app makes it ends the connection without the last
        chunk, so the client knows the answer is not whole. Whether to keep the
        connection."""
        chunked = version == "HTTP/1.1"
        keep = keep and chunked
        parts = [f"HTTP/1.1 {status_line}\r\n"]
        parts += [f"{n}: {v}\r\n" for n, v in out_headers if n.lower() not in _HOP_HEADERS]
        parts.append("Transfer-Encoding: chunked\r\n" if chunked else "")
        parts.append("Connection: keep-alive\r\n\r\n" if keep else "Connection: close\r\n\r\n")
        sock.settimeout(self.idle_timeout)
        sock.sendall("".join(parts).encode("latin-1"))
        pieces = iter(result)
        while True:
            try:
                piece = next(pieces, None)
            except Exception:  # the app failed while making it (it said so): cut short
                return False
            if piece is None:
                break
            if piece:
                sock.settimeout(self.idle_timeout + len(piece) / _MIN_RATE)
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        return keep

    def _write(
        self,
        sock: socket.socket,
        method: str,
        status_line: str,
        out_headers: list[tuple[str, str]],
        payload: bytes,
        keep: bool,
    ) -> None:
        """Send the answer: its own Content-Length, our Connection header, no body to
        a HEAD or where the status has none."""
        code = int(status_line.split(" ", 1)[0])
        no_body = code < 200 or code in (204, 304)
        parts = [f"HTTP/1.1 {status_line}\r\n"]
        has_length = False
        for name, value in out_headers:
            lname = name.lower()
            if lname in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if lname == "content-length":
                if no_body:
                    continue
                has_length = True
                if method != "HEAD":
                    value = str(len(payload))
            parts.append(f"{name}: {value}\r\n")
        if not has_length and not no_body and method != "HEAD":  # a HEAD of a streamed answer: no length
            parts.append(f"Content-Length: {len(payload)}\r\n")
        parts.append("Connection: keep-alive\r\n\r\n" if keep else "Connection: close\r\n\r\n")
        head = "".join(parts).encode("latin-1")
        sock.settimeout(self.idle_timeout + len(payload) / _MIN_RATE)
        if method == "HEAD" or no_body:
            sock.sendall(head)
        else:
            sock.sendall(head + payload)


def _request_line(rfile: Any, line: bytes) -> tuple[str, str, str, bool]:
    """(method, target, version, whether the target was cut) of a request line. An
    overlong line is read away, keeping the method, the version and the start of the
    target: the app answers in the provider's own format."""
    too_long = False
    if len(line) > _MAX_LINE:
        tail = line
        skipped = 0
        while not tail.endswith(b"\n"):
            tail = rfile.readline(_MAX_LINE)
            skipped += len(tail)
            if not tail or skipped > _MAX_DISCARD:
                raise _BadRequest(414, "request line too long")
        raw_version = tail.rstrip(b"\r\n").rsplit(b" ", 1)[-1]
        raw_method, _, rest = line.partition(b" ")
        raw_path = rest.split(b"?", 1)[0].split(b" ", 1)[0]  # the path as far as kept, no query
        line = raw_method + b" " + raw_path + b" " + raw_version + b"\r\n"
        too_long = True
    try:
        text = line.decode("latin-1").rstrip("\r\n")
        method, target, version = text.split(" ")
    except ValueError:
        raise _BadRequest(400, "malformed request line") from None
    if not version.startswith("HTTP/1."):
        raise _BadRequest(400, "unsupported HTTP version")
    return method, target, version, too_long


def _read_headers(rfile: Any) -> list[tuple[str, str]]:
    """The header lines up to the blank one, unfolded; at most ``_MAX_HEADERS`` lines
    and ``_MAX_LINE`` bytes in all."""
    headers: list[tuple[str, str]] = []
    size = 0
    while True:
        h = rfile.readline(_MAX_LINE + 1)
        if not h:
            raise OSError("connection closed in headers")
        size += len(h)
        if size > _MAX_LINE or len(headers) > _MAX_HEADERS:
            raise _BadRequest(431, "request headers too large")
        if h in (b"\r\n", b"\n"):
            return headers
        hs = h.decode("latin-1").rstrip("\r\n")
        if hs[:1] in (" ", "\t") and headers:  # obsolete folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + hs.strip())
            continue
        name, sep, value = hs.partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequest(400, "malformed header line")
        headers.append((name, value.strip()))


def _content_length(raw: str | None) -> int:
    """A request's declared length (0 when absent); anything but digits is a 400."""
    if not raw:
        return 0
    try:
        length = int(raw)
    except ValueError:
        raise _BadRequest(400, "bad content-length") from None
    if length < 0:
        raise _BadRequest(400, "bad content-length")
    return length


def _read_chunked(rfile: Any, cap: int, in_memory: int) -> tuple[bytes | IO[bytes], int, bool]:
    """A chunked body within ``cap``: (body, its size, whether it was over the cap);
    past ``in_memory`` bytes it goes on in a temporary file."""
    chunks: list[bytes] = []
    spool: IO[bytes] | None = None
    total = 0
    oversized = False
    try:
        while True:
            line = rfile.readline(_MAX_LINE + 1)
            if not line:
                raise OSError("connection closed in chunked body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "bad chunk size") from None
            if size == 0:
                while True:  # trailers
                    t = rfile.readline(_MAX_LINE + 1)
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            data = _read_piece(rfile, size, cap - total if not oversized else 0)
            rfile.readline(3)
            total += size
            if total > cap:
                oversized = True
                chunks.clear()
            elif spool is not None:
                spool.write(data)
            else:
                chunks.append(data)
                if total > in_memory:
                    spool = _temporary()
                    spool.writelines(chunks)
                    chunks.clear()
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    if oversized:
        if spool is not None:
            spool.close()
        return b"", total, True
    if spool is not None:
        spool.seek(0)
        return spool, total, False
    return b"".join(chunks), total, False


def _read_piece(rfile: Any, size: int, room: int) -> bytes:
    """``size`` bytes of a chunk; read away in pieces (not kept) past ``room``."""
    if size <= room:
        return bytes(rfile.read(size))
    left = size
    while left > 0:
        got = rfile.read(min(left, 1 << 20))
        if not got:
            raise OSError("connection closed in chunked body")
        left -= len(got)
    return b""


def _temporary() -> IO[bytes]:
    import tempfile

    return tempfile.TemporaryFile()


def _spooled(rfile: Any, length: int, piece: int) -> IO[bytes]:
    """A body of ``length`` bytes read into a temporary file, ``piece`` bytes at a time."""
    spool = _temporary()
    try:
        left = length
        while left > 0:
            data = rfile.read(min(left, piece, 1 << 20))
            if not data:
                raise OSError("connection closed in body")
            spool.write(data)
            left -= len(data)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


#: headers a streamed answer sets itself
_HOP_HEADERS = frozenset({"connection", "transfer-encoding", "keep-alive", "content-length"})


def _streamed(method: str, status_line: str, headers: list[tuple[str, str]]) -> bool:
    """An answer with a body and no Content-Length: sent as it is made."""
    code = int(status_line.split(" ", 1)[0])
    if method == "HEAD" or code < 200 or code in (204, 304):
        return False
    return not any(n.lower() == "content-length" for n, _ in headers)


def _simple(status: int, error: str, message: str, *extra: tuple[str, str]) -> bytes:
    """A whole JSON answer from the transport (before any app), closing the connection."""
    body = json.dumps({"error": error, "message": message}).encode()
    head = f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in extra)
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def _send_simple(sock: socket.socket, status: int, message: str, error: str = "bad_request") -> None:
    """Answer from the transport and close gently (see :func:`_linger`)."""
    try:
        sock.settimeout(_LINGER)
        sock.sendall(_simple(status, error, message))
    except OSError:
        return
    _linger(sock)


def _linger(sock: socket.socket) -> None:
    """Close our side, then read away what the client still sends, for up to
    ``_LINGER`` seconds or until it closes: closing with its data unread would send a
    reset, which may reach the client before it has read our answer."""
    try:
        sock.shutdown(socket.SHUT_WR)
        end = time.monotonic() + _LINGER
        while (left := end - time.monotonic()) > 0:
            sock.settimeout(left)
            if not sock.recv(65536):
                return
    except OSError:
        pass


def _drain(sel: selectors.BaseSelector, refused: dict[socket.socket, float], sock: socket.socket) -> None:
    """Read away what a refused client sends; forget it once it has closed."""
    try:
        if sock.recv(65536):
            return
    except BlockingIOError:
        return
    except OSError:
        pass
    _forget(sel, refused, sock)


def _forget(sel: selectors.BaseSelector, refused: dict[socket.socket, float], sock: socket.socket) -> None:
    refused.pop(sock, None)
    try:
        sel.unregister(sock)
    except (KeyError, ValueError):
        pass
    sock.close()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer sees a connection reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def __getattr__(name: str) -> Any:
    if name == "HTTPServer":  # the old name, easily taken for pytest-httpserver's class
        warnings.warn("pytest_mailblocks.core.server.HTTPServer is now WSGIServer", DeprecationWarning, stacklevel=2)
        return WSGIServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
