"""``block/list`` (seed 004 "Query"; sendcloud.md: Semantics): days or
startDate+endDate, at most 3 months, filters, start/limit, ``count``."""

from __future__ import annotations

import pytest

from .conftest import error, success

LIST = "/block/list"


def _emails(info):
    return [row["email"] or row["domain"] for row in info["dataList"]]


def _at(sendcloud_fake, when, email=None, domain=None, **kw):
    kw.setdefault("expire_time", "2030-01-01")
    return sendcloud_fake.add_block(email, domain, create_time=when, **kw)


def test_lists_rows_with_the_documented_fields_and_count(sc, sendcloud_fake, frozen, prefix, method):
    _at(sendcloud_fake, "2024-05-15 09:30:00", "a@example.com", api_user_block="shop_trigger")
    r = sc.call(LIST, {"days": 1}, prefix=prefix, method=method)
    assert r.status_code == 200
    assert r.json() == success(
        {
            "dataList": [
                {
                    "apiUserBlock": "shop_trigger",
                    "domain": "",
                    "email": "a@example.com",
                    "createTime": "2024-05-15 09:30:00",
                    "expireTime": "2030-01-01 00:00:00",
                }
            ],
            "count": 1,
        },
        prefix,
    )


def test_days_1_means_today_in_utc_plus_8(sc, sendcloud_fake, frozen):
    _at(sendcloud_fake, "2024-05-14 23:59:59", "yesterday@example.com")
    _at(sendcloud_fake, "2024-05-15 00:00:00", "midnight@example.com")
    _at(sendcloud_fake, "2024-05-15 11:59:59", "morning@example.com")
    assert _emails(sc.ok(LIST, {"days": 1})) == ["midnight@example.com", "morning@example.com"]


def test_days_n_covers_today_and_the_n_minus_1_days_before(sc, sendcloud_fake, frozen):
    _at(sendcloud_fake, "2024-05-12 23:59:59", "too-old@example.com")
    _at(sendcloud_fake, "2024-05-13 00:00:00", "first@example.com")
    assert _emails(sc.ok(LIST, {"days": 3})) == ["first@example.com"]


def test_days_100_as_in_the_request_example_is_accepted(sc, sendcloud_fake, frozen):
    """Seed 004's request example sends days=100; days is not held to 3 months (assumed)."""
    _at(sendcloud_fake, "2024-02-06 00:00:00", "old@example.com")
    assert _emails(sc.ok(LIST, {"days": 100, "start": 0, "limit": 3})) == ["old@example.com"]


def test_start_date_and_end_date_are_both_included(sc, sendcloud_fake, frozen, method):
    _at(sendcloud_fake, "2024-05-09 23:59:59", "before@example.com")
    _at(sendcloud_fake, "2024-05-10 00:00:00", "first@example.com")
    _at(sendcloud_fake, "2024-05-11 23:59:59", "last@example.com")
    _at(sendcloud_fake, "2024-05-12 00:00:00", "after@example.com")
    info = sc.ok(LIST, {"startDate": "2024-05-10", "endDate": "2024-05-11"}, method=method)
    assert _emails(info) == ["first@example.com", "last@example.com"]


def test_days_wins_over_start_date_and_end_date(sc, sendcloud_fake, frozen):
    """Assumed: with both given, days decides (and the dates are not checked)."""
    _at(sendcloud_fake, "2024-05-15 08:00:00", "today@example.com")
    _at(sendcloud_fake, "2024-01-10 08:00:00", "january@example.com")
    info = sc.ok(LIST, {"days": 1, "startDate": "2024-01-10", "endDate": "bad"})
    assert _emails(info) == ["today@example.com"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 40007),
        ({"days": ""}, 40007),
        ({"endDate": "2024-05-10"}, 40007),
        ({"startDate": "2024-05-10"}, 40008),
        ({"startDate": "2024-5-10", "endDate": "2024-05-10"}, 40007),
        ({"startDate": "2024-05-10 00:00:00", "endDate": "2024-05-10"}, 40007),
        ({"startDate": "2024-02-30", "endDate": "2024-05-10"}, 40007),
        ({"startDate": "10/05/2024", "endDate": "2024-05-10"}, 40007),
        ({"startDate": "2024-05-10", "endDate": "2024/05/11"}, 40008),
        ({"startDate": "2024-05-10", "endDate": "tomorrow"}, 40008),
        ({"days": "0"}, 40006),
        ({"days": "-1"}, 40006),
        ({"days": "1.5"}, 40006),
        ({"days": "one"}, 40006),
        ({"days": "2147483648"}, 40006),
        ({"days": "9" * 5000}, 40006),
    ],
)
def test_a_window_is_required_and_must_be_well_formed(sc, prefix, params, code):
    """days (40006) or startDate (40007) + endDate (40008): a missing window is
    reported as a missing startDate (assumed mapping onto the documented codes)."""
    assert sc.call(LIST, params, prefix=prefix).json() == error(code, prefix)


