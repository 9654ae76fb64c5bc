"""The documented and recorded SendCloud answers (fixtures/sendcloud/) replay
against the fake: same body, same key order."""

from __future__ import annotations

import json

from .conftest import FIXTURES, fixture_body


def test_block_list_example_replays_exactly(sc, sendcloud_fake, mailblocks):
    """recordings block_list_200 (seed 004's example, addresses redacted), with its
    own request: days=100&start=0&limit=3."""
    mailblocks.clock.freeze("2021-06-01T10:00:00+08:00")
    for email in ("user2@example.com", "user1@example.com"):
        sendcloud_fake.add_block(email, create_time="2021-03-01 17:24:34", expire_time="2021-10-01")
    r = sc.call("/block/list", {"days": 100, "start": 0, "limit": 3})
    assert r.status_code == 200
    assert r.json() == fixture_body("block_list_200.json")
    assert json.dumps(r.json()) == json.dumps(fixture_body("block_list_200.json"))  # key order too


def test_apiv2_block_list_starts_as_the_recorded_prefix(sc, sendcloud_fake):
    """recordings block_list_200_apiv2_zh is cut off after ``"dataList": [{"a``:
    result, statusCode, message 请求成功, then a row whose first key starts with "a"."""
    recorded = json.loads((FIXTURES / "block_list_200_apiv2_zh.json").read_text(encoding="utf-8"))
    assert recorded["response"]["body_complete"] is False
    sendcloud_fake.add_block("a@example.com")
    body = sc.call("/block/list", {"days": 1}, prefix="/apiv2").json()
    compact_prefix = "".join(recorded["response"]["body"].split())
    assert json.dumps(body, ensure_ascii=False, separators=(",", ":")).startswith(compact_prefix)


def test_envelope_key_order_is_the_documented_one(sc):
    """recordings generic_success_200: result, statusCode, message, info."""
    body = sc.call("/block/delete", {"email": "a@example.com"}, prefix="/apiv2").json()
    assert list(body) == list(fixture_body("generic_success_200.json"))
    assert body["message"] == fixture_body("generic_success_200.json")["message"]
