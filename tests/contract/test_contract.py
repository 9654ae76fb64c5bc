"""The contract suite in pytest (issue 7): every scenario against the fake, every
recording replayed, live only with credentials; and the comparator itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_mailblocks.contract import load_scenarios, run
from pytest_mailblocks.contract.record import redact_addresses, write_recording
from pytest_mailblocks.contract.runner import LIVE_ENV, Answer, live_credentials
from pytest_mailblocks.contract.scrub import scrub
from pytest_mailblocks.providers import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "src" / "pytest_mailblocks" / "contract" / "scenarios"
FIXTURES = ROOT / "fixtures"
ALL = load_scenarios(SCENARIOS)
RECORDINGS = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*.json"))


@pytest.mark.parametrize("scenario", ALL, ids=lambda s: s.id)
def test_fake(scenario):
    [result] = run([scenario], "fake", FIXTURES)
    assert result.status == "passed", result.detail


@pytest.mark.parametrize("recording", RECORDINGS)
def test_recorded(recording):
    provider = recording.split("/")[0]
    results = [
        r for r in run([s for s in ALL if s.provider == provider], "recorded", FIXTURES) if r.scenario == recording
    ]
    assert [r.status for r in results] == ["passed"], results


@pytest.mark.parametrize("scenario", [s for s in ALL if s.live], ids=lambda s: s.id)
def test_live(scenario):
    if live_credentials(scenario.provider) is None:
        pytest.skip(f"live: set {', '.join(LIVE_ENV[scenario.provider].values())} to run against the real provider")
    [result] = run([scenario], "live", FIXTURES)
    assert result.status == "passed", result.detail


def test_every_provider_has_scenarios_and_every_recording_a_replay():
    assert {s.provider for s in ALL} == set(REGISTRY)
    replayed = {s.fixture for s in ALL if s.fixture}
    assert set(RECORDINGS) <= replayed, sorted(set(RECORDINGS) - replayed)


# -- the comparator can fail -------------------------------------------------------------------------
def _copy(tmp_path: Path, name: str) -> tuple[Path, Path]:
    scen = tmp_path / "scenarios" / "sendgrid"
    scen.mkdir(parents=True)
    shutil.copy(SCENARIOS / "sendgrid" / f"{name}.json", scen)
    fix = tmp_path / "fixtures" / "sendgrid"
    fix.mkdir(parents=True)
    recording = json.loads((SCENARIOS / "sendgrid" / f"{name}.json").read_text()).get("fixture")
    if recording:
        shutil.copy(FIXTURES / recording, fix)
    return tmp_path / "scenarios", tmp_path / "fixtures"


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("delete_bounce_email_404", lambda d: d["response"]["body"]["errors"][0].update(message="gone"), "body"),
        ("delete_bounce_email_404", lambda d: d["response"].update(status=410), "status 404 != 410"),
        (
            "delete_bounce_email_404",
            lambda d: d["response"]["headers"].update({"X-Ratelimit-Limit": "601"}),
            "header x-ratelimit-limit",
        ),
        ("list_bounces_200_recorded", lambda d: d["response"]["body"].reverse(), "body"),
    ],
)
def test_recorded_drift_is_reported(tmp_path, name, change, message):
    scenarios, fixtures = _copy(tmp_path, name)
    _edit(next(fixtures.glob("sendgrid/*.json")), change)
    [result] = run(load_scenarios(scenarios), "recorded", fixtures)
    assert result.status == "failed"
    assert message in result.detail


def test_a_recording_without_a_replay_fails(tmp_path):
    scenarios, fixtures = _copy(tmp_path, "delete_bounce_email_404")
    shutil.copy(FIXTURES / "sendgrid" / "list_blocks_200.json", fixtures / "sendgrid")
    results = run(load_scenarios(scenarios), "recorded", fixtures)
    assert [(r.scenario, r.status) for r in results] == [
        ("sendgrid/delete_bounce_email_404.json", "passed"),
        ("sendgrid/list_blocks_200.json", "failed"),
    ]
    assert results[1].detail == "no scenario replays this recording"


def test_cut_off_recordings_compare_as_a_prefix(tmp_path):
    scen = tmp_path / "s" / "sendgrid"
    scen.mkdir(parents=True)
    fix = tmp_path / "f" / "sendgrid"
    fix.mkdir(parents=True)
    body = '[\n  {\n    "created": 7,\n    "email": "a@example.com",\n    "rea'
    (fix / "cut.json").write_text(json.dumps({"response": {"status": 200, "body": body, "body_complete": False}}))
    spec = {
        "fixture": "sendgrid/cut.json",
        "setup": {"sendgrid": {"blocks": [{"email": "a@example.com", "created": 7}]}},
        "request": {"path": "/v3/suppression/blocks", "headers": {"Authorization": "Bearer {sendgrid.api_key}"}},
    }
    (scen / "cut.json").write_text(json.dumps(spec))
    assert run(load_scenarios(tmp_path / "s"), "recorded", tmp_path / "f")[0].status == "passed"
    spec["setup"]["sendgrid"]["blocks"][0]["email"] = "b@example.com"
    (scen / "cut.json").write_text(json.dumps(spec))
    result = run(load_scenarios(tmp_path / "s"), "recorded", tmp_path / "f")[0]
    assert result.status == "failed" and "prefix" in result.detail


def test_live_without_credentials_is_skipped_with_the_reason(monkeypatch):
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    [result] = run([s for s in ALL if s.id == "sendgrid/list_blocks_200"], "live", FIXTURES)
    assert (result.status, result.detail) == ("skipped", "no live credentials (set SENDGRID_API_KEY)")


def test_scrubbers_keep_correlations():
    _, headers, body = scrub(
        ["date", "request_id", "timestamps"],
        200,
        {"Date": "Thu, 18 May 2023", "Twilio-Request-Id": "RQ1"},
        [{"created": 1621439283, "email": "a"}, {"created": 1621439283, "email": "b"}, {"created": 1621439221}],
    )
    assert headers == {"date": "<date>", "twilio-request-id": "<request_id>"}
    assert [r["created"] for r in body] == ["<time:1>", "<time:1>", "<time:2>"]


def test_recording_redacts_personal_addresses():
    text = "a.person@gmail.com, x@example.com, A.Person@gmail.com, other@corp.jp"
    assert redact_addresses(text) == "user1@example.com, x@example.com, user1@example.com, user2@example.com"


def test_a_live_answer_is_recorded_with_secrets_and_addresses_redacted(tmp_path):
    [scenario] = [s for s in ALL if s.id == "sendgrid/list_bounces_200_recorded"]
    creds = {"api_key": "SG.live-secret-key", "unused": ""}
    answer = Answer(
        200,
        {"X-Echo": "key=SG.live-secret-key", "Set-Cookie": "s=1", "X-Owner": "real.person@gmail.com"},
        b'[{"email": "real.person@gmail.com", "note": "SG.live-secret-key", "other": "x@example.com"}]',
    )
    path = write_recording(tmp_path, scenario, creds, "https://api.sendgrid.com", answer)
    assert path == tmp_path / "sendgrid" / "list_bounces_200_recorded_live.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["kind"] == "recorded" and "https://api.sendgrid.com" in data["source"]
    assert data["response"] == {
        "status": 200,
        "headers": {"X-Echo": "key=<redacted>", "X-Owner": "user1@example.com"},
        "body": [{"email": "user1@example.com", "note": "<redacted>", "other": "x@example.com"}],
    }
    assert all(v == "<redacted>" for v in data["request"]["headers"].values())
    assert "SG.live-secret-key" not in path.read_text(encoding="utf-8")


def test_verify_cli_prints_a_table_and_exits_by_outcome(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", "verify", "--target", "recorded", "--provider", "sendgrid"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"| sendgrid | {len(list((FIXTURES / 'sendgrid').glob('*.json')))} " in ok.stdout
    scenarios, fixtures = _copy(tmp_path, "delete_bounce_email_404")
    _edit(next(fixtures.glob("sendgrid/*.json")), lambda d: d["response"].update(status=410))
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_mailblocks",
            "verify",
            "--target",
            "recorded",
            "--scenarios",
            str(scenarios),
            "--fixtures",
            str(fixtures),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "FAILED  sendgrid/delete_bounce_email_404.json: status 404 != 410" in bad.stdout


pytest_plugins = ["pytester"]


def test_pytest_option_runs_the_contract(pytester, tmp_path):
    scenarios, fixtures = _copy(tmp_path, "delete_bounce_email_404")
    pytester.makepyfile("def test_ordinary(): pass")
    args = ["-p", "no:randomly", "--mailblocks-scenarios", str(scenarios), "--mailblocks-fixtures", str(fixtures)]
    ok = pytester.runpytest("--mailblocks-verify", "recorded", *args)
    ok.assert_outcomes(passed=1)
    ok.stdout.fnmatch_lines(
        [
            "*mailblocks contract (recorded)*",
            "| provider *| passed | failed | skipped |",
            "| sendgrid *| 1 *| 0 *| 0 *|",
        ]
    )
    live = pytester.runpytest("--mailblocks-verify", "live", *args)
    live.assert_outcomes(skipped=1)
    live.stdout.fnmatch_lines(["| sendgrid *| 0 *| 0 *| 1 *|"])
    _edit(next(fixtures.glob("sendgrid/*.json")), lambda d: d["response"].update(status=410))
    result = pytester.runpytest("--mailblocks-verify", "recorded", *args)
    result.assert_outcomes(failed=1)
    assert "sendgrid/delete_bounce_email_404.json (recorded): status 404 != 410" in result.stdout.str()
    result.stdout.fnmatch_lines(["| sendgrid *| 0 *| 1 *| 0 *|", "| all *| 0 *| 1 *| 0 *|"])
