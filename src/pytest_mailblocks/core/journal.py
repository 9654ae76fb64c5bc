"""The request journal: every exchange a provider saw, in order.

A :class:`Journal` is a thread-safe list of :class:`JournalEntry` records, shaped
like a call list: ``len(j)``, ``j.last``, ``j.called``, iteration, indexing,
``j.filter(...)``. The server keeps one per provider plus one for the control plane.
Entries hold what the client sent as received (tests may assert on it); anything
that leaves the process (``to_dict``, the control plane, the inspector, ``repr``)
redacts the provider's secrets (``Provider.secrets``: header and parameter names),
and any field whose name says it is a secret (:data:`SECRET_WORDS`), in request and
response headers, the query string and both bodies, whatever their content type (see
:func:`redact_body`).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import Any, NamedTuple, overload
from urllib.parse import parse_qsl, unquote_to_bytes

__all__ = [
    "DEFAULT_JOURNAL_MAX_BODY",
    "DEFAULT_JOURNAL_MAX_BYTES",
    "REDACTED",
    "SECRET_WORDS",
    "Journal",
    "JournalEntry",
    "JournalRecord",
    "redact_body",
    "redact_mapping",
    "redact_text",
]

REDACTED = "<redacted>"
#: bytes of each body (request and response) an entry keeps by default
DEFAULT_JOURNAL_MAX_BODY = 64 * 1024
#: bytes a journal keeps by default (bodies, headers, the rest: see ``Journal.nbytes``)
DEFAULT_JOURNAL_MAX_BYTES = 2 * 1024 * 1024
#: what one entry costs beyond the lengths of its strings and bytes (objects, tuples),
#: and each header pair on top of its name and value: fitted to what Python really
#: holds for the four providers' entries (tracemalloc; tests/core/test_journal.py)
_ENTRY_OVERHEAD = 1100
_HEADER_OVERHEAD = 64


#: a field or header whose lower-cased name holds one of these is a secret in every
#: journal, whatever the provider reads: a client's plausible mistakes (a bearer key
#: sent as ``?api_key=``, a password in a form) are hidden as well as its credentials
SECRET_WORDS = (
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "password",
    "passwd",
    "secret",
    "token",
    "signature",
    "credential",
    "authorization",
    "private_key",
)
_SECRET_WORDS_B = tuple(w.encode() for w in SECRET_WORDS)


def _is_secret(name: str, secrets: frozenset[str]) -> bool:
    lowered = name.lower()
    return lowered in secrets or any(word in lowered for word in SECRET_WORDS)


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
    """Redact secret fields inside a body or query string kept as text (see
    :func:`redact_body`)."""
    raw = text.encode("utf-8", "surrogateescape")
    out = redact_body(raw, content_type, secrets)
    return text if out is raw else out.decode("utf-8", "surrogateescape")


# -- redaction of bodies, whatever their content type ------------------------------------
#
# A provider reads credentials from a body by how the body looks as much as by its
# Content-Type (one parses any body that is not JSON or multipart as a form and a JSON
# object when it starts with "{", another reads urlencoded and multipart forms), and a
# client may send its key any way. So every reading that could find a secret is applied:
# multipart by its boundary (declared or the body's first line), JSON (any body that
# starts with "{" or "["), and a form (a urlencoded body, or any body that is neither
# JSON nor multipart). Each changes only the secret values, to the literal marker,
# so the rest reads as sent, and each works on bytes (a body that is not UTF-8 is
# shown as base64 after redaction) and on a body cut short by the journal's cap.

_REDACTED_B = REDACTED.encode()
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.S)
_JSON_COLON = re.compile(rb"\s*:\s*")
_JSON_SCALAR_END = re.compile(rb"[,}\]\s]|\Z")
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.I)
_PART_NAME = re.compile(rb'\bname\*?=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.I)


def redact_body(body: bytes, content_type: str, secrets: frozenset[str]) -> bytes:
    """``body`` with the value of every secret field replaced by ``<redacted>``;
    the same object when nothing was redacted."""
    if not body or not _may_hold(body, secrets):
        return body
    ctype = content_type.split(";")[0].strip().lower()
    head = body.lstrip(b" \t\r\n\xef\xbb\xbf")[:2]
    multipart = ctype.startswith("multipart/") or head == b"--"
    looks_json = head[:1] in (b"{", b"[")
    out = body
    if multipart:
        out = _redact_multipart(out, content_type, secrets)
    if looks_json:
        out = _redact_json(out, secrets)
    if ctype == "application/x-www-form-urlencoded" or not looks_json:  # a "multipart" form without a boundary too
        out = _redact_form(out, secrets)
    return body if out == body else out


def _may_hold(body: bytes, secrets: frozenset[str]) -> bool:
    """Whether a secret name could be in ``body`` (as is, or escaped: %XX, \\uXXXX)."""
    if b"%" in body or b"\\u" in body:
        return True
    lower = body.lower()
    return any(name.encode() in lower for name in secrets) or any(word in lower for word in _SECRET_WORDS_B)


_FORM_SEPARATOR = re.compile(rb"([&;])")


def _redact_form(body: bytes, secrets: frozenset[str]) -> bytes:
    """``name=value`` pairs split on ``&`` or ``;`` (the older separator some clients
    still send); names percent-decoded (``+`` a space)."""
    pairs = _FORM_SEPARATOR.split(body)
    changed = False
    for i in range(0, len(pairs), 2):
        name, eq, _ = pairs[i].partition(b"=")
        if eq and _is_secret(unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace"), secrets):
            pairs[i] = name + b"=" + _REDACTED_B
            changed = True
    return b"".join(pairs) if changed else body


def _redact_json(body: bytes, secrets: frozenset[str]) -> bytes:
    """Every object key (escapes decoded) at any depth; the value after a secret key,
    whatever it is (a string, a number, an object or array), becomes the marker. The
    body need not be whole: an unterminated value is redacted to the end."""
    out: list[bytes] = []
    pos = 0
    scan = 0
    while True:
        m = _JSON_STRING.search(body, scan)
        if m is None:
            break
        scan = m.end()
        colon = _JSON_COLON.match(body, scan)
        if colon is None:
            continue  # a value, not a key
        try:
            key = json.loads(m.group().decode("utf-8", "replace"))
        except ValueError:
            continue
        if not isinstance(key, str) or not _is_secret(key, secrets):
            continue
        start = colon.end()
        end = _json_value_end(body, start)
        out += [body[pos:start], b'"', _REDACTED_B, b'"']
        pos = scan = end
    if not out:
        return body
    out.append(body[pos:])
    return b"".join(out)


def _json_value_end(body: bytes, start: int) -> int:
    """Where the JSON value starting at ``start`` ends (the end of ``body`` if cut)."""
    first = body[start : start + 1]
    if first == b'"':
        m = _JSON_STRING.match(body, start)
        return m.end() if m else len(body)
    if first in (b"{", b"["):
        depth = 0
        i = start
        while i < len(body):
            c = body[i : i + 1]
            if c == b'"':
                m = _JSON_STRING.match(body, i)
                i = m.end() if m else len(body)
                continue
            if c in (b"{", b"["):
                depth += 1
            elif c in (b"}", b"]"):
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return len(body)
    m = _JSON_SCALAR_END.search(body, start)
    return m.start() if m else len(body)


def _redact_multipart(body: bytes, content_type: str, secrets: frozenset[str]) -> bytes:
    """The content of every part whose ``name`` is a secret; the boundary is the
    declared one, else the body's first line."""
    declared = _BOUNDARY.search(content_type.encode("latin-1", "replace"))
    if declared:
        boundary = declared.group(1)
    else:
        first = body.lstrip().split(b"\n", 1)[0].strip()
        if not first.startswith(b"--"):
            return body
        boundary = first[2:]
    parts = body.split(b"--" + boundary)
    changed = False
    for i, part in enumerate(parts):
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = part.partition(b"\n\n")
        m = _PART_NAME.search(head) if sep else None
        if m is None:
            continue
        name = (m.group(1) if m.group(1) is not None else m.group(2)).decode("utf-8", "replace")
        if "''" in name:  # RFC 2231: name*=UTF-8''api_key
            name = name.split("''", 1)[1]
        if not _is_secret(unquote_to_bytes(name).decode("utf-8", "replace"), secrets):
            continue
        tail = content[len(content.rstrip(b"\r\n")) :] if i < len(parts) - 1 else b""
        parts[i] = head + sep + _REDACTED_B + tail
        changed = True
    return (b"--" + boundary).join(parts) if changed else body


