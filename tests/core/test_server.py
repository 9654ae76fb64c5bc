"""The built-in HTTP/1.1 server, spoken to over raw sockets."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from pytest_mailblocks import FakeServer

AUTH = "Authorization: Bearer SG.mailblocks.default-full-access-key\r\n"


def _connect(server: FakeServer) -> socket.socket:
    s = socket.create_connection((server.host, server.port), timeout=10)
    return s


def _read_response(f) -> tuple[int, dict[str, str], bytes]:
    status = f.readline().decode()
    code = int(status.split(" ")[1])
    headers = {}
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if not line:
            break
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return code, headers, body


def test_keep_alive_serves_several_requests_on_one_connection(mailblocks):
    s = _connect(mailblocks)
    f = s.makefile("rb")
    for _ in range(3):
        s.sendall(f"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}\r\n".encode())
        code, headers, body = _read_response(f)
        assert (code, headers["connection"], body) == (200, "keep-alive", b"[]")
    s.close()


def test_connection_close_and_http_1_0_close(mailblocks):
    for request in (
        f"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{AUTH}\r\n",
        f"GET /v3/suppression/blocks HTTP/1.0\r\n{AUTH}\r\n",
    ):
        s = _connect(mailblocks)
        f = s.makefile("rb")
        s.sendall(request.encode())
        code, headers, _ = _read_response(f)
        assert (code, headers["connection"]) == (200, "close")
        assert f.read() == b""  # server closed
        s.close()


def test_chunked_request_body_and_expect_continue(mailblocks):
    mailblocks.sendgrid.add_block("a@example.com")
    body = b'{"emails":["a@example.com"]}'
    s = _connect(mailblocks)
    f = s.makefile("rb")
    s.sendall(
        (
            f"DELETE /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}Transfer-Encoding: chunked\r\n"
            "Expect: 100-continue\r\n\r\n"
        ).encode()
    )
    assert f.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert f.readline() == b"\r\n"
    s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    code, _, _ = _read_response(f)
    assert code == 204
    assert mailblocks.sendgrid.blocks() == []
    s.close()


@pytest.mark.parametrize("line", [b"NONSENSE\r\n\r\n", b"GET / HTTP/2.0\r\n\r\n", b"GET  /x HTTP/1.1\r\n\r\n"])
def test_malformed_request_line_is_a_json_400(mailblocks, line):
    s = _connect(mailblocks)
    s.sendall(line)
    f = s.makefile("rb")
    code, _, body = _read_response(f)
    assert code == 400
    assert json.loads(body)["error"] == "bad_request"
    s.close()


def test_oversized_body_gets_the_providers_413_and_the_connection_closes():
    with FakeServer(max_body=100) as server:
        r = requests.delete(
            server.url + "/v3/suppression/blocks",
            headers={"Authorization": f"Bearer {server.sendgrid.api_key}"},
            data=b"x" * 1000,
        )
        assert r.status_code == 413
        assert r.json() == {"errors": [{"field": None, "message": "request entity too large"}]}
        assert r.headers["Connection"] == "close"


def test_absolute_form_target_is_accepted(mailblocks):
    s = _connect(mailblocks)
    f = s.makefile("rb")
    s.sendall(f"GET http://api.sendgrid.com/v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}\r\n".encode())
    assert _read_response(f)[0] == 200
    s.close()


def test_stop_closes_idle_keep_alive_connections():
    server = FakeServer().start()
    s = _connect(server)
    f = s.makefile("rb")
    s.sendall(f"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}\r\n".encode())
    assert _read_response(f)[0] == 200
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive()
    assert f.read() == b""
    s.close()


def test_stop_finishes_a_request_in_flight():
    server = FakeServer().start()
    server.sendgrid.inject_fault("list_blocks", latency=0.3)
    result = {}

    def call() -> None:
        result["r"] = requests.get(
            server.url + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {server.sendgrid.api_key}"}
        )

    t = threading.Thread(target=call)
    t.start()
    while not server.app.faults._faults[0].hits:  # wait until the request is inside the server
        t.join(0.01)
    server.stop()
    t.join(10)
    assert result["r"].status_code == 200


def test_start_twice_is_an_error_and_url_needs_a_running_server():
    server = FakeServer()
    with pytest.raises(RuntimeError, match="not running"):
        server.url  # noqa: B018
    with server, pytest.raises(RuntimeError, match="already running"):
        server.start()
    assert not server.running


def test_binds_loopback_on_a_free_port_by_default():
    with FakeServer() as a, FakeServer() as b:
        assert a.host == b.host == "127.0.0.1"
        assert a.port != b.port and a.port > 0


def test_binding_beyond_loopback_warns():
    from pytest_mailblocks.core.fake import NotLoopbackWarning

    server = FakeServer(host="0.0.0.0")
    with pytest.warns(NotLoopbackWarning, match="not loopback"):
        server.start()
    server.stop()


def test_request_line_too_long_is_the_providers_own_error(mailblocks):
    s = _connect(mailblocks)
    f = s.makefile("rb")
    s.sendall(
        b"GET /v3/suppression/blocks?email="
        + b"a" * 200_000
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + AUTH.encode()
        + b"\r\n"
    )
    code, _, body = _read_response(f)
    assert code == 413
    assert json.loads(body) == {"errors": [{"field": None, "message": "request entity too large"}]}
    s.sendall(f"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}\r\n".encode())
    assert _read_response(f)[0] == 200  # the connection stays usable
    s.close()


def test_raw_non_ascii_query_bytes_are_an_error_not_a_crash(mailblocks):
    s = _connect(mailblocks)
    f = s.makefile("rb")
    s.sendall(b"GET /v3/suppression/blocks?limit=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH.encode() + b"\r\n")
    code, _, body = _read_response(f)
    assert (code, json.loads(body)) == (400, {"errors": [{"field": "limit", "message": "must be an integer"}]})
    s.sendall(b"GET /v3/suppression/blocks?email=caf\xc3\xa9 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH.encode() + b"\r\n")
    assert _read_response(f)[:1] == (200,)
    s.close()
    assert not mailblocks.app.errors
