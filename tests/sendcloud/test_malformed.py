"""Nothing a client can send yields a 5xx, a traceback or HTML: every answer under
/api/ and /apiv2/ is the SendCloud envelope with HTTP 200 (issue 6: done when)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from .conftest import PREFIXES, ROUTES

#: long values; the query string stays under the server's 64 KiB request-line cap
HUGE = "9" * 20_000


def _battery(auth):
    """(method, query string, body, content type) of requests no client should send."""
    a = "&".join(f"{k}={v}" for k, v in auth.items())
    yield "GET", "", b"", None
    yield "GET", "apiUser=&apiKey=", b"", None
    yield "GET", a + "&days=%FF%FE&startDate=%C0&email=%E4%B8", b"", None
    yield "GET", a + "&days=1&start=" + HUGE, b"", None
    yield "GET", a + "&days=" + HUGE + "&limit=" + HUGE, b"", None
    yield "GET", a + "&startDate=9999-12-31&endDate=9999-12-31&expireTime=9999-12-31&email=a@b.co", b"", None
    yield "GET", a + "&startDate=0001-01-01&endDate=0001-01-01&expireTime=0001-01-01&domainName=x", b"", None
    yield "GET", a + "&days=2147483647&email=" + "a" * 5000 + "@example.com", b"", None
    yield "GET", a + "&email=%00%00&domainName=%00&apiUserBlock=%00e%00&expireTime=2030-01-01", b"", None
    yield "GET", a + "&labelIdList=" + "9" * 50 + "&apiUserList=[;]&days=1", b"", None
    yield "GET", a + "&days=1&email=x&email=y&days=2&%=%&&&==", b"", None
    yield "POST", "", a.encode() + b"&days=%ZZ&limit=\xff\xfe", "application/x-www-form-urlencoded"
    yield "POST", "", b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"
    yield "POST", "", b'{"apiUser": 1, "apiKey": [2]}', "application/json"
    yield "POST", "", b"--xx\r\nbroken multipart", "multipart/form-data; boundary=xx"
    yield "POST", "", b"--xx\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xx--\r\n", "multipart/form-data"
    yield "POST", a, b"\x00" * 70_000, "application/octet-stream"
    yield "POST", a + "&days=1", HUGE.encode() * 50, "text/plain; charset=utf-8"
    yield "POST", "", a.encode() + b"&days=1&limit=" + HUGE.encode() * 50, "application/x-www-form-urlencoded"


def _assert_envelope(r):
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = r.json()
    assert list(body) == ["result", "statusCode", "message", "info"]
    assert isinstance(body["result"], bool) and isinstance(body["statusCode"], int)
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["info"], dict)
    if not body["result"]:
        assert body["info"] == {} and body["statusCode"] != 501


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "op"), ROUTES)
def test_malformed_requests_get_the_envelope_never_a_5xx(sc, sendcloud_fake, mailblocks, prefix, path, op):
    mailblocks.clock.freeze("2024-05-15T04:00:00Z")
    url = sendcloud_fake.url + prefix + path
    for method, query, body, ctype in _battery(sc.auth()):
        headers = {"Content-Type": ctype} if ctype else {}
        r = sc.http.request(method, url + ("?" + query if query else ""), data=body, headers=headers)
        _assert_envelope(r)
    assert mailblocks.app.errors == []


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW"])
def test_any_method_on_any_path_gets_the_envelope(sc, sendcloud_fake, prefix, method):
    for path in ("/block/list", "/nothing", "/block/list/extra", "/"):
        _assert_envelope(sc.http.request(method, sendcloud_fake.url + prefix + path, data=b"x"))


def test_invalid_utf8_in_the_raw_request_line_is_an_envelope(sendcloud_fake):
    """Bytes no client library would send, written straight to the socket."""
    parts = urlsplit(sendcloud_fake.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(
            b"GET /apiv2/block/list?apiUser=\xff\xfe&days=\xc0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == '{"result":false,"statusCode":40005,"message":"认证失败","info":{}}'.encode()


def test_a_body_over_the_cap_is_an_envelope(sc, sendcloud_fake, mailblocks):
    r = sc.http.post(sendcloud_fake.url + "/apiv2/block/add", data=b"x" * (mailblocks.app.max_body + 1))
    assert r.status_code == 200
    assert r.json() == {"result": False, "statusCode": 413, "message": "请求体过大", "info": {}}
