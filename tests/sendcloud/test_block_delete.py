"""``block/delete`` (seed 004 "Delete"): by (apiUserBlock, domainName) and/or
(apiUserBlock, email); ``info.count`` is the number deleted."""

from __future__ import annotations

import pytest

from .conftest import error, fixture_body, success

DELETE = "/block/delete"


@pytest.fixture
def listed(sendcloud_fake):
    sendcloud_fake.add_block("a@example.com", "yahoo.com", expire_time="2030-01-01")
    sendcloud_fake.add_block("a@example.com", "yahoo.com", api_user_block="shop_trigger", expire_time="2030-01-01")


def _left(sendcloud_fake):
    return sorted((b["apiUserBlock"], b["email"] or b["domain"]) for b in sendcloud_fake.blocks())


@pytest.mark.usefixtures("listed")
def test_domain_and_email_delete_both_rows_as_documented(sc, sendcloud_fake, prefix, method):
    r = sc.call(DELETE, {"domainName": "yahoo.com", "email": "a@example.com"}, prefix=prefix, method=method)
    assert r.status_code == 200
    assert r.json() == success({"count": 2}, prefix)
    assert _left(sendcloud_fake) == [("shop_trigger", "a@example.com"), ("shop_trigger", "yahoo.com")]


@pytest.mark.usefixtures("listed")
def test_the_documented_delete_example_replays(sc):
    assert sc.call(DELETE, {"domainName": "yahoo.com", "email": "a@example.com"}).json() == fixture_body(
        "block_delete_200.json"
    )


@pytest.mark.usefixtures("listed")
def test_delete_by_email_only(sc, sendcloud_fake):
    assert sc.ok(DELETE, {"email": "A@EXAMPLE.COM"}) == {"count": 1}
    assert ("all", "a@example.com") not in _left(sendcloud_fake)


@pytest.mark.usefixtures("listed")
def test_delete_by_domain_only(sc, sendcloud_fake):
    assert sc.ok(DELETE, {"domainName": "yahoo.com"}) == {"count": 1}
    assert ("all", "yahoo.com") not in _left(sendcloud_fake)
    assert ("all", "a@example.com") in _left(sendcloud_fake)


@pytest.mark.usefixtures("listed")
def test_api_user_block_picks_the_rows_and_empty_means_all(sc, sendcloud_fake):
    assert sc.ok(DELETE, {"email": "a@example.com", "apiUserBlock": "shop_trigger"}) == {"count": 1}
    assert sc.ok(DELETE, {"email": "a@example.com", "apiUserBlock": ""}) == {"count": 1}
    assert _left(sendcloud_fake) == [("all", "yahoo.com"), ("shop_trigger", "yahoo.com")]


@pytest.mark.usefixtures("listed")
def test_nothing_matched_is_count_0(sc, sendcloud_fake):
    assert sc.ok(DELETE, {"email": "other@example.com", "domainName": "other.com"}) == {"count": 0}
    assert sc.ok(DELETE, {"email": "a@example.com", "apiUserBlock": "nobody"}) == {"count": 0}
    assert len(sendcloud_fake.blocks()) == 4


@pytest.mark.parametrize("params", [{}, {"email": ""}, {"domainName": " ", "apiUserBlock": "all"}])
def test_domain_name_and_email_cannot_both_be_empty(sc, prefix, params):
    """Seed 004 tips; the code 40021 is assumed."""
    assert sc.call(DELETE, params, prefix=prefix).json() == error(40021, prefix)


def test_email_must_be_an_address(sc, prefix):
    assert sc.call(DELETE, {"email": "nope", "domainName": "yahoo.com"}, prefix=prefix).json() == error(40012, prefix)


def test_delete_needs_no_expire_time(sc, sendcloud_fake):
    sendcloud_fake.add_block("a@example.com")
    assert sc.ok(DELETE, {"email": "a@example.com"}, method="POST") == {"count": 1}
