"""The built-in HTTP server: HTTP/1.1 keep-alive, TCP_NODELAY, a thread per
connection, start and stop in milliseconds.

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

import json
import selectors
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from typing import Any

from .errors import ConnectionReset
from .wsgi import URI_TOO_LONG_KEY, make_environ

__all__ = ["HTTPServer"]

_WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
_MAX_LINE = 65536
_MAX_DISCARD = 16 * 1024 * 1024
_MAX_HEADERS = 200
_KEEPALIVE_TIMEOUT = 75.0
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


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Conn:
    __slots__ = ("addr", "busy", "sock", "thread")

    def __init__(self, sock: socket.socket, addr: Any) -> None:
        self.sock = sock
        self.addr = addr
        self.busy = False
        self.thread: threading.Thread | None = None


class HTTPServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one, read back after bind).

    :param max_body: request bodies above this are not read; the app is told the
        length and answers in its own format, then the connection is closed.
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body: int = 10 * 1024 * 1024,
        backlog: int = 128,
    ) -> None:
        self.app = app
        self.host = host
        self.max_body = max_body
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, port), family=family, backlog=backlog)
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._conns: set[_Conn] = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.requests_served = 0

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
        for c in conns:
            if c.thread is not None:
                c.thread.join(timeout)
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
        try:
            while not self._stopping:
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r or self._stopping:
                        return
                    try:
                        sock, addr = self._listener.accept()
                    except OSError:
                        continue
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    conn = _Conn(sock, addr)
                    thread = threading.Thread(
                        target=self._serve_conn, args=(conn,), name="mailblocks-conn", daemon=True
                    )
                    conn.thread = thread
                    with self._lock:
                        self._conns.add(conn)
                    thread.start()
        finally:
            sel.close()
            try:
                self._listener.close()
            except OSError:
                pass

    # -- one connection ------------------------------------------------------------
    def _serve_conn(self, conn: _Conn) -> None:
        sock = conn.sock
        sock.settimeout(_KEEPALIVE_TIMEOUT)
        rfile = sock.makefile("rb", buffering=65536)
        try:
            while not self._stopping:
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
        too_long = False
        if len(line) > _MAX_LINE:
            # Read the rest of the line away, keep the method, the version and the start
            # of the target: the app answers in the provider's own format.
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
                break
            hs = h.decode("latin-1").rstrip("\r\n")
            if hs[:1] in (" ", "\t") and headers:  # obsolete folding
                name, value = headers[-1]
                headers[-1] = (name, value + " " + hs.strip())
                continue
            name, sep, value = hs.partition(":")
            if not sep or not name or name != name.strip():
                raise _BadRequest(400, "malformed header line")
            headers.append((name, value.strip()))

        lower = {n.lower(): v for n, v in headers}
        connection = lower.get("connection", "").lower()
        keep = ("close" not in connection) if version == "HTTP/1.1" else ("keep-alive" in connection)

        te = lower.get("transfer-encoding", "").lower()
        oversized = False
        if te:
            if te != "chunked":
                raise _BadRequest(501, "unsupported transfer-encoding")
            if lower.get("expect", "").lower() == "100-continue":
                conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body, oversized = _read_chunked(rfile, self.max_body)
            declared = self.max_body + 1 if oversized else len(body)
        else:
            raw_len = lower.get("content-length")
            length = 0
            if raw_len:
                try:
                    length = int(raw_len)
                except ValueError:
                    raise _BadRequest(400, "bad content-length") from None
                if length < 0:
                    raise _BadRequest(400, "bad content-length")
            declared = length
            if length > self.max_body:
                oversized = True
                body = b""
            else:
                if length and lower.get("expect", "").lower() == "100-continue":
                    conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = rfile.read(length) if length else b""
                if len(body) < length:
                    raise OSError("connection closed in body")
        if oversized:
            keep = False
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

        status_line = "500 Internal Server Error"
        out_headers: list[tuple[str, str]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status_line, out_headers
            status_line, out_headers = status, list(response_headers)
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self.requests_served += 1
        if self._stopping:
            keep = False
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
        if not has_length and not no_body:
            parts.append(f"Content-Length: {len(payload)}\r\n")
        parts.append("Connection: keep-alive\r\n\r\n" if keep else "Connection: close\r\n\r\n")
        head = "".join(parts).encode("latin-1")
        if method == "HEAD" or no_body:
            conn.sock.sendall(head)
        else:
            conn.sock.sendall(head + payload)
        return keep


def _read_chunked(rfile: Any, cap: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    total = 0
    oversized = False
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
            return (b"" if oversized else b"".join(chunks)), oversized
        data = rfile.read(size)
        rfile.readline(3)
        total += size
        if total > cap:
            oversized = True
            chunks.clear()
        elif not oversized:
            chunks.append(data)


def _send_simple(sock: socket.socket, status: int, message: str) -> None:
    body = json.dumps({"error": "bad_request", "message": message}).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        sock.sendall(head + body)
    except OSError:
        pass


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
