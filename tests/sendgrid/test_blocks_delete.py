"""DELETE /v3/suppression/blocks and /{email} (seed 002 "Delete blocks", "Delete a specific block")."""

from __future__ import annotations

import pytest

from .conftest import BLOCKS

NOT_FOUND = b'{"errors":[{"field":null,"message":"resource not found"}]}'


@pytest.fixture
def three(sendgrid_fake):
    for i, e in enumerate(("email1@test.com", "email2@test.com", "keep@test.com")):
        sendgrid_fake.add_block(e, created=i + 1)


def _left(sendgrid_fake):
    return [b["email"] for b in sendgrid_fake.blocks()]


@pytest.mark.usefixtures("three")
def test_delete_one_is_204_with_no_body(sg, sendgrid_fake):
    r = sg.delete(BLOCKS + "/email1@test.com")
    assert (r.status_code, r.content) == (204, b"")
    assert "Content-Type" not in r.headers
    assert _left(sendgrid_fake) == ["keep@test.com", "email2@test.com"]


@pytest.mark.usefixtures("three")
def test_delete_one_is_case_insensitive(sg, sendgrid_fake):
    assert sg.delete(BLOCKS + "/EMAIL2@Test.com").status_code == 204
    assert "email2@test.com" not in _left(sendgrid_fake)


def test_delete_one_absent_is_404_resource_not_found(sg):
    """Live: 404 with this exact 58-byte body (delete_bounce_email_404)."""
    r = sg.delete(BLOCKS + "/sam@example.com")
    assert r.status_code == 404
    assert r.content == NOT_FOUND
    assert len(r.content) == 58
    assert r.headers["X-RateLimit-Limit"] == "600"
    assert r.headers["Access-Control-Allow-Methods"] == "HEAD, GET, OPTIONS, DELETE"
    assert "Powered-By" not in r.headers


@pytest.mark.usefixtures("three")
def test_delete_one_twice_is_204_then_404(sg):
    assert sg.delete(BLOCKS + "/keep@test.com").status_code == 204
    assert sg.delete(BLOCKS + "/keep@test.com").status_code == 404


@pytest.mark.usefixtures("three")
def test_bulk_delete_all(sg, sendgrid_fake):
    r = sg.delete(BLOCKS, json={"delete_all": True})
    assert (r.status_code, r.content) == (204, b"")
    assert _left(sendgrid_fake) == []


@pytest.mark.usefixtures("three")
def test_bulk_delete_emails(sg, sendgrid_fake):
    r = sg.delete(BLOCKS, json={"emails": ["email1@test.com", "EMAIL2@TEST.COM"]})
    assert r.status_code == 204
    assert _left(sendgrid_fake) == ["keep@test.com"]


@pytest.mark.usefixtures("three")
def test_bulk_delete_unlisted_emails_still_204(sg, sendgrid_fake):
    r = sg.delete(BLOCKS, json={"emails": ["nobody@test.com"]})
    assert r.status_code == 204
    assert len(_left(sendgrid_fake)) == 3


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize("delete_all", [True, False])
def test_both_emails_and_delete_all_is_a_400(sg, sendgrid_fake, delete_all):
    """Even ``delete_all: false`` with ``emails`` is refused (sendgrid-php#281)."""
    r = sg.delete(BLOCKS, json={"delete_all": delete_all, "emails": ["email1@test.com"]})
    assert r.status_code == 400
    assert r.content == b'{"errors":[{"field":null,"message":"emails and delete_all cannot both be set"}]}'
    assert len(_left(sendgrid_fake)) == 3


@pytest.mark.parametrize("body", [{}, {"delete_all": False}])
def test_neither_emails_nor_delete_all_is_a_400(sg, body):
    r = sg.delete(BLOCKS, json=body)
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": None, "message": "either emails or delete_all must be set"}]}


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b"[]", b'"x"', b"\xff\xfe"])
def test_body_that_is_not_a_json_object_is_a_400(sg, raw):
    r = sg.delete(BLOCKS, data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": None, "message": "request body is invalid JSON"}]}


@pytest.mark.parametrize("emails", ["a@test.com", [1, 2], {"a": 1}, [None]])
def test_emails_not_an_array_of_strings_is_a_400(sg, emails):
    r = sg.delete(BLOCKS, json={"emails": emails})
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": "emails", "message": "not a valid json array"}]}


def test_delete_all_not_a_boolean_is_a_400(sg):
    r = sg.delete(BLOCKS, json={"delete_all": "true"})
    assert r.json() == {"errors": [{"field": "delete_all", "message": "must be a boolean"}]}


def test_unknown_fields_are_a_400_each(sg):
    r = sg.delete(BLOCKS, json={"recipient_emails": ["a@test.com"], "x": 1, "emails": []})
    assert r.status_code == 400
    assert r.json() == {
        "errors": [
            {"field": "recipient_emails", "message": "unknown field"},
            {"field": "x", "message": "unknown field"},
        ]
    }


@pytest.mark.usefixtures("three")
def test_bulk_delete_without_content_type_is_accepted(sg, sendgrid_fake):
    """curl -X DELETE -d '{"delete_all":true}' sends a form content type."""
    r = sg.delete(BLOCKS, data=b'{"delete_all":true}', headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 204
    assert _left(sendgrid_fake) == []
