"""The in-process ``requests`` session the fakes hand out (issue 18): the same prepared
requests as ``requests.Session``, no environment lookups, and the ``<provider>_client``
fixtures that keep one for the whole session."""

from __future__ import annotations

import pytest
import requests

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.transport_requests import InProcessSession

pytest_plugins = ["pytester"]

BLOCKS = "/v3/suppression/blocks"


def _hook(response, *args, **kwargs):
    return response


CALLS = [
    {"method": "get", "url": "/v3/suppression/blocks"},
    {"method": "GET", "url": "/v3/suppression/blocks?limit=5", "params": {"offset": 2, "email": None}},
    {"method": "get", "url": "/v3/suppression/blocks", "params": {"e": "ü ?&="}, "headers": {"X-A": "1"}},
    {"method": "delete", "url": "/v3/suppression/blocks", "json": {"emails": ["a@example.com"]}},
    {"method": "post", "url": "/api/block/add", "data": {"apiUser": "u", "email": "ä@example.com"}},
    {"method": "post", "url": "/x", "data": b"raw", "headers": {"Content-Type": "text/plain", "Accept": None}},
    {"method": "put", "url": "/x", "files": {"f": ("a.csv", b"a,b\n")}},
    {"method": "get", "url": "/x", "hooks": {"response": [_hook]}, "headers": {"user-agent": "mine"}},
    {"method": "get", "url": "/ünicode/päth?q=ü"},
    {"method": "get", "url": "/x", "params": [("a", "1"), ("a", "2")]},
    {"method": "get", "url": "/x", "params": "a=1&b=2"},
    {"method": "get", "url": "/x", "auth": ("user", "pass")},
    {"method": "get", "url": "/x", "cookies": {"c": "1"}},
]


def _prepared(session: requests.Session, base: str, call: dict) -> tuple:
    call = dict(call)
    request = requests.Request(
        method=call.pop("method"), url=base + call.pop("url"), data=call.pop("data", {}), **{"params": {}, **call}
    )
    p = session.prepare_request(request)
    return (p.method, p.url, list(p.headers.items()), p.body, dict(p.hooks), len(p._cookies))


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("session_state", ["fresh", "headers", "params", "auth", "cookies"])
def test_prepares_what_requests_prepares(call, session_state, monkeypatch):
    monkeypatch.setattr("urllib3.filepost.choose_boundary", lambda: "boundary")  # else random
    app_server = FakeServer(providers=["sendgrid"])
    base = "http://127.0.0.1:1"
    ours = InProcessSession(app_server.app, base)
    theirs = requests.Session()
    theirs.trust_env = False
    for s in (ours, theirs):
        if session_state == "headers":
            s.headers.update({"X-Session": "s", "Accept": "text/csv"})
        elif session_state == "params":
            s.params = {"sp": "1"}
        elif session_state == "auth":
            s.auth = ("u", "p")
        elif session_state == "cookies":
            s.cookies.set("sc", "v")
    assert _prepared(ours, base, call) == _prepared(theirs, base, call)


