"""POST /transaction/v2/blocks/cancel.[json|xml] (seed 000: Cancel) and delivery errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import error, errors, xml_errors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cmc"
NOT_FOUND = errors(error("12-001", "email", "The data specified in the email does not exist."))


def test_cancel_answers_the_documented_success(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    r = cmc.post("blocks/cancel", email="test@example.com")
    assert (r.status_code, r.content) == (200, b'{"message":"success"}')
    recorded = json.loads((FIXTURES / "blocks_cancel_success.json").read_text())["response"]["body"]
    assert r.json() == json.loads(recorded)
    cmc_fake.add_block("test@example.com")
    r = cmc.post("blocks/cancel", "xml", email="test@example.com")
    assert r.content.endswith(b"<success>\n    <message>success</message>\n</success>")


def test_cancelled_address_is_neither_listed_nor_removed(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    cmc.post_json("blocks/cancel", email="TEST@example.com")
    assert cmc.post("blocks/list").json() == {"blocks": []}
    assert cmc.post("blocks/list", removed="true").json() == {"blocks": []}


def test_cancelled_address_is_blocked_again_when_delivery_errors_recur(cmc, cmc_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    old = cmc_fake.add_block("test@example.com", status=4, created="2024-04-01 10:00:00")
    cmc.post("blocks/cancel", email="test@example.com")
    mailblocks.clock.advance(days=1)
    again = cmc_fake.record_delivery_error("test@example.com", status=2)
    assert again == {
        "created": "2024-05-02 09:00:00",
        "email": "test@example.com",
        "id": again["id"],
        "occurred": "1",
        "status": "2",
    }
    assert again["id"] != old["id"]
    assert cmc.post("blocks/list").json() == {"blocks": [again]}


def test_the_number_of_errors_that_block_is_configurable(cmc, cmc_fake):
    cmc_fake.configure(block_threshold=3)
    cmc_fake.add_block("test@example.com")
    cmc.post("blocks/cancel", email="test@example.com")
    assert cmc_fake.record_delivery_error("test@example.com") is None
    assert cmc_fake.record_delivery_error("test@example.com") is None
    assert cmc.post("blocks/list").json() == {"blocks": []}
    third = cmc_fake.record_delivery_error("test@example.com", status=1)
    assert (third["occurred"], third["status"]) == ("3", "1")
    assert [b["email"] for b in cmc.post("blocks/list").json()["blocks"]] == ["test@example.com"]


def test_cancel_resets_the_error_count(cmc, cmc_fake):
    cmc_fake.configure(block_threshold=2)
    cmc_fake.record_delivery_error("test@example.com")
    assert cmc_fake.record_delivery_error("test@example.com")["occurred"] == "2"
    cmc.post("blocks/cancel", email="test@example.com")
    assert cmc_fake.record_delivery_error("test@example.com") is None
    assert cmc_fake.record_delivery_error("test@example.com")["occurred"] == "2"


def test_errors_to_a_blocked_address_count_in_occurred(cmc, cmc_fake):
    first = cmc_fake.record_delivery_error("test@example.com", status=3)
    later = cmc_fake.record_delivery_error("test@example.com", status=5)
    assert (first["occurred"], later["occurred"]) == ("1", "2")
    assert (later["id"], later["created"], later["status"]) == (first["id"], first["created"], "3")


def test_cancel_versus_delete(cmc, cmc_fake):
    """The two semantics side by side: cancel re-blocks on errors, delete never does."""
    cmc_fake.add_block("cancelled@example.com")
    cmc_fake.add_block("deleted@example.com")
    cmc.post("blocks/cancel", email="cancelled@example.com")
    cmc.post("blocks/delete", email="deleted@example.com")
    cmc_fake.record_delivery_error("cancelled@example.com")
    cmc_fake.record_delivery_error("deleted@example.com")
    assert [b["email"] for b in cmc.post("blocks/list").json()["blocks"]] == ["cancelled@example.com"]
    assert [b["email"] for b in cmc.post("blocks/list", removed="true").json()["blocks"]] == ["deleted@example.com"]


def test_cancel_of_an_unblocked_address_is_12_001(cmc, cmc_fake):
    cmc_fake.add_block("other@example.com")
    r = cmc.post("blocks/cancel", email="test@example.com")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = cmc.post("blocks/cancel", "xml", email="test@example.com", headers={"Accept-Language": "ja"})
    assert xml_errors(r) == [error("12-001", "email", "emailで指定されたデータは存在しません。")]


def test_cancel_is_an_exact_match(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    assert cmc.post("blocks/cancel", email="test@").json() == NOT_FOUND


def test_email_is_required(cmc):
    assert cmc.post("blocks/cancel", email="").json() == errors(error("01-002", "email", "email is required."))


@pytest.mark.parametrize("status", [0, 12, 98, 100, "x"])
def test_delivery_error_status_must_be_a_block_status(cmc_fake, status):
    with pytest.raises(ValueError, match="status"):
        cmc_fake.record_delivery_error("a@example.com", status=status)
