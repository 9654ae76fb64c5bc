"""Record, then verify (issue 17, review of 17/19): traffic recorded from an account
that holds data replays clean against the fakes, for every provider.

Two recorders: vcrpy around real clients, one call per cassette, against the fake
itself (whatever it answered, the verifier must arrange the fake to answer again);
and ``mailblocks verify --target live --record`` against a ``mailblocks serve``-like
stand-in seeded through the control plane, whose recordings are redacted (renamed
addresses must still replay) and then verified with ``--recordings``, the loop
docs/ci.md (d) runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_mailblocks import FakeServer
from pytest_mailblocks.contract.verify import render_outcome, verify_paths

from ..standin import live_env, live_scenarios, seed_standin, totals

vcr = pytest.importorskip("vcr")
requests = pytest.importorskip("requests")

NOW = 1765000000  # 2025-12-06T05:46:40Z


#: name -> (method, url, keyword arguments of requests.request): one call, one cassette
Calls = dict[str, tuple[str, str, dict[str, Any]]]


def _sendgrid(server: FakeServer) -> Calls:
    sg = server.sendgrid
    sg.add_block("to1@example.com", reason="550 5.1.1 unknown", created=NOW - 100)
    sg.add_block("sales@example.com", created=NOW - 100)
    sg.add_block("sales2@example.com", created=NOW - 200)
    sg.add_bounce("bounce1@test.com", created=NOW - 100)
    sg.add_bounce("b2@example.com", created=NOW - 100)
    sg.add_spam_report("s@example.com")
    sg.add_invalid_email("i@example.com")
    sg.add_unsubscribe("u@example.com")
    auth = {"headers": {"Authorization": f"Bearer {sg.api_key}"}}
    paths = {
        "list_blocks": "/v3/suppression/blocks",
        "list_blocks_prefix": "/v3/suppression/blocks?email=sales",
        "list_bounces_page": "/v3/suppression/bounces?limit=1&offset=1",
        "list_spam_reports": "/v3/suppression/spam_reports",
        "list_invalid_emails": "/v3/suppression/invalid_emails",
        "list_unsubscribes": "/v3/suppression/unsubscribes",
        "get_block": "/v3/suppression/blocks/to1@example.com",
        "get_global": "/v3/asm/suppressions/global/u@example.com",
    }
    return {name: ("GET", sg.url + path, auth) for name, path in paths.items()}


def _cmc(server: FakeServer) -> Calls:
    cmc = server.cmc
    cmc.add_block("to1@example.com", status="2", created="2025-12-01 08:46:00")
    cmc.add_block("to2@example.com", status="3", created="2025-12-02 08:46:00")
    cmc.add_block("to3@example.com", status="3", created="2025-12-02 08:46:00")
    cmc.add_unsubscribe("u@example.com")
    form = {"api_user": cmc.api_user, "api_key": cmc.api_key, "server_composition": cmc.server_composition}
    calls = {
        "list_json": ("blocks/list.json", {}),
        "list_xml": ("blocks/list.xml", {}),
        "list_xml_one_row": ("blocks/list.xml", {"r": 1}),
        "list_second_page": ("blocks/list.json", {"p": 1, "r": 2}),
        "list_partial": ("blocks/list.json", {"email": "to2"}),
        "download_blocks": ("blocks/download.json", {}),
        "download_blocks_xml": ("blocks/download.xml", {}),
        "download_unsubscribes": ("unsubscribes/download.json", {}),
    }
    base = f"{cmc.url}/transaction/v2/"
    return {name: ("POST", base + path, {"data": {**form, **extra}}) for name, (path, extra) in calls.items()}


def _ncp(server: FakeServer) -> Calls:
    ncp = server.ncp
    ncp.add_block("sys@example.com")
    ncp.add_block("cust@example.com", requester="CUSTOMER")
    ncp.add_block("other@example.com", requester="OTHER_CUSTOMER")
    ncp.add_block("admin@example.com", requester="ADMIN")
    ncp.add_block("jpn@example.com", requester="CUSTOMER", region="JPN")
    ncp.add_block("gone@example.com", created="2025-11-01T00:00:00Z")  # expired: a SYSTEM Delete
    ncp.add_block("lifted@example.com", created="2025-11-01T00:00:00Z", hours=24 * 60)
    ncp.remove_block("lifted@example.com", requester="ADMIN", at="2025-11-02T00:00:00Z")
    ncp.add_block("lifted@example.com", requester="CUSTOMER", created="2025-11-03T00:00:00Z")
    ncp.add_unsubscriber("u@example.com")
    ncp.add_unsubscriber("v@example.com", by_manager=False)
    targets = {
        name: f"/api/v1/send-block?targetAddress={name}%40example.com"
        for name in ("sys", "cust", "other", "admin", "gone", "lifted", "never")
    }
    targets["jpn"] = "/api/v1-jpn/send-block?targetAddress=jpn%40example.com"
    targets["unsubscribers"] = f"/api/v1/unsubscribers?startUtc=0&endUtc={(NOW + 60) * 1000}"
    # signed now: the fake's clock stands still until the calls are made
    return {name: ("GET", ncp.url + t, {"headers": ncp.signed_headers("GET", t)}) for name, t in targets.items()}


def _sendcloud(server: FakeServer) -> Calls:
    sc = server.sendcloud
    sc.add_block("a@example.com")
    sc.add_block(domain="qq.com")
    sc.add_bounce("b@qq.com", reason="Mailbox not found.")
    sc.add_unsubscribe("u@qq.com")
    auth = {"apiUser": sc.api_user, "apiKey": sc.api_key, "days": 10}
    return {
        "block_list": ("GET", f"{sc.url}/api/block/list", {"params": auth}),
        "block_list_v2": ("GET", f"{sc.url}/apiv2/block/list", {"params": auth}),
        "bounce_list": ("GET", f"{sc.url}/apiv2/bounce/list", {"params": auth}),
        "bounce_count": ("GET", f"{sc.url}/apiv2/bounce/count", {"params": auth}),
        "unsubscribe_list": ("POST", f"{sc.url}/apiv2/unsubscribe/list", {"data": auth}),
    }


@pytest.mark.parametrize("calls", [_sendgrid, _cmc, _ncp, _sendcloud], ids=["sendgrid", "cmc", "ncp", "sendcloud"])
def test_the_fakes_own_answers_replay_clean(tmp_path, calls):
    with FakeServer() as server:
        server.app.clock.freeze(NOW)
        for name, (method, url, kwargs) in calls(server).items():
            with vcr.use_cassette(str(tmp_path / f"{name}.yaml"), record_mode="all"):
                assert requests.request(method, url, timeout=10, **kwargs).status_code in (200, 201), name
    outcomes, _ = verify_paths([tmp_path])
    failed = [render_outcome(o) for o in outcomes if o.status != "passed"]
    assert not failed, "\n".join(failed)
    assert len(outcomes) == len(list(tmp_path.glob("*.yaml")))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("data", [True, False], ids=["account-with-data", "empty-account"])
def test_record_a_live_account_then_verify_the_recording(tmp_path, data):
    """docs/ci.md (d): ``--target live --record`` passes against the stand-in, and
    ``--recordings`` passes on what it wrote, with or without data in the account."""
    with FakeServer() as server:
        if data:
            assert seed_standin(server.url)["seeded"] == {"sendgrid": 11, "cmc": 5, "ncp": 6, "sendcloud": 7}
        env = live_env(server)
        live = _cli("verify", "--target", "live", "--live-url", server.url, "--record", str(tmp_path), env=env)
    assert live.returncode == 0, live.stdout + live.stderr
    total, live_ones = live_scenarios()
    assert totals(live.stdout) == [live_ones, 0, total - live_ones]  # passed, failed, skipped
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert {Path(p).parts[0] for p in written} == {"sendgrid", "cmc", "ncp", "sendcloud"}
    again = _cli("verify", "--recordings", str(tmp_path), "-v")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "FAILED" not in again.stdout
    compared, passed, failed, skipped = totals(again.stdout)
    assert (compared, passed, failed, compared + skipped) == (passed, compared, 0, live_ones), again.stdout
    if data:  # what the stand-in held came back, renamed where personal, and still replayed
        text = "\n".join((tmp_path / p).read_text(encoding="utf-8") for p in written)
        assert "salesuser" in text and "corp.test" not in text and "@qq.com" not in text
