"""Fuzzing every route of every provider, the control plane and the web inspector
(issue 9), with and without injected faults, bounded for CI; ``benchmarks/fuzz.py``
runs the same generators for 100,000+ requests (``--faults``: with faults)."""

from __future__ import annotations

import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import App, FakeServer
from pytest_mailblocks.providers import REGISTRY
from pytest_mailblocks.ui import inspector

from ..conftest import examples
from .fuzzing import (
    CMC_SEND,
    CONTROL,
    PROVIDERS,
    SEND_BODIES,
    SENDCLOUD_SEND,
    UI,
    FaultRun,
    fault_plans,
    mail_send_bodies,
    read_everything,
    requests_for,
    send,
    sendcloud_send_bodies,
    templates,
    wrong_types,
)

APP = App()
GUARDED = App(control_token="fuzz-token")
FAST = settings(suppress_health_check=list(HealthCheck))


def test_every_provider_is_fuzzed():
    """A new provider must say how to authenticate and what its formats look like."""
    assert set(REGISTRY) <= set(PROVIDERS)


def test_every_route_control_action_and_page_is_fuzzed():
    """The templates are read from the app: every provider rule, every control action
    of every provider, every inspector page."""
    rules = {(t.category, t.rule) for t in templates(APP)}
    for key, provider in APP.providers.items():
        assert {(key, r.rule) for r in provider.url_map.iter_rules()} <= rules
        for action in [*provider.control_actions(), "blocks", "requests", "reset", "faults"]:
            assert (CONTROL, f"/_mailblocks/{key}/{action}") in rules
    for path in ("", "/health", "/reset", "/clock", "/seed", "/requests", "/faults"):
        assert (CONTROL, "/_mailblocks" + path) in rules
    assert {(UI, r.rule) for r in inspector._RULES} <= rules


def test_every_send_route_draws_its_own_bodies():
    """Issue 21: the send routes (SendGrid's mail send, NCP's createMailRequest, CMC's
    emails/send and emails/bulk) are rules the app serves, so their requests carry the
    providers' send bodies (valid, one documented problem, or a field replaced) and get
    past validation."""
    rules = {t.rule for t in templates(APP) if t.category in APP.providers}
    assert set(SEND_BODIES) <= rules and len(SEND_BODIES) == 4


@settings(FAST, max_examples=examples(400))
@given(req=requests_for(APP))
def test_no_request_breaks_the_fake(req):
    APP.faults.clear()  # one a random control-plane body armed in an earlier example
    APP.clock.real()
    result = send(APP, req)
    assert result.problems == [], (result.status, result.body[:300])


@settings(FAST, max_examples=examples(150))
@given(path=st.sampled_from(sorted(SENDCLOUD_SEND)), form=sendcloud_send_bodies(), authed=st.booleans())
def test_sendcloud_sends_with_their_own_parameters_break_nothing(path, form, authed):
    """Issue 21: the send routes with bodies of their own vocabulary (most random
    requests never get past the parameters to the decision and the events)."""
    body, ctype = form
    req = {"provider": "sendcloud", "method": "POST", "path": path, "query": [], "body": body, "headers": []}
    if ctype:
        req["headers"].append(("Content-Type", ctype))
    if authed:
        PROVIDERS["sendcloud"].auth(APP, req)
    result = send(APP, req)
    assert result.problems == [], (result.status, result.body[:300])


@settings(FAST, max_examples=examples(120))
@given(reqs=st.lists(requests_for(APP), min_size=1, max_size=4))
def test_no_sequence_breaks_the_fake(reqs):
    """From a fresh state: a control-plane change (the clock moved, a seed, a fault
    armed by a random body) followed by requests that meet it, then a read of every
    provider's state (control plane and inspector)."""
    APP.reset()
    for req in [*reqs, *read_everything(APP)]:
        result = send(APP, req)
        assert result.problems == [], (req["method"], req["path"], result.status, result.body[:300])


@st.composite
def cmc_send_requests(draw):
    """CMC's send routes alone, their forms or JSON bodies drawn from the send strategies."""
    path = draw(st.sampled_from(["/api/v2/emails/send.json", "/api/v1/emails/send.xml", "/api/v2/emails/bulk.json"]))
    body, ctype = draw(mail_send_bodies(CMC_SEND))
    headers = [("Content-Type", ctype)] if ctype else []
    method = draw(st.sampled_from(["POST"] * 9 + ["PUT"]))
    req = {"provider": "cmc", "method": method, "path": path, "query": [], "body": body, "headers": headers}
    if draw(st.integers(0, 9)) < 8:
        PROVIDERS["cmc"].auth(APP, req)
    return req


#: a control-plane request moving the clock four days on (deferrals give up, batches run)
LATER = {
    "provider": CONTROL,
    "method": "POST",
    "path": "/_mailblocks/clock",
    "query": [],
    "body": b'{"advance": {"days": 4}}',
    "headers": [("Content-Type", "application/json")],
}


