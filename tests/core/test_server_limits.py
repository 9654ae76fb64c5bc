"""What a client can hold of the built-in server (issue 19, section 3): an idle
timeout, deadlines for a request's headers and body, a connection cap that refuses
cleanly, a budget for request bodies in flight.

The timeouts here are short (0.2 s) and every wait is on a socket or a thread,
never a fixed sleep: a test waits only as long as the server takes.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.server import WSGIServer

from .test_persistence import _until

IDLE = 0.2


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(idle_timeout=IDLE) as s:
        yield s


def _connect(server: Any) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (the socket's timeout bounds the wait)."""
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def _conn_of(server: FakeServer, sock: socket.socket) -> Any:
    """The server's record of the connection whose client end is ``sock``."""
    assert server._server is not None
    return next(c for c in list(server._server._conns) if c.addr == sock.getsockname())


def _request(path: str = "/_mailblocks/health", keep: bool = True) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {'keep-alive' if keep else 'close'}\r\n\r\n".encode()


def _served(server: FakeServer) -> socket.socket:
    """A keep-alive connection that has been answered once (so the server holds it)."""
    sock = _connect(server)
    sock.sendall(_request())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(65536)
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    body = head.split(b"\r\n\r\n", 1)[1]
    while len(body) < length:
        body += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200")
    return sock


def test_a_silent_connection_is_closed_after_the_idle_timeout(server):
    sock = _connect(server)
    started = time.monotonic()
    assert _read_all(sock) == b""  # closed without a word: no request had begun
    assert IDLE * 0.9 <= time.monotonic() - started < 5
    served = _served(server)
    started = time.monotonic()
    assert _read_all(served) == b""  # the same between two requests
    assert IDLE * 0.9 <= time.monotonic() - started < 5


def _assert_timed_out(sock: socket.socket) -> None:
    answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"Connection: close" in head
    assert json.loads(body)["error"] == "request_timeout"


@pytest.mark.parametrize(
    "sent",
    [
        b"GET /_mailblocks/health HT",  # mid request line
        b"GET /_mailblocks/health HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # mid headers
        b"POST /_mailblocks/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789",  # mid body
    ],
)
def test_a_request_that_stops_half_way_is_answered_408_and_closed(server, sent):
    sock = _connect(server)
    sock.sendall(sent)
    started = time.monotonic()
    if sent.endswith(b"HT"):
        assert _read_all(sock) == b""  # the request line never came: nothing to answer
    else:
        _assert_timed_out(sock)
    assert time.monotonic() - started < 5


def _trickle(sock: socket.socket, byte: bytes, every: float = 0.05) -> float:
    """Send ``byte`` every ``every`` seconds (each time the socket stays quiet that
    long) until the server answers or closes; the seconds it took."""
    started = time.monotonic()
    while not select.select([sock], [], [], every)[0]:
        try:
            sock.send(byte)
        except OSError:
            break
        assert time.monotonic() - started < 10, "the server let the trickle go on"
    return time.monotonic() - started


def test_a_header_trickle_cannot_hold_a_connection(server):
    """One header byte every 0.05 s never leaves the connection idle for 0.2 s, but
    the headers must all be in within 0.2 s of the request line."""
    sock = _connect(server)
    sock.sendall(b"GET /_mailblocks/health HTTP/1.1\r\nX-Slow: ")
    assert _trickle(sock, b"a") < 5
    _assert_timed_out(sock)


