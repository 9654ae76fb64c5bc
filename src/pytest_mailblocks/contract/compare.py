"""Comparing the fake's answer with a recorded one, field by field.

The rules (issue 17):

- the status, where the recording shows one;
- the headers a client reads, where the recording has them: ``Content-Type``
  (media type and charset, case and spaces aside), ``X-RateLimit-Limit``,
  ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (only when the recording says
  when it was made: the fake's clock stands there), ``Retry-After``, ``Location``,
  ``Content-Disposition`` (digits aside: file names carry dates);
- error bodies (status 400 and up, or an envelope that says it failed:
  SendCloud's ``"result": false``) exactly;
- success bodies field by field after scrubbing what is volatile: a time (unix
  seconds or milliseconds, a date, a date and time in any of the providers'
  layouts, ISO 8601, an HTTP date) compares by its format and type, not its
  value; request ids and generated ids (``id``, ``requestId``, ``historySid``, ...)
  by their type; everything else by value and type, lists element by element.

A body that is not JSON compares as JSON converted from XML (CMC ``.xml``), as
the text inside a ZIP (CMC downloads), or as text. A recording cut short
(``body_complete: false``) must be a prefix of the fake's answer.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

__all__ = ["ABSENT", "Mismatch", "compare_answer", "time_format"]

#: header names compared, lower-case
COMPARED_HEADERS = (
    "content-type",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
    "location",
    "content-disposition",
)
#: keys whose values are generated per request or per record: compared by type
VOLATILE_KEYS = frozenset(
    {"id", "requestid", "request_id", "traceid", "trace_id", "historysid", "messageid", "message_id"}
)


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass
class Mismatch:
    """One difference: where (``status``, ``header X``, a JSON path), what kind, both values."""

    where: str
    kind: str  # status, header, value, type, time format, missing, extra, length, text, body
    recorded: Any
    fake: Any

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"{self.where}: missing in the fake's answer (recorded {show(self.recorded)})"
        if self.kind == "extra":
            return f"{self.where}: not in the recording (fake {show(self.fake)})"
        label = "" if self.kind in ("status", "value", "header", "text") else f" ({self.kind})"
        return f"{self.where}{label}: recorded {show(self.recorded)}, fake {show(self.fake)}"


class Shown(str):
    """A value already rendered for the report (shown as is, not as JSON)."""


def show(value: Any, limit: int = 160) -> str:
    if value is ABSENT:
        return "(absent)"
    text = str(value) if isinstance(value, Shown) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- times --------------------------------------------------------------------------------------------
_STRING_TIMES = [
    ("date (YYYY-MM-DD)", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("date and time (YYYY-MM-DD hh:mm:ss)", re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")),
    (
        "date and time with milliseconds (YYYY-MM-DD hh:mm:ss SSS)",
        re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \d{3}"),
    ),
    ("date and time (YYYY/MM/DD hh:mm:ss)", re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")),
    ("ISO 8601 (UTC, Z)", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")),
    ("ISO 8601 (with offset)", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:?\d{2}")),
    ("ISO 8601 (no zone)", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?")),
    ("HTTP date", re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")),
]


def time_format(value: Any) -> str | None:
    """The layout of a time value, or None when ``value`` is no time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        digits = len(str(abs(value)))
        return "unix seconds" if digits == 10 else "unix milliseconds" if digits == 13 else None
    if isinstance(value, str):
        for name, pattern in _STRING_TIMES:
            if pattern.fullmatch(value):
                return name
    return None


# -- bodies ---------------------------------------------------------------------------------------------
def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def diff(recorded: Any, fake: Any, path: str, exact: bool, out: list[Mismatch], key: str | None = None) -> None:
    """Append the mismatches between two parsed bodies (``exact``: errors, no scrubbing)."""
    if isinstance(recorded, dict) and isinstance(fake, dict):
        for k, v in recorded.items():
            where = f"{path}.{k}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k)) else f"{path}[{json.dumps(k)}]"
            if k not in fake:
                out.append(Mismatch(where, "missing", v, ABSENT))
            else:
                diff(v, fake[k], where, exact, out, str(k))
        for k, v in fake.items():
            if k not in recorded:
                out.append(Mismatch(f"{path}.{k}", "extra", ABSENT, v))
        return
    if isinstance(recorded, list) and isinstance(fake, list):
        for i, (r, f) in enumerate(zip(recorded, fake)):
            diff(r, f, f"{path}[{i}]", exact, out, key)
        for i in range(len(fake), len(recorded)):
            out.append(Mismatch(f"{path}[{i}]", "missing", recorded[i], ABSENT))
        for i in range(len(recorded), len(fake)):
            out.append(Mismatch(f"{path}[{i}]", "extra", ABSENT, fake[i]))
        return
    if not exact:
        layout, fake_layout = time_format(recorded), time_format(fake)
        if layout is not None or fake_layout is not None:  # a time: its layout and type, not its value
            if layout != fake_layout:
                shown_r = Shown(f"<{layout or 'no time'}: {show(recorded)}>")
                shown_f = Shown(f"<{fake_layout or 'no time'}: {show(fake)}>")
                out.append(Mismatch(path, "time format", shown_r, shown_f))
            return
    if _type(recorded) != _type(fake):
        out.append(Mismatch(path, "type", recorded, fake))
        return
    if not exact and key is not None and key.lower() in VOLATILE_KEYS:
        return  # same type is all a generated id promises
    if recorded != fake:
        out.append(Mismatch(path, "value", recorded, fake))


