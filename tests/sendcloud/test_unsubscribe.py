"""``unsubscribe/list|add|delete`` (sendcloud2013/sendcloud_docs sources/email_v2/
unsubscribe_do.md @6d8cd47): add answers statusCode 40401 with result true."""

from __future__ import annotations

import pytest

from .conftest import error, fixture_body, success


@pytest.fixture
def unsubscribed(sendcloud_fake, frozen):
    sendcloud_fake.add_unsubscribe("u1@qq.com", unsubscribe_time="2024-05-15 11:20:31")
    sendcloud_fake.add_unsubscribe("u2@qq.com", label_id=7, unsubscribe_time="2024-05-15 08:00:17")
    sendcloud_fake.add_unsubscribe("u3@example.com", label_id=9, unsubscribe_time="2024-04-08 15:22:14")


@pytest.mark.usefixtures("unsubscribed")
def test_list_rows_have_the_documented_fields(sc, sendcloud_fake, prefix, method):
    r = sc.call("/unsubscribe/list", {"days": 1}, prefix=prefix, method=method)
    assert r.status_code == 200
    row = {"domain": "qq.com", "apiUser": sendcloud_fake.api_user}
    assert r.json() == success(
        {
            "dataList": [
                {"email": "u2@qq.com", **row, "labelId": 7, "unsubscribeTime": "2024-05-15 08:00:17"},
                {"email": "u1@qq.com", **row, "labelId": 0, "unsubscribeTime": "2024-05-15 11:20:31"},
            ],
            "count": 2,
        },
        prefix,
    )
    assert list(r.json()["info"]["dataList"][0]) == ["email", "domain", "labelId", "apiUser", "unsubscribeTime"]


@pytest.mark.usefixtures("unsubscribed")
def test_list_with_email_ignores_the_window(sc):
    info = sc.ok("/unsubscribe/list", {"email": "u3@example.com", "days": "nope"})
    assert [r["email"] for r in info["dataList"]] == ["u3@example.com"]


@pytest.mark.usefixtures("unsubscribed")
def test_list_filters_label_id_list(sc):
    info = sc.ok("/unsubscribe/list", {"days": 60, "labelIdList": "7;9"})
    assert [r["email"] for r in info["dataList"]] == ["u3@example.com", "u2@qq.com"]


@pytest.mark.usefixtures("unsubscribed")
def test_list_filters_api_user_list_bracketed_as_in_the_example(sc, sendcloud_fake):
    """unsubscribe_do.md's request example sends ``apiUserList=[***;***]``."""
    mine = sendcloud_fake.api_user
    assert len(sc.ok("/unsubscribe/list", {"days": 60, "apiUserList": f"[{mine};other]"})["dataList"]) == 3
    assert len(sc.ok("/unsubscribe/list", {"days": 60, "apiUserList": f"other;{mine}"})["dataList"]) == 3
    assert sc.ok("/unsubscribe/list", {"days": 60, "apiUserList": "other"})["dataList"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"labelIdList": ""}, 40009),
        ({"labelIdList": "[]"}, 40009),
        ({"labelIdList": "a;b"}, 40015),
        ({"labelIdList": "1;;2"}, 40015),
        ({"labelIdList": "-1"}, 40015),
        ({"apiUserList": ""}, 40010),
        ({"apiUserList": "a;;b"}, 40016),
        ({"apiUserList": "a;"}, 40016),
        ({"email": "nope"}, 40012),
        ({"days": "0"}, 40006),
        ({}, 40007),
    ],
)
def test_list_parameter_errors(sc, prefix, params, code):
    base = {} if "days" in params or not params else {"days": 1}
    assert sc.call("/unsubscribe/list", {**base, **params}, prefix=prefix).json() == error(code, prefix)


def test_add_answers_40401_with_result_true_and_the_row(sc, sendcloud_fake, frozen, prefix, method):
    r = sc.call("/unsubscribe/add", {"email": "abc@qq.com"}, prefix=prefix, method=method)
    assert r.status_code == 200
    assert r.json() == success(
        {
            "data": {
                "email": "abc@qq.com",
                "domain": "qq.com",
                "labelId": 0,
                "apiUser": sendcloud_fake.api_user,
                "unsubscribeTime": "2024-05-15 12:00:00",
            }
        },
        prefix,
        code=40401,
    )
    assert [u["email"] for u in sendcloud_fake.unsubscribes()] == ["abc@qq.com"]


def test_the_documented_add_example_replays(sc, sendcloud_fake, mailblocks):
    sendcloud_fake.add_api_user("api_user", "k")
    mailblocks.clock.freeze("2014-11-19T10:57:24+08:00")
    r = sc.call("/unsubscribe/add", {"email": "user1@example.com"}, prefix="/apiv2", auth=sc.auth("api_user", "k"))
    assert r.json() == fixture_body("unsubscribe_add_40401_apiv2.json")


def test_add_an_address_already_listed_shows_it_as_listed(sc, sendcloud_fake, frozen):
    first = sc.ok("/unsubscribe/add", {"email": "a@example.com"})
    frozen.advance(days=1)
    assert sc.ok("/unsubscribe/add", {"email": "A@example.com"}) == first
    assert len(sendcloud_fake.unsubscribes()) == 1


@pytest.mark.parametrize(("params", "code"), [({}, 40011), ({"email": " "}, 40011), ({"email": "a@"}, 40012)])
def test_add_needs_a_valid_email(sc, prefix, params, code):
    assert sc.call("/unsubscribe/add", params, prefix=prefix).json() == error(code, prefix)


@pytest.mark.usefixtures("unsubscribed")
def test_delete_one_address_or_a_window(sc, sendcloud_fake, prefix):
    r = sc.call("/unsubscribe/delete", {"email": "u1@qq.com"}, prefix=prefix)
    assert r.json() == success({"count": 1}, prefix)
    assert sc.ok("/unsubscribe/delete", {"email": "u1@qq.com"}) == {"count": 0}
    assert sc.ok("/unsubscribe/delete", {"startDate": "2024-04-01", "endDate": "2024-04-30"}) == {"count": 1}
    assert [u["email"] for u in sendcloud_fake.unsubscribes()] == ["u2@qq.com"]


def test_delete_needs_a_window_or_email(sc, prefix):
    assert sc.call("/unsubscribe/delete", {}, prefix=prefix).json() == error(40007, prefix)
    assert sc.call("/unsubscribe/delete", {"email": "x"}, prefix=prefix).json() == error(40012, prefix)
    r = sc.call("/unsubscribe/delete", {"startDate": "2024-01-01", "endDate": "2024-05-01"}, prefix=prefix)
    assert r.json() == error(40018, prefix)
