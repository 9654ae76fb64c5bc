"""Named scrubbers for volatile fields, with correlation tokens.

A scrubbed value becomes ``<name:N>``, numbered by first appearance within one
response, so correlations survive (the same timestamp twice is the same token)
while the values themselves stop mattering. Both sides of a comparison are
scrubbed with the same transformers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["SCRUBBERS", "Scrubber", "scrub"]

HEADER_SCRUBS: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "request_id": ("twilio-request-id", "x-ncp-trace-id", "x-request-id"),
    "ratelimit": ("x-ratelimit-remaining", "x-ratelimit-reset"),
    "content_length": ("content-length",),
    "content_disposition": ("content-disposition",),
}

_TS = re.compile(r"^\d{10}$")
_MS = re.compile(r"^\d{13}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?( \d{3}|\.\d+)?)?$")


class Scrubber:
    """One response's token book: values to ``<name:N>``."""

    def __init__(self) -> None:
        self.tokens: dict[tuple[str, Any], str] = {}
        self.counts: dict[str, int] = {}

    def token(self, name: str, value: Any) -> str:
        key = (name, value)
        if key not in self.tokens:
            self.counts[name] = self.counts.get(name, 0) + 1
            self.tokens[key] = f"<{name}:{self.counts[name]}>"
        return self.tokens[key]


def _walk(data: Any, fn: Callable[[str | None, Any], Any], key: str | None = None) -> Any:
    if isinstance(data, dict):
        return {k: _walk(v, fn, k) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk(v, fn, key) for v in data]
    return fn(key, data)


def _by_keys(name: str, keys: set[str]) -> Callable[[Any, Scrubber], Any]:
    def apply(body: Any, book: Scrubber) -> Any:
        return _walk(body, lambda k, v: book.token(name, v) if k in keys and v is not None else v)

    return apply


def _timestamps(body: Any, book: Scrubber) -> Any:
    def fn(key: str | None, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and (_TS.match(str(value)) or _MS.match(str(value))):
            return book.token("time", value)
        if isinstance(value, str) and _DATETIME.match(value):
            return book.token("time", value)
        return value

    return _walk(body, fn)


#: body scrubbers by name
SCRUBBERS: dict[str, Callable[[Any, Scrubber], Any]] = {
    "timestamps": _timestamps,
    "ids": _by_keys("id", {"id", "historySid"}),
    "emails": _by_keys("email", {"email", "targetAddress", "address", "recipient_email"}),
}


def scrub(
    names: list[str], status: int | None, headers: dict[str, str], body: Any
) -> tuple[int | None, dict[str, str], Any]:
    """Apply the named scrubbers to headers (lower-cased) and a parsed body."""
    book = Scrubber()
    out_headers = {k.lower(): v for k, v in headers.items()}
    for name in names:
        for header in HEADER_SCRUBS.get(name, ()):
            if header in out_headers:
                out_headers[header] = f"<{name}>"
        if name in SCRUBBERS:
            body = SCRUBBERS[name](body, book)
        elif name not in HEADER_SCRUBS:
            raise ValueError(f"unknown scrubber {name!r}; known: {sorted({*SCRUBBERS, *HEADER_SCRUBS})}")
    return status, out_headers, body
