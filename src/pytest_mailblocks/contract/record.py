"""Writing live answers as new fixtures, with secrets and personal addresses redacted."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..core.clock import Clock
from .scenario import Scenario

__all__ = ["redact_addresses", "write_recording"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_KEEP = ("@example.com", "@example.org", "@example.net", "@test.com")


def redact_addresses(text: str) -> str:
    """Real-looking addresses become ``userN@example.com`` (same address, same N)."""
    seen: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        address = m.group(0)
        if address.lower().endswith(_KEEP):
            return address
        return seen.setdefault(address.lower(), f"user{len(seen) + 1}@example.com")

    return _EMAIL.sub(repl, text)


#: response headers never written: they identify the account or the session
_DROPPED_HEADERS = frozenset({"set-cookie", "authorization", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2"})


def write_recording(folder: Path, scenario: Scenario, creds: dict[str, str], host: str, answer: Any) -> Path:
    """Write a live answer as ``<folder>/<provider>/<scenario>_live.json``: every
    credential value becomes ``<redacted>`` wherever it appears (body and header
    values), real-looking addresses become ``userN@example.com``, and
    cookie/auth headers are dropped. The request is written as the scenario's
    template (placeholders, not secrets), its headers' values redacted."""
    secrets = sorted((v for v in creds.values() if v), key=len, reverse=True)

    def scrub(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "<redacted>")
        return redact_addresses(text)

    body_text = scrub(answer.body.decode("utf-8", "replace"))
    try:
        body: Any = json.loads(body_text)
    except ValueError:
        body = body_text
    headers = {k: scrub(v) for k, v in answer.headers.items() if k.lower() not in _DROPPED_HEADERS}
    data = {
        "kind": "recorded",
        "source": f"mailblocks verify --target live --record, {host}, "
        f"{Clock().now().strftime('%Y-%m-%d')}, scenario {scenario.id}",
        "request": {
            "method": scenario.request.get("method", "GET"),
            "path": scenario.request["path"],
            "query": scenario.request.get("query", {}),
            "headers": {k: "<redacted>" for k in (scenario.request.get("headers") or {})},
        },
        "response": {"status": answer.status, "headers": headers, "body": body},
        "notes": "recorded by the contract suite's live target; secrets and personal addresses redacted",
    }
    target = folder / scenario.provider / f"{scenario.name}_live.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
