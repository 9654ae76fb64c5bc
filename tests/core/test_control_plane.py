"""The HTTP control plane under /_mailblocks/ (issue 3: Core)."""

from __future__ import annotations

import pytest

CP = "/_mailblocks"


def test_health_lists_providers_clock_and_version(http, mailblocks):
    r = http.get(mailblocks.url + CP + "/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["clock"]["mode"] == "real"
    assert body["providers"]["sendgrid"]["credentials"] == {"api_key": mailblocks.sendgrid.api_key}
    assert body["providers"]["sendgrid"]["prefixes"] == ["/v3/"]
    assert http.get(mailblocks.url + CP + "/").json()["status"] == "ok"


def test_seed_and_list_blocks_for_a_provider(http, mailblocks):
    r = http.post(mailblocks.url + CP + "/sendgrid/blocks", json=[{"email": "a@example.com", "created": 5}])
    assert (r.status_code, r.json()) == (201, {"provider": "sendgrid", "seeded": 1})
    r = http.get(mailblocks.url + CP + "/sendgrid/blocks")
    assert r.json() == {
        "provider": "sendgrid",
        "count": 1,
        "blocks": [
            {
                "created": 5,
                "email": "a@example.com",
                "reason": "550 5.7.1 Message rejected by the receiving server",
                "status": "5.7.1",
            }
        ],
    }
    assert mailblocks.sendgrid.blocks()[0]["email"] == "a@example.com"


def test_seed_many_providers_at_once(http, mailblocks):
    r = http.post(mailblocks.url + CP + "/seed", json={"sendgrid": {"blocks": ["x@example.com"]}})
    assert r.json() == {"seeded": {"sendgrid": 1}}


def test_requests_journal_is_readable_and_redacted(http, mailblocks):
    sg = mailblocks.sendgrid
    http.get(sg.url + "/v3/suppression/blocks?limit=5", headers={"Authorization": f"Bearer {sg.api_key}"})
    r = http.get(mailblocks.url + CP + "/sendgrid/requests")
    body = r.json()
    assert body["count"] == 1
    entry = body["requests"][0]
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == (
        "GET",
        "/v3/suppression/blocks",
        "limit=5",
        200,
    )
    assert entry["headers"]["Authorization"] == "<redacted>"
    assert sg.api_key not in r.text
    assert entry["endpoint"] == "list_blocks"
    assert entry["auth"] == "ok"
    assert http.get(mailblocks.url + CP + "/requests").json()["count"] == 1
    since = http.get(mailblocks.url + CP + "/requests", params={"since": entry["seq"]}).json()
    assert since["count"] == 0


def test_journal_pages_forward_after_since_and_tails_without_it(http, mailblocks):
    for i in range(5):
        http.get(mailblocks.url + f"/v3/suppression/blocks?n={i}")  # 401s, journaled
    http.get(mailblocks.url + CP + "/health")  # the control plane's own journal is not listed
    first = http.get(mailblocks.url + CP + "/requests", params={"limit": 5}).json()["requests"]
    seqs = [e["seq"] for e in first]
    assert [e["query"] for e in first] == [f"n={i}" for i in range(5)] and seqs == sorted(seqs)

    page = http.get(mailblocks.url + CP + "/requests", params={"since": seqs[0], "limit": 2}).json()
    assert [e["seq"] for e in page["requests"]] == seqs[1:3]  # the next two, not the newest two
    assert (page["count"], page["matched"], page["total"]) == (2, 4, 5)
    tail = http.get(mailblocks.url + CP + "/requests", params={"limit": 2}).json()
    assert [e["seq"] for e in tail["requests"]] == seqs[3:]
    only = http.get(mailblocks.url + CP + "/requests", params={"status": 401, "limit": 0}).json()
    assert (only["count"], only["matched"], only["total"]) == (0, 5, 5)


@pytest.mark.parametrize(
    "payload",
    [{"real": True, "set": "bad"}, {"freeze": "2030-01-01T00:00:00Z", "advance": {"days": "x"}}],
)
def test_a_clock_body_refused_in_part_changes_nothing(http, mailblocks, payload):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    r = http.post(mailblocks.url + CP + "/clock", json=payload)
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    assert mailblocks.clock.describe()["now"] == "2024-05-01T00:00:00Z"


def test_python_journal_keeps_what_was_sent(http, mailblocks):
    sg = mailblocks.sendgrid
    http.get(sg.url + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {sg.api_key}"})
    assert sg.requests.last.header("authorization") == f"Bearer {sg.api_key}"
    assert "Bearer" not in repr(sg.requests.last)


def test_clear_the_journal(http, mailblocks):
    http.get(mailblocks.url + "/v3/suppression/blocks")
    assert http.delete(mailblocks.url + CP + "/sendgrid/requests").json() == {"cleared": ["sendgrid"]}
    assert len(mailblocks.sendgrid.requests) == 0


def test_reset_empties_state_journal_and_clock(http, mailblocks):
    mailblocks.sendgrid.add_block("a@example.com")
    mailblocks.clock.freeze("2020-01-01T00:00:00Z")
    http.get(mailblocks.url + "/v3/suppression/blocks")
    r = http.post(mailblocks.url + CP + "/reset")
    assert r.status_code == 200
    assert r.json()["reset"] is True
    assert mailblocks.sendgrid.blocks() == []
    assert len(mailblocks.sendgrid.requests) == 0
    assert mailblocks.clock.is_real


def test_provider_reset_only_touches_that_provider(http, mailblocks):
    mailblocks.sendgrid.add_block("a@example.com")
    assert http.post(mailblocks.url + CP + "/sendgrid/reset").json() == {"reset": "sendgrid"}
    assert mailblocks.sendgrid.blocks() == []


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ({"freeze": "2024-05-01T00:00:00Z"}, lambda c: c["now"] == "2024-05-01T00:00:00Z" and c["mode"] == "frozen"),
        (
            {"freeze": "2024-05-01T00:00:00Z", "advance": {"days": 1, "hours": 2}},
            lambda c: c["now"] == "2024-05-02T02:00:00Z",
        ),
        ({"freeze": 0, "advance": 90}, lambda c: c["unix"] == 90),
        ({"set": "2030-01-01T00:00:00Z"}, lambda c: c["mode"] == "offset" and c["now"].startswith("2030-01-01")),
        ({"real": True}, lambda c: c["mode"] == "real"),
    ],
)
def test_clock_moves(http, mailblocks, payload, check):
    r = http.post(mailblocks.url + CP + "/clock", json=payload)
    assert r.status_code == 200
    assert check(r.json()), r.json()
    assert http.get(mailblocks.url + CP + "/clock").json()["mode"] == r.json()["mode"]


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        ("/clock", {"advance": -1}, "the clock only moves forward"),
        ("/clock", {"advance": {"fortnights": 1}}, 'unknown "advance" unit(s)'),
        ("/clock", {"freeze": "soon"}, "'soon' is not an ISO 8601 date"),
        ("/clock", {"rewind": 1}, "unknown clock field(s) ['rewind']"),
        ("/clock", [], 'expected a JSON object with one of "advance"'),
        ("/seed", {"mailgun": {}}, "unknown provider(s) ['mailgun']"),
        ("/seed", [], "expected a JSON object keyed by provider"),
        ("/sendgrid/blocks", {"blocks": [{"email": 5}]}, "sendgrid.blocks[0]: email is required"),
        ("/sendgrid/blocks", {"bounce": []}, "sendgrid: unknown key(s) ['bounce']"),
        ("/sendgrid/blocks", [{"email": "a@x.com", "subuser": "ghost"}], "unknown subuser 'ghost'"),
        ("/faults", {"status": 200}, "status must be an integer from 400 to 599"),
        ("/faults", {"provider": "mailgun", "status": 500}, "unknown provider 'mailgun'"),
        ("/faults", {"colour": 1}, "unknown fault field(s) ['colour']"),
        # found while fuzzing the control plane: these escaped it as exceptions (no answer)
        ("/faults", {"provider": [], "status": 500}, "provider must be a string, got []"),
        ("/sendgrid/api-keys", {"key": [1]}, "key must be a string, got [1]"),
        ("/sendgrid/api-keys", {"subuser": {"a": 1}}, "subuser must be a string"),
        ("/sendgrid/blocks", [{"email": "a@x.com", "subuser": [1]}], "unknown subuser [1]"),
        ("/cmc/encryption", {"password": "pw", "account": [1]}, "unknown account [1]"),
        ("/ncp/quota", {"limit": 1, "access_key": [1]}, "access_key must be a string, got [1]"),
        ("/clock", {"freeze": 1e20}, "outside the fake clock's range"),
        ("/clock", {"set": -1}, "outside the fake clock's range"),
        ("/clock", {"advance": {"days": 1e9}}, "cannot advance the clock that far"),
        ("/clock", {"advance": 1e300}, "cannot advance the clock that far"),
    ],
)
def test_bad_input_is_a_400_that_says_what_is_wrong(http, mailblocks, path, payload, message):
    r = http.post(mailblocks.url + CP + path, json=payload)
    assert r.status_code == 400
    assert r.json()["error"] == "bad_request"
    assert message in r.json()["message"]


