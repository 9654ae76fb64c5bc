"""Running scenarios against a target and comparing answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..core.app import App
from ..core.clock import Clock
from ..core.inprocess import call_target
from ..core.table import markdown_table
from .compare import squash
from .scenario import Scenario, fill
from .scrub import scrub

__all__ = ["LIVE_ENV", "Result", "check", "plan", "run", "summary_table"]

#: environment variables holding real credentials, per provider
LIVE_ENV: dict[str, dict[str, str]] = {
    "sendgrid": {"api_key": "SENDGRID_API_KEY"},
    "cmc": {"api_user": "CMC_API_USER", "api_key": "CMC_API_KEY", "server_composition": "CMC_SERVER_COMPOSITION"},
    "ncp": {"access_key": "NCP_ACCESS_KEY", "secret_key": "NCP_SECRET_KEY"},
    "sendcloud": {"api_user": "SENDCLOUD_API_USER", "api_key": "SENDCLOUD_API_KEY"},
}


@dataclass
class Result:
    scenario: str
    provider: str
    target: str
    status: str  # "passed", "failed", "skipped"
    detail: str = ""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


# -- requests -------------------------------------------------------------------------------------
def build(spec: dict[str, Any], credentials: dict[str, dict[str, str]], now_ms: int) -> tuple[str, str, list, bytes]:
    """(method, target, headers, body) from a request spec."""
    spec = fill(spec, credentials)
    method = spec.get("method", "GET").upper()
    target = spec["path"]
    query = spec.get("query")
    if query:
        pairs = list(query.items()) if isinstance(query, dict) else [tuple(p) for p in query]
        target += "?" + urlencode(pairs)
    headers = list((spec.get("headers") or {}).items())
    body = b""
    if "json" in spec:
        body = json.dumps(spec["json"]).encode()
        headers.append(("Content-Type", "application/json"))
    elif "form" in spec:
        body = urlencode(list(spec["form"].items())).encode()
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    elif "body" in spec:
        body = spec["body"].encode()
    if spec.get("sign") == "ncp":
        headers += ncp_signature(method, target, credentials.get("ncp", {}), now_ms)
    return method, target, headers, body


def ncp_signature(method: str, target: str, creds: dict[str, str], now_ms: int) -> list[tuple[str, str]]:
    """The API Gateway's signature v2, written from its documentation."""
    timestamp = str(now_ms)
    message = f"{method} {target}\n{timestamp}\n{creds.get('access_key', '')}".encode()
    digest = hmac.new(creds.get("secret_key", "").encode(), message, hashlib.sha256).digest()
    return [
        ("x-ncp-apigw-timestamp", timestamp),
        ("x-ncp-iam-access-key", creds.get("access_key", "")),
        ("x-ncp-apigw-signature-v2", base64.b64encode(digest).decode()),
    ]


# -- targets ----------------------------------------------------------------------------------------
def ask_fake(scenario: Scenario) -> Answer:
    app = App()
    if scenario.clock:
        app.clock.apply(scenario.clock)
    if scenario.setup:
        app.seed(scenario.setup, f"{scenario.id} setup")
    creds = {k: dict(p.credentials) for k, p in app.providers.items()}
    for key, values in (scenario.credentials or {}).items():
        creds.setdefault(key, {}).update(values)
    answer = None
    for spec in [*scenario.prelude, scenario.request]:
        method, target, headers, body = build(spec, creds, int(app.clock.time() * 1000))
        status, hdrs, data = call_target(app, method, target, headers, body)
        answer = Answer(status, dict(hdrs), data)
    if app.errors:
        raise AssertionError(f"the fake hit an internal error: {app.errors[0]!r}")
    assert answer is not None
    return answer


def ask_live(
    scenario: Scenario, creds: dict[str, dict[str, str]], host: str
) -> tuple[Answer, tuple[str, str, list[tuple[str, str]], bytes]]:
    """The live answer, and the request as sent (for ``--record``). The standard
    library's client: the live target needs nothing the wheel does not install."""
    import urllib.error
    import urllib.request

    method, target, headers, body = build(scenario.request, creds, int(Clock().time() * 1000))  # real time
    request = urllib.request.Request(host.rstrip("/") + target, data=body or None, method=method)
    for name, value in headers:
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, got, data = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:  # an error status is an answer too
        status, got, data = exc.code, dict(exc.headers.items()), exc.read()
    return Answer(status, got, data), (method, target, headers, body)


def live_credentials(provider: str) -> dict[str, str] | None:
    names = LIVE_ENV.get(provider, {})
    values = {k: os.environ.get(v, "") for k, v in names.items()}
    return values if names and all(values.values()) else None


