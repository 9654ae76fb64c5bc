"""The Python handle (``sendcloud_fake``, ``server.sendcloud``)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pytest_mailblocks import ControlError


def test_url_is_the_server_url(sendcloud_fake, mailblocks):
    assert sendcloud_fake.url == mailblocks.url
    assert mailblocks.sendcloud is sendcloud_fake


def test_add_block_returns_the_rows_as_the_api_shows_them(sendcloud_fake, frozen):
    rows = sendcloud_fake.add_block("a@example.com", "example.org", api_user_block="shop", expire_time="2030-01-01")
    assert rows == [
        {
            "apiUserBlock": "shop",
            "domain": "",
            "email": "a@example.com",
            "createTime": "2024-05-15 12:00:00",
            "expireTime": "2030-01-01 00:00:00",
        },
        {
            "apiUserBlock": "shop",
            "domain": "example.org",
            "email": "",
            "createTime": "2024-05-15 12:00:00",
            "expireTime": "2030-01-01 00:00:00",
        },
    ]
    assert sendcloud_fake.blocks() == [rows[1], rows[0]]


@pytest.mark.parametrize(
    "when",
    [
        "2024-05-01 08:00:00",
        "2024-05-01T00:00:00Z",
        "2024-05-01T08:00:00+08:00",
        1714521600,
        1714521600.7,
        datetime(2024, 5, 1, tzinfo=timezone.utc),
        datetime(2024, 5, 1),
    ],
)
def test_times_take_api_strings_in_utc_plus_8_or_iso_unix_and_datetimes(sendcloud_fake, when):
    row = sendcloud_fake.add_block("a@example.com", create_time=when, expire_time="2030-01-01")[0]
    assert row["createTime"] == "2024-05-01 08:00:00"


@pytest.mark.parametrize("when", ["2030-01-01", date(2030, 1, 1), "2030-01-01 00:00:00", "2029-12-31T16:00:00Z"])
def test_expire_time_takes_a_date_at_midnight_utc_plus_8(sendcloud_fake, when):
    assert sendcloud_fake.add_block("a@example.com", expire_time=when)[0]["expireTime"] == "2030-01-01 00:00:00"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "email or domain is required"),
        ({"email": 5}, "email must be a string"),
        ({"email": "a@example.com", "expire_time": "soon"}, "expire_time:"),
        ({"email": "a@example.com", "create_time": "2024-05-01 25:00:00"}, "create_time:"),
        ({"email": "a@example.com", "create_time": True}, "create_time:"),
        ({"email": "a@example.com", "expire_time": 10**15}, "out of range"),
        ({"email": "a@example.com", "api_user": "nobody"}, "unknown api_user 'nobody'"),
    ],
)
def test_bad_block_arguments_raise_control_error(sendcloud_fake, kwargs, message):
    with pytest.raises(ControlError, match=message):
        sendcloud_fake.add_block(**kwargs)


def test_remove_block_counts_like_the_api(sendcloud_fake):
    sendcloud_fake.add_block("a@example.com", "example.org")
    assert sendcloud_fake.remove_block("a@example.com", "example.org", api_user_block="shop") == 0
    assert sendcloud_fake.remove_block("A@example.com", "example.org") == 2
    assert sendcloud_fake.blocks() == []


def test_add_blocks_in_bulk_keeps_the_first_of_a_pair(sendcloud_fake, frozen):
    n = sendcloud_fake.add_blocks(
        [{"email": f"u{i}@example.com", "createTime": "2024-05-01 00:00:00"} for i in range(1000)]
        + [{"email": "u1@example.com", "apiUserBlock": "all", "expireTime": "2024-06-01"}]
    )
    assert n == 1000
    assert len(sendcloud_fake.blocks()) == 1000
    assert [b["expireTime"] for b in sendcloud_fake.blocks() if b["email"] == "u1@example.com"] == [
        "2025-05-15 00:00:00"
    ]


def test_block_reason_for_all_or_the_sending_api_user(sendcloud_fake):
    sendcloud_fake.add_api_user("shop")
    sendcloud_fake.add_block("a@example.com", api_user_block="shop", api_user="shop")
    sendcloud_fake.add_block(domain="qq.com", api_user="shop")
    sendcloud_fake.add_block("b@example.com", api_user_block="other", api_user="shop")
    reason = "无效邮件-在SendCloud黑名单中:自定义拦截(worker:address in block list)"
    assert sendcloud_fake.block_reason("a@example.com", api_user="shop") == reason
    assert sendcloud_fake.block_reason("x@QQ.com", api_user="shop") == reason
    assert sendcloud_fake.block_reason("b@example.com", api_user="shop") is None
    assert sendcloud_fake.block_reason("a@example.com") is None


def test_bounces_and_unsubscribes_from_the_handle(sendcloud_fake, frozen):
    assert sendcloud_fake.add_bounce("b@qq.com") == {
        "email": "b@qq.com",
        "reason": "Mailbox not found.",
        "bounceTime": "2024-05-15 12:00:00",
        "domain": "qq.com",
    }
    assert sendcloud_fake.add_unsubscribe("u@qq.com", label_id=3) == {
        "email": "u@qq.com",
        "domain": "qq.com",
        "labelId": 3,
        "apiUser": sendcloud_fake.api_user,
        "unsubscribeTime": "2024-05-15 12:00:00",
    }
    assert len(sendcloud_fake.bounces()) == len(sendcloud_fake.unsubscribes()) == 1
    assert sendcloud_fake.remove_bounce("B@qq.com") and not sendcloud_fake.remove_bounce("b@qq.com")
    assert sendcloud_fake.remove_unsubscribe("u@qq.com")
    with pytest.raises(ControlError, match="label_id"):
        sendcloud_fake.add_unsubscribe("u@qq.com", label_id=-1)


def test_set_count_mode_validates(sendcloud_fake):
    with pytest.raises(ValueError, match="count mode"):
        sendcloud_fake.set_count_mode("all")
    sendcloud_fake.set_count_mode("total")
    assert sendcloud_fake.count_mode == "total"


def test_reset_empties_lists_and_api_users(sendcloud_fake):
    sendcloud_fake.add_api_user("shop")
    sendcloud_fake.add_block("a@example.com")
    sendcloud_fake.set_count_mode("total")
    sendcloud_fake.reset()
    assert sendcloud_fake.blocks() == []
    assert [u["api_user"] for u in sendcloud_fake.api_users()] == [sendcloud_fake.api_user]
    assert sendcloud_fake.count_mode == "rows"
