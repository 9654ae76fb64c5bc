"""A battery of malformed requests at every route: never a 5xx, never HTML, always the
gateway's or the mailer's error envelope (brief: no 500 for anything a client sends)."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import SEND_BLOCK, UNSUBSCRIBERS

ROUTES = [
    SEND_BLOCK,
    UNSUBSCRIBERS,
    "/api/v1-sgn/send-block",
    "/api/v1-jpn/unsubscribers",
    "/api/v1/send-block/x",
    "/api/v1/../v1/send-block",
]
METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]
QUERIES = [
    "",
    "?targetAddress=%ff",
    "?targetAddress=%",
    "?targetAddress=a%40example.com&size=99999999999999999999",
    "?targetAddress=a%40example.com&page=%00",
    "?targetAddress=" + "x" * 5000,
    "?sort=,,,&sort=createUtc,,desc&targetAddress=a%40example.com",
    "?startUtc=-99999999999999999&endUtc=99999999999999999",
    "?startDateTime=9999-99-99&endDateTime=0000-00-00",
    "?startDateTime=0001-01-01&endDateTime=9999-12-31%2023:59",
    "?isRegByManager=%E2%9C%93&startUtc=0&endUtc=1",
    "?targetAddress[]=a&targetAddress=b",
]
BODIES: list[tuple[bytes, str | None]] = [
    (b"", None),
    (b"\xff\xfe\x00", "application/json"),
    (b'{"blockedReceivers": {"a": 1}}', "application/json"),
    (b'{"blockedReceivers": ["a@example.com"]}', "application/json; charset=latin-1"),
    (b"blockedReceivers=a%40example.com", "application/x-www-form-urlencoded"),
    (b'{"blockedReceivers": ["' + b"a" * 300 + b'@example.com"]}', "application/json"),
    (b"1e999999", "application/json"),
    (b'{"blockedReceivers": ["a@example.com"]}', "application/vnd.api+json"),
]


def assert_provider_shape(r: Any) -> None:
    assert r.status_code < 500, r.text
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    error = r.json().get("error") if r.status_code >= 400 else None
    if error is not None:
        assert set(error) in ({"errorCode", "message", "details"}, {"code", "message"})
        origin = "APIGW" if "errorCode" in error else "ENDPOINT"
        assert r.headers["x-ncp-apigw-response-origin"] == origin


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", METHODS)
def test_every_route_and_method_with_odd_queries(ncp, route, method):
    for query in QUERIES:
        r = ncp.request(method, route + query)
        assert_provider_shape(r)
        unsigned = ncp.http.request(method, ncp.fake.url + route + query)
        assert_provider_shape(unsigned)


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
@pytest.mark.parametrize(("body", "content_type"), BODIES)
def test_odd_bodies(ncp, method, body, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    for route in (UNSUBSCRIBERS, SEND_BLOCK):
        assert_provider_shape(ncp.request(method, route, data=body, headers=headers))


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ncp-apigw-timestamp": "１２３"},
        {"x-ncp-apigw-timestamp": "99999999999999999999999"},
        {"x-ncp-apigw-timestamp": "-5"},
        {"x-ncp-apigw-signature-v2": "not base64 !!"},
        {"x-ncp-apigw-signature-v2": "é"},
        {"x-ncp-iam-access-key": "é" * 100},
        {"x-ncp-lang": "\x7f"},
    ],
)
def test_odd_auth_header_values(ncp, headers):
    h = ncp.headers("GET", SEND_BLOCK + "?targetAddress=a%40example.com")
    h.update(headers)
    encoded = {k: v.encode("utf-8") for k, v in h.items()}
    r = ncp.http.get(ncp.fake.url + SEND_BLOCK + "?targetAddress=a%40example.com", headers=encoded)
    assert_provider_shape(r)


def test_raw_socket_odd_targets(ncp_fake):
    """Targets no client library would send, straight over the socket."""
    host = urlsplit(ncp_fake.url)
    for target in (
        "/api/v1/send-block?targetAddress=a%40example.com%",
        "/api/v1/send-block?%%%",
        "/api/v1/send-block?targetAddress=\xe9",
        "/api/v1/%2e%2e/send-block",
        "/api/v1/send-block;jsessionid=1",
    ):
        with socket.create_connection((host.hostname, host.port), timeout=10) as s:
            s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        status = int(data.split(b" ", 2)[1])
        assert status < 500, (target, data)
        assert b"application/json;charset=UTF-8" in data, data
