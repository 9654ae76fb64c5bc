"""Snapshots over the control plane and from Python (issue 20): what an export holds,
an import all or nothing (a bad snapshot is a 400 naming the JSON path and changes
nothing, under concurrent requests too), the streamed answer, the body cap, and the
seeds that take a snapshot."""

from __future__ import annotations

import copy
import json
import re
import threading
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import ControlError, FakeServer

from ..conftest import examples

CP = "/_mailblocks"


@pytest.fixture(scope="module")
def server():
    with FakeServer() as server:
        yield server


@pytest.fixture
def fake(server):
    server.reset()
    yield server
    server.reset()


def _arranged(fake: FakeServer) -> dict[str, Any]:
    """A fake holding something in every provider, a fault and a frozen clock."""
    fake.clock.freeze("2024-05-01T00:00:00Z")
    fake.seed(
        {
            "sendgrid": {
                "subusers": ["shop"],
                "blocks": ["a@example.com", {"email": "b@example.com", "subuser": "shop"}],
            },
            "cmc": {"blocks": ["c@example.com"], "unsubscribes": [{"email": "p@example.com", "pending": True}]},
            "ncp": {"blocks": [{"email": "n@example.com", "region": "SGN"}], "quota": {"limit": 3}},
            "sendcloud": {"api_users": ["second"], "blocks": ["example.org"], "bounces": ["d@example.com"]},
        }
    )
    fake.sendgrid.inject_fault("list_blocks", status=503, times=2)
    return fake.export_state()


def _count(snapshot: dict[str, Any]) -> int:
    return len(snapshot["providers"]["sendgrid"]["accounts"]["mailblocks"]["blocks"])


# -- what an export holds -------------------------------------------------------------------------
def test_an_export_holds_every_provider_the_faults_and_the_clock(fake):
    snapshot = _arranged(fake)
    assert snapshot["mailblocks_snapshot"] == 1
    assert snapshot["clock"] == {"mode": "frozen", "now": "2024-05-01T00:00:00Z"}
    assert [(f["provider"], f["endpoint"], f["status"], f["times"], f["hits"]) for f in snapshot["faults"]] == [
        ("sendgrid", "list_blocks", 503, 2, 0)
    ]
    sg = snapshot["providers"]["sendgrid"]
    assert sg["accounts"]["shop"]["blocks"] == [
        {
            "created": 1714521600,
            "email": "b@example.com",
            "reason": sg["accounts"]["shop"]["blocks"][0]["reason"],
            "status": "5.7.1",
        }
    ]
    assert sg["api_keys"][0] == {
        "api_key": fake.sendgrid.api_key,
        "name": "mailblocks default (full access)",
        "scopes": None,
        "owner": "mailblocks",
    }
    assert snapshot["providers"]["cmc"]["compositions"]["mailblocks"]["pending"][0]["email"] == "p@example.com"
    assert snapshot["providers"]["ncp"]["blocks"]["SGN"]["active"][0]["address"] == "n@example.com"
    assert snapshot["providers"]["ncp"]["quotas"] == [{"access_key": None, "limit": 3, "period": "day"}]
    assert set(snapshot["providers"]["sendcloud"]["api_users"]) == {"mailblocks_default", "second"}
    assert "without_state" not in snapshot


def test_the_clock_modes_go_back_as_they_were(fake):
    fake.clock.set("2030-01-01T00:00:00Z")
    running = fake.export_state()["clock"]
    assert running["mode"] == "offset" and running["now"].startswith("2030-01-01T00:00")
    fake.reset()
    fake.import_state({**fake.export_state(), "clock": running})
    assert fake.clock.describe()["mode"] == "offset" and fake.clock.now().year == 2030
    fake.import_state({**fake.export_state(), "clock": {"mode": "real"}})
    assert fake.clock.is_real


def test_fault_ids_and_hits_are_kept_and_new_ids_follow(fake):
    fake.sendgrid.inject_fault(status=500)
    fake.cmc.inject_fault(status=503, times=3)
    with fake.cmc.httpx_client() as c:
        c.post("/transaction/v2/blocks/list.json")
    before = [(f.id, f.hits) for f in fake.faults]
    assert [hits for _, hits in before] == [0, 1]
    snapshot = fake.export_state()
    fake.reset()
    fake.import_state(snapshot)
    assert [(f.id, f.hits) for f in fake.faults] == before
    assert fake.ncp.inject_fault(status=500).id == f"f{int(before[-1][0][1:]) + 1}"
    fake.reset()
    fake.faults.add(status=500)
    fake.faults.add(status=500)  # ids from before the import
    fake.import_state(snapshot)
    assert [f.id for f in fake.faults] == [f for f, _ in before]


