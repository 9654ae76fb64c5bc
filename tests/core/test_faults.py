"""Fault injection from Python: status in the provider's format, latency, reset, times."""

from __future__ import annotations

import pytest
import requests


def _get(sg):
    return requests.get(sg.url + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {sg.api_key}"})


def test_status_fault_for_the_next_call_only(sendgrid_fake):
    fault = sendgrid_fake.inject_fault("list_blocks", status=500, times=1)
    r = _get(sendgrid_fake)
    assert (r.status_code, r.json()) == (500, {"errors": [{"field": None, "message": "internal server error"}]})
    assert sendgrid_fake.requests.last.fault == fault.id
    assert _get(sendgrid_fake).status_code == 200


def test_fault_429_uses_the_providers_message_and_headers(sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2024-01-01T00:00:10Z")
    sendgrid_fake.inject_fault(status=429)
    r = _get(sendgrid_fake)
    assert r.json() == {"errors": [{"field": None, "message": "too many requests"}]}
    assert (r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == ("600", "0")
    assert r.headers["X-RateLimit-Reset"] == "1704067260"
    assert _get(sendgrid_fake).status_code == 429  # until cleared
    assert sendgrid_fake.clear_faults() == 1
    assert _get(sendgrid_fake).status_code == 200


def test_fault_matches_endpoint_method_and_path(sendgrid_fake):
    sendgrid_fake.inject_fault(status=503, method="DELETE", path="/v3/suppression/blocks/*")
    assert _get(sendgrid_fake).status_code == 200
    r = requests.delete(
        sendgrid_fake.url + "/v3/suppression/blocks/a@x.com",
        headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"},
    )
    assert r.status_code == 503


def test_connection_reset(sendgrid_fake):
    sendgrid_fake.inject_fault("list_blocks", reset=True, times=1)
    with pytest.raises(requests.ConnectionError):
        _get(sendgrid_fake)
    assert _get(sendgrid_fake).status_code == 200
    assert sendgrid_fake.requests[0].status == 0 and sendgrid_fake.requests[0].fault


def test_faults_are_cleared_by_reset(sendgrid_fake, mailblocks):
    sendgrid_fake.inject_fault(status=500)
    mailblocks.reset()
    assert _get(sendgrid_fake).status_code == 200


@pytest.mark.parametrize("kwargs", [{}, {"status": 200}, {"latency": -1}, {"times": 0}])
def test_bad_faults_are_refused(sendgrid_fake, kwargs):
    with pytest.raises(ValueError):
        sendgrid_fake.inject_fault("list_blocks", **kwargs)


def test_latency_fault_delays_then_answers_normally(sendgrid_fake):
    sendgrid_fake.inject_fault("list_blocks", latency=0.05, times=1)
    r = _get(sendgrid_fake)
    assert r.status_code == 200
    assert sendgrid_fake.requests.last.duration_ms >= 50


def test_latency_and_status_combine(sendgrid_fake):
    sendgrid_fake.inject_fault("list_blocks", latency=0.01, status=504, times=1)
    r = _get(sendgrid_fake)
    assert (r.status_code, r.json()) == (504, {"errors": [{"field": None, "message": "gateway timeout"}]})


def test_fault_on_another_route_or_provider_does_not_fire(sendgrid_fake, mailblocks):
    sendgrid_fake.inject_fault("get_block", status=500)
    mailblocks.faults.add(provider="nonexistent-provider", status=500)
    assert _get(sendgrid_fake).status_code == 200


def test_faults_fire_before_auth(sendgrid_fake):
    """An outage answers everyone, credentials or not."""
    sendgrid_fake.inject_fault(status=503, times=1)
    r = requests.get(sendgrid_fake.url + "/v3/suppression/blocks")
    assert r.status_code == 503
