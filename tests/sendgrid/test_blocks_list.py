"""GET /v3/suppression/blocks (seed 002 "List all blocks"; sendgrid.md: Query parameters)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import BLOCKS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sendgrid"


def _emails(r):
    return [b["email"] for b in r.json()]


def test_lists_blocks_as_a_bare_array_with_the_seed_fields(sg, sendgrid_fake):
    sendgrid_fake.add_block("user1@example.com", reason="Connection timed out", status="4.0.0", created=1443651141)
    r = sg.get(BLOCKS)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.content == (
        b'[{"created":1443651141,"email":"user1@example.com","reason":"Connection timed out","status":"4.0.0"}]'
    )


def test_empty_list_is_an_empty_array(sg):
    r = sg.get(BLOCKS)
    assert (r.status_code, r.content) == (200, b"[]")


def test_newest_first_ties_by_email_descending(sg, sendgrid_fake):
    """Order of the live captures: created desc, ties email desc as plain strings
    (``test2`` before ``test21``, ``test1`` before ``test19``)."""
    for email in ("test1@example.com", "test10@example.com", "test2@example.com", "test9@example.com"):
        sendgrid_fake.add_block(email, created=1612357462)
    sendgrid_fake.add_block("newest@example.com", created=1621425285)
    sendgrid_fake.add_block("oldest@example.com", created=1612357168)
    assert _emails(sg.get(BLOCKS)) == [
        "newest@example.com",
        "test9@example.com",
        "test2@example.com",
        "test1@example.com",
        "test10@example.com",
        "oldest@example.com",
    ]


def test_order_reproduces_the_recorded_live_list(sg, sendgrid_fake):
    """Seed the rows of a live list in shuffled order; the fake lists them exactly
    as the live API did (fixtures/sendgrid/list_unsubscribes_200_recorded.json)."""
    recorded = json.loads((FIXTURES / "list_unsubscribes_200_recorded.json").read_text())["response"]["body"]
    shuffled = sorted(recorded, key=lambda row: row["email"])
    sendgrid_fake.add_blocks({"email": row["email"], "created": row["created"]} for row in shuffled)
    assert [(b["created"], b["email"]) for b in sg.get(BLOCKS).json()] == [
        (row["created"], row["email"]) for row in recorded
    ]


@pytest.fixture
def five(sendgrid_fake):
    for i, t in enumerate((100, 200, 300, 400, 500)):
        sendgrid_fake.add_block(f"u{i}@example.com", created=t)


@pytest.mark.usefixtures("five")
def test_start_time_and_end_time_are_inclusive(sg):
    assert _emails(sg.get(BLOCKS, params={"start_time": 200, "end_time": 400})) == [
        "u3@example.com",
        "u2@example.com",
        "u1@example.com",
    ]


@pytest.mark.usefixtures("five")
def test_start_time_alone_and_end_time_alone(sg):
    assert _emails(sg.get(BLOCKS, params={"start_time": 401})) == ["u4@example.com"]
    assert _emails(sg.get(BLOCKS, params={"end_time": 100})) == ["u0@example.com"]


@pytest.mark.usefixtures("five")
def test_start_after_end_gives_an_empty_list(sg):
    r = sg.get(BLOCKS, params={"start_time": 400, "end_time": 200})
    assert (r.status_code, r.json()) == (200, [])


@pytest.mark.usefixtures("five")
def test_limit_and_offset_page_newest_first(sg):
    assert _emails(sg.get(BLOCKS, params={"limit": 2})) == ["u4@example.com", "u3@example.com"]
    assert _emails(sg.get(BLOCKS, params={"limit": 2, "offset": 2})) == ["u2@example.com", "u1@example.com"]
    assert _emails(sg.get(BLOCKS, params={"limit": 2, "offset": 4})) == ["u0@example.com"]
    assert sg.get(BLOCKS, params={"offset": 5}).json() == []


@pytest.mark.usefixtures("five")
def test_seed_example_query_limit_10_offset_0(sg):
    r = sg.get(BLOCKS, params={"start_time": 1, "end_time": 10**10, "limit": 10, "offset": 0})
    assert len(r.json()) == 5


def test_limit_defaults_to_500(sg, sendgrid_fake):
    sendgrid_fake.add_blocks({"email": f"u{i}@example.com", "created": i} for i in range(501))
    r = sg.get(BLOCKS)
    assert len(r.json()) == 500
    assert r.json()[0]["email"] == "u500@example.com"
    assert len(sg.get(BLOCKS, params={"limit": 500}).json()) == 500
    assert sg.get(BLOCKS, params={"offset": 500}).json()[0]["email"] == "u0@example.com"


@pytest.mark.parametrize("limit", ["0", "501", "-1", "100000"])
def test_limit_outside_1_to_500_is_a_400(sg, limit):
    r = sg.get(BLOCKS, params={"limit": limit})
    assert r.status_code == 400
    assert r.content == b'{"errors":[{"field":"limit","message":"must be between 1 and 500"}]}'


@pytest.mark.parametrize("name", ["limit", "offset", "start_time", "end_time"])
@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", " ", "١٢", "0x10", "--1", "-"])
def test_non_integer_query_values_are_a_400_naming_the_field(sg, name, value):
    r = sg.get(BLOCKS, params={name: value})
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": name, "message": "must be an integer"}]}


@pytest.mark.parametrize("name", ["offset", "start_time", "end_time"])
def test_negative_offset_and_times_are_a_400(sg, name):
    r = sg.get(BLOCKS, params={name: "-5"})
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": name, "message": "must be greater than or equal to 0"}]}


def test_several_bad_values_are_reported_together(sg):
    r = sg.get(BLOCKS, params={"offset": "x", "limit": "0"})
    assert r.json() == {
        "errors": [
            {"field": "offset", "message": "must be an integer"},
            {"field": "limit", "message": "must be between 1 and 500"},
        ]
    }


@pytest.fixture
def addresses(sendgrid_fake):
    for i, email in enumerate(
        (
            "salesdepartment@example.com",
            "Sales@Example.com",
            "marketing@tree.example",
            "support@example.com",
            "supermarket@greentree.example",
        )
    ):
        sendgrid_fake.add_block(email, created=1000 + i)


@pytest.mark.usefixtures("addresses")
def test_email_filter_is_a_prefix_match(sg):
    """``sales`` finds ``salesdepartment@...`` (sendgrid.md, EmailPartialMatch)."""
    assert _emails(sg.get(BLOCKS, params={"email": "sales"})) == ["Sales@Example.com", "salesdepartment@example.com"]
    assert _emails(sg.get(BLOCKS, params={"email": "example"})) == []


@pytest.mark.usefixtures("addresses")
def test_email_filter_is_case_insensitive(sg):
    assert _emails(sg.get(BLOCKS, params={"email": "SALES@EXAMPLE"})) == ["Sales@Example.com"]


@pytest.mark.usefixtures("addresses")
def test_email_filter_at_sign_sent_as_percent_40(sg, sendgrid_fake):
    r = sg.http.get(sendgrid_fake.url + BLOCKS + "?email=support%40example.com", headers=sg.headers())
    assert _emails(r) == ["support@example.com"]


@pytest.mark.usefixtures("addresses")
def test_email_filter_percent_25_is_a_wildcard(sg, sendgrid_fake):
    """``%25market%25tree`` matches anything containing market then tree."""
    r = sg.http.get(sendgrid_fake.url + BLOCKS + "?email=%25market%25tree", headers=sg.headers())
    assert _emails(r) == ["supermarket@greentree.example", "marketing@tree.example"]
    r = sg.http.get(sendgrid_fake.url + BLOCKS + "?email=sup%25tree", headers=sg.headers())
    assert _emails(r) == ["supermarket@greentree.example"]


@pytest.mark.usefixtures("addresses")
def test_email_filter_combines_with_time_window_and_paging(sg):
    params = {"email": "s", "start_time": 1001, "limit": 1, "offset": 1}
    assert _emails(sg.get(BLOCKS, params={"email": "s", "start_time": 1001})) == [
        "supermarket@greentree.example",
        "support@example.com",
        "Sales@Example.com",
    ]
    assert _emails(sg.get(BLOCKS, params=params)) == ["support@example.com"]


def test_success_headers_match_the_live_api(sg):
    r = sg.get(BLOCKS)
    h = r.headers
    assert h["Access-Control-Allow-Methods"] == "HEAD, GET, OPTIONS, DELETE"
    assert h["Access-Control-Allow-Origin"] == "*"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-RateLimit-Limit"] == "600"
    assert h["X-RateLimit-Remaining"] == "599"
    assert h["Twilio-Request-Id"].startswith("RQ") and len(h["Twilio-Request-Id"]) == 29
    assert h["Powered-By"] == "Mako"


def test_head_answers_like_get_without_a_body(sg, sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    r = sg.http.head(sendgrid_fake.url + BLOCKS, headers=sg.headers())
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) == len(sg.get(BLOCKS).content)


def test_empty_values_mean_absent(sg):
    assert sg.get(BLOCKS, params={"limit": "", "offset": "", "start_time": "", "email": ""}).status_code == 200


def test_unknown_query_parameters_are_ignored(sg):
    assert sg.get(BLOCKS, params={"colour": "blue"}).status_code == 200
