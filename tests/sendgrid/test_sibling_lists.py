"""Bounces, spam reports, invalid emails: the blocks contract parametrized by list,
each with its own fields, scopes and state (issue 12; spec tsg_suppressions_v3)."""

from __future__ import annotations

import json

import pytest
from python_http_client import exceptions as sdk_errors

from sendgrid import SendGridAPIClient

LISTS = {
    "blocks": {"reason": "r", "status": "4.0.0"},
    "bounces": {"reason": "550 5.1.1 <testemail2@testing.com>: Recipient address rejected", "status": "5.1.1"},
    "spam_reports": {"ip": "10.63.202.100"},
    "invalid_emails": {"reason": "Mail domain mentioned in email address is unknown"},
}


@pytest.mark.parametrize(("name", "fields"), LISTS.items())
def test_list_get_and_delete_with_the_lists_own_fields(sg, sendgrid_fake, name, fields):
    sendgrid_fake.add(name, "user1@example.com", created=1443651141, **fields)
    sendgrid_fake.add(name, "user2@example.com", created=1443651154, **fields)
    path = f"/v3/suppression/{name}"
    listed = sg.get(path).json()
    assert listed == [
        {"created": 1443651154, "email": "user2@example.com", **fields},
        {"created": 1443651141, "email": "user1@example.com", **fields},
    ]
    assert list(listed[0]) == list(sendgrid_fake.records(name)[0])  # field order as the record
    assert sg.get(path + "/user1@example.com").json() == [
        {"created": 1443651141, "email": "user1@example.com", **fields}
    ]
    assert sg.get(path + "/nobody@example.com").content == b"[]"
    assert sg.delete(path + "/user1@example.com").status_code == 204
    r = sg.delete(path + "/user1@example.com")
    assert (r.status_code, r.content) == (404, b'{"errors":[{"field":null,"message":"resource not found"}]}')
    assert sg.delete(path, json={"delete_all": True}).status_code == 204
    assert sendgrid_fake.records(name) == []


@pytest.mark.parametrize("name", LISTS)
def test_each_list_has_its_own_state(sg, sendgrid_fake, name):
    sendgrid_fake.add(name, "only@example.com")
    for other in LISTS:
        expected = ["only@example.com"] if other == name else []
        assert [r["email"] for r in sg.get(f"/v3/suppression/{other}").json()] == expected


@pytest.mark.parametrize("name", LISTS)
def test_each_list_has_its_own_scopes(sg, sendgrid_fake, name):
    key = sendgrid_fake.add_api_key(scopes=[f"suppression.{name}.read"])
    assert sg.get(f"/v3/suppression/{name}", key=key).status_code == 200
    assert sg.delete(f"/v3/suppression/{name}", key=key, json={"delete_all": True}).status_code == 403
    others = [n for n in LISTS if n != name]
    assert {sg.get(f"/v3/suppression/{n}", key=key).status_code for n in others} == {403}


@pytest.mark.parametrize("name", LISTS)
def test_same_filters_paging_and_errors(sg, sendgrid_fake, name):
    for i in range(5):
        sendgrid_fake.add(name, f"sales{i}@example.com", created=100 + i)
    sendgrid_fake.add(name, "other@example.com", created=103)
    path = f"/v3/suppression/{name}"
    got = sg.get(path, params={"email": "sales", "start_time": 101, "end_time": 103, "limit": 2}).json()
    assert [r["email"] for r in got] == ["sales3@example.com", "sales2@example.com"]
    assert sg.get(path, params={"limit": 0}).status_code == 400
    r = sg.delete(path, json={"delete_all": False, "emails": []})
    assert r.json() == {"errors": [{"field": None, "message": "emails and delete_all cannot both be set"}]}


