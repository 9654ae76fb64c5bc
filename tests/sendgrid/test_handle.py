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
        "status": "5.1.1",  # the reason's enhanced status code (it was the default 5.7.1)
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


# -- status from the reason's enhanced status code (issue 19) ---------------------------------
@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("550 5.1.1 user unknown", "5.1.1"),  # the README's own example; it stored 5.7.1
        ("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in virtual alias table ", "5.1.1"),
        ("550-5.1.1 The email account that you tried to reach does not exist.", "5.1.1"),
        ("452 4.2.2 The email account that you tried to reach is over quota", "4.2.2"),
        ("421 4.7.0 [TSS04] Messages temporarily deferred", "4.7.0"),
        ("250 2.0.0 OK", "2.0.0"),
        ("554 5.7.1 Service unavailable; client host blocked (5.7.1)", "5.7.1"),
        ("smtp; 5.3.0 - Other mail system problem 554-'mailbox unavailable'", "5.3.0"),
        ("5.4.14 Hop count exceeded", "5.4.14"),
        ("550 5.100.999 odd but well-formed", "5.100.999"),
    ],
)
@pytest.mark.parametrize("kind", ["block", "bounce"])
def test_a_reason_with_an_enhanced_status_code_gives_the_status(sendgrid_fake, kind, reason, status):
    record = getattr(sendgrid_fake, f"add_{kind}")("user@example.com", reason=reason)
    assert (record["reason"], record["status"]) == (reason, status)
    assert sendgrid_fake.record(f"{kind}s", "user@example.com")["status"] == status


@pytest.mark.parametrize(
    "reason",
    [
        "error dialing remote address: dial tcp 10.57.152.165:25: no route to host",  # an IP, not a code
        "relay 10.4.5.6 refused",
        "Invalid Domain",
        "3.1.1 is not a class",
        "550 5.1 user unknown",
        "550 5.1.1000 user unknown",
        "version 2.4.13.1 of the MTA",
    ],
)
def test_a_reason_without_a_code_keeps_the_list_default(sendgrid_fake, reason):
    assert sendgrid_fake.add_block("user@example.com", reason=reason)["status"] == "5.7.1"
    assert sendgrid_fake.add_bounce("user@example.com", reason=reason)["status"] == "5.1.1"


def test_a_given_status_wins_over_the_reason(sendgrid_fake):
    reason = "550 5.1.1 user unknown"
    assert sendgrid_fake.add_block("a@example.com", reason=reason, status="4.0.0")["status"] == "4.0.0"
    assert sendgrid_fake.add_bounce("b@example.com", reason=reason, status="")["status"] == ""


def test_seeds_and_the_control_plane_take_the_status_from_the_reason(sendgrid_fake, mailblocks):
    import requests

    sendgrid_fake.add_blocks([{"email": "bulk@example.com", "reason": "550 5.2.1 mailbox disabled"}])
    seed = {
        "sendgrid": {
            "blocks": [{"email": "seed@example.com", "reason": "421 4.4.2 connection dropped"}],
            "bounces": [{"email": "bounce@example.com", "reason": "550 5.1.10 RESOLVER.ADR.RecipientNotFound"}],
        }
    }
    assert requests.post(mailblocks.url + "/_mailblocks/seed", json=seed).status_code == 200
    r = requests.post(
        mailblocks.url + "/_mailblocks/sendgrid/blocks", json=[{"email": "cp@example.com", "reason": "554 5.7.1 spam"}]
    )
    assert r.status_code in (200, 201), r.text
    statuses = {b["email"]: b["status"] for b in sendgrid_fake.blocks()}
    assert statuses == {"bulk@example.com": "5.2.1", "seed@example.com": "4.4.2", "cp@example.com": "5.7.1"}
    assert sendgrid_fake.record("bounces", "bounce@example.com")["status"] == "5.1.10"
