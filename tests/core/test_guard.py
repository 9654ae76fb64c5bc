"""The last-resort guard: a bug in an endpoint is the provider's own 5xx, a journal
traceback and a failing check(), never a werkzeug HTML page."""

from __future__ import annotations

import pytest

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