def test_a_rejected_clock_move_leaves_the_clock_and_the_server_as_they_were(http, mailblocks):
    """Found while fuzzing the control plane: {"freeze": 1e20} and {"freeze": NaN} broke the clock, and
    every request after them failed."""
    for body in (b'{"freeze": 1e20}', b'{"freeze": NaN}', b'{"freeze": "9999-12-31T23:59:59Z"}'):
        r = http.post(mailblocks.url + CP + "/clock", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
    assert http.get(mailblocks.url + CP + "/health").json()["clock"]["mode"] == "real"


def test_a_bug_behind_the_control_plane_is_a_json_500_and_recorded(monkeypatch):
    """The last-resort guard: an exception is the control plane's JSON 500, the
    traceback is journaled and the fixture's check() fails the test; the server
    keeps answering."""
    import json

    from pytest_mailblocks import App
    from pytest_mailblocks.core.inprocess import call_target

    app = App()
    provider = app.providers["sendcloud"]
    monkeypatch.setattr(provider, "control_actions", lambda: {"boom": lambda *args: 1 / 0})
    status, _, body = call_target(app, "GET", CP + "/sendcloud/boom", [], b"")
    assert status == 500
    assert json.loads(body)["error"] == "internal"
    assert isinstance(app.errors[0], ZeroDivisionError)
    assert "ZeroDivisionError" in app.journals["_mailblocks"].last.traceback
    with pytest.raises(AssertionError, match="internal error"):
        app.check()
    assert call_target(app, "GET", CP + "/health", [], b"")[0] == 200


def test_body_that_is_not_json_is_a_400(http, mailblocks):
    r = http.post(mailblocks.url + CP + "/clock", data=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["message"].startswith("body is not valid JSON")


def test_unknown_control_path_is_a_json_404(http, mailblocks):
    r = http.get(mailblocks.url + CP + "/nothing")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    assert "unknown control path" in r.json()["message"]


def test_wrong_method_is_a_json_405(http, mailblocks):
    r = http.get(mailblocks.url + CP + "/reset")
    assert r.status_code == 405
    assert r.json() == {"error": "method_not_allowed", "message": "method GET not allowed here; use POST"}


def test_sendgrid_actions(http, mailblocks):
    r = http.post(mailblocks.url + CP + "/sendgrid/api-keys", json={"scopes": ["suppression.blocks.read"]})
    key = r.json()["api_key"]["api_key"]
    assert key.startswith("SG.")
    assert http.post(mailblocks.url + CP + "/sendgrid/subusers", json={"username": "shop"}).json() == {
        "subusers": [{"username": "shop", "account_id": "1001"}]
    }
    assert http.post(mailblocks.url + CP + "/sendgrid/rate-limit", json={"limit": 7}).json()["limit"] == 7
    assert mailblocks.sendgrid.rate_limit == 7
    assert http.delete(mailblocks.url + CP + "/sendgrid/api-keys", json={"key": key}).json() == {"revoked": key}


def test_faults_from_the_control_plane(http, mailblocks):
    sg = mailblocks.sendgrid
    r = http.post(mailblocks.url + CP + "/sendgrid/faults", json={"endpoint": "list_blocks", "status": 503, "times": 1})
    assert r.status_code == 201
    fault = r.json()
    assert (fault["provider"], fault["remaining"]) == ("sendgrid", 1)
    auth = {"Authorization": f"Bearer {sg.api_key}"}
    first = http.get(sg.url + "/v3/suppression/blocks", headers=auth)
    second = http.get(sg.url + "/v3/suppression/blocks", headers=auth)
    assert (first.status_code, first.json()) == (503, {"errors": [{"field": None, "message": "service unavailable"}]})
    assert second.status_code == 200
    assert http.get(mailblocks.url + CP + "/faults").json() == {"faults": []}


def test_control_token_guard():
    import requests

    from pytest_mailblocks import FakeServer

    with FakeServer(control_token="s3cret") as server:
        url = server.url + CP + "/health"
        assert requests.get(url).status_code == 401
        assert requests.get(url, headers={"X-Mailblocks-Token": "wrong"}).status_code == 401
        assert requests.get(url, headers={"X-Mailblocks-Token": "s3cret"}).status_code == 200
        assert requests.get(url, params={"token": "s3cret"}).status_code == 200


def test_control_plane_can_be_disabled():
    import requests

    from pytest_mailblocks import FakeServer

    with FakeServer(control=False) as server:
        r = requests.get(server.url + CP + "/health")
        assert r.status_code == 404
        assert r.json()["message"] == "the control plane is disabled on this server"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}],
)
def test_cross_site_browser_posts_are_refused(http, mailblocks, headers):
    """A page on another site must not reset or seed the fake on localhost."""
    mailblocks.sendgrid.add_block("keep@example.com")
    r = http.post(mailblocks.url + CP + "/reset", headers=headers)
    assert r.status_code == 403
    sent = next(f"{k}: {v}" if k != "Origin" else f"Origin {v}" for k, v in headers.items())
    assert r.json() == {
        "error": "forbidden",
        "message": f"cross-site request refused ({sent}): browser pages may call the fake only from its own "
        "origin or from a name given with --allow-host",
    }
    assert mailblocks.sendgrid.blocks() != []
    assert http.get(mailblocks.url + CP + "/health", headers=headers).status_code == 200  # reading is fine


def test_same_origin_posts_are_accepted(mailblocks):
    import requests

    r = requests.post(mailblocks.url + CP + "/reset", headers={"Origin": mailblocks.url})
    assert r.status_code == 200


def test_posting_a_key_that_exists_answers_that_key_with_its_new_scopes(http, mailblocks):
    url = mailblocks.url + CP + "/sendgrid/api-keys"
    http.post(url, json={"key": "SG.first.aaaa", "scopes": ["suppression.blocks.read"]})
    http.post(url, json={"key": "SG.second.bbbb"})
    r = http.post(url, json={"key": "SG.first.aaaa", "scopes": ["suppression.read"]})
    assert r.json()["api_key"]["api_key"] == "SG.first.aaaa"
    assert r.json()["api_key"]["scopes"] == ["suppression.read"]