def test_a_signed_webhook_keeps_its_key(fake):
    hook = fake.sendgrid.set_event_webhook("http://127.0.0.1:9/hook", signed=True)
    snapshot = fake.export_state()
    assert (
        "BEGIN PRIVATE KEY"
        in snapshot["providers"]["sendgrid"]["accounts"]["mailblocks"]["event_webhooks"][0]["private_key"]
    )
    fake.reset()
    fake.import_state(snapshot)
    assert fake.sendgrid.event_webhooks() == [hook]


# -- one provider ---------------------------------------------------------------------------------
def test_one_providers_snapshot_replaces_only_that_provider_and_its_faults(fake):
    _arranged(fake)
    one = requests.get(fake.url + CP + "/sendgrid/state", timeout=10).json()
    assert list(one) == ["mailblocks_snapshot", "provider", "faults", "state"]
    fake.sendgrid.reset()
    fake.cmc.add_block("kept@example.com")
    fake.clock.freeze("2030-01-01T00:00:00Z")
    r = requests.put(fake.url + CP + "/state", data=json.dumps(one), timeout=10)  # the whole fake's route too
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == ["sendgrid"]
    assert [b["email"] for b in fake.sendgrid.blocks()] == ["a@example.com"]
    assert {b["email"] for b in fake.cmc.blocks()} == {"c@example.com", "kept@example.com"}
    assert fake.clock.now().year == 2030 and len(fake.faults) == 1


def test_a_providers_route_takes_its_part_of_a_whole_snapshot(fake):
    whole = _arranged(fake)
    fake.reset()
    r = requests.put(fake.url + CP + "/ncp/state", data=json.dumps(whole), timeout=10)
    assert r.status_code == 200, r.text
    assert fake.ncp.export_state()["state"] == whole["providers"]["ncp"]
    assert fake.sendgrid.blocks() == [] and fake.faults.to_list() == []
    r = requests.put(fake.url + CP + "/cmc/state", data=json.dumps(fake.ncp.export_state()), timeout=10)
    assert (r.status_code, r.json()["message"]) == (400, "$.provider: a snapshot of ncp, not of cmc")


def test_a_provider_left_out_of_a_whole_snapshot_is_emptied(fake):
    whole = _arranged(fake)
    del whole["providers"]["cmc"]
    fake.import_state(whole)
    assert fake.cmc.blocks() == [] and [b["email"] for b in fake.sendgrid.blocks()] == ["a@example.com"]


