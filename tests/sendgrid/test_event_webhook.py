"""The Event Webhook (issue 21): its settings API as documented, events POSTed for real
to a receiver on loopback (pytest-httpserver), batched as a JSON array, signed so the
official SDK's ``EventWebhook`` helper verifies them unchanged, retried on non-2xx on
the fake clock, and sent only to the URL a user configured."""

from __future__ import annotations

import base64
import itertools
import json
import threading

import pytest
import requests
from werkzeug.wrappers import Request, Response

from .conftest import SEND, T0, mail

SETTINGS = "/v3/user/webhooks/event/settings"
SIM = "simulator.mailblocks.test"
#: the per-event switches, in the order of the spec's examples
SWITCHES = (
    "group_resubscribe delivered group_unsubscribe spam_report bounce deferred unsubscribe processed open click dropped"
)
SWITCHES = tuple(SWITCHES.split())


class Receiver:
    """The user's webhook endpoint: records every POST, answers from a script."""

    def __init__(self, httpserver, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        httpserver.expect_request("/events", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/events")

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.posts.append((dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else 200
        return Response("", status=status)

    def events(self) -> list[dict]:
        return [e for _, body in self.posts for e in json.loads(body)]


@pytest.fixture
def sg(sendgrid_fake):
    sendgrid_fake.clock.freeze(T0)
    return sendgrid_fake


def call(sg, method, path, body=None, key=None):
    headers = {"Authorization": f"Bearer {key or sg.api_key}"}
    return requests.request(method, sg.url + path, json=body, headers=headers)


def send(sg, body):
    r = call(sg, "POST", SEND, body)
    assert r.status_code == 202, r.text
    return r.headers["X-Message-Id"]


# -- the settings API ----------------------------------------------------------------------------------
def test_an_account_starts_with_a_disabled_webhook(sg):
    r = call(sg, "GET", SETTINGS)
    assert r.status_code == 200
    assert r.json() == {"enabled": False, "url": "", **dict.fromkeys(SWITCHES, False)}
    assert r.headers["X-RateLimit-Limit"] == "600"
    assert call(sg, "GET", SETTINGS + "/signed").json() == {"id": "", "public_key": ""}
    assert call(sg, "GET", SETTINGS + "/all").json() == {"max_allowed": 5, "webhooks": []}


def test_patch_sets_the_webhook_and_get_reads_it_back(sg):
    body = {"enabled": True, "url": "https://hooks.example.com/sg", "delivered": True, "bounce": True}
    r = call(sg, "PATCH", SETTINGS, body)
    assert r.status_code == 200
    got = r.json()
    assert list(got) == [
        "enabled",
        "url",
        *SWITCHES,
        "id",
        "created_date",
        "updated_date",
    ]
    assert got["enabled"] is True and got["delivered"] is True and got["processed"] is False
    assert got["created_date"] == "2024-05-01T00:00:00Z"
    read = call(sg, "GET", SETTINGS).json()
    assert read == {k: v for k, v in got.items() if not k.endswith("_date")}
    assert call(sg, "GET", f"{SETTINGS}/{got['id']}").json() == read
    sg.clock.advance(hours=1)
    again = call(sg, "PATCH", f"{SETTINGS}/{got['id']}", {"processed": True, "friendly_name": "Ops"}).json()
    assert again["processed"] and again["bounce"] and again["friendly_name"] == "Ops"
    assert again["updated_date"] == "2024-05-01T01:00:00Z"


def test_oauth_fields_are_kept_and_the_secret_never_shown(sg):
    body = {
        "url": "https://hooks.example.com/a",
        "oauth_client_id": "client",
        "oauth_client_secret": "s3cret",
        "oauth_token_url": "https://auth.example.com/token",
    }
    got = call(sg, "PATCH", SETTINGS, body).json()
    assert (got["oauth_client_id"], got["oauth_token_url"]) == ("client", "https://auth.example.com/token")
    assert "s3cret" not in json.dumps(call(sg, "GET", SETTINGS + "/all").json())
    off = call(sg, "PATCH", SETTINGS, {"oauth_client_id": "", "oauth_token_url": ""}).json()
    assert "oauth_client_id" not in off


def test_several_webhooks_each_with_its_own_url_up_to_five(sg):
    first = call(sg, "POST", SETTINGS, {"url": "https://a.example.com/h", "enabled": True}).json()
    r = call(sg, "POST", SETTINGS, {"url": "https://a.example.com/h"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "errors": [
                {
                    "id": first["id"],
                    "message": "Webhook at 'https://a.example.com/h' already exists. Please provide a unique URL.",
                    "url": "https://a.example.com/h",
                }
            ]
        },
    )
    for i in range(4):
        assert call(sg, "POST", SETTINGS, {"url": f"https://b{i}.example.com/h"}).status_code == 201
    r = call(sg, "POST", SETTINGS, {"url": "https://c.example.com/h"})
    assert r.json() == {
        "errors": [{"message": "You have reached the maximum number of webhooks per your current billing plan."}]
    }
    listed = call(sg, "GET", SETTINGS + "/all").json()
    assert listed["max_allowed"] == 5 and listed["webhooks"][0]["url"] == "https://a.example.com/h"
    assert call(sg, "GET", SETTINGS).json()["id"] == first["id"]  # without an id: the oldest
    assert call(sg, "DELETE", f"{SETTINGS}/{first['id']}").status_code == 204
    r = call(sg, "GET", f"{SETTINGS}/{first['id']}")
    assert (r.status_code, r.json()) == (404, {"errors": [{"message": "Invalid id provided."}]})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"url": "not a url", "enabled": True}, {"message": "'not a url' is not a valid url"}),
        ({"url": "ftp://x.example.com/"}, {"message": "'ftp://x.example.com/' is not a valid url"}),
        ({"enabled": True}, {"message": "'' is not a valid url"}),
        ({"url": "https://x.example.com", "bounce": "yes"}, {"message": "bounce must be a boolean", "field": "bounce"}),
        ({"url": 7}, {"message": "url must be a string", "field": "url"}),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(sg, body, error):
    r = call(sg, "PATCH", SETTINGS, body)
    assert (r.status_code, r.json()) == (400, {"errors": [error]})
    assert call(sg, "GET", SETTINGS + "/all").json()["webhooks"] == []


def test_a_settings_body_that_is_not_a_json_object_is_refused(sg):
    r = requests.patch(sg.url + SETTINGS, data=b"[1, 2", headers={"Authorization": f"Bearer {sg.api_key}"})
    assert (r.status_code, r.json()) == (400, {"errors": [{"message": "request body is invalid JSON"}]})


def test_the_settings_api_checks_scopes(sg):
    reader = sg.add_api_key(["user.webhooks.event.settings.read"])
    assert call(sg, "GET", SETTINGS, key=reader).status_code == 200
    r = call(sg, "PATCH", SETTINGS, {"url": "https://x.example.com"}, key=reader)
    assert (r.status_code, r.json()) == (403, {"errors": [{"field": None, "message": "access forbidden"}]})
    assert call(sg, "GET", SETTINGS, key="SG.nope.nope").status_code == 401


def test_signing_is_turned_on_with_a_fresh_p256_key_and_off_again(sg):
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    r = call(sg, "PATCH", SETTINGS + "/signed", {"enabled": True})
    assert r.status_code == 200
    hook_id, key = r.json()["id"], r.json()["public_key"]
    public = load_der_public_key(base64.b64decode(key))
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    assert call(sg, "GET", SETTINGS + "/signed").json() == {"id": "", "public_key": key}
    assert call(sg, "GET", f"{SETTINGS}/signed/{hook_id}").json() == {"id": hook_id, "public_key": key}
    assert call(sg, "GET", SETTINGS).json()["public_key"] == key
    off = call(sg, "PATCH", f"{SETTINGS}/signed/{hook_id}", {"enabled": False}).json()
    assert off == {"id": hook_id, "public_key": ""}
    r = call(sg, "PATCH", SETTINGS + "/signed", {"enabled": "true"})
    assert (r.status_code, r.json()) == (
        400,
        {"errors": [{"message": "enabled must be a boolean", "field": "enabled"}]},
    )
    assert call(sg, "PATCH", SETTINGS + "/signed", {}).json() == {
        "errors": [{"message": "enabled is required", "field": "enabled"}]
    }


# -- events to a receiver ---------------------------------------------------------------------------
def test_events_are_posted_as_one_json_array_and_verify_with_the_official_sdk(sg, httpserver):
    from sendgrid.helpers.eventwebhook import EventWebhook
    from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

    receiver = Receiver(httpserver)
    hook = sg.set_event_webhook(receiver.url, signed=True)
    message_id = send(sg, mail("ann@example.com", f"bounce@{SIM}", categories=["orders"]))
    sg.flush_events()
    [(headers, body)] = receiver.posts  # one step, one batch
    assert headers["Content-Type"] == "application/json" and headers["User-Agent"] == "SendGrid Event API"
    events = json.loads(body)
    assert events == sg.events()  # the outbox holds exactly what was posted
    assert [(e["email"], e["event"]) for e in events] == [
        ("ann@example.com", "processed"),
        ("ann@example.com", "delivered"),
        (f"bounce@{SIM}", "processed"),
        (f"bounce@{SIM}", "bounce"),
    ]
    assert all(e["sg_message_id"].startswith(message_id + ".") for e in events)
    verifier = EventWebhook()
    key = verifier.convert_public_key_to_ecdsa(hook["public_key"])
    signature, timestamp = headers[EventWebhookHeader.SIGNATURE], headers[EventWebhookHeader.TIMESTAMP]
    assert timestamp == str(T0)  # the fake clock's time
    assert verifier.verify_signature(body.decode(), signature, timestamp, key)
    assert not verifier.verify_signature(body.decode().replace("ann", "bob"), signature, timestamp, key)


def test_only_the_switched_on_events_go_and_nothing_without_a_webhook(sg, httpserver):
    receiver = Receiver(httpserver)
    send(sg, mail("nobody-listens@example.com"))
    sg.flush_events()
    assert receiver.posts == []  # no webhook configured: nothing leaves
    sg.set_event_webhook(receiver.url, events=["bounce", "spamreport"])
    send(sg, mail("ok@example.com", f"bounce@{SIM}", f"complaint@{SIM}"))
    sg.flush_events()
    assert [e["event"] for e in receiver.events()] == ["bounce", "spamreport"]
    call(sg, "PATCH", SETTINGS, {"enabled": False})
    send(sg, mail(f"bounce+2@{SIM}"))
    sg.flush_events()
    assert len(receiver.posts) == 1


def test_a_receiver_that_answers_500_gets_the_batch_again_when_the_clock_reaches_the_retry(sg, httpserver):
    receiver = Receiver(httpserver, 500, 503)
    sg.set_event_webhook(receiver.url, signed=True)
    send(sg, mail("ann@example.com"))
    sg.flush_events()
    assert len(receiver.posts) == 1
    pending = sg.webhook_deliveries()["pending"]
    assert [(p["attempts"], p["due"]) for p in pending] == [(1, T0 + 60)]
    sg.flush_events()
    assert len(receiver.posts) == 1  # the clock is frozen: the retry waits for it
    sg.clock.advance(minutes=1)
    sg.flush_events()
    sg.clock.advance(minutes=2)
    sg.flush_events()
    assert len(receiver.posts) == 3 and len({body for _, body in receiver.posts}) == 1  # the same batch
    stamps = [h["X-Twilio-Email-Event-Webhook-Timestamp"] for h, _ in receiver.posts]
    assert stamps == [str(T0), str(T0 + 60), str(T0 + 180)]  # signed anew at each attempt
    attempts = sg.webhook_deliveries()["attempts"]
    assert [(a["attempt"], a["status"], a["result"]) for a in attempts] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
    ]
    assert sg.webhook_deliveries()["pending"] == []


def test_a_receiver_that_never_answers_2xx_is_given_up_a_day_after_the_events(sg, httpserver):
    receiver = Receiver(httpserver, *([500] * 50))
    sg.set_event_webhook(receiver.url)
    send(sg, mail("ann@example.com"))
    sg.flush_events()
    while pending := sg.webhook_deliveries()["pending"]:
        sg.clock.freeze(pending[0]["due"])  # straight to each retry
        sg.flush_events()
    attempts = sg.webhook_deliveries()["attempts"]
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(attempts)]
    assert gaps == [60, 120, 300, 600, 1200, 2400, 3600, 7200, 14400, 28800]
    assert [a["result"] for a in attempts] == ["retry"] * 10 + ["gave_up"]
    # the next retry would come 87,480 s after the events: past the 24 hours
    assert attempts[-1]["time"] == T0 + 58680 and len(receiver.posts) == 11