@settings(FAST, max_examples=examples(50))  # drawing a send is most of its cost; explore draws 20x
@given(reqs=st.lists(cmc_send_requests(), min_size=1, max_size=3))
def test_no_cmc_send_breaks_the_fake(reqs):
    """Issue 21: sends (often valid, sometimes with one problem or a field of any JSON),
    then the clock moved on so what they scheduled runs, then every read."""
    APP.reset()
    for req in [*reqs, LATER, *read_everything(APP)]:
        result = send(APP, req)
        assert result.problems == [], (req["method"], req["path"], result.status, result.body[:300])
    assert not APP.errors


def test_every_control_field_takes_a_wrong_type_cleanly():
    """Not random: every field of every control path (derived from the app) set to a
    list, an object, a huge number, null, a boolean, a long or empty string; then
    everything is read back. A 400 saying what is wrong, never a 500."""
    app = App()
    failures = []
    for name, reqs in wrong_types(app):
        app.reset()
        for req in [*reqs, *read_everything(app)]:
            result = send(app, req)
            failures += [(name, req["path"], req["body"][:80], p) for p in result.problems]
    assert failures == []


@settings(FAST, max_examples=examples(150))
@given(req=requests_for(GUARDED, "control"))
def test_a_guarded_control_plane_and_inspector_answer_cleanly(req):
    """With ``--control-token``: the token, the inspector's login page and cookie."""
    GUARDED.faults.clear()
    GUARDED.clock.real()
    result = send(GUARDED, req)
    assert result.problems == [], (result.status, result.body[:300])


def test_injected_faults_are_survived():
    """Random faults (status 4xx/5xx, latency up to 5 ms, connection resets, for the
    next n calls or until cleared) armed through the control plane, the provider's
    control plane, the Python API and the handles, then requests: each fault fires
    where it matches and nowhere else, in the provider's own format and headers,
    and the fake keeps answering."""
    app = App()
    run = FaultRun(app)

    @settings(FAST, max_examples=120, derandomize=True)  # the same plans each run: the counts below hold
    @given(plan=fault_plans(app))
    def one(plan):
        assert run.run(plan) == []

    one()
    assert run.requests >= 200
    assert set(run.armed) == {"control", "control-provider", "python", "handle"}, run.armed
    assert {"status", "latency", "reset"} <= {k for kind in run.fired for k in kind.split("+")}, run.fired
    assert run.resets and run.answered_after_reset == run.reset_runs


def test_garbage_on_the_socket_leaves_the_server_answering():
    junk = [
        b"\x00\x01\x02\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /_mailblocks/seed HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 300 + b"\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET /v3/suppression/blocks HTTP/1.1\r\nbad header line\r\n\r\n",
        b"\xff\xfe GET / HTTP/1.1\r\n\r\n",
    ]
    with FakeServer() as server:
        for data in junk:
            s = socket.create_connection((server.host, server.port), timeout=10)
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                answer = s.recv(65536)
            except OSError:
                answer = b""
            finally:
                s.close()
            if answer:
                status = int(answer.split(b" ", 2)[1])
                assert status < 500 or status == 501, answer[:200]
                assert b"Traceback" not in answer
        import requests

        assert requests.get(server.url + "/_mailblocks/health").status_code == 200
        assert not server.app.errors


# -- benchmarks/fuzz.py --seed (issue 19) ------------------------------------------------------
def _fuzz_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("mailblocks_fuzz_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fuzzer_draws_the_same_requests_and_fault_plans_from_the_same_seed():
    fuzz = _fuzz_module()
    app = App()
    app.clock.freeze("2024-05-01T00:00:00Z")  # the NCP signature carries the time

    def drawn(strategy, seed_value, n):
        out = []

        def keep(example):
            out.append(example)

        fuzz.draw_examples(strategy, n, seed_value, keep)
        return out

    first = drawn(requests_for(app), 1234, 20)
    assert len(first) == 20
    assert drawn(requests_for(app), 1234, 20) == first
    assert drawn(requests_for(app), 1235, 20) != first
    assert drawn(fault_plans(app), 99, 6) == drawn(fault_plans(app), 99, 6)


def test_the_fuzzer_prints_its_seed_first_and_with_a_failure(capsys, monkeypatch):
    fuzz = _fuzz_module()
    assert fuzz.main(["-n", "5", "--seed", "77"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "seed: 77 (replay: python benchmarks/fuzz.py --seed 77 -n 5)"
    assert out.splitlines()[-1] == "failures: 0"

    monkeypatch.setattr(fuzz, "fresh_seed", lambda: 5150)  # no --seed: a fresh one, printed
    monkeypatch.setattr(
        fuzz,
        "fuzz",
        lambda server, n, transport, seed_value: (
            n,
            {"sendgrid: broken": (3, {"method": "GET", "path": "/x", "query": []}, b"boom")},
        ),
    )
    assert fuzz.main(["-n", "5", "--socket"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "seed: 5150 (replay: python benchmarks/fuzz.py --seed 5150 -n 5 --socket)"
    assert "failures: 1 (seed 5150; replay: python benchmarks/fuzz.py --seed 5150 -n 5 --socket)" in lines
