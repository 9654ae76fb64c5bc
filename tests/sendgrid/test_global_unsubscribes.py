"""Global unsubscribes: GET /v3/suppression/unsubscribes and /v3/asm/suppressions/global
(issue 12; spec ListGlobalSuppression, CreateGlobalSuppression, GetGlobalSuppression,
DeleteGlobalSuppression)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sendgrid import SendGridAPIClient

GLOBAL = "/v3/asm/suppressions/global"
LIST = "/v3/suppression/unsubscribes"


def test_post_adds_and_answers_201_with_the_addresses(sg, sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2021-05-19T12:34:45Z")
    r = sg.http.post(
        sendgrid_fake.url + GLOBAL,
        headers=sg.headers(),
        json={"recipient_emails": ["test1@example.com", "test2@example.com"]},
    )
    assert r.status_code == 201
    assert r.json() == {"recipient_emails": ["test1@example.com", "test2@example.com"]}
    assert sendgrid_fake.unsubscribes() == [
        {"created": 1621427685, "email": "test2@example.com"},
        {"created": 1621427685, "email": "test1@example.com"},
    ]


def test_adding_again_keeps_the_first_created(sg, sendgrid_fake):
    sendgrid_fake.add_unsubscribe("a@example.com", created=5)
    sg.http.post(sendgrid_fake.url + GLOBAL, headers=sg.headers(), json={"recipient_emails": ["A@example.com"]})
    assert sendgrid_fake.unsubscribes() == [{"created": 5, "email": "a@example.com"}]


def test_get_one_is_the_address_or_an_empty_object(sg, sendgrid_fake):
    sendgrid_fake.add_unsubscribe("test@example.com")
    assert sg.get(GLOBAL + "/test@example.com").json() == {"recipient_email": "test@example.com"}
    r = sg.get(GLOBAL + "/nobody@example.com")
    assert (r.status_code, r.content) == (200, b"{}")


def test_delete_one_is_204_even_when_absent(sg, sendgrid_fake):
    """Unlike the suppression lists (sendgrid/docs#6194)."""
    sendgrid_fake.add_unsubscribe("test@example.com")
    assert sg.delete(GLOBAL + "/test@example.com").status_code == 204
    assert sg.delete(GLOBAL + "/test@example.com").status_code == 204
    assert sendgrid_fake.unsubscribes() == []


def test_list_filters_pages_and_orders_like_the_live_api(sg, sendgrid_fake):
    fixture = Path(__file__).resolve().parents[2] / "fixtures/sendgrid/list_unsubscribes_200_recorded.json"
    recorded = json.loads(fixture.read_text())["response"]["body"]
    sendgrid_fake.add_many("unsubscribes", reversed(recorded))
    assert sg.get(LIST).json() == recorded
    assert sg.get(LIST, params={"limit": 2, "offset": 1}).json() == recorded[1:3]
    assert [r["email"] for r in sg.get(LIST, params={"email": "test-fake"}).json()] == [
        "test-fake-email-2@testmail.co",
        "test-fake-email@testmail.co",
    ]
    assert sg.get(LIST, params={"start_time": 1612357462, "end_time": 1612357462}).json() == recorded[1:23]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"field": "recipient_emails", "message": "is required"}]),
        ({"recipient_emails": "a@x.io"}, [{"field": "recipient_emails", "message": "not a valid json array"}]),
        ({"recipient_emails": [1]}, [{"field": "recipient_emails", "message": "not a valid json array"}]),
        ({"emails": ["a@x.io"], "recipient_emails": []}, [{"field": "emails", "message": "unknown field"}]),
        ([], [{"field": None, "message": "request body is invalid JSON"}]),
    ],
)
def test_post_validation(sg, sendgrid_fake, body, errors):
    r = sg.http.post(sendgrid_fake.url + GLOBAL, headers=sg.headers(), json=body)
    assert r.status_code == 400
    assert r.json() == {"errors": errors}


def test_global_scopes(sg, sendgrid_fake):
    read = sendgrid_fake.add_api_key(scopes=["suppressions.global.read", "suppression.unsubscribes.read"])
    assert sg.get(GLOBAL + "/a@x.io", key=read).status_code == 200
    assert sg.get(LIST, key=read).status_code == 200
    r = sg.http.post(sendgrid_fake.url + GLOBAL, headers=sg.headers(read), json={"recipient_emails": ["a@x.io"]})
    assert r.status_code == 403
    assert sg.delete(GLOBAL + "/a@x.io", key=read).status_code == 403


def test_other_methods(sg, sendgrid_fake):
    assert sg.delete(LIST, json={"delete_all": True}).status_code == 405
    assert sg.get(GLOBAL).status_code == 405
    assert sg.get(LIST + "/a@x.io").status_code == 404


def test_sdk_drives_global_suppressions(sendgrid_fake):
    client = SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url).client
    r = client.asm.suppressions._("global").post(request_body={"recipient_emails": ["test1@example.com"]})
    assert (r.status_code, json.loads(r.body)) == (201, {"recipient_emails": ["test1@example.com"]})
    got = client.asm.suppressions._("global")._("test1@example.com").get()
    assert json.loads(got.body) == {"recipient_email": "test1@example.com"}
    assert json.loads(client.suppression.unsubscribes.get().body)[0]["email"] == "test1@example.com"
    assert client.asm.suppressions._("global")._("test1@example.com").delete().status_code == 204
    assert sendgrid_fake.unsubscribes() == []
