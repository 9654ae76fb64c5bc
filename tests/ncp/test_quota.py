"""Gateway quota: 429 errorCode "400" Quota Exceeded (api-call-lgc-errorhandling), off by
default, counted per key in calendar windows of the fake clock (KST)."""

from __future__ import annotations

import pytest

from pytest_mailblocks.core.errors import ControlError

from .conftest import SEND_BLOCK, gateway_error

TARGET = SEND_BLOCK + "?targetAddress=a%40example.com"
QUOTA_EXCEEDED = gateway_error("400", "Quota Exceeded", "Quota exceeded.")


def test_no_quota_by_default(ncp):
    assert all(ncp.get(TARGET).status_code == 200 for _ in range(30))


def test_calls_over_the_daily_quota_are_429_quota_exceeded(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T03:00:00Z")  # 12:00 KST
    ncp_fake.set_quota(2)
    assert [ncp.get(TARGET).status_code for _ in range(2)] == [200, 200]
    r = ncp.get(TARGET)
    assert (r.status_code, r.json()) == (429, QUOTA_EXCEEDED)
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"
    assert ncp_fake.requests.last.auth == "quota"


def test_daily_quota_resets_at_midnight_kst(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T14:59:59Z")  # 23:59:59 KST
    ncp_fake.set_quota(1)
    assert ncp.get(TARGET).status_code == 200
    assert ncp.get(TARGET).status_code == 429
    mailblocks.clock.advance(seconds=1)  # 00:00:00 KST, the next day
    assert ncp.get(TARGET).status_code == 200


@pytest.mark.parametrize(
    ("period", "step"), [("minute", {"minutes": 1}), ("hour", {"hours": 1}), ("month", {"days": 31})]
)
def test_quota_periods(ncp, ncp_fake, mailblocks, period, step):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.set_quota(1, period)
    assert [ncp.get(TARGET).status_code for _ in range(2)] == [200, 429]
    mailblocks.clock.advance(**step)
    assert ncp.get(TARGET).status_code == 200


def test_quota_is_counted_per_key(ncp, ncp_fake):
    other = ncp_fake.add_access_key()
    ncp_fake.set_quota(1)
    assert ncp.get(TARGET).status_code == 200
    assert ncp.get(TARGET).status_code == 429
    r = ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"])
    assert r.status_code == 200


def test_quota_for_one_key_only(ncp, ncp_fake):
    other = ncp_fake.add_access_key()
    ncp_fake.set_quota(0, access_key=other["access_key"])
    assert ncp.get(TARGET).status_code == 200
    r = ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"])
    assert (r.status_code, r.json()) == (429, QUOTA_EXCEEDED)


def test_refused_and_unauthenticated_calls_do_not_count(ncp, ncp_fake):
    ncp_fake.set_quota(1)
    assert ncp.get(TARGET, secret_key="wrong").status_code == 401
    assert ncp.get(TARGET).status_code == 200


def test_quota_off_again(ncp, ncp_fake):
    ncp_fake.set_quota(0)
    assert ncp.get(TARGET).status_code == 429
    ncp_fake.set_quota(None)
    assert ncp.get(TARGET).status_code == 200


@pytest.mark.parametrize(("limit", "period"), [(-1, "day"), (True, "day"), (1, "week")])
def test_bad_quota_settings_raise(ncp_fake, limit, period):
    with pytest.raises(ControlError):
        ncp_fake.set_quota(limit, period)