# -- expectations and comparison --------------------------------------------------------------------
def expected(scenario: Scenario, fixtures: Path) -> dict[str, Any]:
    if scenario.expect is not None:
        return scenario.expect
    if scenario.fixture is None:
        raise ValueError(f"{scenario.id}: needs an expect or a fixture")
    recording = json.loads((fixtures / scenario.fixture).read_text(encoding="utf-8"))
    response = recording["response"]
    want: dict[str, Any] = {"headers": {}}
    if response.get("status") is not None:
        want["status"] = response["status"]
    rec_headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name in scenario.headers:
        if name.lower() in rec_headers:
            want["headers"][name] = rec_headers[name.lower()]
    body = response.get("body")
    if response.get("body_complete") is False or scenario.body_kind != "json":
        want["prefix" if response.get("body_complete") is False else "text"] = body
    elif isinstance(body, str):
        want["text" if not body.strip() else "body"] = body if not body.strip() else _loads(body)
    else:
        want["body"] = body
    return want


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _drop(value: Any, path: list[str]) -> Any:
    if not path:
        return "<ignored>"
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _drop(value[head], rest)}
    if isinstance(value, list) and head.isdigit() and int(head) < len(value):
        out = list(value)
        out[int(head)] = _drop(value[int(head)], rest)
        return out
    return value


def _canonical(value: Any) -> Any:
    """Lists sorted by their JSON text: order-insensitive comparison."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def compare(scenario: Scenario, want: dict[str, Any], got: Answer) -> list[str]:
    diffs = []
    got_body: Any = got.body
    if scenario.body_kind == "zip":
        got_body = unzip_text(got.body)
    elif got.body:
        got_body = _loads(got.body.decode("utf-8", "replace"))
    _, got_headers, got_body = scrub(scenario.scrub, got.status, got.headers, got_body)
    want_headers = {k.lower(): v for k, v in want.get("headers", {}).items()}
    _, want_headers, want_body = scrub(scenario.scrub, want.get("status"), want_headers, want.get("body"))
    for path in scenario.ignore:
        got_body = _drop(got_body, path.split("."))
        want_body = _drop(want_body, path.split("."))
    if scenario.order == "any":
        got_body, want_body = _canonical(got_body), _canonical(want_body)
    if scenario.match == "members":  # the recording quotes only the members of "errors"
        recorded = _loads("[" + want.get("prefix", want.get("text", "")) + "]")
        ours = got_body.get("errors") if isinstance(got_body, dict) else None
        if not isinstance(recorded, list) or not isinstance(ours, list):
            diffs.append("cannot compare error members")
        elif {json.dumps(m, sort_keys=True) for m in ours} != {json.dumps(m, sort_keys=True) for m in recorded}:
            diffs.append(f"error members {ours} != recorded {recorded}")
        want = {k: v for k, v in want.items() if k not in ("prefix", "text")}
    if "status" in want and want["status"] != got.status:
        diffs.append(f"status {got.status} != {want['status']}")
    for name, value in want_headers.items():
        if got_headers.get(name) != value:
            diffs.append(f"header {name}: {got_headers.get(name)!r} != {value!r}")
    if "body" in want and got_body != want_body:
        diffs.append(f"body {json.dumps(got_body)[:300]} != {json.dumps(want_body)[:300]}")
    if "text" in want:
        text = got_body if isinstance(got_body, str) else got.body.decode("utf-8", "replace")
        if squash(text.strip()) != squash(want["text"].strip()):
            diffs.append(f"text {text[:200]!r} != {want['text'][:200]!r}")
    if "prefix" in want:
        text = got_body if isinstance(got_body, str) else got.body.decode("utf-8", "replace")
        if not squash(text).startswith(squash(want["prefix"])):
            diffs.append(f"body does not start with the recorded prefix: {text[:200]!r} vs {want['prefix'][:200]!r}")
    return diffs


def unzip_text(data: bytes) -> str:
    """The text of the single file in a ZIP (CMC downloads)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        return zf.read(names[0]).decode("utf-8") if len(names) == 1 else f"<{len(names)} files>"


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def shape_diff(live: Any, fake: Any, path: str = "$") -> list[str]:
    """Where two answers differ in shape: object keys, and the types of values. The
    live account and the fake hold different data, so only what data cannot explain
    counts: an empty list is any list (an account without bounces), and null any value
    (``expectedDeleteDate`` of an address not blocked); lists compare their first items."""
    if live is None or fake is None:
        return []
    if isinstance(live, dict) and isinstance(fake, dict):
        out = [f"{path}.{k}: live has it, the fake does not" for k in live if k not in fake]
        out += [f"{path}.{k}: the fake has it, live does not" for k in fake if k not in live]
        for k in live.keys() & fake.keys():
            out += shape_diff(live[k], fake[k], f"{path}.{k}")
        return sorted(out)
    if isinstance(live, list) and isinstance(fake, list):
        return shape_diff(live[0], fake[0], f"{path}[0]") if live and fake else []
    if type(live) is not type(fake):
        return [f"{path}: live {json.dumps(shape(live))}, fake {json.dumps(shape(fake))}"]
    return []


