"""``block/add`` (seed 004 "Add"; sendcloud.md: Semantics)."""

from __future__ import annotations

import pytest

from .conftest import error, fixture_body, success

ADD = "/block/add"


def test_domain_and_email_make_two_rows_address_first(sc, sendcloud_fake, frozen, prefix, method):
    r = sc.call(
        ADD,
        {"domainName": "yahoo.com", "email": "leon@example.com", "expireTime": "2024-10-10"},
        prefix=prefix,
        method=method,
    )
    assert r.status_code == 200
    assert r.json() == success(
        {
            "dataList": [
                {
                    "apiUserBlock": "all",
                    "domain": "",
                    "email": "leon@example.com",
                    "createTime": "2024-05-15 12:00:00",
                    "expireTime": "2024-10-10 00:00:00",
                },
                {
                    "apiUserBlock": "all",
                    "domain": "yahoo.com",
                    "email": "",
                    "createTime": "2024-05-15 12:00:00",
                    "expireTime": "2024-10-10 00:00:00",
                },
            ]
        },
        prefix,
    )
    assert [(b["email"], b["domain"]) for b in sendcloud_fake.blocks()] == [("", "yahoo.com"), ("leon@example.com", "")]


def test_the_documented_add_example_replays(sc, mailblocks):
    """recordings block_add_200: the domain row was listed earlier (11:25:29) and is
    shown as listed; the address row is new (11:30:00)."""
    mailblocks.clock.freeze("2021-07-19T11:25:29+08:00")
    sc.ok(ADD, {"domainName": "yahoo.com", "expireTime": "2021-10-10"})
    mailblocks.clock.freeze("2021-07-19T11:30:00+08:00")
    r = sc.call(ADD, {"domainName": "yahoo.com", "email": "user1@example.com", "expireTime": "2021-10-10"})
    assert r.json() == fixture_body("block_add_200.json")


@pytest.mark.parametrize("given", [None, "", "  "])
def test_api_user_block_empty_means_all(sc, sendcloud_fake, given):
    params = {"email": "a@example.com", "expireTime": "2030-01-01"}
    if given is not None:
        params["apiUserBlock"] = given
    assert sc.ok(ADD, params)["dataList"][0]["apiUserBlock"] == "all"


def test_api_user_block_is_kept_as_given(sc, sendcloud_fake):
    info = sc.ok(ADD, {"email": "a@example.com", "apiUserBlock": "shop_trigger", "expireTime": "2030-01-01"})
    assert info["dataList"][0]["apiUserBlock"] == "shop_trigger"


def test_a_listed_pair_is_not_added_again_and_is_shown_as_listed(sc, sendcloud_fake, frozen):
    first = sc.ok(ADD, {"email": "a@example.com", "expireTime": "2030-01-01"})["dataList"]
    frozen.advance(hours=1)
    again = sc.ok(ADD, {"email": "A@Example.com", "expireTime": "2031-01-01"})["dataList"]
    assert again == first
    assert len(sendcloud_fake.blocks()) == 1


def test_the_same_address_under_another_api_user_block_is_another_row(sc, sendcloud_fake):
    sc.ok(ADD, {"email": "a@example.com", "expireTime": "2030-01-01"})
    sc.ok(ADD, {"email": "a@example.com", "apiUserBlock": "shop_trigger", "expireTime": "2030-01-01"})
    sc.ok(ADD, {"domainName": "example.com", "expireTime": "2030-01-01"})
    assert sorted((b["apiUserBlock"], b["email"], b["domain"]) for b in sendcloud_fake.blocks()) == [
        ("all", "", "example.com"),
        ("all", "a@example.com", ""),
        ("shop_trigger", "a@example.com", ""),
    ]


@pytest.mark.parametrize("params", [{}, {"expireTime": ""}, {"expireTime": " "}])
def test_expire_time_is_required(sc, sendcloud_fake, prefix, params):
    """Required by seed 004; the code 40019 is assumed."""
    r = sc.call(ADD, {"email": "a@example.com", **params}, prefix=prefix)
    assert r.json() == error(40019, prefix)
    assert sendcloud_fake.blocks() == []


@pytest.mark.parametrize(
    "value", ["2030/01/01", "2030-1-1", "2030-01-01 00:00:00", "2030-02-30", "01-01-2030", "tomorrow"]
)
def test_expire_time_must_be_yyyy_mm_dd(sc, prefix, value):
    """The format is seed 004's; the code 40020 is assumed."""
    r = sc.call(ADD, {"email": "a@example.com", "expireTime": value}, prefix=prefix)
    assert r.json() == error(40020, prefix)


@pytest.mark.parametrize("params", [{}, {"email": "", "domainName": ""}, {"email": " ", "domainName": "  "}])
def test_domain_name_and_email_cannot_both_be_empty(sc, prefix, params):
    """Seed 004 tips; the code 40021 is assumed."""
    r = sc.call(ADD, {"expireTime": "2030-01-01", **params}, prefix=prefix)
    assert r.json() == error(40021, prefix)


@pytest.mark.parametrize("email", ["plainaddress", "a@b", "a@@example.com", "a b@example.com", "ü@example.com"])
def test_email_must_be_an_address(sc, sendcloud_fake, prefix, email):
    r = sc.call(ADD, {"email": email, "domainName": "example.com", "expireTime": "2030-01-01"}, prefix=prefix)
    assert r.json() == error(40012, prefix)
    assert sendcloud_fake.blocks() == []


def test_checks_order_email_then_expire_time_then_the_pair(sc):
    assert sc.call(ADD, {"email": "bad"}).json() == error(40012)
    assert sc.call(ADD, {"expireTime": "x"}).json() == error(40020)


def test_values_are_trimmed(sc, sendcloud_fake):
    sc.ok(ADD, {"email": "  a@example.com ", "domainName": " example.org ", "expireTime": " 2030-01-01 "})
    assert sorted(b["email"] or b["domain"] for b in sendcloud_fake.blocks()) == ["a@example.com", "example.org"]


def test_an_added_address_blocks_sends(sc, sendcloud_fake):
    sc.ok(ADD, {"domainName": "qq.com", "expireTime": "2030-01-01"})
    assert sendcloud_fake.block_reason("anyone@qq.com") == (
        "无效邮件-在SendCloud黑名单中:自定义拦截(worker:address in block list)"
    )
    assert sendcloud_fake.block_reason("anyone@example.com") is None
