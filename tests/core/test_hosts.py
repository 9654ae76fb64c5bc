"""Web pages cannot drive the fake (issue 19, section 2): a Host the fake does not
answer (DNS rebinding) and a page from another origin are refused with a 403 in the
format of the route asked, while every real client keeps working."""

from __future__ import annotations

import shutil
import socket
import subprocess
import warnings

import httpx
import pytest
import requests

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.fake import NotLoopbackWarning

CP = "/_mailblocks"
HOST_TEXT = "the fake answers only loopback names, the address it is bound to and names given with --allow-host"
SITE_TEXT = "browser pages may call the fake only from its own origin or from a name given with --allow-host"
EVIL = "evil.example:8025"
ORIGIN = "http://evil.example:8025"

#: what each provider answers a foreign Host (as sent: evil.example:8025) and a page at ORIGIN
REFUSALS = {
    "sendgrid": (
        "/v3/suppression/blocks",
        {"errors": [{"field": None, "message": f"host {EVIL} is not allowed: {HOST_TEXT}"}]},
        {"errors": [{"field": None, "message": f"cross-site request refused (Origin {ORIGIN}): {SITE_TEXT}"}]},
    ),
    "cmc": (
        "/transaction/v2/blocks/list.json",
        {
            "errors": [
                {
                    "code": "01-014",
                    "field": "",
                    "message": f"Host {EVIL} is not allowed. {HOST_TEXT[0].upper()}{HOST_TEXT[1:]}.",
                }
            ]
        },
        {
            "errors": [
                {
                    "code": "01-015",
                    "field": "",
                    "message": f"Cross-site request refused (Origin {ORIGIN}). {SITE_TEXT[0].upper()}{SITE_TEXT[1:]}.",
                }
            ]
        },
    ),
    "ncp": (
        "/api/v1/send-block",
        {"error": {"errorCode": "230", "message": "Forbidden", "details": f"Host {EVIL} is not allowed: {HOST_TEXT}."}},
        {
            "error": {
                "errorCode": "230",
                "message": "Forbidden",
                "details": f"Cross-site request refused (Origin {ORIGIN}): {SITE_TEXT}.",
            }
        },
    ),
    "sendcloud": (
        "/api/block/list",
        {"result": False, "statusCode": 403, "message": f"host {EVIL} is not allowed: {HOST_TEXT}", "info": {}},
        {
            "result": False,
            "statusCode": 403,
            "message": f"cross-site request refused (Origin {ORIGIN}): {SITE_TEXT}",
            "info": {},
        },
    ),
}


