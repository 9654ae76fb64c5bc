"""The last-resort guard: a bug in an endpoint is the provider's own 5xx, a journal
traceback and a failing check(), never a werkzeug HTML page."""

from __future__ import annotations

import time

import pytest

from pytest_mailblocks import FakeServer
from pytest_mailblocks.providers import REGISTRY
from pytest_mailblocks.providers.sendgrid import endpoints


def test_an_exception_in_an_endpoint_is_the_providers_500(http, mailblocks, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(endpoints.HANDLERS, "list", boom)
    sg = mailblocks.sendgrid
    r = http.get(sg.url + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {sg.api_key}"})
    assert r.status_code == 500
    assert r.json() == {"errors": [{"field": None, "message": "internal server error"}]}
    assert "<html" not in r.text.lower()
    entry = sg.requests.last
    assert "RuntimeError: kaboom" in entry.traceback
    with pytest.raises(AssertionError, match="internal error") as err:
        mailblocks.check()
    assert isinstance(err.value.__cause__, RuntimeError)
    mailblocks.app.errors.clear()  # handled: let the fixture's own check pass


#: one served route per provider, and its own answer to a bug in the endpoint
INTERNAL = {
    "sendgrid": (
        "GET",
        "/v3/suppression/blocks",
        500,
        b'{"errors":[{"field":null,"message":"internal server error"}]}',
    ),
    "cmc": (
        "POST",
        "/transaction/v2/blocks/list.json",
        500,
        b'{"errors":[{"code":"01-013","field":"","message":"An internal error occurred."}]}',
    ),
    "ncp": (
        "GET",
        "/api/v1/send-block?targetAddress=a@example.com",
        500,
        '{"error":{"code":"77303","message":"그외 INTERNAL_SERVER_ERROR"}}'.encode(),
    ),
    "sendcloud": (
        "GET",
        "/api/block/list",
        200,  # SendCloud answers every envelope with HTTP 200
        b'{"result":false,"statusCode":501,"message":"server exception","info":{}}',
    ),
}


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_provider_answers_a_bug_in_its_own_format(key, http, mailblocks, monkeypatch):
    assert key in INTERNAL, f"add {key}'s route and internal-error answer to INTERNAL"
    method, path, status, body = INTERNAL[key]

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(mailblocks.app.providers[key], "call", boom)
    r = http.request(method, mailblocks.url + path)
    assert (r.status_code, r.content) == (status, body)
    assert "RuntimeError: kaboom" in mailblocks.handle(key).requests.last.traceback
    with pytest.raises(AssertionError, match="internal error"):
        mailblocks.check()
    mailblocks.app.errors.clear()


def test_start_and_stop_do_not_wait_on_a_poll_loop():
    """A regression guard, not a speed target (that is benchmarks/bench.py): a
    half-second shutdown poll, as werkzeug's, would take 5 s here."""
    started = time.perf_counter()
    for _ in range(10):
        FakeServer().start().stop()
    assert time.perf_counter() - started < 4.5  # 10 half-second polls would be 5 s
