"""mailblocks verify --recordings (issue 17): a team's own traffic against the fakes.

Every input format, every mismatch kind, every exit status, the arranging of
implied state per provider, JUnit output and the pytest option."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from pytest_mailblocks import FakeServer
from pytest_mailblocks.contract.recordings import UnreadableRecording, read_paths
from pytest_mailblocks.contract.verify import junit_rows, junit_xml, render_outcome, summary, verify_paths

from ..standin import live_env

HERE = Path(__file__).resolve().parent
CASSETTE = HERE / "recordings" / "sendgrid_live.yaml"
HAR = HERE / "recordings" / "sendgrid_live.har"
SG = "https://api.sendgrid.com"
KEY = "SG.mailblocks.default-full-access-key"
pytest_plugins = ["pytester"]


# -- building recordings ---------------------------------------------------------------------------
def vcr_item(method: str, uri: str, status: int, body: Any = "", headers: dict | None = None, req: Any = None) -> dict:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, separators=(",", ":"))
    return {
        "request": {"body": req, "headers": {"Accept": ["application/json"]}, "method": method, "uri": uri},
        "response": {
            "body": {"string": text},
            "headers": {
                k: [v] for k, v in (headers if headers is not None else {"Content-Type": "application/json"}).items()
            },
            "status": {"code": status, "message": "x"},
        },
    }


def write_cassette(path: Path, *items: dict) -> Path:
    path.write_text(yaml.dump({"interactions": list(items), "version": 1}), encoding="utf-8")
    return path


def check(*paths: Path | str) -> list:
    outcomes, _ = verify_paths(paths)
    return outcomes


def statuses(outcomes: list) -> list[str]:
    return [o.status for o in outcomes]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


# -- the done-when: real SendGrid traffic as a cassette and as HAR ---------------------------------------
@pytest.mark.parametrize("recording", [CASSETTE, HAR], ids=["vcrpy", "har"])
def test_live_sendgrid_traffic_verifies_clean(recording):
    outcomes = check(recording)
    assert statuses(outcomes) == ["passed"] * 4 + ["skipped"], [render_outcome(o) for o in outcomes]
    assert outcomes[-1].reason.startswith("not emulated: GET /v3/categories")


@pytest.mark.parametrize(
    ("recording", "old", "new", "expected"),
    [
        (
            CASSETTE,
            "resource not found",
            "gone away",
            '$.errors[0].message: recorded "gone away", fake "resource not found"',
        ),
        (
            HAR,
            "resource not found",
            "gone away",
            '$.errors[0].message: recorded "gone away", fake "resource not found"',
        ),
        (CASSETTE, "code: 404", "code: 410", "status: recorded 410, fake 404"),
        (HAR, '"status": 404', '"status": 410', "status: recorded 410, fake 404"),
    ],
)
def test_one_changed_field_is_named(tmp_path, recording, old, new, expected):
    changed = tmp_path / recording.name
    text = recording.read_text(encoding="utf-8")
    assert text.count(old) == 1
    changed.write_text(text.replace(old, new), encoding="utf-8")
    done = run_cli("verify", "--recordings", str(changed), "--junit-xml", str(tmp_path / "j.xml"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FAILED  {changed}:" in done.stdout and "#1 DELETE /v3/suppression/bounces/sam@example.com" in done.stdout
    assert expected in done.stdout
    assert "| sendgrid | 4        | 3      | 1      | 1       |" in done.stdout
    suite = ElementTree.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
    [failure] = suite.iter("failure")
    assert expected in (failure.text or "")


def test_junit_has_one_case_per_interaction(tmp_path):
    done = run_cli("verify", "--recordings", str(HERE / "recordings"), "--junit-xml", str(tmp_path / "out.xml"))
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ElementTree.parse(tmp_path / "out.xml").getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 10 and suite.get("skipped") == "2" and suite.get("failures") == "0"
    assert cases[0].get("classname", "").endswith("sendgrid_live.har")
    assert cases[0].get("name") == "#1 DELETE /v3/suppression/bounces/sam@example.com (sendgrid)"
    assert done.stdout.rstrip().endswith("| all      | 8        | 8      | 0      | 2       |")


# -- input formats ---------------------------------------------------------------------------------------
def test_a_cassette_recorded_by_vcrpy_itself_verifies(tmp_path):
    vcr = pytest.importorskip("vcr")
    requests = pytest.importorskip("requests")
    with FakeServer() as server:
        sg = server.sendgrid
        sg.add_bounce("b@example.com", reason="550 5.1.1 unknown", status="5.1.1", created=1700000000)
        sg.add_bounce("a@example.com", reason="550", status="5.0.0", created=1700000000)
        headers = {"Authorization": f"Bearer {sg.api_key}"}
        with vcr.use_cassette(str(tmp_path / "c.yaml"), record_mode="all"):
            requests.get(f"{sg.url}/v3/suppression/bounces", headers=headers, timeout=10)
            requests.get(f"{sg.url}/v3/suppression/bounces/a@example.com", headers=headers, timeout=10)
            requests.delete(f"{sg.url}/v3/suppression/bounces/a@example.com", headers=headers, timeout=10)
            requests.delete(f"{sg.url}/v3/suppression/bounces/a@example.com", headers=headers, timeout=10)
            requests.get(f"{sg.url}/v3/suppression/bounces?offset=1&limit=1", headers=headers, timeout=10)
    outcomes = check(tmp_path / "c.yaml")
    assert statuses(outcomes) == ["passed"] * 5, [render_outcome(o) for o in outcomes]


def test_vcrpy_json_serializer_and_body_shapes(tmp_path):
    rows = [{"created": 1700000000, "email": "a@example.com", "reason": "r", "status": "5.1.1"}]
    raw = json.dumps(rows, separators=(",", ":")).encode()
    gz = gzip.compress(raw)
    items = [
        vcr_item("GET", f"{SG}/v3/suppression/blocks", 200, raw.decode()),
        dict(
            vcr_item("GET", f"{SG}/v3/suppression/blocks", 200),
            response={
                "body": {"string": base64.b64encode(gz).decode()},
                "headers": {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"]},
                "status": {"code": 200, "message": "OK"},
            },
        ),
    ]
    # vcrpy's JSON serializer keeps bytes as text; here the gzip bytes as a YAML !!binary
    (tmp_path / "a.json").write_text(json.dumps({"interactions": [items[0]], "version": 1}))
    binary = dict(items[1])
    binary["response"] = dict(binary["response"], body={"string": gz})
    write_cassette(tmp_path / "b.yaml", binary)
    deflated = dict(items[1])
    deflated["response"] = dict(
        binary["response"], body={"string": zlib.compress(raw)}, headers={"Content-Encoding": ["deflate"]}
    )
    write_cassette(tmp_path / "c.yaml", deflated)
    old_httpx = vcr_item("GET", f"{SG}/v3/suppression/blocks", 200)
    old_httpx["response"] = {"content": raw.decode(), "headers": {}, "status_code": 200, "status": {"code": 200}}
    write_cassette(tmp_path / "d.yaml", old_httpx)
    (tmp_path / "e.yaml").write_text(
        "interactions:\n- request: {body: null, headers: {}, method: GET, uri: "
        f"'{SG}/v3/suppression/blocks'}}\n  response:\n    body: {{string: !!python/unicode '{raw.decode()}'}}\n"
        "    headers: {}\n    status: {code: 200, message: OK}\n",
        encoding="utf-8",
    )
    for name in "abcde":
        [outcome] = check(next(tmp_path.glob(f"{name}.*")))
        assert outcome.status == "passed", (name, render_outcome(outcome))


def test_ruby_vcr_cassettes_read_too(tmp_path):
    body = '{"errors":[{"field":null,"message":"resource not found"}]}'
    (tmp_path / "ruby.yml").write_text(
        yaml.dump(
            {
                "http_interactions": [
                    {
                        "request": {
                            "method": "delete",
                            "uri": f"{SG}/v3/suppression/bounces/x@example.com",
                            "body": {"encoding": "UTF-8", "string": ""},
                            "headers": {},
                        },
                        "response": {
                            "status": {"code": 404, "message": "Not Found"},
                            "headers": {
                                "Content-Type": ["application/json"],
                                "X-Ratelimit-Limit": ["600"],
                                "X-Ratelimit-Remaining": ["599"],
                                "X-Ratelimit-Reset": ["1684448280"],
                            },
                            "body": {
                                "encoding": "ASCII-8BIT",
                                "base64_string": base64.b64encode(body.encode()).decode(),
                            },
                        },
                        "recorded_at": "Thu, 18 May 2023 22:17:21 GMT",
                    }
                ],
                "recorded_with": "VCR 6.1.0",
            }
        )
    )
    [outcome] = check(tmp_path / "ruby.yml")
    assert outcome.status == "passed", render_outcome(outcome)


def test_har_with_base64_and_a_local_host(tmp_path):
    rows = [{"created": 1700000000, "email": "a@example.com"}]
    entry = {
        "startedDateTime": "2023-11-14T22:13:20.000Z",
        "request": {"method": "GET", "url": "http://127.0.0.1:8025/v3/suppression/unsubscribes", "headers": []},
        "response": {
            "status": 200,
            "headers": [{"name": "content-type", "value": "application/json"}],
            "content": {
                "size": 2,
                "mimeType": "application/json",
                "text": base64.b64encode(json.dumps(rows).encode()).decode(),
                "encoding": "base64",
            },
        },
    }
    other = {
        "startedDateTime": "2023-11-14T22:13:20.000Z",
        "request": {"method": "GET", "url": "https://example.org/v3/users", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"size": 0, "text": ""}},
    }
    no_body = json.loads(json.dumps(entry))
    del no_body["response"]["content"]["text"]
    no_body["response"]["content"]["size"] = 40
    unanswered = json.loads(json.dumps(other))
    unanswered["request"]["url"] = f"{SG}/v3/suppression/blocks"
    unanswered["response"]["status"] = 0
    (tmp_path / "x.har").write_text(
        json.dumps({"log": {"version": "1.2", "entries": [entry, other, no_body, unanswered]}})
    )
    outcomes = check(tmp_path / "x.har")
    assert statuses(outcomes) == ["passed", "skipped", "passed", "skipped"], [render_outcome(o) for o in outcomes]
    assert outcomes[1].provider == "(other hosts)" and "example.org" in outcomes[1].reason
    assert outcomes[3].reason == "no answer was recorded (status 0)"
    assert "| (other hosts) | 0        | 0      | 0      | 1       |" in summary(outcomes)


def test_the_fixture_format_reads_and_templates_are_skipped(tmp_path):
    fixture = {
        "kind": "recorded",
        "request": {
            "method": "GET",
            "path": "/v3/asm/suppressions/global/a@example.com",
            "headers": {"Authorization": "Bearer <redacted>"},
        },
        "response": {"status": None, "headers": {}, "body": {"recipient_email": "a@example.com"}},
    }
    (tmp_path / "one.json").write_text(json.dumps(fixture))
    template = json.loads(json.dumps(fixture))
    template["request"]["path"] = "/v3/suppression/blocks/{email}"
    (tmp_path / "two.json").write_text(json.dumps(template))
    (tmp_path / "package.json").write_text('{"name": "not a recording"}')
    outcomes, others = verify_paths([tmp_path])
    assert statuses(outcomes) == ["passed", "skipped"], [render_outcome(o) for o in outcomes]
    assert outcomes[1].reason == "a documentation template (path /v3/suppression/blocks/{email})"
    assert others == [str(tmp_path / "package.json")]


def test_the_shipped_fixtures_verify_clean_as_recordings(tmp_path):
    """``--recordings`` on the package's own fixtures agrees with ``--target recorded``:
    each replays through its scenario (setup, clock, declared deviations), and says so."""
    from pytest_mailblocks.contract.data import fixtures_dir

    count = len(list(fixtures_dir().glob("*/*.json")))
    done = run_cli("verify", "--recordings", str(fixtures_dir()), "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED  ") == count and "FAILED" not in done.stdout and "SKIPPED" not in done.stdout
    assert done.stdout.rstrip().endswith(f"| all       | {count}       | {count}     | 0      | 0       |")
    assert (
        f"PASSED  {fixtures_dir() / 'sendgrid' / 'delete_blocks_204.json'}:1 #1 DELETE /v3/suppression/blocks: "
        "the shipped fixture, replayed through the scenario sendgrid/delete_blocks_204 (its setup and declared "
        "deviations)\n" in done.stdout
    )
    # a copy is known by its content; an edited one is a recording like any other
    copy = tmp_path / "delete_blocks_204.json"
    copy.write_bytes((fixtures_dir() / "sendgrid" / "delete_blocks_204.json").read_bytes())
    edited = tmp_path / "edited.json"
    edited.write_text(copy.read_text().replace('"status": 204', '"status": 200'))
    outcomes = check(copy, edited)
    assert [(o.status, o.reason.split(" (")[0]) for o in outcomes] == [
        ("passed", "the shipped fixture, replayed through the scenario sendgrid/delete_blocks_204"),
        ("failed", ""),
    ]


# -- arranging implied state ---------------------------------------------------------------------------------
def test_auth_failures_keep_the_recorded_credentials(tmp_path):
    error = {"errors": [{"field": None, "message": "authorization required"}]}
    forbidden = {"errors": [{"field": None, "message": "access forbidden"}]}
    a = vcr_item("GET", f"{SG}/v3/suppression/blocks", 401, error)
    a["request"]["headers"]["Authorization"] = ["Bearer SG.revoked"]
    b = vcr_item("GET", f"{SG}/v3/suppression/blocks", 401, error)  # filtered out by the recorder
    c = vcr_item("GET", f"{SG}/v3/suppression/bounces", 403, forbidden)
    d = vcr_item("GET", f"{SG}/v3/suppression/bounces", 200, [])
    d["request"]["headers"]["Authorization"] = ["Bearer SG.the-teams-real-key"]
    outcomes = check(write_cassette(tmp_path / "auth.yaml", a, b, c, d))
    assert statuses(outcomes) == ["passed"] * 4, [render_outcome(o) for o in outcomes]


def test_rate_limit_headers_are_arranged(tmp_path):
    at = {"Date": "Thu, 18 May 2023 22:17:21 GMT", "Content-Type": "application/json"}
    ok = vcr_item(
        "GET",
        f"{SG}/v3/suppression/blocks",
        200,
        [],
        dict(at, **{"X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "17", "X-RateLimit-Reset": "1684448280"}),
    )
    limited = vcr_item(
        "GET",
        f"{SG}/v3/suppression/blocks",
        429,
        {"errors": [{"field": None, "message": "too many requests"}]},
        dict(at, **{"X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1684448280"}),
    )
    wrong_reset = json.loads(json.dumps(ok))
    wrong_reset["response"]["headers"]["X-RateLimit-Reset"] = ["1684448340"]
    outcomes = check(write_cassette(tmp_path / "rate.yaml", ok, limited, wrong_reset))
    assert statuses(outcomes) == ["passed", "passed", "failed"], [render_outcome(o) for o in outcomes]
    assert str(outcomes[2].mismatches[0]) == 'header X-RateLimit-Reset: recorded "1684448340", fake "1684448280"'


def test_lists_pages_single_addresses_and_deletes_are_arranged(tmp_path):
    rows = [
        {"created": 1700000300, "email": "c@example.com", "reason": "r", "status": ""},
        {"created": 1700000200, "email": "b@example.com", "reason": "r", "status": "5.1.1"},
    ]
    outcomes = check(
        write_cassette(
            tmp_path / "state.yaml",
            vcr_item(
                "GET",
                f"{SG}/v3/suppression/invalid_emails?limit=2&offset=3",
                200,
                [{k: v for k, v in r.items() if k != "status"} for r in rows],
            ),
            vcr_item("GET", f"{SG}/v3/suppression/blocks/b@example.com", 200, rows[1:]),
            vcr_item("GET", f"{SG}/v3/suppression/blocks/zz@example.com", 200, []),
            vcr_item("DELETE", f"{SG}/v3/suppression/spam_reports/s@example.com", 204, "", {}),
            vcr_item(
                "GET", f"{SG}/v3/asm/suppressions/global/u@example.com", 200, {"recipient_email": "u@example.com"}
            ),
            vcr_item("GET", f"{SG}/v3/asm/suppressions/global/v@example.com", 200, {}),
            vcr_item(
                "POST",
                f"{SG}/v3/asm/suppressions/global",
                201,
                {"recipient_emails": ["n@example.com"]},
                req='{"recipient_emails": ["n@example.com"]}',
            ),
        )
    )
    assert statuses(outcomes) == ["passed"] * 7, [render_outcome(o) for o in outcomes]


def test_subusers_named_on_behalf_of_are_created(tmp_path):
    item = vcr_item(
        "GET",
        f"{SG}/v3/suppression/blocks",
        200,
        [{"created": 1700000000, "email": "a@example.com", "reason": "", "status": ""}],
    )
    item["request"]["headers"]["On-Behalf-Of"] = ["shop"]
    [outcome] = check(write_cassette(tmp_path / "sub.yaml", item))
    assert outcome.status == "passed", render_outcome(outcome)


def test_other_providers_are_arranged(tmp_path):
    with FakeServer() as server:
        cmc, sc, ncp = server.cmc, server.sendcloud, server.ncp
        cmc.add_block("to1@example.com", status="2", created="2015-12-14 08:46:00")
        sc.add_block("a@example.com", expire_time="2030-01-01")
        ncp.add_block("test01@ncp-mail.com")
        ncp.add_unsubscriber("u@example.com")
        vcr = pytest.importorskip("vcr")
        requests = pytest.importorskip("requests")
        with vcr.use_cassette(str(tmp_path / "others.yaml"), record_mode="all"):
            form = {"api_user": cmc.api_user, "api_key": cmc.api_key, "server_composition": cmc.server_composition}
            requests.post(f"{cmc.url}/transaction/v2/blocks/list.json", data=form, timeout=10)
            requests.post(
                f"{cmc.url}/transaction/v2/blocks/delete.json", data=dict(form, email="to1@example.com"), timeout=10
            )
            requests.post(f"{cmc.url}/transaction/v2/blocks/list.json", data=dict(form, api_key="wrong"), timeout=10)
            auth = {"apiUser": sc.api_user, "apiKey": sc.api_key}
            requests.get(f"{sc.url}/api/block/list", params=dict(auth, days=1), timeout=10)
            requests.get(f"{sc.url}/api/block/delete", params=dict(auth, email="a@example.com"), timeout=10)
            requests.get(f"{sc.url}/api/block/list", params=dict(auth, apiKey="wrong", days=1), timeout=10)
            target = "/api/v1/send-block?targetAddress=test01%40ncp-mail.com"
            requests.get(ncp.url + target, headers=ncp.signed_headers("GET", target), timeout=10)
            body = json.dumps({"blockedReceivers": ["u@example.com", "new@example.com"]})
            headers = dict(
                ncp.signed_headers("DELETE", "/api/v1/unsubscribers"), **{"Content-Type": "application/json"}
            )
            requests.delete(ncp.url + "/api/v1/unsubscribers", data=body, headers=headers, timeout=10)
            requests.get(ncp.url + target, timeout=10)  # unsigned: the gateway's 401
    outcomes = check(tmp_path / "others.yaml")
    assert [(o.provider, o.status) for o in outcomes] == [
        ("cmc", "passed"),
        ("cmc", "passed"),
        ("cmc", "passed"),
        ("sendcloud", "passed"),
        ("sendcloud", "passed"),
        ("sendcloud", "passed"),
        ("ncp", "passed"),
        ("ncp", "passed"),
        ("ncp", "passed"),
    ], [render_outcome(o) for o in outcomes]


# -- every kind of mismatch ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        (
            [{"created": 1700000000, "email": "a@example.com", "reason": "r", "status": "x", "extra": 1}],
            "$[0].extra: missing in the fake's answer (recorded 1)",
        ),
        (
            [{"created": "2023-11-14T22:13:20Z", "email": "a@example.com", "reason": "r", "status": "x"}],
            '$[0].created (time format): recorded <ISO 8601 (UTC, Z): "2023-11-14T22:13:20Z">, '
            "fake <unix seconds: 1700000000>",
        ),
        (
            [{"created": 1700000000, "email": "a@example.com", "reason": 5, "status": "x"}],
            '$[0].reason (type): recorded 5, fake "5"',
        ),
        ({"rows": []}, '$ (type): recorded {"rows": []}, fake []'),
    ],
    ids=["missing", "time-format", "type", "shape"],
)
def test_success_body_mismatches(tmp_path, recorded, expected):
    with FakeServer() as server:
        server.sendgrid.add_block("a@example.com", reason="r", status="x", created=1700000000)
        server.sendgrid.add_block("b@example.com", reason="r", status="x", created=1600000000)
        vcr = pytest.importorskip("vcr")
        requests = pytest.importorskip("requests")
        with vcr.use_cassette(str(tmp_path / "c.yaml"), record_mode="all"):
            requests.get(f"{server.url}/v3/suppression/blocks", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    data = yaml.safe_load((tmp_path / "c.yaml").read_text())
    data["interactions"][0]["response"]["body"]["string"] = json.dumps(recorded)
    (tmp_path / "c.yaml").write_text(yaml.dump(data))
    outcomes = check(tmp_path / "c.yaml")
    text = render_outcome(outcomes[0])
    assert outcomes[0].status == "failed" and expected in text, text


def test_value_extra_and_length_mismatches(tmp_path):
    rows = [{"created": 1700000000, "email": "a@example.com"}]
    one = '{"recipient_emails": ["a@example.com"]}'
    item = vcr_item("POST", f"{SG}/v3/asm/suppressions/global", 201, {"recipient_emails": ["b@example.com"]}, req=one)
    bulk = vcr_item(
        "POST",
        f"{SG}/v3/asm/suppressions/global",
        201,
        {"recipient_emails": ["a@example.com", "b@example.com"]},
        req=one,
    )
    extra = vcr_item("POST", f"{SG}/v3/asm/suppressions/global", 201, {}, req=one)
    ctype = vcr_item("GET", f"{SG}/v3/suppression/unsubscribes", 200, rows, {"Content-Type": "text/html"})
    text = vcr_item("GET", f"{SG}/v3/suppression/unsubscribes", 200, "<html>oops</html>", {})
    outcomes = check(write_cassette(tmp_path / "m.yaml", item, bulk, extra, ctype, text))
    lines = [str(m) for o in outcomes for m in o.mismatches]
    assert lines == [
        '$.recipient_emails[0]: recorded "b@example.com", fake "a@example.com"',
        '$.recipient_emails[1]: missing in the fake\'s answer (recorded "b@example.com")',
        '$.recipient_emails: not in the recording (fake ["a@example.com"])',
        'header Content-Type: recorded "text/html", fake "application/json"',
        'body (body): recorded <text> "<html>oops</html>", '
        'fake <json> [{"created": 1700000000, "email": "a@example.com"}]',
    ]


def test_a_cut_off_recording_compares_as_a_prefix(tmp_path):
    fixture = {
        "request": {"method": "DELETE", "path": "/v3/suppression/blocks/x@example.com"},
        "response": {"status": 404, "body": '{"errors":[{"field":null,"message":"resource', "body_complete": False},
    }
    (tmp_path / "cut.json").write_text(json.dumps(fixture))
    assert statuses(check(tmp_path / "cut.json")) == ["passed"]
    fixture["response"]["body"] = '{"errors":[{"field":null,"message":"gone'
    (tmp_path / "cut.json").write_text(json.dumps(fixture))
    [outcome] = check(tmp_path / "cut.json")
    assert str(outcome.mismatches[0]).startswith('body (the recorded prefix): recorded "{\\"errors')


# -- exit statuses and unreadable input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "bad.yaml",
            "interactions:\n- request: {method: GET\n",
            "bad.yaml:3: not valid YAML: expected ',' or '}', but got '<stream end>'",
        ),
        (
            "bad.json",
            '{"log": {"entries": [\n  {"request": }\n]}}',
            "bad.json:2: not valid JSON: Expecting value (column 15)",
        ),
        (
            "shape.har",
            '{"log": {"entries": [\n  {"request": {"method": "GET", "url": "x"},\n'
            '   "response": {"status": "200"}}\n]}}',
            "shape.har:3: log.entries[0].response.status: expected an integer",
        ),
        (
            "noresp.yaml",
            "interactions:\n- request: {method: GET, uri: 'https://api.sendgrid.com/v3/x'}\n",
            "noresp.yaml:2: interactions[0].response: expected dict, found nothing",
        ),
        ("other.json", '{"name": "x"}', "other.json:1: not a recording this reads"),
        ("binary.har", "\udcff", "binary.har: not UTF-8 text"),
    ],
)
def test_unreadable_input_exits_2_naming_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content == "\udcff":
        path.write_bytes(b"\xff\xfe\x00")
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableRecording) as caught:
        read_paths([path])
    assert str(caught.value).replace(str(tmp_path) + "/", "").startswith(message)
    done = run_cli("verify", "--recordings", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"mailblocks: error: {tmp_path}/{message.split(':')[0]}")


def test_exit_2_for_a_missing_path_an_empty_folder_and_nothing_verified(tmp_path):
    assert (
        run_cli("verify", "--recordings", str(tmp_path / "nope")).stderr
        == f"mailblocks: error: {tmp_path}/nope: no such file or folder\n"
    )
    (tmp_path / "empty").mkdir()
    done = run_cli("verify", "--recordings", str(tmp_path / "empty"))
    assert done.returncode == 2 and "no recordings (.yaml, .yml, .json, .har) in this folder" in done.stderr
    only_other = write_cassette(tmp_path / "gh.yaml", vcr_item("GET", "https://api.github.com/user", 200, {}))
    done = run_cli("verify", "--recordings", str(only_other))
    assert done.returncode == 2 and "nothing verified: none of the 1 recorded interactions" in done.stderr
    assert "| (other hosts) | 0        | 0      | 0      | 1       |" in done.stdout
    done = run_cli("verify", "--recordings", str(CASSETTE), "--target", "fake")
    assert done.returncode == 2 and "--recordings replays your traffic" in done.stderr


def test_without_pyyaml_the_message_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(UnreadableRecording) as caught:
        read_paths([CASSETTE])
    assert "pip install 'pytest-mailblocks[vcr]' (or pip install pyyaml)" in str(caught.value)
    assert read_paths([HAR])[0]  # JSON needs nothing


def test_exit_0_and_1_and_verbose_lists_every_interaction():
    ok = run_cli("verify", "--recordings", str(CASSETTE), "-v")
    assert ok.returncode == 0
    assert ok.stdout.count("PASSED  ") == 4 and "SKIPPED " in ok.stdout


def test_junit_rows_escape_and_name_the_file():
    xml = junit_xml([("a<b.yaml", '#1 GET /x?"q"', "failed", ['$.a: recorded "<", fake "&"'])])
    case = ElementTree.fromstring(xml).find("testsuite/testcase")
    assert case is not None and case.get("classname") == "a<b.yaml"
    failure = case.find("failure")
    assert failure is not None and failure.text == '$.a: recorded "<", fake "&"'
    assert junit_rows(check(HAR))[4][2] == "skipped"


# -- through pytest ---------------------------------------------------------------------------------------------
def test_pytest_option_runs_one_test_per_interaction(pytester, tmp_path):
    pytester.makepyfile("def test_ordinary(): pass")
    ok = pytester.runpytest("-p", "no:randomly", "--mailblocks-verify", "--mailblocks-recordings", str(CASSETTE))
    ok.assert_outcomes(passed=4, skipped=1)
    ok.stdout.fnmatch_lines(["*mailblocks contract (recordings)*", "| sendgrid *| 4 *| 0 *| 1 *|"])
    bad = tmp_path / "bad.yaml"
    bad.write_text(CASSETTE.read_text().replace("resource not found", "gone away"))
    failed = pytester.runpytest("-p", "no:randomly", "--mailblocks-verify", "--mailblocks-recordings", str(bad))
    failed.assert_outcomes(passed=3, failed=1, skipped=1)
    assert '$.errors[0].message: recorded "gone away", fake "resource not found"' in failed.stdout.str()
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n")
    usage = pytester.runpytest("--mailblocks-verify", "--mailblocks-recordings", str(broken))
    assert usage.ret == pytest.ExitCode.USAGE_ERROR
    usage.stderr.fnmatch_lines(["*broken.yaml:2: not valid YAML*"])
    alone = pytester.runpytest("--mailblocks-recordings", str(CASSETTE))
    assert alone.ret == pytest.ExitCode.USAGE_ERROR


# -- recording a live account, then verifying against it -------------------------------------------------------
def test_record_redacts_everywhere_and_the_recording_verifies(tmp_path):
    """``--target live --record`` against a stand-in for the providers (``--live-url``):
    the files hold no secret and no real address, and replay clean against the fakes."""
    with FakeServer() as server:
        sg, cmc, sc, ncp = server.sendgrid, server.cmc, server.sendcloud, server.ncp
        sg.add_bounce("real.person@gmail.com", reason="550 5.1.1 real.person@gmail.com unknown", created=1700000000)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest_mailblocks",
                "verify",
                "--target",
                "live",
                "--live-url",
                server.url,
                "--record",
                str(tmp_path / "rec"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **live_env(server)},
        )
        assert done.returncode == 0 and "| all " in done.stdout, done.stdout + done.stderr
    files = sorted((tmp_path / "rec").rglob("*.json"))
    assert {p.parent.name for p in files} == {"sendgrid", "cmc", "ncp", "sendcloud"}
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for secret in (sg.api_key, cmc.api_key, ncp.secret_key, ncp.access_key, sc.api_key, "real.person@gmail.com"):
        assert secret not in text
    assert '"Authorization": "Bearer <redacted>"' in text and '"apiKey": "<redacted>"' in text
    assert '"api_key": "<redacted>"' in text and '"x-ncp-iam-access-key": "<redacted>"' in text
    assert "user1@example.com" in text and '"body_base64": "UEsD' in text  # a download, redacted inside
    again = run_cli("verify", "--recordings", str(tmp_path / "rec"))
    assert again.returncode == 0, again.stdout + again.stderr


def test_redactor_covers_headers_query_form_and_json():
    from pytest_mailblocks.contract.record import Redactor

    red = Redactor(["s3cr3t"])
    assert red.headers(
        [("Authorization", "Bearer s3cr3t"), ("X-Api-Key", "k"), ("Cookie", "a=b"), ("X", "s3cr3t!")]
    ) == {
        "Authorization": "Bearer <redacted>",
        "X-Api-Key": "<redacted>",
        "X": "<redacted>!",
    }
    assert red.pairs([("apiKey", "k"), ("email", "Jane.Doe@corp.jp"), ("password", "")]) == [
        ("apiKey", "<redacted>"),
        ("email", "user1@example.com"),
        ("password", ""),
    ]
    assert red.body(b"api_user=u&api_key=k&note=jane.doe%40corp.jp", "application/x-www-form-urlencoded") == {
        "api_user": "u",
        "api_key": "<redacted>",
        "note": "user1@example.com",
    }
    assert red.body(b'{"token": "t", "rows": [{"to": "jane.doe@corp.jp", "x": "a@example.com"}]}', "") == {
        "token": "<redacted>",
        "rows": [{"to": "user1@example.com", "x": "a@example.com"}],
    }


def test_redactor_keeps_what_the_request_and_answer_say_about_each_other():
    """A filter the request sent (``email=sales``) still matches the renamed addresses,
    and a domain field still matches its renamed address's domain."""
    from pytest_mailblocks.contract.record import Redactor

    red = Redactor(["k3y"], filters=["sales", "x@y.z", "sa%"])
    red.learn('{"email": "b@qq.com", "domain": "qq.com"}')
    assert red.pairs([("domainName", "QQ.com"), ("email", "sales")]) == [
        ("domainName", "example.com"),
        ("email", "sales"),
    ]
    assert red.body(b'[{"email": "Sales.Team@shop.jp"}, {"email": "b@qq.com", "domain": "qq.com"}]', "") == [
        {"email": "salesuser1@example.com"},
        {"email": "user2@example.com", "domain": "example.com"},
    ]


def test_live_shapes_differ_only_where_data_cannot_explain_it():
    from pytest_mailblocks.contract.runner import shape_diff

    empty = {"info": {"count": 0, "dataList": []}, "expectedDeleteDate": None}
    full = {"info": {"count": 2, "dataList": [{"email": "a@x.y"}]}, "expectedDeleteDate": {"utc": 1}}
    assert shape_diff(empty, full) == shape_diff(full, empty) == []
    assert shape_diff({"info": {}, "count": "2"}, full) == [
        "$.count: live has it, the fake does not",
        "$.expectedDeleteDate: the fake has it, live does not",
        "$.info.count: the fake has it, live does not",
        "$.info.dataList: the fake has it, live does not",
    ]
    assert shape_diff({"rows": [{"n": "1"}]}, {"rows": [{"n": 1}]}) == ['$.rows[0].n: live "str", fake "int"']