def _raw(server: FakeServer, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client adds or fixes a Host); (status, body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


# -- DNS rebinding ------------------------------------------------------------------------------
def test_the_issue_curl_from_a_rebound_name_is_refused_and_changes_nothing(mailblocks):
    """The probe: a page on evil.example (now resolving to 127.0.0.1) seeding blocks."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(
        [
            curl, "-s", "-w", "\n%{http_code}", "-X", "POST", mailblocks.url + CP + "/sendgrid/blocks",
            "-H", f"Host: {EVIL}", "-H", f"Origin: {ORIGIN}", "-d", '[{"email":"x@e.com"}]',
        ],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    body, _, status = out.rpartition("\n")
    assert status == "403"
    assert requests.models.complexjson.loads(body) == {
        "error": "forbidden",
        "message": f"Host {EVIL} is not allowed: {HOST_TEXT}",
    }
    assert mailblocks.sendgrid.blocks() == []


@pytest.mark.parametrize("key", list(REFUSALS))
def test_each_provider_refuses_a_foreign_host_in_its_own_format(mailblocks, key):
    path, body, _ = REFUSALS[key]
    r = requests.get(mailblocks.url + path, headers={"Host": EVIL}, timeout=10)
    assert r.status_code == 403
    assert r.json() == body
    assert "Access-Control-Allow-Origin" not in r.headers
    entry = mailblocks.handle(key).requests.last
    assert (entry.status, entry.auth) == (403, "host")


def test_the_control_plane_refuses_a_foreign_host_even_for_reads(mailblocks):
    for method, path in (("GET", "/health"), ("GET", "/sendgrid/blocks"), ("POST", "/reset")):
        r = requests.request(method, mailblocks.url + CP + path, headers={"Host": EVIL}, timeout=10)
        assert (r.status_code, r.json()) == (
            403,
            {"error": "forbidden", "message": f"Host {EVIL} is not allowed: {HOST_TEXT}"},
        )


def test_a_rebinding_page_cannot_read_the_inspectors_csrf_token(mailblocks):
    ok = requests.get(mailblocks.url + CP + "/ui/", timeout=10)
    assert ok.status_code == 200 and 'name="csrf"' in ok.text  # the page a rebinding page would want
    r = requests.get(mailblocks.url + CP + "/ui/", headers={"Host": EVIL}, timeout=10)
    assert r.status_code == 403
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Refused</h1>" in r.text and f"Host {EVIL} is not allowed" in r.text
    assert 'name="csrf"' not in r.text and "csrf" not in r.headers.get("Set-Cookie", "")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # nor post one of its forms
    r = requests.post(mailblocks.url + CP + "/ui/reset", headers={"Host": EVIL, "Origin": ORIGIN}, timeout=10)
    assert r.status_code == 403 and "<h1>Refused</h1>" in r.text


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.2", "127.255.255.254:1", "localhost", "LOCALHOST:8025", "localhost.", "localhost.:80",
     "app.localhost", "[::1]", "[::1]:8025", "[::ffff:127.0.0.1]:8025"],
)  # fmt: skip
def test_loopback_names_and_addresses_are_answered(mailblocks, host):
    sg = mailblocks.sendgrid
    r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Host": host, **_bearer(sg)}, timeout=10)
    assert (r.status_code, r.json()) == (200, [])
    assert requests.get(sg.url + CP + "/health", headers={"Host": host}, timeout=10).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "10.0.0.1", "[::2]", "0.0.0.0", "x", "",
     "localhost:http", "[::1", "a b", "localhost, evil.example"],
)  # fmt: skip
def test_other_names_and_malformed_hosts_are_refused(mailblocks, host):
    sg = mailblocks.sendgrid
    request = f"GET /v3/suppression/blocks HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    status, body = _raw(mailblocks, request.encode())
    if host == "":  # an empty Host (allowed for a target without authority) counts as none
        assert status == 401
        return
    assert status == 403
    assert body.startswith(b'{"errors":[{"field":null,"message":"host ')
    assert sg.blocks() == []


def test_a_request_without_host_http_1_0_is_answered(mailblocks):
    status, body = _raw(mailblocks, b"GET /_mailblocks/health HTTP/1.0\r\n\r\n")
    assert status == 200 and b'"status": "ok"' in body


# -- allowed names ------------------------------------------------------------------------------------
def test_allow_hosts_adds_names_for_host_and_origin():
    with FakeServer(allow_hosts=["mailblocks", "Fake.CI.test."]) as server:
        sg = server.sendgrid
        for host in ("mailblocks", "mailblocks:8025", "fake.ci.test", "FAKE.ci.test.:80"):
            r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Host": host, **_bearer(sg)}, timeout=10)
            assert r.status_code == 200, host
        # a page served from an allowed name may call it (any port)
        r = requests.post(
            sg.url + CP + "/sendgrid/blocks", json=["a@example.com"], timeout=10,
            headers={"Host": "mailblocks:8025", "Origin": "http://mailblocks:3000", "Sec-Fetch-Site": "cross-site"},
        )  # fmt: skip
        assert r.status_code == 201
        r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Host": "other", **_bearer(sg)}, timeout=10)
        assert r.status_code == 403


@pytest.mark.parametrize("bad", ["http://mailblocks", "mailblocks:8025", "a/b", "", " ", "a b", "[::1]:80"])
def test_a_bad_allow_host_value_is_refused(bad):
    with pytest.raises(ControlError, match="--allow-host takes a host name or an IP address without a port"):
        FakeServer(allow_hosts=[bad])


def test_allow_host_values_are_normalized():
    from pytest_mailblocks.core.hosts import check_allow_host

    assert [check_allow_host(v) for v in ("Mailblocks", "ci.test.", "::1", "[2001:db8::1]", "10.0.0.5")] == [
        "mailblocks",
        "ci.test",
        "::1",
        "2001:db8::1",
        "10.0.0.5",
    ]


def test_bound_to_a_wildcard_any_address_is_answered_but_no_other_name():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotLoopbackWarning)
        server = FakeServer(host="0.0.0.0").start()
    try:
        sg = server.sendgrid
        for host, status in (("192.0.2.10:8025", 200), ("0.0.0.0:8025", 200), ("mailblocks", 403)):
            r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Host": host, **_bearer(sg)}, timeout=10)
            assert r.status_code == status, host
    finally:
        server.stop()


def test_the_bound_address_is_answered():
    from pytest_mailblocks.core.hosts import HostGuard

    guard = HostGuard()
    guard.bind("192.0.2.7")
    guard.bind("[2001:db8::7]")
    assert guard.answers("192.0.2.7") and guard.answers("2001:db8::7")
    assert not guard.answers("192.0.2.8") and not guard.answers("mailblocks")
    assert guard.refusal({"HTTP_HOST": "192.0.2.7:8025"}) is None
    assert guard.refusal({"HTTP_HOST": "[2001:db8::7]:8025"}) is None


# -- cross-site pages -----------------------------------------------------------------------------------
def test_a_cross_site_form_post_cannot_delete_a_sendcloud_block(mailblocks):
    sc = mailblocks.sendcloud
    sc.add_block("keep@example.com")
    form = {"apiUser": sc.api_user, "apiKey": sc.api_key, "email": "keep@example.com"}
    r = requests.post(sc.url + "/api/block/delete", data=form, headers=_form_from(ORIGIN), timeout=10)
    assert (r.status_code, r.json()) == (403, REFUSALS["sendcloud"][2])
    assert [b["email"] for b in sc.blocks()] == ["keep@example.com"]
    # an <img> or a link (GET, no Origin) from another site neither
    r = requests.get(sc.url + "/api/block/delete", params=form, headers={"Sec-Fetch-Site": "cross-site"}, timeout=10)
    assert r.status_code == 403 and r.json()["message"].startswith("cross-site request refused (Sec-Fetch-Site: ")
    assert [b["email"] for b in sc.blocks()] == ["keep@example.com"]
    # the same form from curl (no Origin) works
    r = requests.post(sc.url + "/api/block/delete", data=form, timeout=10)
    assert r.json()["info"] == {"count": 1} and sc.blocks() == []


def test_a_cross_site_form_post_cannot_delete_a_cmc_block(mailblocks):
    cmc = mailblocks.cmc
    cmc.add_block("keep@example.com")
    form = {**cmc.auth, "email": "keep@example.com"}
    url = cmc.url + "/transaction/v2/blocks/delete.json"
    r = requests.post(url, data=form, headers=_form_from(ORIGIN), timeout=10)
    assert (r.status_code, r.json()) == (403, REFUSALS["cmc"][2])
    assert [b["email"] for b in cmc.blocks()] == ["keep@example.com"]
    r = requests.post(url, data=form, headers={**_form_from(ORIGIN), "Accept-Language": "ja"}, timeout=10)
    assert r.json()["errors"][0]["message"].startswith(f"クロスサイトのリクエストは拒否されました(Origin {ORIGIN})。")
    assert requests.post(url, data=form, timeout=10).status_code == 200
    assert cmc.blocks() == []


@pytest.mark.parametrize("key", list(REFUSALS))
def test_each_provider_refuses_a_page_from_another_origin_in_its_own_format(mailblocks, key):
    path, _, body = REFUSALS[key]
    r = requests.get(mailblocks.url + path, headers={"Origin": ORIGIN}, timeout=10)
    assert (r.status_code, r.json()) == (403, body)
    assert not [h for h in r.headers if h.lower().startswith("access-control-")]
    assert mailblocks.handle(key).requests.last.auth == "cross_site"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:3000"},  # another local server's page is another origin
        {"Origin": "file://"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling name (a.localhost -> localhost)
    ],
)
def test_other_browser_origins_are_refused_on_provider_routes(mailblocks, headers):
    sg = mailblocks.sendgrid
    r = requests.get(sg.url + "/v3/suppression/blocks", headers={**headers, **_bearer(sg)}, timeout=10)
    assert r.status_code == 403 and r.json()["errors"][0]["message"].startswith("cross-site request refused (")


@pytest.mark.parametrize("site", [None, "same-origin", "none"])
def test_the_fakes_own_origin_and_typed_urls_are_answered(mailblocks, site):
    sg = mailblocks.sendgrid
    headers = {"Origin": sg.url, **_bearer(sg)}
    if site:
        headers["Sec-Fetch-Site"] = site
    r = requests.get(sg.url + "/v3/suppression/blocks", headers=headers, timeout=10)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    if site:  # a URL typed in the address bar: no Origin
        r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Sec-Fetch-Site": site, **_bearer(sg)})
        assert r.status_code == 200


# -- real clients are unaffected ----------------------------------------------------------------------
def test_the_official_sendgrid_sdk_requests_and_httpx_work_through_the_socket(mailblocks):
    sendgrid = pytest.importorskip("sendgrid")
    sg = mailblocks.sendgrid
    sg.add_block("a@example.com")
    client = sendgrid.SendGridAPIClient(api_key=sg.api_key, host=sg.url)
    assert client.client.suppression.blocks.get().status_code == 200
    r = requests.get(sg.url + "/v3/suppression/blocks", headers=_bearer(sg), timeout=10)
    assert [b["email"] for b in r.json()] == ["a@example.com"]
    with httpx.Client(base_url=sg.url) as h:
        assert h.get("/v3/suppression/blocks", headers=_bearer(sg)).status_code == 200
    assert {e.status for e in sg.requests} == {200}


def test_in_process_clients_work_whatever_host_their_base_url_names(mailblocks):
    sg = mailblocks.sendgrid
    sg.add_block("a@example.com")
    with httpx.Client(transport=mailblocks.httpx_transport(), base_url="https://api.sendgrid.com") as h:
        assert h.get("/v3/suppression/blocks", headers=_bearer(sg)).status_code == 200
        # a page's Origin is still refused in-process
        assert h.get("/v3/suppression/blocks", headers={"Origin": ORIGIN, **_bearer(sg)}).status_code == 403
    with mailblocks.requests_session() as s:
        assert s.get(sg.url + "/v3/suppression/blocks", headers=_bearer(sg)).status_code == 200


def test_the_pytest_httpserver_mount_is_answered(mailblocks, httpserver):
    mounted = mailblocks.mount(httpserver)
    sg = mailblocks.sendgrid
    r = requests.get(mounted.url + "/v3/suppression/blocks", headers=_bearer(sg), timeout=10)
    assert (r.status_code, r.json()) == (200, [])
    r = requests.get(mounted.url + "/v3/suppression/blocks", headers={"Host": EVIL, **_bearer(sg)}, timeout=10)
    assert r.status_code == 403


def _bearer(sg) -> dict[str, str]:
    return {"Authorization": f"Bearer {sg.api_key}"}


def _form_from(origin: str) -> dict[str, str]:
    """What a browser adds to a form posted from a page at ``origin``."""
    return {
        "Origin": origin,
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
    }


def test_the_remembered_answers_stay_small_and_follow_a_bind():
    from pytest_mailblocks.core.hosts import HostGuard

    guard = HostGuard()
    assert guard.refusal({"HTTP_HOST": "192.0.2.7:8025"}) is not None
    guard.bind("192.0.2.7")  # a server started on that address answers it from then on
    assert guard.refusal({"HTTP_HOST": "192.0.2.7:8025"}) is None
    for i in range(1000):
        guard.refusal({"HTTP_HOST": f"h{i}.example"})
    guard.refusal({"HTTP_HOST": "x" * 60_000})
    assert len(guard._answered) <= 256
    assert all(len(h) <= 270 for h in guard._answered)