def parse_body(data: bytes, content_type: str) -> tuple[str, Any]:
    """(kind, value): ``json`` (parsed), ``xml`` (as nested dicts), ``zip`` (the text
    of its single file), ``text`` or ``empty``."""
    if not data.strip():
        return "empty", ""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                if len(names) == 1:
                    return "zip", zf.read(names[0]).decode("utf-8", "replace")
                return "zip", f"<{len(names)} files: {', '.join(sorted(names))}>"
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
            return "zip", "<an encrypted or unreadable ZIP>"
    text = data.decode("utf-8", "replace")
    try:
        return "json", json.loads(text)
    except ValueError:
        pass
    if "xml" in content_type.lower() or text.lstrip().startswith("<?xml"):
        try:
            root = ElementTree.fromstring(text.strip())
            return "xml", {root.tag: _xml(root)}
        except ElementTree.ParseError:
            pass
    return "text", text


def _xml(element: ElementTree.Element) -> Any:
    """An element as JSON-like data: text for a leaf, a dict of children (a list for a
    repeated tag) otherwise."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(child.tag, []).append(_xml(child))
    return {tag: values[0] if len(values) == 1 else values for tag, values in grouped.items()}


_WS = re.compile(r'("(?:\\.|[^"\\])*")|\s+')


def squash(text: str) -> str:
    """JSON-ish text without whitespace outside strings (pretty and compact agree)."""
    return _WS.sub(lambda m: m.group(1) or "", text)


def is_error(status: int | None, body: Any) -> bool:
    if status is not None and status >= 400:
        return True
    return isinstance(body, dict) and body.get("result") is False


# -- headers -----------------------------------------------------------------------------------------------
def _norm(name: str, value: str) -> str:
    value = value.strip()
    if name == "content-type":
        return ";".join(p.strip().lower() for p in value.split(";") if p.strip())
    if name == "content-disposition":
        return re.sub(r"\d+", "#", value)
    return value


def compare_headers(recorded: list[tuple[str, str]], fake: list[tuple[str, str]], *, timed: bool) -> list[Mismatch]:
    out = []
    got = {k.lower(): v for k, v in fake}
    for name in COMPARED_HEADERS:
        if name == "x-ratelimit-reset" and not timed:
            continue
        want = next((v for k, v in recorded if k.lower() == name), None)
        if want is None:
            continue
        have = got.get(name)
        if have is None or _norm(name, have) != _norm(name, want):
            shown = next((k for k, _ in recorded if k.lower() == name), name)
            out.append(Mismatch(f"header {shown}", "header", want, ABSENT if have is None else have))
    return out


# -- one answer -------------------------------------------------------------------------------------------------
def compare_answer(
    *,
    status: int | None,
    headers: list[tuple[str, str]],
    body: bytes,
    body_known: bool,
    body_complete: bool,
    timed: bool,
    fake_status: int,
    fake_headers: list[tuple[str, str]],
    fake_body: bytes,
) -> list[Mismatch]:
    """Every mismatch between a recorded answer and the fake's (empty: they agree)."""
    out: list[Mismatch] = []
    if status is not None and status != fake_status:
        out.append(Mismatch("status", "status", status, fake_status))
    out += compare_headers(headers, fake_headers, timed=timed)
    if not body_known:
        return out
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    fake_type = next((v for k, v in fake_headers if k.lower() == "content-type"), "")
    if not body_complete:
        text = body.decode("utf-8", "replace")
        got = fake_body.decode("utf-8", "replace")
        if not squash(got).startswith(squash(text)):
            out.append(Mismatch("body (the recorded prefix)", "text", text, got[: len(text) + 40]))
        return out
    kind, recorded = parse_body(body, content_type)
    fake_kind, fake = parse_body(fake_body, fake_type)
    if kind == "empty" and fake_kind == "empty":
        return out
    if kind in ("json", "xml") and fake_kind == kind:
        diff(recorded, fake, "$", is_error(status, recorded), out)
    elif kind != fake_kind and not {kind, fake_kind} <= {"text", "zip"}:
        out.append(Mismatch("body", "body", Shown(f"<{kind}> {show(recorded)}"), Shown(f"<{fake_kind}> {show(fake)}")))
    elif (
        isinstance(recorded, str)
        and isinstance(fake, str)
        and recorded.replace("\r\n", "\n") != fake.replace("\r\n", "\n")
    ):
        out.append(Mismatch("body", "text", recorded, fake))
    return out