def test_bounce_delete_of_an_unlisted_address_matches_the_live_recording(sg):
    """fixtures/sendgrid/delete_bounce_email_404.json: 404, 58 bytes, these headers."""
    r = sg.delete("/v3/suppression/bounces/sam@example.com")
    assert r.status_code == 404
    assert r.content == b'{"errors":[{"field":null,"message":"resource not found"}]}'
    for name in ("Access-Control-Allow-Methods", "Access-Control-Expose-Headers", "X-Content-Type-Options"):
        assert name in r.headers


def test_spam_report_get_of_an_unlisted_address_matches_the_live_recording(sg):
    """fixtures/sendgrid/get_spam_report_email_empty_200.json: 200 ``[]``, Content-Length 2."""
    r = sg.get("/v3/suppression/spam_reports/sam@example.com")
    assert (r.status_code, r.content, r.headers["Content-Length"]) == (200, b"[]", "2")
    assert r.headers["Powered-By"] == "Mako"


def test_rate_limits_count_per_list(sg, sendgrid_fake):
    sendgrid_fake.set_rate_limit(1)
    assert sg.get("/v3/suppression/bounces").status_code == 200
    assert sg.get("/v3/suppression/spam_reports").status_code == 200
    assert sg.get("/v3/suppression/bounces").status_code == 429


def test_subusers_have_their_own_sibling_lists(sg, sendgrid_fake):
    sendgrid_fake.add_subuser("shop")
    sendgrid_fake.add_bounce("child@example.com", subuser="shop")
    assert sg.get("/v3/suppression/bounces").json() == []
    assert [r["email"] for r in sg.get("/v3/suppression/bounces", headers={"On-Behalf-Of": "shop"}).json()] == [
        "child@example.com"
    ]


def test_handle_shortcuts(sendgrid_fake):
    assert sendgrid_fake.add_bounce("b@x.io", created=1)["status"] == "5.1.1"
    assert sendgrid_fake.add_spam_report("s@x.io", ip="1.2.3.4", created=1) == {
        "created": 1,
        "email": "s@x.io",
        "ip": "1.2.3.4",
    }
    assert sendgrid_fake.add_invalid_email("i@x.io", created=1)["reason"]
    assert [r["email"] for r in sendgrid_fake.bounces()] == ["b@x.io"]
    assert [r["email"] for r in sendgrid_fake.spam_reports()] == ["s@x.io"]
    assert [r["email"] for r in sendgrid_fake.invalid_emails()] == ["i@x.io"]
    with pytest.raises(ValueError, match="unknown list 'bounce'"):
        sendgrid_fake.records("bounce")


@pytest.fixture
def client(sendgrid_fake):
    return SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url).client


def test_sdk_drives_every_sibling_list(client, sendgrid_fake):
    sendgrid_fake.add_bounce("b@example.com")
    sendgrid_fake.add_spam_report("s@example.com")
    sendgrid_fake.add_invalid_email("i@example.com")
    assert json.loads(client.suppression.bounces.get(query_params={"limit": 5}).body)[0]["email"] == "b@example.com"
    assert json.loads(client.suppression.spam_reports._("s@example.com").get().body)[0]["ip"] == "10.63.202.100"
    assert client.suppression.invalid_emails.delete(request_body={"delete_all": True}).status_code == 204
    assert client.suppression.spam_reports._("s@example.com").delete().status_code == 204
    with pytest.raises(sdk_errors.NotFoundError):
        client.suppression.bounces._("nobody@example.com").delete()
    assert sendgrid_fake.invalid_emails() == [] and sendgrid_fake.spam_reports() == []


