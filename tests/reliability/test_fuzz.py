"""Fuzzing every route of every provider and the control plane (issue 9), bounded
for CI; ``benchmarks/fuzz.py`` runs the same generator for 100,000+ requests."""

from __future__ import annotations

import socket

from hypothesis import HealthCheck, given, settings

from pytest_mailblocks import App, FakeServer
from pytest_mailblocks.core.inprocess import call_target
from pytest_mailblocks.providers import REGISTRY

from .fuzzing import PROVIDERS, problems, requests_for, target

APP = App()


def test_every_provider_is_fuzzed():
    """A new provider must say how to authenticate and what its formats look like."""
    assert set(REGISTRY) <= set(PROVIDERS)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(req=requests_for(APP))
def test_no_request_breaks_the_fake(req):
    status, headers, body = call_target(APP, req["method"], target(req), req["headers"], req["body"])
    assert problems(APP, req, status, headers, body) == [], (status, body[:300])
    assert not APP.errors, APP.errors


def test_garbage_on_the_socket_leaves_the_server_answering():
    junk = [
        b"\x00\x01\x02\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /_mailblocks/seed HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 300 + b"\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nbad header line\r\n\r\n",
        b"\xff\xfe GET / HTTP/1.1\r\n\r\n",
    ]
    with FakeServer() as server:
        for data in junk:
            s = socket.create_connection((server.host, server.port), timeout=10)
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                answer = s.recv(65536)
            except OSError:
                answer = b""
            finally:
                s.close()
            if answer:
                status = int(answer.split(b" ", 2)[1])
                assert status < 500 or status == 501, answer[:200]
                assert b"Traceback" not in answer
        import requests

        assert requests.get(server.url + "/_mailblocks/health").status_code == 200
        assert not server.app.errors
