"""A fifth provider from a package in the test tree (``tests/fifth``) and one registry
entry, with no change to any file under ``src/`` (issue 22): it serves its route, its
errors in its own format, its handle, its inspector page, its control-plane seed, its
strategy and its generated records, and the pytest plugin's fixtures for it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import FakeServer
from pytest_mailblocks.providers import REGISTRY, Entry, register, unregister

from .conftest import examples

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
ENTRY = Entry("acme", "tests.fifth:Acme", ("api_key",), ("/acme/",), frozenset({"x-acme-key"}))
REGISTER = """
from pytest_mailblocks.providers import Entry, register

register(Entry("acme", "tests.fifth:Acme", ("api_key",), ("/acme/",), frozenset({"x-acme-key"})))
"""


@pytest.fixture
def acme():
    register(ENTRY)
    try:
        yield ENTRY
    finally:
        unregister(ENTRY.key)


@pytest.fixture
def server(acme):
    with FakeServer() as server:
        yield server


def test_the_entry_says_what_the_class_says(acme):
    from tests.fifth import Acme

    assert (Acme.key, set(Acme.default_credentials), Acme.prefixes, Acme.secrets) == (
        acme.key,
        set(acme.credentials),
        acme.prefixes,
        acme.secrets,
    )
    assert list(REGISTRY)[-1] == "acme"


def test_it_serves_its_route_with_its_auth_and_its_errors(server):
    acme = server.acme
    acme.add_block("Blocked@Example.com", created=1_700_000_000)
    url = acme.url + "/acme/v1/blocks"
    r = requests.get(url, headers={"X-Acme-Key": acme.api_key})
    assert (r.status_code, r.json()) == (200, [{"created": 1_700_000_000, "email": "Blocked@Example.com"}])
    r = requests.get(url)
    assert (r.status_code, r.json()) == (401, {"error": {"code": "auth", "message": "a valid X-Acme-Key is required"}})
    r = requests.delete(url + "/nobody@example.com", headers={"X-Acme-Key": acme.api_key})
    assert (r.status_code, r.json()["error"]) == (
        404,
        {"code": "not_listed", "message": "nobody@example.com is not blocked"},
    )
    r = requests.get(acme.url + "/acme/v2/nothing")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    r = requests.post(url)
    assert (r.status_code, r.headers["Allow"]) == (405, "GET, HEAD")
    # the other providers are served beside it, at their own paths
    assert requests.get(acme.url + "/v3/suppression/blocks").status_code == 401


def test_its_journal_and_faults_are_the_cores(server):
    acme = server.acme
    acme.inject_fault("list_blocks", status=401, times=1)
    r = requests.get(acme.url + "/acme/v1/blocks", headers={"X-Acme-Key": acme.api_key})
    assert (r.status_code, r.json()["error"]["code"]) == (401, "auth")
    entry = acme.requests.last
    assert (entry.endpoint, entry.status, entry.error_code) == ("list_blocks", 401, "auth")
    assert entry.to_dict()["headers"]["X-Acme-Key"] == "<redacted>"
    requests.delete(acme.url + "/acme/v1/blocks/a@example.com", headers={"X-Acme-Key": acme.api_key})
    assert [e.endpoint for e in acme.requests] == ["list_blocks", "delete_block"]


def test_it_is_seeded_by_its_handle_and_the_control_plane_all_or_nothing(server):
    acme = server.acme
    assert acme.seed({"blocks": ["a@example.com"]}) == 1
    r = requests.post(server.url + "/_mailblocks/acme/blocks", json=[{"email": "b@example.com", "created": 5}])
    assert (r.status_code, r.json()) == (201, {"provider": "acme", "seeded": 1})
    r = requests.get(server.url + "/_mailblocks/acme/blocks")
    assert [b["email"] for b in r.json()["blocks"]] == ["b@example.com", "a@example.com"]
    r = requests.post(server.url + "/_mailblocks/seed", json={"acme": ["c@example.com"], "sendgrid": [{"x": 1}]})
    assert r.status_code == 400 and "sendgrid.blocks[0]" in r.json()["message"]
    assert [b["email"] for b in acme.blocks()] == ["b@example.com", "a@example.com"]
    assert requests.get(server.url + "/_mailblocks/acme").json()["blocks"] == 2


def test_its_view_shows_it_in_the_inspector(server):
    server.acme.add_block("shown@example.com")
    ui = server.url + "/_mailblocks/ui"
    assert "Acme Mail (blocks)" in requests.get(ui + "/").text
    page = requests.get(ui + "/providers/acme").text
    assert "shown@example.com" in page and "Add to blocks" in page and "Delete" in page
    assert "<h2>Sends" not in page and "<h2>Events" not in page  # no send path, no delivery tables


@settings(max_examples=examples(20), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_its_strategies_are_exported_and_get_its_answers(server, data):
    from pytest_mailblocks import strategies as mb

    server.reset()
    acme = server.acme
    block = data.draw(mb.acme_blocks())
    assert acme.seed({"blocks": [block]}) == 1
    case = data.draw(mb.acme_delete_cases(valid=data.draw(st.booleans())))
    acme.reset()
    acme.seed(case.seed)
    r = requests.delete(f"{acme.url}/acme/v1/blocks/{case.params}", headers={"X-Acme-Key": acme.api_key})
    assert r.status_code == (200 if case.valid else case.error.status)


def test_its_generated_records_seed_it(server):
    acme = server.acme
    server.clock.freeze("2024-05-01T00:00:00Z")
    assert acme.seed(25, seed=3) == 25
    first = acme.blocks()
    acme.reset()
    acme.seed(25, seed=3)
    assert acme.blocks() == first and len({b["email"].lower() for b in first}) == 25


def test_the_plugin_gives_its_fixtures(pytester, monkeypatch):
    pytester.makeconftest(REGISTER)
    pytester.makepyfile(
        """
        def test_fake(acme_fake):
            acme_fake.add_block("f@example.com")
            assert [b["email"] for b in acme_fake.blocks()] == ["f@example.com"]

        def test_client(acme_fake, acme_client):
            r = acme_client.get(acme_fake.url + "/acme/v1/blocks", headers={"X-Acme-Key": acme_fake.api_key})
            assert (r.status_code, r.json()) == (200, [])
        """
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_nothing_under_src_names_it():
    src = ROOT / "src" / "pytest_mailblocks"
    assert not [str(p) for p in src.rglob("*.py") if "acme" in p.read_text(encoding="utf-8").lower()]
    assert textwrap.dedent(REGISTER).count("register(") == 1


def test_its_state_room_puts_it_in_snapshots(server):
    acme = server.acme
    acme.add_block("kept@example.com", created=1_700_000_000)
    acme.inject_fault("list_blocks", status=503)
    snapshot = requests.get(server.url + "/_mailblocks/acme/state").json()
    assert snapshot["state"] == {
        "api_key": acme.api_key,
        "blocks": [{"created": 1_700_000_000, "email": "kept@example.com"}],
    }
    assert server.export_state()["providers"]["acme"] == snapshot["state"]
    acme.reset()
    assert requests.put(server.url + "/_mailblocks/acme/state", json=snapshot).status_code == 200
    assert acme.blocks() == [{"created": 1_700_000_000, "email": "kept@example.com"}] and len(server.faults) == 1
    snapshot["state"]["blocks"].append({"created": 1, "email": "KEPT@example.com"})
    r = requests.put(server.url + "/_mailblocks/acme/state", json=snapshot)
    assert (r.status_code, r.json()["message"]) == (
        400,
        "$.state.blocks[1]: a second block for 'kept@example.com' (the first is [0])",
    )


BARE = Entry("bare", "tests.bare:Bare", ("api_key",), ("/bare/",), frozenset({"x-acme-key"}))


def test_a_provider_without_a_state_room_is_served_and_left_out_of_snapshots(acme):
    register(BARE)
    try:
        with FakeServer() as server:
            server.bare.add_block("bare@example.com")
            server.acme.add_block("acme@example.com")
            snapshot = server.export_state()
            assert "bare" not in snapshot["providers"] and snapshot["without_state"] == ["bare"]
            r = requests.get(server.url + "/_mailblocks/bare/state")
            assert (r.status_code, r.json()["message"]) == (
                404,
                "bare keeps no snapshot: its package has no state room",
            )
            r = requests.put(server.url + "/_mailblocks/state", json={**snapshot, "providers": {"bare": {}}})
            assert (r.status_code, r.json()["message"]) == (
                400,
                "$.providers.bare: bare keeps no snapshot (its package has no state room)",
            )
            assert server.bare.blocks() != []
            server.import_state(snapshot)  # the whole fake: the provider without state is emptied
            assert server.bare.blocks() == [] and [b["email"] for b in server.acme.blocks()] == ["acme@example.com"]
            assert server.export_state() == snapshot
            # the inspector offers a snapshot of a provider only where it keeps one
            pages = {key: requests.get(f"{server.url}/_mailblocks/ui/providers/{key}").text for key in ("acme", "bare")}
            assert 'id="snapshot"' in pages["acme"] and 'id="snapshot"' not in pages["bare"]
    finally:
        unregister(BARE.key)
