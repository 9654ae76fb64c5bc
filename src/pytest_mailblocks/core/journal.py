"""The request journal: every exchange a provider saw, in order.

A :class:`Journal` is a thread-safe list of :class:`JournalEntry` records, shaped
like a call list: ``len(j)``, ``j.last``, ``j.called``, iteration, indexing,
``j.filter(...)``. The server keeps one per provider plus one for the control plane.
Entries hold what the client sent as received (tests may assert on it); anything
that leaves the process (``to_dict``, the control plane, ``repr``) redacts the
provider's secrets.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload
from urllib.parse import parse_qsl

__all__ = ["Journal", "JournalEntry", "redact_mapping", "redact_text"]

REDACTED = "<redacted>"
_BODY_KEEP = 64 * 1024


def _is_secret(name: str, secrets: frozenset[str]) -> bool:
    return name.lower() in secrets


def redact_mapping(data: Any, secrets: frozenset[str]) -> Any:
    """Replace the values of secret keys, recursively, in JSON-like data."""
    if isinstance(data, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _is_secret(k, secrets) else redact_mapping(v, secrets))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_mapping(v, secrets) for v in data]
    return data


def redact_text(text: str, content_type: str, secrets: frozenset[str]) -> str:
    """Redact secret fields inside a form-encoded or JSON body kept as text."""
    if not text or not secrets:
        return text
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return _redact_multipart(text, secrets)
    if ctype == "application/x-www-form-urlencoded" or (not ctype and "=" in text):
        pairs = parse_qsl(text, keep_blank_values=True)
        if any(_is_secret(k, secrets) for k, _ in pairs):
            from urllib.parse import urlencode

            return urlencode([(k, REDACTED if _is_secret(k, secrets) else v) for k, v in pairs])
        return text
    if "json" in ctype or text.lstrip().startswith(("{", "[")):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            return text
        redacted = redact_mapping(data, secrets)
        if redacted != data:
            return json.dumps(redacted, ensure_ascii=False)
    return text


_PART_NAME = re.compile(r'name="([^"]*)"', re.I)


def _redact_multipart(text: str, secrets: frozenset[str]) -> str:
    """Blank the value of every secret field in a multipart body (kept as text)."""
    out = []
    for part in re.split(r"(\r?\n--[^\r\n]*\r?\n|^--[^\r\n]*\r?\n)", text):
        head, sep, _ = part.partition("\r\n\r\n")
        if not sep:
            head, sep, _ = part.partition("\n\n")
        match = _PART_NAME.search(head) if sep else None
        if match and _is_secret(match.group(1), secrets):
            part = head + sep + REDACTED
        out.append(part)
    return "".join(out)


def _body_text(body: bytes) -> tuple[str, bool]:
    """(text, is_base64) for a body kept in the journal."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _as_dict(headers: Any) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    return {k: v for k, v in items}


