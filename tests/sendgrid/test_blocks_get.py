"""GET /v3/suppression/blocks/{email} (seed 002 "Get a specific block")."""

from __future__ import annotations

import pytest

from .conftest import BLOCKS


def test_returns_a_one_element_array(sg, sendgrid_fake):
    sendgrid_fake.add_block(
        "user1@example.com",
        reason="error dialing remote address: dial tcp 10.57.152.165:25: no route to host",
        status="4.0.0",
        created=1443651154,
    )
    r = sg.get(BLOCKS + "/user1@example.com")
    assert r.status_code == 200
    assert r.json() == [
        {
            "created": 1443651154,
            "email": "user1@example.com",
            "reason": "error dialing remote address: dial tcp 10.57.152.165:25: no route to host",
            "status": "4.0.0",
        }
    ]


def test_absent_address_is_200_with_an_empty_array(sg):
    """Live: an unlisted address answers 200 [] (get_spam_report_email_empty_200)."""
    r = sg.get(BLOCKS + "/nobody@example.com")
    assert (r.status_code, r.content) == (200, b"[]")
    assert r.headers["Content-Length"] == "2"


def test_match_is_case_insensitive_and_keeps_the_stored_case(sg, sendgrid_fake):
    sendgrid_fake.add_block("Mixed.Case@Example.COM")
    assert [b["email"] for b in sg.get(BLOCKS + "/mixed.case@example.com").json()] == ["Mixed.Case@Example.COM"]


@pytest.mark.parametrize("path_email", ["a+tag@example.com", "a%2Btag%40example.com", "a%2btag@example.com"])
def test_path_segment_raw_or_percent_encoded(sg, sendgrid_fake, path_email):
    """The official SDK sends ``@`` and ``+`` unencoded; other clients encode them."""
    sendgrid_fake.add_block("a+tag@example.com")
    r = sg.get(BLOCKS + "/" + path_email)
    assert [b["email"] for b in r.json()] == ["a+tag@example.com"]


def test_each_list_is_separate_from_the_query_list(sg, sendgrid_fake):
    sendgrid_fake.add_block("one@example.com", created=1)
    sendgrid_fake.add_block("two@example.com", created=2)
    assert [b["email"] for b in sg.get(BLOCKS + "/two@example.com").json()] == ["two@example.com"]