def test_clock_driven_events_are_posted_when_the_clock_moves(sg, httpserver):
    receiver = Receiver(httpserver)
    sg.set_event_webhook(receiver.url, events=["deferred", "bounce", "delivered"])
    sg.outcome("slow@example.com", "defer", times=1)
    send(sg, mail("slow@example.com", f"defer@{SIM}"))
    sg.flush_events()
    assert [e["event"] for e in receiver.events()] == ["deferred", "deferred"]
    sg.clock.advance(minutes=5)
    sg.flush_events()
    assert [(e["email"], e["event"]) for e in receiver.events()[2:]] == [
        ("slow@example.com", "delivered"),
        (f"defer@{SIM}", "deferred"),
    ]
    sg.clock.advance(hours=72)
    sg.flush_events()
    last = receiver.events()[-1]
    assert (last["event"], last["type"], last["timestamp"]) == ("bounce", "blocked", T0 + 72 * 3600)


def test_the_test_endpoint_posts_one_sample_event_signed_and_never_retries(sg, httpserver):
    from sendgrid.helpers.eventwebhook import EventWebhook

    receiver = Receiver(httpserver, 500)
    hook = sg.set_event_webhook(receiver.url, signed=True)
    r = call(sg, "POST", "/v3/user/webhooks/event/test", {"url": receiver.url})
    assert (r.status_code, r.content) == (204, b"")
    sg.flush_events()
    sg.clock.advance(hours=1)
    sg.flush_events()
    [(headers, body)] = receiver.posts
    [event] = json.loads(body)
    assert (event["email"], event["event"], event["timestamp"]) == ("example@test.com", "processed", T0)
    verifier = EventWebhook()
    key = verifier.convert_public_key_to_ecdsa(hook["public_key"])
    assert verifier.verify_signature(
        body.decode(),
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
        key,
    )
    assert call(sg, "POST", "/v3/user/webhooks/event/test", {}).json() == {
        "errors": [{"message": "url is required", "field": "url"}]
    }


