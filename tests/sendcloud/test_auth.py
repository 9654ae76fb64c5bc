"""apiUser + apiKey on every call; 40005 ``authentication failed`` / ``认证失败``
(sendcloud.md: Error codes; recordings auth_failed_40005*). Several pairs, each
with its own lists."""

from __future__ import annotations

import pytest

from pytest_mailblocks import ControlError, FakeServer

from .conftest import ROUTES, error, fixture_body, success


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"apiKey": "MailblocksSendCloudDefaultKey001"},
        {"apiUser": "mailblocks_default"},
        {"apiUser": "mailblocks_default", "apiKey": ""},
        {"apiUser": "", "apiKey": "MailblocksSendCloudDefaultKey001"},
        {"apiUser": "mailblocks_default", "apiKey": "wrong"},
        {"apiUser": "nobody", "apiKey": "MailblocksSendCloudDefaultKey001"},
        {"apiUser": "MAILBLOCKS_DEFAULT", "apiKey": "MailblocksSendCloudDefaultKey001"},
        {"apikey": "MailblocksSendCloudDefaultKey001", "apiuser": "mailblocks_default"},
    ],
)
def test_missing_or_wrong_api_user_or_api_key_is_40005_authentication_failed(sc, prefix, method, auth):
    r = sc.call("/block/list", {"days": 1}, prefix=prefix, method=method, auth=auth)
    assert r.status_code == 200
    assert r.json() == error(40005, prefix)


@pytest.mark.parametrize(("path", "op"), ROUTES)
def test_every_route_needs_authentication(sc, prefix, path, op):
    r = sc.call(path, {"days": 1, "email": "a@example.com", "expireTime": "2030-01-01"}, prefix=prefix, auth=False)
    assert r.json() == error(40005, prefix)


def test_the_40005_body_is_the_documented_and_recorded_one(sc):
    bad = {"apiUser": "x", "apiKey": "y"}
    assert sc.call("/block/list", {}, prefix="/apiv2", auth=bad).json() == fixture_body("auth_failed_40005.json")
    assert sc.call("/block/add", {}, prefix="/apiv2", auth=bad).json() == fixture_body(
        "auth_failed_40005_recorded.json"
    )


def test_authentication_is_checked_before_parameters(sc):
    r = sc.call("/block/list", {"limit": "x", "days": "0"}, auth={"apiUser": "x", "apiKey": "y"})
    assert r.json() == error(40005)


def test_the_default_credentials_are_on_the_handle(sendcloud_fake):
    assert (sendcloud_fake.api_user, sendcloud_fake.api_key) == (
        "mailblocks_default",
        "MailblocksSendCloudDefaultKey001",
    )


def test_each_api_user_has_its_own_lists(sc, sendcloud_fake):
    other = sendcloud_fake.add_api_user("shop_trigger", "ShopKey")
    assert other == {"api_user": "shop_trigger", "api_key": "ShopKey"}
    shop = sc.auth("shop_trigger", "ShopKey")
    sc.ok("/block/add", {"email": "a@example.com", "expireTime": "2030-01-01"}, auth=shop)
    sc.ok("/unsubscribe/add", {"email": "u@example.com"}, auth=shop)
    assert sc.ok("/block/list", {"days": 1})["dataList"] == []
    assert [b["email"] for b in sc.ok("/block/list", {"days": 1}, auth=shop)["dataList"]] == ["a@example.com"]
    assert sendcloud_fake.blocks() == []
    assert [b["email"] for b in sendcloud_fake.blocks(api_user="shop_trigger")] == ["a@example.com"]
    assert [u["apiUser"] for u in sendcloud_fake.unsubscribes(api_user="shop_trigger")] == ["shop_trigger"]
    assert sc.call("/block/list", {"days": 1}, auth=sc.auth("shop_trigger", sendcloud_fake.api_key)).json() == error(
        40005
    )


def test_add_api_user_makes_up_a_32_character_key(sendcloud_fake):
    made = sendcloud_fake.add_api_user("batch")
    assert len(made["api_key"]) == 32 and made["api_key"].isalnum()
    assert made in sendcloud_fake.api_users()
    with pytest.raises(ControlError, match="already exists"):
        sendcloud_fake.add_api_user("batch")


def test_the_journal_redacts_api_key_in_query_and_form(sc, sendcloud_fake):
    sc.call("/block/list", {"days": 1})
    sc.call("/block/list", {"days": 1}, method="POST")
    get, post = (e.to_dict() for e in sendcloud_fake.requests)
    assert "apiKey=<redacted>" in get["query"] and sendcloud_fake.api_key not in get["query"]
    assert "apiKey=<redacted>" in post["body"] and sendcloud_fake.api_key not in post["body"]


def test_default_credentials_can_be_configured():
    creds = {"sendcloud": {"api_user": "ci_user", "api_key": "CiKey"}}
    with FakeServer(providers=["sendcloud"], credentials=creds) as server:
        sc = server.sendcloud
        assert (sc.api_user, sc.api_key) == ("ci_user", "CiKey")
        import requests

        r = requests.get(sc.url + "/api/block/list", params={"apiUser": "ci_user", "apiKey": "CiKey", "days": 1})
        assert r.json() == success({"dataList": [], "count": 0})
