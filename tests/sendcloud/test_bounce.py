"""``bounce/list|delete|count`` (sendcloud2013/sendcloud_docs sources/email_v2/
bounce_do.md @6d8cd47): same envelope and codes as the block list."""

from __future__ import annotations

import pytest

from .conftest import error, success


@pytest.fixture
def bounced(sendcloud_fake, frozen):
    sendcloud_fake.add_bounce("b@qq.com", "Mailbox not found.", bounce_time="2024-05-15 08:53:20")
    sendcloud_fake.add_bounce("old@example.com", bounce_time="2024-05-01 10:00:00")
    sendcloud_fake.add_bounce("ancient@example.com", bounce_time="2023-01-01 10:00:00")


@pytest.mark.usefixtures("bounced")
def test_list_rows_have_email_reason_bounce_time_domain(sc, prefix, method):
    r = sc.call("/bounce/list", {"days": 1}, prefix=prefix, method=method)
    assert r.status_code == 200
    assert r.json() == success(
        {
            "dataList": [
                {
                    "email": "b@qq.com",
                    "reason": "Mailbox not found.",
                    "bounceTime": "2024-05-15 08:53:20",
                    "domain": "qq.com",
                }
            ],
            "count": 1,
        },
        prefix,
    )


@pytest.mark.usefixtures("bounced")
def test_list_by_dates_oldest_first(sc):
    info = sc.ok("/bounce/list", {"startDate": "2024-05-01", "endDate": "2024-05-15"})
    assert [r["email"] for r in info["dataList"]] == ["old@example.com", "b@qq.com"]


@pytest.mark.usefixtures("bounced")
def test_list_with_email_needs_no_window_and_ignores_it(sc, method):
    """bounce_do.md tip 3: with email the time parameters do not apply."""
    for params in ({}, {"days": "0"}, {"startDate": "2024-05-10", "endDate": "2024-05-11"}):
        info = sc.ok("/bounce/list", {"email": "ANCIENT@example.com", **params}, method=method)
        assert [r["email"] for r in info["dataList"]] == ["ancient@example.com"]
        assert info["count"] == 1
    assert sc.ok("/bounce/list", {"email": "never@example.com"}) == {"dataList": [], "count": 0}


def test_list_needs_a_window_or_email(sc, prefix):
    assert sc.call("/bounce/list", {}, prefix=prefix).json() == error(40007, prefix)
    assert sc.call("/bounce/list", {"days": "-3"}, prefix=prefix).json() == error(40006, prefix)
    assert sc.call("/bounce/list", {"startDate": "2024-01-01"}, prefix=prefix).json() == error(40008, prefix)


def test_list_range_at_most_3_months(sc, prefix):
    r = sc.call("/bounce/list", {"startDate": "2024-01-01", "endDate": "2024-04-02"}, prefix=prefix)
    assert r.json() == error(40018, prefix)


def test_list_email_must_be_an_address(sc, prefix):
    assert sc.call("/bounce/list", {"email": "x@"}, prefix=prefix).json() == error(40012, prefix)


@pytest.mark.usefixtures("bounced")
def test_delete_one_address(sc, sendcloud_fake, prefix, method):
    r = sc.call("/bounce/delete", {"email": "b@qq.com", "days": "bad"}, prefix=prefix, method=method)
    assert r.json() == success({"count": 1}, prefix)
    assert sc.ok("/bounce/delete", {"email": "b@qq.com"}) == {"count": 0}
    assert [b["email"] for b in sendcloud_fake.bounces()] == ["ancient@example.com", "old@example.com"]


@pytest.mark.usefixtures("bounced")
def test_delete_every_bounce_in_a_window(sc, sendcloud_fake):
    assert sc.ok("/bounce/delete", {"startDate": "2024-04-20", "endDate": "2024-05-15"}) == {"count": 2}
    assert [b["email"] for b in sendcloud_fake.bounces()] == ["ancient@example.com"]


def test_delete_needs_a_window_or_email(sc, prefix):
    assert sc.call("/bounce/delete", {}, prefix=prefix).json() == error(40007, prefix)
    assert sc.call("/bounce/delete", {"email": "bad"}, prefix=prefix).json() == error(40012, prefix)
    r = sc.call("/bounce/delete", {"startDate": "2023-01-01", "endDate": "2024-01-01"}, prefix=prefix)
    assert r.json() == error(40018, prefix)


@pytest.mark.usefixtures("bounced")
def test_count_in_a_window(sc, prefix, method):
    r = sc.call("/bounce/count", {"days": 15}, prefix=prefix, method=method)
    assert r.json() == success({"count": 2}, prefix)
    assert sc.ok("/bounce/count", {"startDate": "2023-01-01", "endDate": "2023-01-01"}) == {"count": 1}


def test_count_needs_a_window(sc, prefix):
    assert sc.call("/bounce/count", {"email": "b@qq.com"}, prefix=prefix).json() == error(40007, prefix)
    assert sc.call("/bounce/count", {"days": "x"}, prefix=prefix).json() == error(40006, prefix)
    r = sc.call("/bounce/count", {"startDate": "2024-01-01", "endDate": "2024-09-01"}, prefix=prefix)
    assert r.json() == error(40018, prefix)