# -- running ------------------------------------------------------------------------------------------
def plan(scenarios: list[Scenario], target: str, fixtures: Path) -> list[tuple[str, str, Scenario | None]]:
    """(label, provider, scenario) for every check ``target`` makes: one per scenario,
    or, for ``recorded``, one per recording (``None`` where no scenario replays it)."""
    if target != "recorded":
        return [(s.id, s.provider, s) for s in scenarios]
    by_fixture = {s.fixture: s for s in scenarios if s.fixture}
    out: list[tuple[str, str, Scenario | None]] = []
    for provider in sorted({s.provider for s in scenarios}):
        folder = fixtures / provider
        for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            rel = f"{provider}/{file.name}"
            out.append((rel, provider, by_fixture.get(rel)))
    return out


def check(
    label: str,
    provider: str,
    scenario: Scenario | None,
    target: str,
    fixtures: Path,
    record: Path | None = None,
    live_url: str | None = None,
) -> Result:
    """Run one planned check."""
    if scenario is None:
        return Result(label, provider, target, "failed", "no scenario replays this recording")
    if target == "live":
        return _live(scenario, fixtures, record, live_url)
    return _one(scenario, fixtures, target, label)


def run(
    scenarios: list[Scenario],
    target: str,
    fixtures: Path,
    *,
    record: Path | None = None,
    live_url: str | None = None,
) -> list[Result]:
    """Run ``scenarios`` against ``target`` (``fake``, ``recorded`` or ``live``; ``live_url``
    sends the live requests there instead of the provider's host)."""
    return [check(label, p, s, target, fixtures, record, live_url) for label, p, s in plan(scenarios, target, fixtures)]


def _one(scenario: Scenario, fixtures: Path, target: str, label: str) -> Result:
    try:
        want = expected(scenario, fixtures)
        got = ask_fake(scenario)
        diffs = compare(scenario, want, got)
    except Exception as exc:
        return Result(label, scenario.provider, target, "failed", f"{type(exc).__name__}: {exc}")
    return Result(label, scenario.provider, target, "failed" if diffs else "passed", "; ".join(diffs))


def _live(scenario: Scenario, fixtures: Path, record: Path | None, live_url: str | None = None) -> Result:
    from ..providers import load_providers

    if not scenario.live:
        return Result(scenario.id, scenario.provider, "live", "skipped", "not a read-only scenario")
    creds = live_credentials(scenario.provider)
    if creds is None:
        names = ", ".join(LIVE_ENV.get(scenario.provider, {}).values())
        return Result(scenario.id, scenario.provider, "live", "skipped", f"no live credentials (set {names})")
    host = live_url or load_providers([scenario.provider])[scenario.provider].real_host
    try:
        got, sent = ask_live(scenario, {scenario.provider: creds}, host)
        fake = ask_fake(scenario)
    except Exception as exc:
        return Result(scenario.id, scenario.provider, "live", "failed", f"{type(exc).__name__}: {exc}")
    diffs = []
    if got.status != fake.status:
        diffs.append(f"status live {got.status} != fake {fake.status}")
    live_body, fake_body = _loads(got.body.decode("utf-8", "replace")), _loads(fake.body.decode("utf-8", "replace"))
    if live_body and fake_body:
        diffs += [f"shape {d}" for d in shape_diff(live_body, fake_body)]
    if record is not None:
        from .record import write_recording

        write_recording(record, scenario, creds, host, got, sent)
    return Result(scenario.id, scenario.provider, "live", "failed" if diffs else "passed", "; ".join(diffs))


def summary_table(results: list[Result]) -> str:
    outcomes = ("passed", "failed", "skipped")
    groups = [(p, [r for r in results if r.provider == p]) for p in sorted({r.provider for r in results})]
    groups.append(("all", results))
    rows = [["provider", *outcomes]]
    rows += [[name, *(str(sum(1 for r in mine if r.status == o)) for o in outcomes)] for name, mine in groups]
    return markdown_table(rows)