def test_a_subusers_events_go_to_its_own_webhook(sg, httpserver):
    parent, sub = Receiver(httpserver), None
    sg.add_subuser("shop")
    sg.set_event_webhook(parent.url)
    httpserver.expect_request("/shop", method="POST").respond_with_data("")
    sub_url = httpserver.url_for("/shop")
    sg.set_event_webhook(sub_url, subuser="shop")
    r = requests.post(
        sg.url + SEND,
        json=mail("a@example.com"),
        headers={"Authorization": f"Bearer {sg.api_key}", "On-Behalf-Of": "shop"},
    )
    assert r.status_code == 202
    sg.flush_events()
    assert parent.posts == [] and sub is None
    assert [req.path for req, _ in httpserver.log].count("/shop") == 1
    assert [h["url"] for h in sg.event_webhooks(subuser="shop")] == [sub_url]


def test_the_control_plane_sets_up_and_lists_webhooks(sg, httpserver):
    receiver = Receiver(httpserver)
    base = sg.url + "/_mailblocks/sendgrid/event-webhook"
    r = requests.post(base, json={"url": receiver.url, "signed": True, "events": ["delivered"]})
    assert r.status_code == 200 and r.json()["public_key"] and r.json()["delivered"] and not r.json()["processed"]
    assert requests.get(base).json()["accounts"]["mailblocks"][0]["url"] == receiver.url
    r = requests.post(base, json={"url": receiver.url, "events": ["nope"]})
    assert r.status_code == 400 and r.json()["message"].startswith("unknown event(s) ['nope']")
    send(sg, mail("a@example.com"))
    sg.flush_events()
    assert [e["event"] for e in receiver.events()] == ["delivered"]
    attempts = requests.get(sg.url + "/_mailblocks/sendgrid/webhook-deliveries").json()["attempts"]
    assert [(a["status"], a["result"]) for a in attempts] == [(200, "delivered")]
