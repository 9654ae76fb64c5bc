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


def write_recording(folder: Path, scenario: Scenario, creds: dict[str, str], host: str, answer: Any) -> Path:
    body_text = answer.body.decode("utf-8", "replace")
    for secret in creds.values():
        body_text = body_text.replace(secret, "<redacted>")
    body_text = redact_addresses(body_text)
    try:
        body: Any = json.loads(body_text)
    except ValueError:
        body = body_text
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("set-cookie", "authorization")}
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
