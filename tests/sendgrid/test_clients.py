"""Real clients, unmodified: the official ``sendgrid`` SDK, ``httpx``, ``requests``
and ``curl`` (sendgrid.md: Real clients)."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest
from python_http_client import exceptions as sdk_errors

from sendgrid import SendGridAPIClient

from .conftest import BLOCKS


@pytest.fixture
def client(sendgrid_fake):
    return SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url).client


def test_sdk_lists_with_query_params(client, sendgrid_fake):
    sendgrid_fake.add_block("user1@example.com", reason="Connection timed out", status="4.0.0", created=1443651141)
    sendgrid_fake.add_block("user2@example.com", created=1443651154)
    r = client.suppression.blocks.get(
        query_params={"start_time": 1443651141, "end_time": 1443651154, "limit": 10, "offset": 0}
    )
    assert r.status_code == 200
    assert [b["email"] for b in json.loads(r.body)] == ["user2@example.com", "user1@example.com"]
    sent = sendgrid_fake.requests.last
    assert sent.header("User-Agent").startswith("sendgrid/")
    assert sent.query == {"end_time": "1443651154", "limit": "10", "offset": "0", "start_time": "1443651141"}


def test_sdk_gets_one_with_the_raw_at_sign(client, sendgrid_fake):
    sendgrid_fake.add_block("spam1@test.com")
    r = client.suppression.blocks._("spam1@test.com").get()
    assert [b["email"] for b in json.loads(r.body)] == ["spam1@test.com"]
    assert sendgrid_fake.requests.last.path == "/v3/suppression/blocks/spam1@test.com"


def test_sdk_deletes_one_and_gets_404_the_second_time(client, sendgrid_fake):
    sendgrid_fake.add_block("spam1@test.com")
    assert client.suppression.blocks._("spam1@test.com").delete().status_code == 204
    with pytest.raises(sdk_errors.NotFoundError) as err:
        client.suppression.blocks._("spam1@test.com").delete()
    assert json.loads(err.value.body) == {"errors": [{"field": None, "message": "resource not found"}]}


def test_sdk_bulk_deletes_by_emails_and_delete_all(client, sendgrid_fake):
    for e in ("email1@test.com", "email2@test.com", "other@test.com"):
        sendgrid_fake.add_block(e)
    r = client.suppression.blocks.delete(request_body={"emails": ["email1@test.com", "email2@test.com"]})
    assert r.status_code == 204
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["other@test.com"]
    assert client.suppression.blocks.delete(request_body={"delete_all": True}).status_code == 204
    assert sendgrid_fake.blocks() == []


def test_sdk_both_set_raises_bad_request(client):
    with pytest.raises(sdk_errors.BadRequestsError) as err:
        client.suppression.blocks.delete(request_body={"delete_all": False, "emails": ["a@test.com"]})
    assert json.loads(err.value.body)["errors"][0]["message"] == "emails and delete_all cannot both be set"


def test_sdk_bad_key_raises_unauthorized(sendgrid_fake):
    bad = SendGridAPIClient(api_key="SG.wrong", host=sendgrid_fake.url).client
    with pytest.raises(sdk_errors.UnauthorizedError) as err:
        bad.suppression.blocks.get()
    assert err.value.body == b'{"errors":[{"field":null,"message":"authorization required"}]}'


def test_sdk_missing_scope_raises_forbidden(sendgrid_fake):
    key = sendgrid_fake.add_api_key(scopes=["suppression.blocks.read"])
    limited = SendGridAPIClient(api_key=key, host=sendgrid_fake.url).client
    with pytest.raises(sdk_errors.ForbiddenError):
        limited.suppression.blocks._("a@test.com").delete()


def test_sdk_rate_limit_raises_too_many_requests(client, sendgrid_fake):
    sendgrid_fake.set_rate_limit(1)
    client.suppression.blocks.get()
    with pytest.raises(sdk_errors.TooManyRequestsError) as err:
        client.suppression.blocks.get()
    assert err.value.headers["X-RateLimit-Remaining"] == "0"


def test_sdk_405_raises_method_not_allowed(client):
    with pytest.raises(sdk_errors.MethodNotAllowedError):
        client.suppression.blocks.post(request_body={})


def test_sdk_impersonates_a_subuser(sendgrid_fake):
    sendgrid_fake.add_subuser("shop")
    sendgrid_fake.add_block("child@test.com", subuser="shop")
    sub = SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url, impersonate_subuser="shop")
    r = sub.client.suppression.blocks.get()
    assert [b["email"] for b in json.loads(r.body)] == ["child@test.com"]


def test_httpx_drives_list_get_and_delete(sendgrid_fake):
    sendgrid_fake.add_block("a@example.com", created=1)
    headers = {"Authorization": f"Bearer {sendgrid_fake.api_key}"}
    with httpx.Client(base_url=sendgrid_fake.url, headers=headers) as c:
        assert c.get(BLOCKS, params={"limit": 1}).json()[0]["email"] == "a@example.com"
        assert c.get(BLOCKS + "/a@example.com").json()[0]["created"] == 1
        assert c.request("DELETE", BLOCKS, json={"emails": ["a@example.com"]}).status_code == 204
        assert c.delete(BLOCKS + "/a@example.com").status_code == 404


def test_httpx_keeps_one_connection_alive(sendgrid_fake, mailblocks):
    headers = {"Authorization": f"Bearer {sendgrid_fake.api_key}"}
    with httpx.Client(base_url=sendgrid_fake.url, headers=headers) as c:
        responses = [c.get(BLOCKS) for _ in range(5)]
    assert {r.headers["Connection"] for r in responses} == {"keep-alive"}
    ports = {e.header("Host") for e in sendgrid_fake.requests}
    assert len(ports) == 1


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed on this machine")
def test_curl_as_in_the_seed(sendgrid_fake):
    sendgrid_fake.add_block("email1@test.com", created=1443651141)
    sendgrid_fake.add_block("email2@test.com", created=1443651154)
    auth = f"Authorization: Bearer {sendgrid_fake.api_key}"

    def curl(*args: str) -> tuple[str, str]:
        out = subprocess.run(
            ["curl", "-sS", "-w", "\n%{http_code}", "-H", auth, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        body, _, code = out.rpartition("\n")
        return code, body

    url = sendgrid_fake.url + BLOCKS
    code, body = curl(f"{url}?start_time=1443651141&end_time=1443651154&limit=10&offset=0")
    assert code == "200"
    assert [b["email"] for b in json.loads(body)] == ["email2@test.com", "email1@test.com"]
    assert curl(url + "/email1@test.com")[0] == "200"
    assert curl("-X", "DELETE", url + "/email1@test.com") == ("204", "")
    code, _ = curl("-X", "DELETE", "-H", "Content-Type: application/json", "-d", '{"emails":["email2@test.com"]}', url)
    assert code == "204"
    assert sendgrid_fake.blocks() == []


def _httpx_send(method, url, headers, body):
    r = httpx.request(method, url, headers=headers, content=body)
    return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content


def _curl_send(method, url, headers, body):
    args = ["curl", "-sS", "-i", "-X", method, url]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    if body is not None:
        args += ["--data-binary", body.decode()]
    raw = subprocess.run(args, capture_output=True, check=True, timeout=30).stdout
    head, _, payload = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parsed = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in parsed.items()}, payload


CLIENTS = [
    pytest.param(_httpx_send, id="httpx"),
    pytest.param(
        _curl_send, id="curl", marks=pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
    ),
]


@pytest.mark.parametrize("send", CLIENTS)
def test_httpx_and_curl_see_every_error_and_header(send, sendgrid_fake):
    """The error paths (auth, scopes, 405, 400, rate limit), subusers and an encoded
    address, through clients other than requests and the SDK."""
    url = sendgrid_fake.url + BLOCKS
    auth = {"Authorization": f"Bearer {sendgrid_fake.api_key}"}

    def errors(body: bytes) -> list:
        return json.loads(body)["errors"]

    status, _, body = send("GET", url, {"Authorization": "Bearer SG.wrong"}, None)
    assert (status, errors(body)) == (401, [{"field": None, "message": "authorization required"}])

    limited = {"Authorization": f"Bearer {sendgrid_fake.add_api_key(scopes=['suppression.blocks.read'])}"}
    status, _, body = send("DELETE", url + "/a@example.com", limited, None)
    assert (status, errors(body)) == (403, [{"field": None, "message": "access forbidden"}])

    status, _, body = send("POST", url, {**auth, "Content-Type": "application/json"}, b"{}")
    assert (status, errors(body)) == (405, [{"field": None, "message": "method not allowed"}])

    status, _, body = send("GET", url + "?limit=abc", auth, None)
    assert (status, errors(body)) == (400, [{"field": "limit", "message": "must be an integer"}])

    sendgrid_fake.add_subuser("shop")
    sendgrid_fake.add_block("child+tag@example.com", subuser="shop")
    status, _, body = send("GET", url + "/child%2Btag%40example.com", {**auth, "On-Behalf-Of": "shop"}, None)
    assert status == 200 and [b["email"] for b in json.loads(body)] == ["child+tag@example.com"]
    status, _, body = send("GET", url + "/child%2Btag%40example.com", auth, None)
    assert (status, json.loads(body)) == (200, [])  # the parent account's list does not hold it

    sendgrid_fake.clock.freeze("2030-01-01T00:00:00Z")  # a fresh rate window
    sendgrid_fake.set_rate_limit(1)
    assert send("GET", url, auth, None)[0] == 200
    status, headers, body = send("GET", url, auth, None)
    assert (status, errors(body)) == (429, [{"field": None, "message": "too many requests"}])
    assert headers["x-ratelimit-limit"] == "1" and headers["x-ratelimit-remaining"] == "0"
    assert headers["x-ratelimit-reset"] == "1893456060"  # the next minute