def test_days_2147483647_is_still_a_valid_integer(sc, frozen):
    assert sc.ok(LIST, {"days": "2147483647"}) == {"dataList": [], "count": 0}


@pytest.mark.parametrize(
    ("first", "last"),
    [("2024-01-10", "2024-04-11"), ("2023-11-30", "2024-03-01"), ("2024-01-01", "2025-01-01")],
)
def test_a_range_over_3_months_is_refused(sc, prefix, first, last):
    """The rule is documented, its code is not: 40018 is assumed."""
    r = sc.call(LIST, {"startDate": first, "endDate": last}, prefix=prefix)
    assert r.json() == error(40018, prefix)


@pytest.mark.parametrize(("first", "last"), [("2024-01-10", "2024-04-10"), ("2023-11-30", "2024-02-29")])
def test_a_range_of_exactly_3_months_is_accepted(sc, sendcloud_fake, first, last):
    _at(sendcloud_fake, last + " 23:59:59", "edge@example.com")
    assert _emails(sc.ok(LIST, {"startDate": first, "endDate": last})) == ["edge@example.com"]


def test_a_range_that_ends_before_it_starts_is_empty(sc, sendcloud_fake, frozen):
    _at(sendcloud_fake, "2024-05-10 10:00:00", "a@example.com")
    assert sc.ok(LIST, {"startDate": "2024-05-11", "endDate": "2024-05-09"}) == {"dataList": [], "count": 0}


def test_rows_come_oldest_first_ties_by_address(sc, sendcloud_fake, frozen):
    """The docs' example lists two rows with one createTime by address ascending
    ("0.0.vallin@..." before "001112@..."); unsubscribe_do.md's example is in time order."""
    _at(sendcloud_fake, "2024-05-15 10:00:00", "late@example.com")
    _at(sendcloud_fake, "2024-05-15 09:00:00", "001112@example.com")
    _at(sendcloud_fake, "2024-05-15 09:00:00", "0.0.vallin@example.com")
    assert _emails(sc.ok(LIST, {"days": 1})) == [
        "0.0.vallin@example.com",
        "001112@example.com",
        "late@example.com",
    ]


@pytest.fixture
def filtered(sendcloud_fake, frozen):
    _at(sendcloud_fake, "2024-05-15 08:00:00", "a@qq.com")
    _at(sendcloud_fake, "2024-05-15 08:00:01", "a@qq.com", api_user_block="shop_trigger")
    _at(sendcloud_fake, "2024-05-15 08:00:02", domain="qq.com")
    _at(sendcloud_fake, "2024-05-15 08:00:03", domain="qq.com", api_user_block="shop_trigger")
    _at(sendcloud_fake, "2024-05-15 08:00:04", "b@163.com")


def _rows(info):
    return [(r["apiUserBlock"], r["email"] or r["domain"]) for r in info["dataList"]]


@pytest.mark.usefixtures("filtered")
def test_filter_api_user_block_is_exact(sc):
    assert _rows(sc.ok(LIST, {"days": 1, "apiUserBlock": "shop_trigger"})) == [
        ("shop_trigger", "a@qq.com"),
        ("shop_trigger", "qq.com"),
    ]
    assert sc.ok(LIST, {"days": 1, "apiUserBlock": "shop"})["dataList"] == []