def test_a_body_trickle_cannot_hold_a_connection(server):
    sock = _connect(server)
    sock.sendall(b"POST /_mailblocks/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
    assert _trickle(sock, b"a") < 5  # 1,000 bytes may take 0.2 s + 1000 / 64 KiB
    _assert_timed_out(sock)


def test_the_connection_over_the_cap_is_refused_at_once_and_cleanly():
    with FakeServer(max_connections=2) as server:
        held = [_served(server), _served(server)]
        assert server._server is not None and server._server.connections == 2
        threads = threading.active_count()
        for _ in range(3):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            conn.request("POST", "/v3/suppression/blocks", body=b"x" * 100_000)
            r = conn.getresponse()
            body = json.loads(r.read())
            assert (r.status, r.getheader("Connection"), r.getheader("Retry-After")) == (503, "close", "1")
            assert r.getheader("Content-Type") == "application/json"
            assert body == {
                "error": "too_many_connections",
                "message": "the fake serves at most 2 connections at once; retry shortly",
            }
            conn.close()
        assert threading.active_count() <= threads  # refused without a thread (others may end meanwhile)
        assert (server._server.connections_refused, server._server.connections) == (3, 2)
        # a connection that ends makes room
        held[0].close()
        # its thread goes back to the pool, not away: wait for the count, not for the thread
        _until(lambda: server._server.connections == 1, "the closed connection to leave", timeout=10)
        assert requests.get(server.url + "/_mailblocks/health", timeout=5).status_code == 200
        held[1].close()


def test_threads_go_back_once_idle_connections_time_out():
    # a longer idle time than the other tests: opening 20 connections on a busy machine
    # may take longer than 0.2 s, and the first must still be held when the last opens
    with FakeServer(idle_timeout=2.0) as server:
        socks = [_served(server) for _ in range(20)]
        conns = [_conn_of(server, s) for s in socks]
        assert server._server is not None and server._server.connections == 20
        threads = [c.thread for c in conns]
        assert len(set(threads)) == 20 and all(t is not None and t.is_alive() for t in threads)
        for t in threads:  # each thread ends when its connection has been idle 2 s
            assert t is not None
            t.join(10)
        assert server._server.connections == 0 and not any(t is not None and t.is_alive() for t in threads)
        assert all(_read_all(s) == b"" for s in socks)
        for s in socks:
            s.close()


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_keep_alive_clients_reuse_their_connection_and_survive_the_idle_close(server, client):
    session: Any = requests.Session() if client == "requests" else httpx.Client()
    url = server.url + "/_mailblocks/health"
    with session:
        for _ in range(5):
            assert session.get(url).status_code == 200
        assert server._server is not None
        accepted = server._server.connections_accepted
        assert accepted < 5  # reused (a gap over 0.2 s on a busy machine may close it once)
        for conn in list(server._server._conns):
            conn.thread.join(5)  # the server closes the idle connection
        assert server._server.connections == 0
        for _ in range(3):  # the client notices and opens a new one
            assert session.get(url).status_code == 200
        assert accepted < server._server.connections_accepted < accepted + 3


def test_request_bodies_in_flight_stay_within_the_budget():
    """With room for one 1,000-byte body, a second request waits before its body is
    read until the first is answered."""
    order: list[str] = []
    srv: WSGIServer

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        order.append(f"{environ['PATH_INFO']} {srv._in_flight}")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    srv = WSGIServer(app, max_body=1000, body_budget=1000)
    srv.start()
    try:
        a = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        a.sendall(b"POST /a HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
        assert a.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"  # a holds its 1,000 bytes now
        a.sendall(b"a" * 10)
        b = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        b.sendall(b"POST /b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 600\r\n\r\n" + b"b" * 600)
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        c.sendall(_request("/c", keep=False))  # no body: never waits
        assert _read_all(c).startswith(b"HTTP/1.1 200")
        a.sendall(b"a" * 990)
        assert a.recv(100).startswith(b"HTTP/1.1 200")
        assert b.recv(100).startswith(b"HTTP/1.1 200")
        assert order == ["/c 1000", "/a 1000", "/b 600"]
        srv.stop()
        assert srv._in_flight == 0
    finally:
        srv.stop()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_connections": 0}, "max_connections must be a positive integer"),
        ({"idle_timeout": 0}, "idle_timeout must be a positive number of seconds"),
        ({"idle_timeout": "1"}, "idle_timeout must be a positive number of seconds"),
    ],
)
def test_bad_transport_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FakeServer(**kwargs)


# -- options: the command line (the plugin's: tests/core/test_plugin.py) --------------------------------------------


def test_serve_takes_the_limits_on_its_command_line():

    from tests.core.test_cli import _run_here, _serving, _stop

    proc, url = _serving(
        "--max-connections", "2", "--idle-timeout", "2", "--journal-max-body", "1K", "--journal-max-bytes", "64K"
    )
    try:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        a = http.client.HTTPConnection(host, int(port), timeout=10)
        a.request("POST", "/api/block/list", body=b"a" * 2048)
        assert a.getresponse().read()
        a.request("GET", "/_mailblocks/sendcloud/requests")
        (entry,) = json.loads(a.getresponse().read())["requests"]
        assert (entry["body_size"], entry["body_truncated"], len(entry["body"])) == (2048, True, 1024)
        b = socket.create_connection((host, int(port)), timeout=10)
        b.sendall(_request())
        assert b.recv(100).startswith(b"HTTP/1.1 200")
        idle_since = time.monotonic()  # b's answer is out: its idle time runs from here
        a.request("GET", "/_mailblocks/health")  # a busy just now: not idled out before c asks
        assert a.getresponse().read()
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/_mailblocks/health")
        assert c.getresponse().status == 503  # the third at once
        _read_all(b)  # then b falls idle and is closed after two seconds
        assert 1.5 < time.monotonic() - idle_since < 12
    finally:
        _stop(proc)
    for args, message in [
        (("--idle-timeout", "0"), "idle_timeout must be a positive number of seconds"),
        (("--max-connections", "0"), "max_connections must be a positive integer"),
        (("--journal-max-bytes", "12X"), "'12X' is not a size in bytes"),
    ]:
        r = _run_here("serve", *args)  # refused before anything starts (test_cli runs the command itself)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)


