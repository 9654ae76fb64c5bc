"""Export then import gives an identical export (issue 20): for every provider, over
states generated from the package's own Hypothesis strategies (records as the seeds
take them, tenants, settings, faults and the clock, and what requests make: each
provider's sends with chosen outcomes, its webhook settings, NCP's mail requests),
through Python data and through the streamed text, at both control-plane routes."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import FakeServer
from pytest_mailblocks import strategies as mb
from pytest_mailblocks.core.snapshot import import_state, read, text
from pytest_mailblocks.generators.strategies import emails
from pytest_mailblocks.providers import register, unregister

from .conftest import examples
from .test_fifth_provider import ENTRY

_NAMES = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_INSTANTS = st.integers(1_500_000_000, 1_900_000_000)
#: a webhook URL nothing listens on (a post fails at once and waits for its retry)
_HOOK = "http://127.0.0.1:9/hook"


def _outcomes(draw: Any, handle: Any) -> None:
    """Outcomes chosen for a few addresses (kinds every provider takes)."""
    for address in draw(st.lists(emails(idn=False), max_size=2)):
        handle.outcome(address, draw(st.sampled_from(["bounce", "block", "deliver", "invalid"])))


@st.composite
def sendgrid_states(draw: Any, server: FakeServer) -> None:
    sg = server.sendgrid
    subusers = draw(st.lists(_NAMES, max_size=2, unique=True))
    seed: dict[str, Any] = {"subusers": subusers}
    for kind in ("blocks", "bounces", "spam_reports", "invalid_emails", "unsubscribes"):
        items = draw(st.lists(mb.sendgrid_records(kind), max_size=4))
        seed[kind] = [{**item, "subuser": draw(st.sampled_from([None, *subusers]))} for item in items]
    seed["api_keys"] = [
        {
            "name": name,
            "scopes": draw(st.none() | st.lists(_NAMES, max_size=3)),
            "subuser": draw(st.sampled_from([None, *subusers])),
        }
        for name in draw(st.lists(_NAMES, max_size=2))
    ]
    seed["rate_limit"] = draw(st.integers(1, 1000))
    sg.seed(seed)
    if draw(st.booleans()):
        sg.set_event_webhook(_HOOK, signed=draw(st.booleans()), subuser=draw(st.sampled_from([None, *subusers])))
    _outcomes(draw, sg)
    if draw(st.booleans()):
        body = draw(mb.sendgrid_mail_send_bodies(max_recipients=3))
        with server.requests_session() as s:
            r = s.post(sg.url + "/v3/mail/send", json=body, headers={"Authorization": f"Bearer {sg.api_key}"})
        assert r.status_code == 202, r.text


@st.composite
def cmc_states(draw: Any, server: FakeServer) -> None:
    cmc = server.cmc
    compositions = draw(st.lists(_NAMES.filter(lambda n: n != "mailblocks"), max_size=2, unique=True))
    seed: dict[str, Any] = {
        "compositions": compositions,
        "users": [
            {"api_user": f"u-{n}", "role": draw(st.sampled_from(["admin", "user"])), "time_zone": "UTC"}
            for n in draw(st.lists(_NAMES, max_size=2, unique=True))
        ],
        "settings": {
            "block_threshold": draw(st.integers(1, 3)),
            "empty_list_status": draw(st.sampled_from([200, 204])),
        },
    }
    where = st.sampled_from([None, *compositions])
    seed["blocks"] = [
        {**b, "server_composition": draw(where), "removed": draw(st.booleans())}
        for b in draw(st.lists(mb.cmc_blocks(), max_size=4))
    ]
    seed["unsubscribes"] = [
        {**u, "server_composition": draw(where), "pending": draw(st.booleans())}
        for u in draw(st.lists(mb.cmc_unsubscribes(), max_size=4))
    ]
    if draw(st.booleans()):
        seed["encryption"] = {"password": draw(_NAMES), "cipher": draw(st.sampled_from(["zipcrypto", "aes"]))}
    cmc.seed(seed)
    for address in draw(st.lists(emails(idn=False), max_size=2)):
        cmc.record_delivery_error(address, server_composition=draw(where))
    if draw(st.booleans()):
        cmc.set_event_webhook(
            _HOOK,
            events=draw(st.none() | st.lists(st.sampled_from(["deliveries", "bounces", "blocks"]), unique=True)),
            json=draw(st.booleans()),
            api_key=draw(st.none() | _NAMES),
            max_events=draw(st.integers(1, 5)),
            timezone=draw(st.sampled_from(["+09:00", "UTC", "-05:30"])),
        )
    _outcomes(draw, cmc)
    if draw(st.booleans()):
        params = draw(mb.cmc_send_params(max_recipients=3))
        with server.requests_session() as s:
            r = s.post(cmc.url + "/api/v2/emails/send.json", data={**cmc.auth, **params})
        assert r.status_code == 200, r.text


@st.composite
def ncp_states(draw: Any, server: FakeServer) -> None:
    ncp = server.ncp
    projects = draw(st.lists(_NAMES.filter(lambda n: n != "default"), max_size=2, unique=True))
    seed: dict[str, Any] = {
        "projects": [
            {"name": p, "block_hours": draw(st.integers(1, 500)), "login_error": draw(st.booleans())} for p in projects
        ],
        "access_keys": [
            {"project": draw(st.sampled_from(["default", *projects]))} for _ in range(draw(st.integers(0, 2)))
        ],
        "blocks": [
            {
                **b,
                "region": draw(st.sampled_from(["KR", "SGN", "JPN"])),
                "project": draw(st.sampled_from([None, *projects])),
            }
            for b in draw(st.lists(mb.ncp_send_blocks(), max_size=4, unique_by=lambda b: b["email"].lower()))
        ],
        "unsubscribers": [
            {"email": e, "by_manager": draw(st.booleans()), "project": draw(st.sampled_from([None, *projects]))}
            for e in draw(st.lists(emails(idn=False), max_size=3, unique_by=str.lower))
        ],
    }
    if draw(st.booleans()):
        seed["quota"] = {"limit": draw(st.integers(0, 100)), "period": draw(st.sampled_from(["minute", "day"]))}
    ncp.seed(seed)
    if seed["blocks"] and draw(st.booleans()):
        first = seed["blocks"][0]
        ncp.remove_block(first["email"], region=first["region"])
    _outcomes(draw, ncp)
    for _ in range(0 if "quota" in seed else draw(st.integers(0, 2))):  # mail requests, some held
        body = {**draw(mb.ncp_mail_send_bodies(max_recipients=3)), "confirmAndSend": draw(st.booleans())}
        with server.requests_session() as s:
            r = s.post(ncp.url + "/api/v1/mails", json=body, headers=ncp.signed_headers("POST", "/api/v1/mails"))
        assert r.status_code == 201, r.text


@st.composite
def sendcloud_states(draw: Any, server: FakeServer) -> None:
    users = draw(st.lists(_NAMES, max_size=2, unique=True))
    owner = st.sampled_from([None, *users])
    server.sendcloud.seed(
        {
            "api_users": users,
            "count_mode": draw(st.sampled_from(["rows", "total"])),
            "blocks": [{**b, "api_user": draw(owner)} for b in draw(st.lists(mb.sendcloud_blocks(), max_size=4))]
            + draw(st.lists(st.sampled_from(["example.org", "example.net"]), max_size=2)),
            "bounces": [{**b, "api_user": draw(owner)} for b in draw(st.lists(mb.sendcloud_bounces(), max_size=3))],
            "unsubscribes": [
                {**u, "api_user": draw(owner)} for u in draw(st.lists(mb.sendcloud_unsubscribes(), max_size=3))
            ],
            "complaints": [
                {**c, "api_user": draw(owner)} for c in draw(st.lists(mb.sendcloud_complaints(), max_size=2))
            ],
        }
    )
    sc = server.sendcloud
    if draw(st.booleans()):
        sc.set_webhook(
            _HOOK,
            api_user=draw(st.sampled_from(["all", *users])),
            events=draw(st.none() | st.lists(st.sampled_from(["deliver", "invalid", "soft_bounce"]), min_size=1)),
            body=draw(st.sampled_from(["form", "json"])),
        )
    _outcomes(draw, sc)
    if draw(st.booleans()):  # a send: its bounces carry the backoff schedule's expiry
        params = {
            **draw(mb.sendcloud_mail_send_params(max_recipients=3)),
            "to": "bounce@simulator.mailblocks.test",
            "sendRequestId": draw(_NAMES),
        }
        with server.requests_session() as s:
            r = s.post(sc.url + "/api/mail/send", data={"apiUser": sc.api_user, "apiKey": sc.api_key, **params})
        assert r.json()["result"] is True, r.text


@st.composite
def acme_states(draw: Any, server: FakeServer) -> None:
    server.acme.seed({"blocks": draw(st.lists(mb.acme_blocks(), max_size=4))})


STATES = {
    "sendgrid": sendgrid_states,
    "cmc": cmc_states,
    "ncp": ncp_states,
    "sendcloud": sendcloud_states,
    "acme": acme_states,
}


@pytest.fixture(scope="module")
def server():
    register(ENTRY)
    try:
        with FakeServer() as server:
            yield server
    finally:
        unregister(ENTRY.key)


def _arrange(server: FakeServer, data: Any, key: str) -> None:
    server.reset()
    server.clock.freeze(data.draw(_INSTANTS, label="now"))
    data.draw(STATES[key](server), label=key)
    if data.draw(st.booleans(), label="fault"):
        server.handle(key).inject_fault(
            status=data.draw(st.sampled_from([429, 500, 503])), times=data.draw(st.integers(1, 3))
        )
    if data.draw(st.booleans(), label="clock running"):
        server.clock.real()


def _said(server: FakeServer, key: str) -> Any:
    """What the handle says of the send path (after the export: it makes a delivery)."""
    handle = server.handle(key)
    if not hasattr(handle, "outcomes"):
        return None
    return handle.outcomes(), handle.events(), handle.sends()


@pytest.mark.parametrize("key", STATES)
@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_export_then_import_gives_an_identical_export(server, key, data):
    _arrange(server, data, key)
    before = server.export_state()
    assert before["providers"][key], "the provider's part is there"
    through_text = "".join(text(server.app))
    assert json.loads(through_text) == before, "the streamed text says what the Python data says"
    said = _said(server, key)
    server.reset()
    server.import_state(before)
    assert server.export_state() == before
    assert _said(server, key) == said, "the send path answers as it did"
    server.reset()
    import_state(server.app, read(server.app, io.BytesIO(through_text.encode()).read))
    assert server.export_state() == before


@pytest.mark.parametrize("key", STATES)
@settings(max_examples=examples(8), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_control_plane_round_trips_each_provider_and_the_whole_fake(server, key, data):
    _arrange(server, data, key)
    base = server.url + "/_mailblocks"
    with requests.Session() as http:
        whole = http.get(base + "/state", timeout=30)
        one = http.get(f"{base}/{key}/state", timeout=30)
        assert (whole.status_code, one.status_code) == (200, 200)
        assert one.json()["state"] == whole.json()["providers"][key]
        server.handle(key).reset()  # one provider's snapshot leaves the clock as it is
        r = http.put(f"{base}/{key}/state", data=one.content, timeout=30)
        assert r.status_code == 200, r.text
        assert http.get(f"{base}/{key}/state", timeout=30).content == one.content
        server.reset()
        r = http.put(base + "/state", data=whole.content, timeout=30)
        assert r.status_code == 200, r.text
        assert http.get(base + "/state", timeout=30).content == whole.content