# -- the control plane names each sibling list (issue 17: POST /_mailblocks/sendgrid/bounces was a 404) --
@pytest.mark.parametrize(
    ("route", "kind", "record"),
    [
        ("bounces", "bounces", {"email": "b@example.com", "reason": "550 5.1.1 unknown", "status": "5.1.1"}),
        ("spam_reports", "spam_reports", {"email": "s@example.com", "ip": "10.0.0.1"}),
        ("spam-reports", "spam_reports", {"email": "s@example.com", "ip": "10.0.0.1"}),
        (
            "invalid_emails",
            "invalid_emails",
            {"email": "i@example", "reason": "Mail domain mentioned in email address is unknown"},
        ),
        ("invalid-emails", "invalid_emails", {"email": "i@example", "reason": "bad"}),
        ("unsubscribes", "unsubscribes", {"email": "u@example.com"}),
    ],
)
def test_control_plane_seeds_and_lists_each_sibling_list(mailblocks, route, kind, record):
    import httpx

    url = f"{mailblocks.url}/_mailblocks/sendgrid/{route}"
    seeded = httpx.post(url, json=[dict(record, created=1700000000), "plain@example.com"])
    assert (seeded.status_code, seeded.json()) == (201, {"provider": "sendgrid", "list": kind, "seeded": 2})
    listed = httpx.get(url)
    assert listed.status_code == 200
    assert listed.json()["count"] == 2 and listed.json()["list"] == kind
    assert listed.json()["records"][1] == dict(record, created=1700000000)
    assert [r["email"] for r in mailblocks.sendgrid.records(kind)] == ["plain@example.com", record["email"]]
    api = httpx.get(
        f"{mailblocks.url}/v3/suppression/{kind}", headers={"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    )
    assert record["email"] in api.text
    refused = httpx.post(url, json=[{"emial": "x@example.com"}])
    assert refused.status_code == 400 and f"sendgrid.{kind}[0]" in refused.json()["message"]
    assert httpx.delete(url).status_code == 405
    assert httpx.post(url, json={"api_keys": []}).status_code == 400  # only this list, by this route
    assert httpx.post(url, json={kind: ["w@example.com"]}).status_code == 201


# -- odd path segments (issue 19) -----------------------------------------------------------------
#: absent addresses with control characters, encoded slashes and other oddities in the
#: path segment: each is an address like any other, so absent means ``200 []`` (GET) and
#: the list's 404 (DELETE); a line feed used to fall outside the route (a 404 on GET)
ODD_SEGMENTS = ["a%0Ab@x.com", "a%0Db@x.com", "a%0D%0Ab@x.com", "%0A", "a%0A", "a%00b@x.com", "a%09b@x.com"]
ODD_SEGMENTS += ["a%7Fb@x.com", "a%2Fb@x.com", "a%2fb%2F@x.com", "a%5Cb@x.com", "a%E2%80%A8b@x.com", "a%0B%0Cb@x.com"]
NOT_FOUND = b'{"errors":[{"field":null,"message":"resource not found"}]}'


@pytest.mark.parametrize("segment", ODD_SEGMENTS)
@pytest.mark.parametrize("name", LISTS)
def test_any_absent_address_is_200_empty_on_get_and_404_on_delete(sg, name, segment):
    r = sg.get(f"/v3/suppression/{name}/{segment}")
    assert (r.status_code, r.content) == (200, b"[]")
    r = sg.delete(f"/v3/suppression/{name}/{segment}")
    assert (r.status_code, r.content) == (404, NOT_FOUND)


@pytest.mark.parametrize("segment", ODD_SEGMENTS)
def test_any_absent_global_unsubscribe_is_200_empty_object(sg, segment):
    r = sg.get(f"/v3/asm/suppressions/global/{segment}")
    assert (r.status_code, r.content) == (200, b"{}")
    assert sg.delete(f"/v3/asm/suppressions/global/{segment}").status_code == 204


@pytest.mark.parametrize("name", LISTS)
def test_sdk_gets_an_empty_array_for_an_address_with_a_line_feed(sendgrid_fake, name):
    client = SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url).client
    r = getattr(client.suppression, name)._("a%0Ab@x.com").get()
    assert (r.status_code, json.loads(r.body)) == (200, [])
    assert sendgrid_fake.requests.last.path == f"/v3/suppression/{name}/a\nb@x.com"
