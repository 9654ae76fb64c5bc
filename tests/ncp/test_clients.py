"""Real clients, unmodified: ``httpx-ncloud`` (PyPI) and its own signer, ``requests``
with an independent signer (conftest), ``httpx`` in-process, and ``curl``.

httpx-ncloud signs with the real ``time.time()``, so these tests keep the fake clock
real (the ``mailblocks`` fixture resets it to real time). It signs ``path?query`` even
when the query is empty (docs/providers/ncp.md: the trailing ``?``)."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest
from httpx_ncloud import NcloudClient

from .conftest import AUTH_INVALID, SEND_BLOCK, UNSUBSCRIBERS, sign

ADDRESS = "test01@ncp-mail.com"


@pytest.fixture
def client(ncp_fake):
    with NcloudClient(base_url=ncp_fake.url, access_key=ncp_fake.access_key, secret_key=ncp_fake.secret_key) as c:
        yield c


def test_httpx_ncloud_gets_the_send_block_history(client, ncp_fake, mailblocks):
    assert mailblocks.clock.is_real
    ncp_fake.add_block(ADDRESS, requester="OTHER_CUSTOMER")
    r = client.get(SEND_BLOCK, params={"targetAddress": ADDRESS, "size": 5, "sort": "createUtc,desc"})
    assert r.status_code == 200
    body = r.json()
    assert (body["registerStatus"], body["totalElements"], body["size"]) == ("Blocked", 1, 5)
    assert body["content"][0]["actionRequesterType"]["code"] == "OTHER_CUSTOMER"
    sent = ncp_fake.requests.last
    assert sent.query_string == "targetAddress=test01%40ncp-mail.com&size=5&sort=createUtc%2Cdesc"
    assert sent.auth == "ok"


def test_httpx_ncloud_registers_lists_and_deletes_unsubscribers(client, ncp_fake):
    r = client.post(UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.com", "user2@example.com"]})
    assert (r.status_code, r.json()) == (201, {"count": 2, "requestCount": 2, "ignoreCount": 0})
    r = client.get(UNSUBSCRIBERS, params={"startUtc": 0, "endUtc": 99999999999999, "isRegByManager": "true"})
    assert [u["address"] for u in r.json()["content"]] == ["user1@example.com", "user2@example.com"]
    r = client.request("DELETE", UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.com"]})
    assert (r.status_code, r.json()) == (200, {"count": 1, "requestCount": 1, "ignoreCount": 0})
    assert [u["email"] for u in ncp_fake.unsubscribers()] == ["user2@example.com"]


def test_httpx_ncloud_query_less_calls_need_the_lenient_empty_query(client, ncp_fake):
    """httpx-ncloud signs ``POST /api/v1/unsubscribers?`` and sends no ``?``."""
    ncp_fake.set_strict_signing()
    r = client.post(UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.com"]})
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert client.get(SEND_BLOCK, params={"targetAddress": ADDRESS}).status_code == 200


def test_httpx_ncloud_with_a_wrong_secret_gets_401(ncp_fake):
    with NcloudClient(base_url=ncp_fake.url, access_key=ncp_fake.access_key, secret_key="wrong") as c:
        r = c.get(SEND_BLOCK, params={"targetAddress": ADDRESS})
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"


def test_httpx_ncloud_in_process_without_a_socket(ncp_fake, mailblocks):
    with NcloudClient(
        base_url=ncp_fake.url,
        access_key=ncp_fake.access_key,
        secret_key=ncp_fake.secret_key,
        transport=mailblocks.httpx_transport(),
    ) as c:
        r = c.get(SEND_BLOCK, params={"targetAddress": ADDRESS})
    assert r.status_code == 200 and r.json()["registerStatus"] == "Not blocked"


def test_httpx_ncloud_on_a_regional_prefix(client, ncp_fake):
    ncp_fake.add_block(ADDRESS, region="SGN")
    r = client.get("/api/v1-sgn/send-block", params={"targetAddress": ADDRESS})
    assert r.json()["registerStatus"] == "Blocked"


def test_plain_httpx_with_the_independent_signer(ncp_fake, mailblocks):
    ncp_fake.add_block(ADDRESS)
    target = SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"
    ts = str(int(mailblocks.clock.time() * 1000))
    headers = {
        "x-ncp-apigw-timestamp": ts,
        "x-ncp-iam-access-key": ncp_fake.access_key,
        "x-ncp-apigw-signature-v2": sign(ncp_fake.secret_key, "GET", target, ts, ncp_fake.access_key),
        "x-ncp-lang": "ko-KR",
    }
    with ncp_fake.httpx_client() as c:
        r = c.get(target, headers=headers)
    assert r.status_code == 200
    assert r.json()["content"][0]["actionType"] == {"label": "생성", "code": "C"}


def test_requests_with_the_independent_signer_and_params(http, ncp_fake, mailblocks):
    """``requests`` encodes ``params`` itself; sign what it will send."""
    prepared = http.prepare_request(
        __import__("requests").Request("GET", ncp_fake.url + SEND_BLOCK, params={"targetAddress": ADDRESS})
    )
    target = prepared.path_url
    assert target == SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"
    ts = str(int(mailblocks.clock.time() * 1000))
    prepared.headers.update(
        {
            "x-ncp-apigw-timestamp": ts,
            "x-ncp-iam-access-key": ncp_fake.access_key,
            "x-ncp-apigw-signature-v2": sign(ncp_fake.secret_key, "GET", target, ts, ncp_fake.access_key),
        }
    )
    r = http.send(prepared)
    assert (r.status_code, r.json()["registerStatus"]) == (200, "Not blocked")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_as_in_the_seed(ncp_fake, mailblocks):
    ncp_fake.add_block(ADDRESS)
    target = SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"
    ts = str(int(mailblocks.clock.time() * 1000))
    signature = sign(ncp_fake.secret_key, "GET", target, ts, ncp_fake.access_key)
    out = subprocess.run(
        [
            "curl", "-s", "--location", "--request", "GET", ncp_fake.url + target,
            "--header", f"x-ncp-apigw-timestamp: {ts}",
            "--header", f"x-ncp-iam-access-key: {ncp_fake.access_key}",
            "--header", f"x-ncp-apigw-signature-v2: {signature}",
        ],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    assert json.loads(out)["registerStatus"] == "Blocked"


def test_async_httpx_in_process(ncp_fake, mailblocks):
    import asyncio

    target = SEND_BLOCK + "?targetAddress=a%40example.com"

    async def go() -> httpx.Response:
        async with ncp_fake.async_httpx_client() as c:
            return await c.get(target, headers=ncp_fake.signed_headers("GET", target))

    assert asyncio.run(go()).status_code == 200


def test_under_werkzeugs_own_server_the_raw_target_is_signed(ncp_fake, mailblocks):
    """werkzeug's server (what pytest-httpserver runs) also hands over ``RAW_URI``."""
    import threading

    import requests
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, mailblocks.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        for target in (SEND_BLOCK + "?targetAddress=a@example.com", SEND_BLOCK + "?targetAddress=a%40example.com"):
            r = requests.get(base + target, headers=ncp_fake.signed_headers("GET", target), timeout=10)
            assert r.status_code == 200, r.text
        target = SEND_BLOCK + "?targetAddress=a@example.com"
        wrong = ncp_fake.signed_headers("GET", target.replace("@", "%40"))
        assert requests.get(base + target, headers=wrong, timeout=10).status_code == 401
    finally:
        server.shutdown()
        thread.join(timeout=10)
