"""Injected faults and internal errors: 501 ``服务器异常`` (sendcloud.md: Error codes).
Envelope errors stay HTTP 200; an injected status is kept, with the envelope body."""

from __future__ import annotations

import pytest

from pytest_mailblocks.providers.sendcloud import endpoints

from .conftest import error, success


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_injected_5xx_keeps_its_status_with_the_501_envelope(sc, sendcloud_fake, prefix, status):
    fault = sendcloud_fake.inject_fault("list_blocks", status=status, times=1)
    r = sc.call("/block/list", {"days": 1}, prefix=prefix)
    assert r.status_code == status
    assert r.json() == error(501, prefix)
    assert sendcloud_fake.requests.last.fault == fault.id
    assert sc.call("/block/list", {"days": 1}, prefix=prefix).json() == success({"dataList": [], "count": 0}, prefix)


@pytest.mark.parametrize(("status", "code"), [(429, 50000), (401, 40005), (404, 404), (405, 405), (400, 501)])
def test_other_injected_statuses_use_the_matching_envelope(sc, sendcloud_fake, status, code):
    sendcloud_fake.inject_fault(status=status, times=1)
    r = sc.call("/unsubscribe/add", {"email": "a@example.com"}, prefix="/apiv2")
    assert (r.status_code, r.json()) == (status, error(code, "/apiv2"))
    assert sendcloud_fake.unsubscribes() == []


def test_a_fault_targets_one_operation_under_both_prefixes(sc, sendcloud_fake):
    sendcloud_fake.inject_fault("add_blocks", status=503)
    assert sc.call("/block/list", {"days": 1}).status_code == 200
    assert sc.call("/block/add", {"email": "a@example.com", "expireTime": "2030-01-01"}).status_code == 503
    assert sc.call("/block/add", {"email": "a@example.com"}, prefix="/apiv2", method="POST").status_code == 503


def test_an_internal_error_is_the_501_envelope_with_http_200(sc, sendcloud_fake, mailblocks, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(endpoints.HANDLERS, "list_blocks", boom)
    r = sc.call("/block/list", {"days": 1}, prefix="/apiv2")
    assert (r.status_code, r.json()) == (200, error(501, "/apiv2"))
    assert sc.call("/block/list", {"days": 1}).json() == error(501)
    assert "RuntimeError: kaboom" in sendcloud_fake.requests.last.traceback
    with pytest.raises(AssertionError, match="internal error"):
        mailblocks.check()
    mailblocks.app.errors.clear()  # handled here