def test_reads_no_netrc_or_proxy_from_the_environment(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would fail if used
    with FakeServer(providers=["sendgrid"]) as server:
        sg = server.sendgrid
        r = sg.requests_session().get(sg.url + BLOCKS)
        assert r.status_code == 401
        assert "Authorization" not in dict(sg.requests[-1].headers)
        # requests' own session would have sent the .netrc credentials
        plain = requests.Session()
        plain.mount(sg.url + "/", sg.requests_session().get_adapter(sg.url + "/"))
        assert "Authorization" in plain.prepare_request(requests.Request("GET", sg.url + BLOCKS)).headers


def test_settings_merge_as_requests_merges_them():
    with FakeServer(providers=["sendgrid"]) as server:
        ours = server.requests_session()
        theirs = requests.Session()
        theirs.trust_env = False
        for s in (ours, theirs):
            s.stream = None
            s.verify = "/ca.pem"
        for args in [(None, None, None), (True, False, ("c", "k")), (False, None, "c")]:
            mine = ours.merge_environment_settings(server.url, {}, *args)
            assert mine == dict(theirs.merge_environment_settings(server.url, {}, *args))
        ours.proxies = theirs.proxies = {"http": "http://p:1"}
        assert ours.merge_environment_settings(server.url, {}, None, None, None) == dict(
            theirs.merge_environment_settings(server.url, {}, None, None, None)
        )


def test_client_fixtures_keep_one_session_on_each_tests_reset_state(pytester):
    pytester.makepyfile(
        """
        import pytest

        from pytest_mailblocks.core.transport_requests import InProcessSession

        seen = []

        @pytest.mark.parametrize("i", range(2))
        def test_sendgrid(sendgrid_client, sendgrid_fake, i):
            seen.append(sendgrid_client)
            assert isinstance(sendgrid_client, InProcessSession)
            assert "X-Left" not in sendgrid_client.headers and not sendgrid_client.cookies
            assert sendgrid_client.auth is None and sendgrid_client.params == {}
            url = sendgrid_fake.url + "/v3/suppression/blocks"
            auth = {"Authorization": "Bearer " + sendgrid_fake.api_key}
            assert sendgrid_client.get(url, headers=auth).json() == []  # the last test's block is gone
            sendgrid_fake.add_block("a@example.com")
            assert [b["email"] for b in sendgrid_client.get(url, headers=auth).json()] == ["a@example.com"]
            assert len(sendgrid_fake.requests) == 2
            sendgrid_client.headers["X-Left"] = "1"
            sendgrid_client.cookies.set("left", "1")
            sendgrid_client.auth = ("u", "p")
            sendgrid_client.params = {"left": "1"}

        @pytest.mark.mailblocks(cmc={"blocks": [{"email": "b@example.com"}]})
        def test_cmc_alone(cmc_client, mailblocks):
            seen.append(cmc_client)
            assert [b["email"] for b in mailblocks.cmc.blocks()] == ["b@example.com"]

        def test_the_same_session_throughout(ncp_client, sendcloud_client):
            assert ncp_client is sendcloud_client
            assert all(s is ncp_client for s in seen)
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


@pytest.mark.parametrize(
    "order", ["mailblocks, sendgrid_fake", "sendgrid_fake, mailblocks", "sendgrid_client, mailblocks"]
)
def test_the_server_is_reset_and_seeded_once_per_test_whatever_the_fixture_order(pytester, order):
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.mailblocks(sendgrid=["a@example.com"])
        def test_seeded({order}):
            assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["a@example.com"]

        def test_buggy({order}, monkeypatch):
            mailblocks.app.errors.append(RuntimeError("boom"))
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)  # the buggy test, failed in teardown
    # Traceback lines only ("E   ..."): the short summary repeats the message, in full where CI is set.
    checks = [line for line in result.stdout.lines if line.startswith("E ") and "hit an internal error" in line]
    assert len(checks) == 1  # checked once, by the fixture that reset the server


def test_response_headers_reason_and_encoding_are_requests_own():
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    from pytest_mailblocks.core.transport_requests import _encoding, _headers, _reason

    pairs = [("Content-Type", "application/json"), ("X-A", "1"), ("x-a", "2"), ("Set-Cookie", "a=1")]
    assert list(_headers(pairs).items()) == list(CaseInsensitiveDict(pairs).items())
    assert _headers(pairs)["X-A"] == "2"
    for content_type in ("application/json", "text/csv; charset=shift_jis", "text/html", None, "application/zip"):
        given = CaseInsensitiveDict({"content-type": content_type} if content_type else {})
        assert _encoding(content_type) == get_encoding_from_headers(given)
    assert (_reason(204), _reason(429), _reason(599)) == ("No Content", "Too Many Requests", "")


def test_a_url_is_prepared_once_for_every_session_a_suite_makes(mailblocks, monkeypatch):
    from requests.models import PreparedRequest

    calls = []
    real = PreparedRequest.prepare_url
    monkeypatch.setattr(PreparedRequest, "prepare_url", lambda self, *a: calls.append(a[0]) or real(self, *a))
    sg = mailblocks.sendgrid
    url = sg.url + "/v3/suppression/blocks/once-per-suite@example.com"
    for _ in range(3):  # a session per test, as a downstream suite writes it
        assert sg.requests_session().get(url, headers={"Authorization": f"Bearer {sg.api_key}"}).json() == []
    assert calls == [url]
