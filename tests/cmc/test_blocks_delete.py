"""POST /transaction/v2/blocks/delete.[json|xml] (seed 000: Delete)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import error, errors, xml_errors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cmc"
NOT_FOUND = errors(error("12-001", "email", "The data specified in the email does not exist."))


def test_delete_answers_the_documented_success_in_json(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    r = cmc.post("blocks/delete", email="test@example.com")
    assert (r.status_code, r.content) == (200, b'{"message":"success"}')
    recorded = json.loads((FIXTURES / "blocks_delete_success.json").read_text())["response"]["body"]
    assert r.json() == json.loads(recorded)


def test_delete_answers_the_documented_success_in_xml(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    r = cmc.post("blocks/delete", "xml", email="test@example.com")
    assert r.status_code == 200
    assert r.content == (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b"<success>\n    <message>success</message>\n</success>"
    )
    root = ET.fromstring(r.content)
    assert (root.tag, [(c.tag, c.text) for c in root]) == ("success", [("message", "success")])


def test_delete_matches_the_whole_address_ignoring_case(cmc, cmc_fake):
    cmc_fake.add_block("Test@Example.com")
    assert cmc.post("blocks/delete", email="test@example").json() == NOT_FOUND
    assert cmc.post("blocks/delete", email="est@example.com").json() == NOT_FOUND
    assert cmc.post("blocks/delete", email="TEST@EXAMPLE.COM").status_code == 200
    assert cmc_fake.blocks() == []


def test_deleted_address_leaves_the_list_and_is_listed_with_removed_true(cmc, cmc_fake):
    rec = cmc_fake.add_block("test@example.com", created="2024-05-01 09:00:00")
    cmc.post_json("blocks/delete", email="test@example.com")
    assert cmc.post("blocks/list").json() == {"blocks": []}
    assert cmc.post("blocks/list", removed="true").json() == {"blocks": [rec]}
    assert cmc_fake.blocks(removed=True) == [rec]


def test_deleted_address_is_never_blocked_again(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    cmc.post("blocks/delete", email="test@example.com")
    for _ in range(3):
        assert cmc_fake.record_delivery_error("test@example.com", status=2) is not None
    assert cmc_fake.block("test@example.com") is None
    assert cmc.post("blocks/list").json() == {"blocks": []}
    removed = cmc.post("blocks/list", removed="true").json()["blocks"]
    assert [(b["email"], b["occurred"]) for b in removed] == [("test@example.com", "4")]


def test_delete_of_an_unblocked_address_is_12_001(cmc, cmc_fake):
    r = cmc.post("blocks/delete", email="test@example.com")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = cmc.ja("blocks/delete", email="test@example.com")
    assert r.json() == errors(error("12-001", "email", "emailで指定されたデータは存在しません。"))
    r = cmc.post("blocks/delete", "xml", email="test@example.com")
    assert (r.status_code, xml_errors(r)) == (404, NOT_FOUND["errors"])


def test_delete_twice_is_12_001_the_second_time(cmc, cmc_fake):
    cmc_fake.add_block("test@example.com")
    assert cmc.post("blocks/delete", email="test@example.com").status_code == 200
    assert cmc.post("blocks/delete", email="test@example.com").json() == NOT_FOUND


def test_email_is_required(cmc):
    r = cmc.post("blocks/delete")
    assert (r.status_code, r.json()) == (400, errors(error("01-002", "email", "email is required.")))


def test_unknown_composition_is_10_002_and_reported_with_a_missing_email(cmc):
    r = cmc.post("blocks/delete", server_composition="testcomp")
    assert r.json() == errors(
        error("10-002", "server_composition", "Specified server configuration testcomp does not exist."),
        error("01-002", "email", "email is required."),
    )


def test_delete_acts_on_the_named_composition_only(cmc, cmc_fake):
    cmc_fake.add_composition("testcomp")
    cmc_fake.add_block("test@example.com")
    cmc_fake.add_block("test@example.com", server_composition="testcomp")
    assert cmc.post("blocks/delete", server_composition="testcomp", email="test@example.com").status_code == 200
    assert [b["email"] for b in cmc_fake.blocks()] == ["test@example.com"]
    assert cmc_fake.blocks(server_composition="testcomp") == []


@pytest.mark.parametrize("op", ["blocks/delete", "blocks/cancel"])
def test_api_users_may_not_delete_or_cancel_only_administrators(cmc, cmc_fake, op):
    cmc_fake.add_block("test@example.com")
    cmc_fake.add_user("member", "k", role="user", reference=True, download=True)
    r = cmc.post(op, api_user="member", api_key="k", email="test@example.com")
    assert (r.status_code, r.json()) == (
        403,
        errors(error("12-002", "", "You do not have the permission to access the specified data.")),
    )
    assert cmc_fake.block("test@example.com") is not None
    cmc_fake.add_user("admin2", "k2", role="admin", reference=False, download=False)
    assert cmc.post(op, api_user="admin2", api_key="k2", email="test@example.com").status_code == 200