@dataclass(eq=False)
class JournalEntry:
    """One request and the response the fake gave it.

    Headers are kept as received (a mapping or ``(name, value)`` pairs) and turned
    into dicts only when read: the journal costs little on the request path."""

    seq: int
    provider: str
    method: str
    path: str
    query_string: str
    raw_headers: Any
    body: bytes
    time: float
    status: int = 0
    raw_response_headers: Any = ()
    response_body: bytes = b""
    duration_ms: float = 0.0
    endpoint: str | None = None
    error_code: str | None = None
    auth: str | None = None
    tenant: str | None = None
    fault: str | None = None
    traceback: str | None = None
    secrets: frozenset[str] = field(default=frozenset(), repr=False)

    # -- conveniences for assertions ---------------------------------------------
    @cached_property
    def headers(self) -> dict[str, str]:
        """Request headers as sent."""
        return _as_dict(self.raw_headers)

    @cached_property
    def response_headers(self) -> dict[str, str]:
        return _as_dict(self.raw_response_headers)

    @property
    def query(self) -> dict[str, str]:
        """The query string as a dict (last value wins)."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def response_text(self) -> str:
        return self.response_body.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def response_json(self) -> Any:
        import json

        return json.loads(self.response_body)

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for k, v in self.headers.items():
            if k.lower() == lname:
                return v
        return default

    # -- output (always redacted) -------------------------------------------------
    def redacted_headers(self) -> dict[str, str]:
        return {k: (REDACTED if _is_secret(k, self.secrets) else v) for k, v in self.headers.items()}

    def to_dict(self) -> dict[str, Any]:
        from datetime import datetime, timezone

        body, body_b64 = _body_text(self.body[:_BODY_KEEP])
        if not body_b64:
            body = redact_text(body, self.header("content-type", "") or "", self.secrets)
        rbody, rbody_b64 = _body_text(self.response_body[:_BODY_KEEP])
        query = redact_text(self.query_string, "application/x-www-form-urlencoded", self.secrets)
        return {
            "seq": self.seq,
            "provider": self.provider,
            "time": datetime.fromtimestamp(self.time, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "query": query,
            "headers": self.redacted_headers(),
            "body": body,
            "body_base64": body_b64,
            "status": self.status,
            "response_headers": dict(self.response_headers),
            "response_body": rbody,
            "response_body_base64": rbody_b64,
            "duration_ms": round(self.duration_ms, 3),
            "endpoint": self.endpoint,
            "error_code": self.error_code,
            "auth": self.auth,
            "tenant": self.tenant,
            "fault": self.fault,
            "traceback": self.traceback,
        }

    def __repr__(self) -> str:
        q = f"?{self.query_string}" if self.query_string else ""
        return f"<JournalEntry #{self.seq} {self.provider} {self.method} {self.path}{q} -> {self.status}>"


class Journal:
    """A bounded, thread-safe, ordered list of :class:`JournalEntry`.

    Entries are stored as tuples of strings, bytes and numbers, which the garbage
    collector stops tracking, so a full journal does not slow every request down
    through longer collections; :class:`JournalEntry` objects are built when read.
    ``total`` counts every entry appended since the last clear, so a suite can
    tell when old entries were dropped because the bound (``maxlen``) was reached.

    ``generation`` counts the clears. The server reads it when a provider has answered
    (under the server lock) and passes it to :meth:`record`, which happens outside the
    lock: an exchange answered before a clear (or a reset) that comes in between is
    dropped instead of landing in the fresh journal.
    """

    def __init__(self, maxlen: int | None = 10_000, secrets: frozenset[str] = frozenset()) -> None:
        self._records: deque[tuple[Any, ...]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self.secrets = secrets
        self.total = 0
        self.generation = 0

    def record(self, *fields: Any, generation: int | None = None) -> None:
        """Append one exchange given as :class:`JournalEntry` fields, in order
        (``seq`` ... ``traceback``), headers as tuples of pairs; not if it was
        answered in an earlier ``generation`` (before a clear)."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            self._records.append(fields)
            self.total += 1

    def append(self, entry: JournalEntry) -> None:
        self.record(*(getattr(entry, name) for name in _FIELDS))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self.total = 0
            self.generation += 1

    def _entry(self, fields: tuple[Any, ...]) -> JournalEntry:
        entry = JournalEntry(*fields)
        entry.secrets = self.secrets
        return entry

    def _snapshot(self) -> list[JournalEntry]:
        with self._lock:
            records = list(self._records)
        return [self._entry(r) for r in records]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._snapshot())

    @overload
    def __getitem__(self, index: int) -> JournalEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[JournalEntry]: ...
    def __getitem__(self, index: int | slice) -> JournalEntry | list[JournalEntry]:
        with self._lock:
            records = list(self._records)
        if isinstance(index, slice):
            return [self._entry(r) for r in records[index]]
        return self._entry(records[index])

    def __bool__(self) -> bool:
        return bool(self._records)

    @property
    def called(self) -> bool:
        return bool(self._records)

    @property
    def call_count(self) -> int:
        return len(self._records)

    @property
    def last(self) -> JournalEntry | None:
        with self._lock:
            last = self._records[-1] if self._records else None
        return None if last is None else self._entry(last)

    def filter(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        path_prefix: str | None = None,
        status: int | None = None,
        endpoint: str | None = None,
        since: int | None = None,
    ) -> list[JournalEntry]:
        """Entries matching every given criterion (``since``: seq greater than)."""
        out = []
        for e in self._snapshot():
            if method is not None and e.method != method.upper():
                continue
            if path is not None and e.path != path:
                continue
            if path_prefix is not None and not e.path.startswith(path_prefix):
                continue
            if status is not None and e.status != status:
                continue
            if endpoint is not None and e.endpoint != endpoint:
                continue
            if since is not None and e.seq <= since:
                continue
            out.append(e)
        return out

    def __repr__(self) -> str:
        return f"<Journal {len(self)} entries>"


_FIELDS = (
    "seq",
    "provider",
    "method",
    "path",
    "query_string",
    "raw_headers",
    "body",
    "time",
    "status",
    "raw_response_headers",
    "response_body",
    "duration_ms",
    "endpoint",
    "error_code",
    "auth",
    "tenant",
    "fault",
    "traceback",
)