# -- all or nothing -------------------------------------------------------------------------------
def _mutated(snapshot: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(snapshot)
    *parents, last = path.split("/")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


_DELETE = object()
SG = "providers/sendgrid"
BAD = [
    ("mailblocks_snapshot", 2, "$.mailblocks_snapshot: unsupported snapshot format 2; this version reads 1"),
    ("providers/mailgun", {}, "$.providers: unknown provider(s) ['mailgun']"),
    ("clock/mode", "slow", "$.clock.mode: mode must be one of ['real', 'frozen', 'offset']"),
    ("clock/now", "soon", "$.clock.now: 'soon' is not an ISO 8601 date"),
    ("faults/0/status", 200, "$.faults[0]: status must be an integer from 400 to 599"),
    (
        f"{SG}/accounts/mailblocks/blocks/0/email",
        5,
        "$.providers.sendgrid.accounts.mailblocks.blocks[0].email: must be",
    ),
    (f"{SG}/accounts/mailblocks/blocks/0/colour", "red", "blocks[0]: unknown ['colour']"),
    (f"{SG}/accounts/shop/account_id", "1", "$.providers.sendgrid.accounts.shop.account_id: account id '1'"),
    (f"{SG}/api_keys/0/owner", "nobody", "$.providers.sendgrid.api_keys[0].owner: unknown account 'nobody'"),
    (f"{SG}/accounts/mailblocks", _DELETE, "$.providers.sendgrid.accounts: the parent account 'mailblocks' is missing"),
    (
        "providers/cmc/compositions/mailblocks/blocks/0/status",
        42,
        "compositions.mailblocks.blocks[0].status: must be one of",
    ),
    ("providers/cmc/default_user", "ghost", "$.providers.cmc.default_user: must name one of"),
    ("providers/cmc/settings/empty_list_status", 201, "$.providers.cmc.settings: empty_list_status must be 200 or 204"),
    ("providers/ncp/blocks/SGN/history", [], "$.providers.ncp.blocks.SGN.active[0]: a block in force is"),
    ("providers/ncp/access_keys/0/project", "ghost", "$.providers.ncp.access_keys[0].project: unknown project"),
    (
        "providers/sendcloud/api_users/mailblocks_default/blocks/0/domain",
        "",
        "blocks[0]: a block row holds an email or a domain",
    ),
    ("providers/sendcloud/count_mode", "all", "$.providers.sendcloud.count_mode: must be one of ['rows', 'total']"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_snapshot_is_a_400_naming_the_json_path_and_changes_nothing(fake, path, value, message):
    good = _arranged(fake)
    bad = _mutated(good, path, value)
    fake.sendgrid.add_block("since@example.com")  # the state the refused import must leave
    before = fake.export_state()
    r = requests.put(fake.url + CP + "/state", data=json.dumps(bad), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "bad_request", r.text
    assert message in r.json()["message"]
    assert fake.export_state() == before
    with pytest.raises(ControlError, match=re.escape(message)):
        fake.import_state(bad)
    assert fake.export_state() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"mailblocks_snapshot": 1, "providers": {"sendgrid": {"accounts": {', "invalid JSON at line 1, column"),
        (b'{"sendgrid": []}', 'expected a snapshot: a JSON object with "mailblocks_snapshot": 1'),
        (b"[1]", "expected a snapshot"),
        (b'{"mailblocks_snapshot": 1, "providers": {}} x', "extra data after the document"),
        (b'\xff{"mailblocks_snapshot": 1}', "not UTF-8 (byte 0)"),
        (b"", "expected a snapshot in the body"),
    ],
)
def test_a_body_that_is_no_snapshot_is_a_400(fake, body, message):
    before = _arranged(fake)
    r = requests.put(fake.url + CP + "/state", data=body, timeout=10)
    assert r.status_code == 400 and message in r.json()["message"], r.text
    assert fake.export_state() == before


def test_methods_and_a_provider_without_state(fake):
    assert requests.post(fake.url + CP + "/state", timeout=10).status_code == 405
    assert requests.get(fake.url + CP + "/state/save", timeout=10).status_code == 405
    r = requests.get(fake.url + CP + "/mailgun/state", timeout=10)
    assert r.status_code == 404 and "unknown control path" in r.json()["message"]


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_snapshot_is_taken_or_refused_never_a_500(fake, data):
    fake.reset()
    good = _arranged(fake)
    paths: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for k, v in items:
            paths.append(f"{prefix}{k}")
            walk(v, f"{prefix}{k}/")

    walk(good, "")
    path = data.draw(st.sampled_from(paths))
    value = data.draw(
        st.one_of(
            st.just(_DELETE),
            st.none(),
            st.booleans(),
            st.integers(-(2**64), 2**64),
            st.floats(allow_nan=False),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        )
    )
    try:
        bad = _mutated(good, path, value)
    except (KeyError, IndexError, ValueError, TypeError):
        return
    before = fake.export_state()
    r = requests.put(fake.url + CP + "/state", data=json.dumps(bad), timeout=10)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert fake.export_state() == before
    else:  # taken: the fake still answers every list
        for key in fake.providers:
            assert requests.get(f"{fake.url}{CP}/{key}/blocks", timeout=10).status_code in (200, 400)
    fake.check()


def test_an_import_is_one_step_for_concurrent_requests(fake):
    fake.sendgrid.add_blocks([f"a{i}@example.com" for i in range(300)])
    small = fake.export_state()
    fake.sendgrid.add_blocks([f"b{i}@example.com" for i in range(700)])
    big = fake.export_state()
    bodies = [json.dumps(small).encode(), json.dumps(big).encode()]
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                r = http.get(fake.url + CP + "/state", timeout=30)
                seen.add(_count(r.json()))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with requests.Session() as http:
            for i in range(10):
                assert http.put(fake.url + CP + "/state", data=bodies[i % 2], timeout=30).status_code == 200
    finally:
        stop.set()
        reader.join()
    assert seen <= {300, 1000} and seen


# -- the answer and the body ----------------------------------------------------------------------
def test_the_export_is_streamed_and_the_journal_keeps_no_copy(fake):
    _arranged(fake)
    with requests.Session() as http:
        r = http.get(fake.url + CP + "/state", timeout=10)
        assert (r.headers["Transfer-Encoding"], r.headers["Cache-Control"]) == ("chunked", "no-store")
        assert "Content-Length" not in r.headers and r.content.endswith(b"}\n")
        head = http.head(fake.url + CP + "/state?download=1", timeout=10)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["Content-Disposition"] == 'attachment; filename="mailblocks-state.json"'
        assert http.get(fake.url + CP + "/health", timeout=10).status_code == 200  # the connection goes on
        put = http.put(fake.url + CP + "/state", data=r.content, timeout=10)
        assert put.status_code == 200
    entries = fake.journal("_mailblocks").filter(endpoint=None)
    get, put_entry = [e for e in entries if e.path == CP + "/state" and e.method in ("GET", "PUT")][-2:]
    assert get.to_dict()["response_body"] == "" and put_entry.to_dict()["body"] == ""
    assert put_entry.to_dict()["body_size"] == len(r.content)


def test_in_process_and_chunked_uploads_import_too(fake):
    body = json.dumps(_arranged(fake)).encode()
    fake.reset()
    with fake.requests_session() as s:
        assert s.put(fake.url + CP + "/state", data=body).status_code == 200
    fake.reset()
    r = requests.put(fake.url + CP + "/state", data=iter([body[:100], body[100:]]), timeout=10)
    assert r.status_code == 200, r.text
    assert _count(fake.export_state()) == 1


def test_a_snapshot_has_its_own_body_cap():
    with FakeServer(max_body=2000, max_state_body=60_000) as server:
        server.sendgrid.add_blocks([f"user{i}@example.com" for i in range(100)])
        body = requests.get(server.url + CP + "/state", timeout=10).content
        assert 2000 < len(body) < 60_000
        server.reset()
        r = requests.put(server.url + CP + "/state", data=body, timeout=10)  # over max_body: spooled to a file
        assert r.status_code == 200, r.text
        assert len(server.sendgrid.blocks()) == 100
        r = requests.post(server.url + CP + "/seed", data=body, timeout=10)
        assert r.status_code == 413  # any other route keeps max_body
        big = body + b" " * 60_000
        for data in (big, iter([big])):
            r = requests.put(server.url + CP + "/state", data=data, timeout=10)
            assert (r.status_code, r.json()["message"]) == (
                413,
                "snapshot too large: this server takes at most 60000 bytes",
            )
        assert len(server.sendgrid.blocks()) == 100


# -- seeds that are snapshots ---------------------------------------------------------------------
def test_seeds_take_a_snapshot(fake):
    snapshot = _arranged(fake)
    fake.reset()
    r = requests.post(fake.url + CP + "/seed", json=snapshot, timeout=10)
    assert r.status_code == 200 and fake.export_state() == snapshot
    fake.reset()
    assert fake.seed(snapshot) == {"sendgrid": 0, "cmc": 0, "ncp": 0, "sendcloud": 0}
    assert fake.export_state() == snapshot
    fake.sendgrid.reset()
    assert fake.sendgrid.seed(snapshot) == 0  # its part of the whole snapshot
    assert fake.export_state() == snapshot
    with pytest.raises(ControlError, match=r"seed: \$\.mailblocks_snapshot: unsupported snapshot format"):
        fake.app.seed({**snapshot, "mailblocks_snapshot": 9})


def test_rows_that_expire_come_back_whatever_the_clock_at_the_import(fake):
    """A SendCloud bounce from a send goes at its expiry; a snapshot taken with the
    clock before it is whole again after an import made when the clock is past it."""
    fake.clock.freeze("2024-05-01T00:00:00Z")
    sc = fake.sendcloud
    to = "bounce@simulator.mailblocks.test;bounce+2@simulator.mailblocks.test"
    with fake.requests_session() as s:
        r = s.post(
            sc.url + "/api/mail/send",
            data={
                "apiUser": sc.api_user,
                "apiKey": sc.api_key,
                "from": "a@example.com",
                "to": to,
                "subject": "s",
                "plain": "p",
            },
        )
    assert r.json()["result"] is True, r.text
    snapshot = fake.export_state()
    bounces = snapshot["providers"]["sendcloud"]["api_users"][sc.api_user]["bounces"]
    assert len(bounces) == 2 and all(b["expire_time"] is not None for b in bounces)
    fake.reset()  # the clock is real again: years past those expiries
    fake.import_state(snapshot)
    assert fake.export_state() == snapshot


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # no thread dies of it
def test_an_export_that_fails_half_way_is_cut_short_and_fails_the_test(fake, monkeypatch):
    """A bug while the answer is being written: the client sees an answer that is not
    whole (no last chunk), the fake's check fails, the server goes on serving."""
    from pytest_mailblocks.core import jsonstream

    fake.sendgrid.add_blocks([f"u{i}@example.com" for i in range(10_000)])

    def broken(values: list[Any]) -> Any:
        raise RuntimeError("a bug in the writer")

    monkeypatch.setattr(jsonstream, "_column", broken)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = requests.get(fake.url + CP + "/state", timeout=10).content
    monkeypatch.undo()
    with pytest.raises(AssertionError, match="internal error"):
        fake.check()
    fake.app.errors.clear()
    assert requests.get(fake.url + CP + "/health", timeout=10).status_code == 200