def _body_text(body: bytes) -> tuple[str, bool]:
    """(text, is_base64) for a body kept in the journal."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _as_dict(headers: Any) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    return {k: v for k, v in items}


class JournalRecord(NamedTuple):
    """One exchange as the app hands it to :meth:`Journal.record`: the fields of a
    :class:`JournalEntry`, headers as tuples of pairs, and ``body_size`` (the request
    body's full size when ``body`` is not all of it: a body refused unread)."""

    seq: int
    provider: str
    method: str
    path: str
    query_string: str
    raw_headers: Any
    body: bytes
    time: float
    status: int
    raw_response_headers: Any
    response_body: bytes
    duration_ms: float
    endpoint: str | None
    error_code: str | None
    auth: str | None
    tenant: str | None
    fault: str | None
    traceback: str | None
    body_size: int | None = None


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
    #: the body's full size in bytes; ``body`` holds at most the journal's ``max_body``
    body_size: int = -1
    response_body_size: int = -1
    secrets: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.body_size < 0:
            self.body_size = len(self.body)
        if self.response_body_size < 0:
            self.response_body_size = len(self.response_body)

    @property
    def body_truncated(self) -> bool:
        """The journal kept only the first ``len(body)`` of ``body_size`` bytes."""
        return self.body_size > len(self.body)

    @property
    def response_body_truncated(self) -> bool:
        return self.response_body_size > len(self.response_body)

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
        return _redact_headers(self.headers, self.secrets)

    def to_dict(self) -> dict[str, Any]:
        from datetime import datetime, timezone

        body, body_b64 = _body_text(redact_body(self.body, self.header("content-type", "") or "", self.secrets))
        rtype = next((v for k, v in self.response_headers.items() if k.lower() == "content-type"), "")
        rbody, rbody_b64 = _body_text(redact_body(self.response_body, rtype, self.secrets))
        return {
            "seq": self.seq,
            "provider": self.provider,
            "time": datetime.fromtimestamp(self.time, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "query": self.redacted_query(),
            "headers": self.redacted_headers(),
            "body": body,
            "body_base64": body_b64,
            "body_size": self.body_size,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "response_headers": _redact_headers(self.response_headers, self.secrets),
            "response_body": rbody,
            "response_body_base64": rbody_b64,
            "response_body_size": self.response_body_size,
            "response_body_truncated": self.response_body_truncated,
            "duration_ms": round(self.duration_ms, 3),
            "endpoint": self.endpoint,
            "error_code": self.error_code,
            "auth": self.auth,
            "tenant": self.tenant,
            "fault": self.fault,
            "traceback": self.traceback,
        }

    def redacted_query(self) -> str:
        return redact_text(self.query_string, "application/x-www-form-urlencoded", self.secrets)

    def __repr__(self) -> str:
        q = f"?{self.redacted_query()}" if self.query_string else ""
        return f"<JournalEntry #{self.seq} {self.provider} {self.method} {self.path}{q} -> {self.status}>"


def _redact_headers(headers: dict[str, str], secrets: frozenset[str]) -> dict[str, str]:
    return {k: (REDACTED if _is_secret(k, secrets) else v) for k, v in headers.items()}


class _Bounded:
    """Records kept in order within ``maxlen`` records and ``max_bytes`` bytes, the
    oldest dropped first; each record a tuple whose last item is its size in bytes.
    The journal and core.delivery's logs (the outbox) are bounded this way."""

    _lock: threading.Lock
    _records: deque[Any]
    _maxlen: int | None
    _max_bytes: int | None
    nbytes: int
    total: int

    @property
    def dropped(self) -> int:
        """Records added since the last clear that a bound has dropped."""
        return self.total - len(self._records)

    def _trim(self) -> None:
        records, maxlen, max_bytes = self._records, self._maxlen, self._max_bytes
        while records and (
            (maxlen is not None and len(records) > maxlen) or (max_bytes is not None and self.nbytes > max_bytes)
        ):
            self._forget(records.popleft())

    def _forget(self, record: Any) -> None:
        """A record the bounds dropped (a subclass that indexes records lets go of it here)."""
        self.nbytes -= record[-1]


class _Bound:
    """A journal bound: a non-negative integer or ``None`` (no bound); setting it
    drops what no longer fits."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, "_" + name

    def __get__(self, journal: _Bounded | None, owner: type | None = None) -> int | None:
        return getattr(journal, self.slot) if journal is not None else None

    def __set__(self, journal: _Bounded, value: int | None) -> None:
        value = _bound(value, self.name)
        with journal._lock:
            setattr(journal, self.slot, value)
            journal._trim()


class Journal(_Bounded):
    """A bounded, thread-safe, ordered list of :class:`JournalEntry`.

    Entries are stored as tuples of strings, bytes and numbers, which the garbage
    collector stops tracking, so a full journal does not slow every request down
    through longer collections; :class:`JournalEntry` objects are built when read.

    Three bounds, each settable at any time (a lower one drops entries at once):

    - ``max_body``: bytes kept of each body, request and response (the rest is cut;
      the entry says so: ``body_truncated``, ``body_size``);
    - ``max_bytes``: bytes kept in all (``nbytes``: bodies, headers, path, query and
      a fixed cost per entry and per header, close to what Python really holds);
    - ``maxlen``: entries kept (``None``: no count bound).

    Past a bound the oldest entries go first, so the journal stays in ``seq`` order
    and reading with ``since`` pages forward correctly. ``len(j)`` is the entries
    kept now; ``total`` counts every entry recorded since the last clear, kept or
    dropped (``dropped`` is the difference), so a suite can tell when old entries
    were dropped.

    ``generation`` counts the clears. The server reads it when a provider has answered
    (under the server lock) and passes it to :meth:`record`, which happens outside the
    lock: an exchange answered before a clear (or a reset) that comes in between is
    dropped instead of landing in the fresh journal.
    """

    def __init__(
        self,
        maxlen: int | None = 10_000,
        secrets: frozenset[str] = frozenset(),
        *,
        max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES,
        max_body: int | None = DEFAULT_JOURNAL_MAX_BODY,
    ) -> None:
        self._records: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self.secrets = secrets
        self.total = 0
        self.generation = 0
        self.nbytes = 0
        self._maxlen: int | None = None
        self._max_bytes: int | None = None
        self._max_body: int | None = None
        self.maxlen, self.max_bytes, self.max_body = maxlen, max_bytes, max_body

    # -- bounds (setting one trims at once) ------------------------------------------
    maxlen = _Bound()
    max_bytes = _Bound()
    max_body = _Bound()  # applies to the entries recorded from now on

    # -- writing -------------------------------------------------------------------
    def record(self, record: JournalRecord, *fields: Any, generation: int | None = None, **old: Any) -> None:
        """Append one exchange; not if it was answered in an earlier ``generation``
        (before a clear). Bodies longer than ``max_body`` are cut.

        .. versionchanged:: 0.1 takes a :class:`JournalRecord`; the 18 fields given one
           by one (and ``body_size=``) still work, with a DeprecationWarning."""
        if fields or old:
            warnings.warn(
                "Journal.record() takes a JournalRecord now, not its fields one by one",
                DeprecationWarning,
                stacklevel=2,
            )
            record = JournalRecord(record, *fields, **old)  # type: ignore[arg-type]
        body, response_body = record.body, record.response_body
        full = len(body) if record.body_size is None else record.body_size
        rfull = len(response_body)
        cap = self._max_body
        if cap is not None:
            body, response_body = body[:cap], response_body[:cap]
        size = _ENTRY_OVERHEAD + len(body) + len(response_body) + _text_size(record)
        kept = (*record[:6], body, *record[7:10], response_body, *record[11:18], full, rfull, size)
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            self._records.append(kept)
            self.nbytes += size
            self.total += 1
            self._trim()

    def append(self, entry: JournalEntry) -> None:
        self.record(JournalRecord._make(getattr(entry, name) for name in JournalRecord._fields))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self.total = 0
            self.nbytes = 0
            self.generation += 1

    def _entry(self, fields: tuple[Any, ...]) -> JournalEntry:
        entry = JournalEntry(*fields[:-1])
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
        return f"<Journal {len(self)} entries, {self.nbytes:,} bytes>"


def _bound(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer or None, got {value!r}")
    return value


def _text_size(record: JournalRecord) -> int:
    """What the strings and header pairs of one exchange cost (lengths plus objects)."""
    size = len(record.path) + len(record.query_string) + len(record.traceback or "")
    for headers in (record.raw_headers, record.raw_response_headers):
        items = headers.items() if hasattr(headers, "items") else headers
        # per pair: the overhead plus the name's and the value's lengths (summed in C)
        size += _HEADER_OVERHEAD * len(items) + sum(map(len, chain.from_iterable(items)))
    return size
