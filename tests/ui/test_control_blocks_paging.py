"""``control_blocks`` pages a block list from its index (issue 11): ``email``,
``start``/``end`` (unix seconds or ISO 8601, ``start <= t < end``), ``offset``/``limit``.
Without them every provider answers the whole list, as before."""

from __future__ import annotations

import pytest
import requests

from pytest_mailblocks.control.paging import block_page
from pytest_mailblocks.core.errors import ControlError

T0 = 1_700_000_000


def _emails(rows: list[dict]) -> list[str]:
    return [r["email"] for r in rows]


def test_no_paging_keys_means_the_whole_list():
    assert block_page({"list": "blocks", "subuser": ""}) is None


def test_paging_values_are_checked():
    with pytest.raises(ControlError, match="offset must be an integer"):
        block_page({"offset": "x"})
    with pytest.raises(ControlError, match="limit must be >= 0"):
        block_page({"limit": "-1"})
    with pytest.raises(ControlError, match="start"):
        block_page({"start": "yesterday"})
    page = block_page({"start": "2023-11-14T22:13:20Z", "end": str(T0 + 10), "limit": "5"})
    assert page is not None and (page.start, page.end, page.offset, page.limit) == (T0, T0 + 10, 0, 5)


def test_sendgrid_pages_newest_first_with_a_prefix_filter(sendgrid_fake):
    sendgrid_fake.add_blocks([{"email": f"u{i}@example.com", "created": T0 + i} for i in range(10)])
    p = sendgrid_fake._provider
    assert _emails(p.control_blocks({"offset": "2", "limit": "3"})) == [
        "u7@example.com",
        "u6@example.com",
        "u5@example.com",
    ]
    assert _emails(p.control_blocks({"email": "u3"})) == ["u3@example.com"]
    assert _emails(p.control_blocks({"start": str(T0 + 8), "limit": "5"})) == ["u9@example.com", "u8@example.com"]
    assert _emails(p.control_blocks({"end": str(T0 + 2)})) == ["u1@example.com", "u0@example.com"]
    assert len(p.control_blocks({})) == 10


def test_cmc_pages_oldest_first_with_a_partial_match(cmc_fake):
    cmc_fake.add_blocks([{"email": f"u{i}@example.com", "created": T0 + i} for i in range(10)])
    p = cmc_fake._provider
    assert _emails(p.control_blocks({"offset": "8", "limit": "5"})) == ["u8@example.com", "u9@example.com"]
    assert _emails(p.control_blocks({"email": "7@EXAMPLE"})) == ["u7@example.com"]
    assert _emails(p.control_blocks({"start": str(T0 + 3), "end": str(T0 + 5)})) == ["u3@example.com", "u4@example.com"]


def test_sendcloud_pages_oldest_first_an_address_or_a_domain(sendcloud_fake):
    sendcloud_fake.add_blocks([{"email": f"u{i}@example.com", "create_time": T0 + i} for i in range(5)])
    sendcloud_fake.add_block(domain="blocked.example", create_time=T0 + 9)
    p = sendcloud_fake._provider
    assert _emails(p.control_blocks({"limit": "2"})) == ["u0@example.com", "u1@example.com"]
    assert _emails(p.control_blocks({"email": "u3@example.com"})) == ["u3@example.com"]
    assert [r["domain"] for r in p.control_blocks({"email": "blocked.example"})] == ["blocked.example"]
    sendcloud_fake.add_bounce("b@example.com", bounce_time=T0)
    assert _emails(p.control_blocks({"list": "bounces", "email": "b@example.com"})) == ["b@example.com"]
    assert p.control_blocks({"list": "bounces", "email": "b@example.com", "start": str(T0 + 1)}) == []


def test_ncp_pages_the_expiry_index_soonest_first(ncp_fake, mailblocks):
    mailblocks.clock.freeze(T0 + 100)
    for i in range(5):
        ncp_fake.add_block(f"u{i}@example.com", created=T0 + i, hours=1)
    ncp_fake.add_block("sgn@example.com", created=T0, hours=1, region="SGN")
    p = ncp_fake._provider
    assert _emails(p.control_blocks({"region": "KR", "offset": "1", "limit": "2"})) == [
        "u1@example.com",
        "u2@example.com",
    ]
    expires = T0 + 3600
    assert _emails(p.control_blocks({"region": "KR", "start": str(expires + 3)})) == [
        "u3@example.com",
        "u4@example.com",
    ]
    assert _emails(p.control_blocks({"email": "u4@example.com", "end": str(expires + 4)})) == []
    assert _emails(p.control_blocks({"limit": "10"})) == [*(f"u{i}@example.com" for i in range(5)), "sgn@example.com"]


def test_the_control_plane_passes_paging_through(mailblocks, sendgrid_fake):
    sendgrid_fake.add_blocks([{"email": f"u{i}@example.com", "created": T0 + i} for i in range(10)])
    r = requests.get(mailblocks.url + "/_mailblocks/sendgrid/blocks", params={"limit": "2"})
    assert r.status_code == 200 and _emails(r.json()["blocks"]) == ["u9@example.com", "u8@example.com"]
    r = requests.get(mailblocks.url + "/_mailblocks/cmc/blocks", params={"offset": "nope"})
    assert r.status_code == 400 and "offset must be an integer" in r.json()["message"]
