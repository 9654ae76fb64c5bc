"""Expiry (seed 004 add: expireTime; sendcloud.md: "After expireTime passes, it is
gone"): a row whose expireTime (00:00:00 UTC+8) has come is gone from every read."""

from __future__ import annotations


def test_a_row_is_listed_until_its_expire_time_and_gone_at_it(sc, sendcloud_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-15T12:00:00+08:00")
    sc.ok("/block/add", {"email": "a@example.com", "expireTime": "2024-05-17"})
    mailblocks.clock.freeze("2024-05-16T23:59:59+08:00")
    listed = sc.ok("/block/list", {"days": 7})["dataList"]
    assert [b["expireTime"] for b in listed] == ["2024-05-17 00:00:00"]
    mailblocks.clock.advance(seconds=1)
    assert sc.ok("/block/list", {"days": 7}) == {"dataList": [], "count": 0}
    assert sendcloud_fake.blocks() == []
    assert sendcloud_fake.block_reason("a@example.com") is None
    assert sc.ok("/block/delete", {"email": "a@example.com"}) == {"count": 0}


def test_an_expired_pair_can_be_added_again_as_a_new_row(sc, sendcloud_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-15T12:00:00+08:00")
    sc.ok("/block/add", {"email": "a@example.com", "expireTime": "2024-05-16"})
    mailblocks.clock.advance(days=2)
    rows = sc.ok("/block/add", {"email": "a@example.com", "expireTime": "2024-06-01"})["dataList"]
    assert [(r["createTime"], r["expireTime"]) for r in rows] == [("2024-05-17 12:00:00", "2024-06-01 00:00:00")]
    assert len(sendcloud_fake.blocks()) == 1


def test_an_expire_time_already_past_is_echoed_then_gone(sc, sendcloud_fake, frozen):
    """Assumed: add accepts a past date; the row is gone from the next read."""
    rows = sc.ok("/block/add", {"email": "a@example.com", "expireTime": "2024-05-01"})["dataList"]
    assert rows[0]["expireTime"] == "2024-05-01 00:00:00"
    assert sendcloud_fake.blocks() == []


def test_rows_expire_independently(sendcloud_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-15T12:00:00+08:00")
    sendcloud_fake.add_block("soon@example.com", expire_time="2024-05-16")
    sendcloud_fake.add_block("later@example.com", expire_time="2024-05-20")
    sendcloud_fake.add_block(domain="example.org", expire_time="2024-05-18")
    mailblocks.clock.advance(days=3)
    assert [b["email"] or b["domain"] for b in sendcloud_fake.blocks()] == ["later@example.com"]


def test_the_handle_default_expiry_is_one_year_after_the_fake_today(sendcloud_fake, mailblocks):
    mailblocks.clock.freeze("2024-02-29T20:00:00+08:00")
    assert sendcloud_fake.add_block("a@example.com")[0]["expireTime"] == "2025-02-28 00:00:00"
    mailblocks.clock.freeze("2025-02-27T23:59:59+08:00")
    assert len(sendcloud_fake.blocks()) == 1
    mailblocks.clock.advance(seconds=1)
    assert sendcloud_fake.blocks() == []