@pytest.mark.usefixtures("filtered")
def test_filter_domain_name_selects_domain_rows(sc, method):
    assert _rows(sc.ok(LIST, {"days": 1, "domainName": "QQ.com"}, method=method)) == [
        ("all", "qq.com"),
        ("shop_trigger", "qq.com"),
    ]


@pytest.mark.usefixtures("filtered")
def test_filter_email_selects_address_rows_case_insensitively(sc):
    assert _rows(sc.ok(LIST, {"days": 1, "email": "A@QQ.COM"})) == [("all", "a@qq.com"), ("shop_trigger", "a@qq.com")]
    assert _rows(sc.ok(LIST, {"days": 1, "email": "a@qq.com", "apiUserBlock": "all"})) == [("all", "a@qq.com")]


@pytest.mark.usefixtures("filtered")
def test_filter_domain_name_and_email_together_select_either(sc):
    """Assumed, as add and delete treat the pair: domain rows or address rows."""
    info = sc.ok(LIST, {"days": 1, "domainName": "qq.com", "email": "b@163.com", "apiUserBlock": "all"})
    assert _rows(info) == [("all", "qq.com"), ("all", "b@163.com")]


def test_filter_email_must_be_an_address(sc, prefix):
    assert sc.call(LIST, {"days": 1, "email": "not-an-address"}, prefix=prefix).json() == error(40012, prefix)


def test_count_is_the_number_of_rows_returned_by_default(sc, sendcloud_fake, frozen):
    """sendcloud.md: count is likely the page size (the fact sheet over the issue)."""
    for i in range(5):
        _at(sendcloud_fake, f"2024-05-15 08:00:0{i}", f"u{i}@example.com")
    assert sendcloud_fake.count_mode == "rows"
    info = sc.ok(LIST, {"days": 1, "start": 1, "limit": 2})
    assert (_emails(info), info["count"]) == (["u1@example.com", "u2@example.com"], 2)


def test_count_mode_total_counts_every_match(sc, sendcloud_fake, frozen):
    for i in range(5):
        _at(sendcloud_fake, f"2024-05-15 08:00:0{i}", f"u{i}@example.com")
    sendcloud_fake.set_count_mode("total")
    info = sc.ok(LIST, {"days": 1, "start": 1, "limit": 2})
    assert (_emails(info), info["count"]) == (["u1@example.com", "u2@example.com"], 5)
    assert sc.ok(LIST, {"days": 1, "limit": 0}) == {"dataList": [], "count": 5}


def test_checks_follow_the_code_table_order(sc):
    """Assumed: start (40001/2), limit (40003/4), days (40006), dates, email (40012)."""
    bad = {"start": "x", "limit": "x", "days": "0", "email": "x"}
    assert sc.call(LIST, bad).json() == error(40002)
    assert sc.call(LIST, {**bad, "start": "0"}).json() == error(40004)
    assert sc.call(LIST, {**bad, "start": "0", "limit": "1"}).json() == error(40006)
    assert sc.call(LIST, {**bad, "start": "0", "limit": "1", "days": "1"}).json() == error(40012)


def test_filters_see_deletions_and_expiry(sc, sendcloud_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-15T12:00:00+08:00")
    sendcloud_fake.add_block("a@qq.com", "qq.com", expire_time="2024-05-16")
    sendcloud_fake.add_block("a@qq.com", "qq.com", api_user_block="shop", expire_time="2024-05-20")
    assert len(sc.ok(LIST, {"days": 1, "email": "a@qq.com", "domainName": "qq.com"})["dataList"]) == 4
    sc.ok("/block/delete", {"email": "a@qq.com", "apiUserBlock": "shop"})
    assert _rows(sc.ok(LIST, {"days": 1, "email": "a@qq.com"})) == [("all", "a@qq.com")]
    mailblocks.clock.advance(days=1)
    assert sc.ok(LIST, {"days": 2, "email": "a@qq.com"})["dataList"] == []
    assert _rows(sc.ok(LIST, {"days": 2, "domainName": "qq.com"})) == [("shop", "qq.com")]