# -- memory: a request's body goes with the request ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "ctype"),
    [
        ("DELETE", "/v3/suppression/blocks", "application/json"),  # SendGrid: a 400
        ("POST", "/transaction/v2/blocks/delete.json", "application/x-www-form-urlencoded"),  # CMC: an error raised
        ("DELETE", "/api/v1/send-block", "application/json"),
        ("POST", "/api/block/delete", "application/x-www-form-urlencoded"),
        ("POST", "/_mailblocks/seed", "application/json"),  # the control plane: a ControlError
        ("GET", "/v3/suppression/blocks", None),
    ],
)
@pytest.mark.parametrize("way", ["wsgi", "in-process"])
def test_no_reference_cycle_keeps_a_request_or_its_body(method, path, ctype, way):
    """Bodies must be freed when the request is answered, not at the next cyclic
    garbage collection: a werkzeug Request linked from its environ, or an error whose
    traceback's frames hold the body, kept every 9 MB body of a run of requests alive
    (673 MB resident after 200 such requests, 129 MB once freed with the request)."""
    import gc
    import types

    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from pytest_mailblocks.core.app import App
    from pytest_mailblocks.core.inprocess import call_target

    app = App()
    gc.collect()
    gc.disable()  # from here every new object stays in the youngest generation
    body = b"x=" + b"a" * 200_000
    environ = EnvironBuilder(path=path, method=method, data=body, content_type=ctype).get_environ()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        if way == "wsgi":
            b"".join(app(environ, lambda *args: None))
        else:  # the httpx transport's and the requests adapter's way in
            call_target(app, method, path, [("Content-Type", ctype or "")], body)
        del environ, body
        gc.collect(0)  # the request's objects only: the whole heap of a test process is slow to walk
        kept = [o for o in gc.garbage if isinstance(o, (types.FrameType, types.TracebackType, Request))]
        big = [o for o in gc.garbage for r in gc.get_referents(o) if isinstance(r, (bytes, str)) and len(r) >= 200_000]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert kept == [] and big == []


def test_the_command_does_not_load_pytest():
    """``mailblocks serve`` stays small: parsing its options needs no pytest (7 MB)."""
    import subprocess
    import sys

    code = (
        "import sys, pytest_mailblocks.cli; print([m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_allocator_is_tuned_where_glibc_allows():
    import ctypes

    from pytest_mailblocks.core.server import tune_allocator

    try:
        ctypes.CDLL("libc.so.6").gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        pytest.skip("not glibc")
    assert tune_allocator() is True


def test_a_connection_after_another_is_served_by_the_thread_that_served_the_first():
    """A suite that opens one connection per test waits for no thread to start (issue
    18): the thread that served the last connection takes the next one. (An idle
    timeout of 2 s: the next connection must come before the thread gives up.)"""
    threads = set()
    with FakeServer(idle_timeout=2.0) as server:
        assert server._server is not None
        inner = server._server
        for _ in range(10):
            with requests.Session() as session:
                assert session.get(server.url + "/_mailblocks/health").status_code == 200
                threads |= {c.thread for c in list(inner._conns)}
            deadline = time.monotonic() + 5
            while not inner._idle and time.monotonic() < deadline:
                time.sleep(0.001)  # until the server noticed the close and its thread waits
        assert len(threads) == 1
        assert len(inner._workers) == 1
        (worker,) = threads
        assert worker is not None
        worker.join(5)  # and it goes once no connection came for the idle timeout
        assert not worker.is_alive() and not inner._workers


def test_stop_wakes_the_threads_waiting_for_a_connection():
    with FakeServer() as s:
        for _ in range(3):
            with requests.Session() as session:
                assert session.get(s.url + "/_mailblocks/health").status_code == 200
        assert s._server is not None
        inner = s._server
        workers = list(inner._workers)
        assert workers
        started = time.monotonic()
    assert time.monotonic() - started < 15  # not the 30 s idle timeout (a wide margin: a loaded machine)
    assert not any(w.is_alive() for w in workers) and not inner._workers
