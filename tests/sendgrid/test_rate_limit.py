"""Rate limits: 600 per minute per key and route, X-RateLimit-* headers, 429
``too many requests`` (sendgrid.md; recordings error_429_*, get_spam_report_*)."""

from __future__ import annotations

from .conftest import BLOCKS

TOO_MANY = b'{"errors":[{"field":null,"message":"too many requests"}]}'


def test_default_limit_is_600_and_remaining_counts_down(sg):
    first, second = sg.get(BLOCKS), sg.get(BLOCKS)
    assert first.headers["X-RateLimit-Limit"] == second.headers["X-RateLimit-Limit"] == "600"
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) == ("599", "598")


def test_reset_is_the_next_minute_boundary_of_the_fake_clock(sg, mailblocks):
    mailblocks.clock.freeze("2023-05-18T22:17:21Z")
    r = sg.get(BLOCKS)
    assert r.headers["X-RateLimit-Reset"] == "1684448280"  # 22:18:00Z, as recorded
    # mounted on pytest-httpserver, werkzeug's server adds its own Date first
    assert r.headers["Date"].split(", ")[-2:] == ["Thu", "18 May 2023 22:17:21 GMT"]


def test_over_the_limit_is_429_with_headers(sg, sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2024-01-01T00:00:10Z")
    sendgrid_fake.set_rate_limit(3)
    codes = [sg.get(BLOCKS).status_code for _ in range(3)]
    r = sg.get(BLOCKS)
    assert codes == [200, 200, 200]
    assert r.status_code == 429
    assert r.content == TOO_MANY
    assert r.headers["X-RateLimit-Limit"] == "3"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["X-RateLimit-Reset"] == str(1704067260)
    assert "Retry-After" not in r.headers
    assert sendgrid_fake.requests.last.error_code == "SG_TOO_MANY_REQUESTS"


def test_next_minute_opens_a_new_window(sg, sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2024-01-01T00:00:59Z")
    sendgrid_fake.set_rate_limit(1)
    assert sg.get(BLOCKS).status_code == 200
    assert sg.get(BLOCKS).status_code == 429
    mailblocks.clock.advance(seconds=1)
    assert sg.get(BLOCKS).status_code == 200


def test_limits_count_per_key(sg, sendgrid_fake):
    sendgrid_fake.set_rate_limit(1)
    other = sendgrid_fake.add_api_key()
    assert sg.get(BLOCKS).status_code == 200
    assert sg.get(BLOCKS).status_code == 429
    assert sg.get(BLOCKS, key=other).status_code == 200


def test_limits_count_per_route(sg, sendgrid_fake):
    sendgrid_fake.set_rate_limit(1)
    assert sg.get(BLOCKS).status_code == 200
    assert sg.get(BLOCKS + "/a@example.com").status_code == 200
    assert sg.get(BLOCKS + "/b@example.com").status_code == 429


def test_methods_on_one_route_share_the_count(sg, sendgrid_fake):
    sendgrid_fake.set_rate_limit(1)
    assert sg.get(BLOCKS).status_code == 200
    assert sg.delete(BLOCKS, json={"delete_all": True}).status_code == 429


def test_429_changes_nothing(sg, sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    sendgrid_fake.set_rate_limit(1)
    assert sg.delete(BLOCKS, json={"delete_all": True}).status_code == 204
    sendgrid_fake.add_block("b@example.com")
    assert sg.delete(BLOCKS, json={"delete_all": True}).status_code == 429
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["b@example.com"]


def test_counters_reset_with_the_server(sg, sendgrid_fake, mailblocks):
    sendgrid_fake.set_rate_limit(1)
    sg.get(BLOCKS)
    mailblocks.reset()
    r = sg.get(BLOCKS)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Limit"] == "600"
    assert r.headers["X-RateLimit-Remaining"] == "599"


def test_unauthenticated_calls_do_not_count(http, sg, sendgrid_fake):
    http.get(sendgrid_fake.url + BLOCKS)
    assert sg.get(BLOCKS).headers["X-RateLimit-Remaining"] == "599"
