"""Scenarios as data: one JSON file each, one folder per provider.

```json
{
  "description": "what is checked, and the source",
  "fixture": "sendgrid/list_blocks_200.json",      # optional: the recording it reproduces
  "clock": {"freeze": "2015-10-01T00:00:00Z"},       # optional, control-plane clock shape
  "setup": {"sendgrid": {"blocks": [...]}},          # optional, control-plane seed shape
  "credentials": {"sendcloud": {"api_user": "x"}},   # optional: the fake's, for placeholders
  "prelude": [{request}, ...],                       # optional requests sent first
  "request": {"method": "GET", "path": "/v3/...", "query": {...}, "headers": {...},
              "json": ..., "form": {...}, "body": "raw", "sign": "ncp"},
  "expect": {"status": 200, "headers": {...}, "body": ..., "text": "..."},
  "headers": ["Content-Type"],                       # headers compared with the fixture
  "scrub": ["date", "request_id", "timestamps"],
  "live": true,                                      # read-only: may run against the provider
  "order": "any",                                    # lists compared as multisets (docs examples)
  "ignore": ["errors.0.field"],                      # known deviations, dotted paths, said why
  "match": "members"                                 # the recording is a fragment of error members
}
```

Strings may hold ``{provider.credential}`` placeholders (``{sendgrid.api_key}``),
filled from the target's credentials: the fake's defaults (or the scenario's
``credentials``, for a documentation example written for another account, which
its ``setup`` then creates), the environment's on the live target. With a ``fixture`` and no ``expect``, the
expectation is the recorded response: its status (unless the source did not show
one), the listed headers, and its body (a prefix when the source was cut off).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Scenario", "fill", "load_scenarios"]

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\.([a-z0-9_]+)\}")


@dataclass
class Scenario:
    provider: str
    name: str
    path: Path
    request: dict[str, Any]
    description: str = ""
    fixture: str | None = None
    clock: dict[str, Any] | None = None
    setup: dict[str, Any] | None = None
    credentials: dict[str, dict[str, str]] | None = None
    prelude: list[dict[str, Any]] = field(default_factory=list)
    expect: dict[str, Any] | None = None
    headers: list[str] = field(default_factory=list)
    scrub: list[str] = field(default_factory=list)
    live: bool = False
    body_kind: str = "json"
    order: str = "exact"
    ignore: list[str] = field(default_factory=list)
    match: str = "equal"

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.name}"


_KEYS = {
    "description",
    "fixture",
    "clock",
    "setup",
    "credentials",
    "prelude",
    "request",
    "expect",
    "headers",
    "scrub",
    "live",
    "body_kind",
    "order",
    "ignore",
    "match",
}


def load_scenarios(root: Path, providers: list[str] | None = None) -> list[Scenario]:
    """Every ``<root>/<provider>/*.json`` scenario (``providers``: a subset)."""
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if providers and folder.name not in providers:
            continue
        for file in sorted(folder.glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{file}: not valid JSON: {exc}") from None
            unknown = set(data) - _KEYS
            if unknown or "request" not in data:
                raise ValueError(f"{file}: unknown keys {sorted(unknown)} or no request")
            out.append(Scenario(provider=folder.name, name=file.stem, path=file, **data))
    return out


def fill(value: Any, credentials: dict[str, dict[str, str]]) -> Any:
    """Replace ``{provider.name}`` placeholders in every string of ``value``."""
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            try:
                return credentials[m.group(1)][m.group(2)]
            except KeyError:
                return m.group(0)

        return _PLACEHOLDER.sub(repl, value)
    if isinstance(value, list):
        return [fill(v, credentials) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, credentials) for k, v in value.items()}
    return value
