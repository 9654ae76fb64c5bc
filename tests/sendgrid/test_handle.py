"""The Python handle: seeding, read-back, keys, subusers (DESIGN.md public surface)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_mailblocks import ControlError


def test_add_block_defaults_created_to_the_fake_clock(sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T12:00:00Z")
    rec = sendgrid_fake.add_block("user@example.com", reason="550 5.1.1 user unknown")
    assert rec == {
        "created": 1714564800,
        "email": "user@example.com",
        "reason": "550 5.1.1 user unknown",
        "status": "5.7.1",
    }
    assert sendgrid_fake.blocks() == [rec]


@pytest.mark.parametrize(
    "created", [1714564800, 1714564800.9, "2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)]
)
def test_created_accepts_seconds_iso_or_datetime(sendgrid_fake, created):
    assert sendgrid_fake.add_block("a@example.com", created=created)["created"] == 1714564800


def test_adding_the_same_address_replaces_it(sendgrid_fake):
    sendgrid_fake.add_block("A@example.com", reason="first", created=1)
    sendgrid_fake.add_block("a@example.com", reason="second", created=2)
    assert sendgrid_fake.blocks() == [{"created": 2, "email": "a@example.com", "reason": "second", "status": "5.7.1"}]


def test_block_and_remove_block(sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    assert sendgrid_fake.block("A@EXAMPLE.COM")["email"] == "a@example.com"
    assert sendgrid_fake.remove_block("a@example.com") is True
    assert sendgrid_fake.remove_block("a@example.com") is False
    assert sendgrid_fake.block("a@example.com") is None


def test_add_blocks_in_bulk(sendgrid_fake):
    n = sendgrid_fake.add_blocks({"email": f"u{i}@example.com", "created": i} for i in range(1000))
    assert n == 1000
    assert sendgrid_fake.blocks()[0]["email"] == "u999@example.com"


def test_bulk_adds_take_bare_addresses_as_a_seed_does(sendgrid_fake):
    sendgrid_fake.clock.freeze("2024-05-01T00:00:00Z")
    assert sendgrid_fake.add_blocks(["a@example.com", {"email": "b@example.com", "created": 1}]) == 2
    assert sendgrid_fake.add_many("bounces", ["c@example.com"]) == 1
    assert [(b["email"], b["created"]) for b in sendgrid_fake.blocks()] == [
        ("a@example.com", 1714521600),
        ("b@example.com", 1),
    ]
    assert [b["email"] for b in sendgrid_fake.bounces()] == ["c@example.com"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": ""}, "email is required"),
        ({"email": "a@example.com", "created": "yesterday"}, "created:"),
        ({"email": "a@example.com", "reason": 5}, "reason must be a string"),
        ({"email": "a@example.com", "ip": "1.2.3.4"}, "unknown field(s) ['ip']"),
    ],
)
def test_bad_records_raise_control_error(sendgrid_fake, fields, message):
    with pytest.raises(ControlError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        sendgrid_fake.add_blocks([fields])


@pytest.mark.parametrize(
    "call",
    [
        lambda sg: sg.add_block("a@example.com", subuser="ghost"),
        lambda sg: sg.add_blocks([{"email": "a@example.com"}], subuser="ghost"),
        lambda sg: sg.blocks(subuser="ghost"),
        lambda sg: sg.record("blocks", "a@example.com", subuser="ghost"),
        lambda sg: sg.remove("blocks", "a@example.com", subuser="ghost"),
    ],
)
def test_an_unknown_subuser_is_a_control_error(sendgrid_fake, call):
    """Found by fuzzing the inspector: a bare KeyError (the inspector's delete was a 500)."""
    with pytest.raises(ControlError, match="unknown subuser 'ghost'"):
        call(sendgrid_fake)


def test_add_api_key_scopes_must_be_a_list(sendgrid_fake):
    with pytest.raises(TypeError):
        sendgrid_fake.add_api_key(scopes="suppression.blocks.read")


def test_add_api_key_returns_a_sendgrid_shaped_key(sendgrid_fake):
    key = sendgrid_fake.add_api_key(scopes=["suppression.blocks.read"], name="ci")
    assert key.startswith("SG.") and key.count(".") == 2
    listed = {k["api_key"]: k for k in sendgrid_fake.api_keys()}
    assert listed[key]["scopes"] == ["suppression.blocks.read"]
    assert listed[sendgrid_fake.api_key]["full_access"] is True


def test_subusers_are_listed(sendgrid_fake):
    sendgrid_fake.add_subuser("shop", account_id="42")
    assert sendgrid_fake.subusers() == [{"username": "shop", "account_id": "42"}]
    with pytest.raises(ValueError):
        sendgrid_fake.add_subuser("shop")


def test_set_rate_limit_validates(sendgrid_fake):
    with pytest.raises(ValueError):
        sendgrid_fake.set_rate_limit(0)
    sendgrid_fake.set_rate_limit(5)
    assert sendgrid_fake.rate_limit == 5


def test_url_is_scheme_host_and_port_only(sendgrid_fake, mailblocks):
    assert sendgrid_fake.url == mailblocks.url
    assert sendgrid_fake.url.startswith("http://127.0.0.1:")
    assert sendgrid_fake.url.count("/") == 2
