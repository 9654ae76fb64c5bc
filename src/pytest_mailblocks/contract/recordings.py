"""Reading recorded HTTP traffic into one shape, whatever wrote it.

Three formats, told apart by their structure (not their file names):

- **vcrpy / pytest-recording cassettes**: ``interactions:`` with ``request``
  ``{method, uri, headers, body}`` and ``response`` ``{status: {code, message},
  headers, body: {string}}``, as YAML (the default serializer) or JSON; bodies as
  text, as bytes (``!!binary``), gzip- or deflate-encoded as the server sent them
  (``decode_compressed_response`` off), or under ``content`` (older httpx stubs).
  Ruby VCR's ``http_interactions:`` (``body: {encoding, string}``,
  ``base64_string``, ``recorded_at``) reads the same way.
- **HAR 1.2** (browser devtools, mitmproxy, Charles, Proxyman): ``log.entries``,
  bodies in ``content.text``, base64 when ``content.encoding`` says so.
- **the project's fixture format** (``fixtures/``, ``mailblocks verify --record``):
  ``{kind, source, request: {method, path, query, headers, body}, response:
  {status, headers, body (or body_base64), body_complete, body_known}}``.

YAML needs PyYAML, imported only when a YAML file is read: vcrpy depends on it, so
every team with cassettes has it; elsewhere the message names the extra
(``pip install 'pytest-mailblocks[vcr]'``). Anything unreadable raises
:class:`UnreadableRecording` naming the file and, where known, the line.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import gzip
import json
import json.scanner
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..core.clock import parse_instant

__all__ = ["SUFFIXES", "Interaction", "UnreadableRecording", "collect", "read_file", "read_paths"]

#: the file names a folder walk picks up
SUFFIXES = (".yaml", ".yml", ".json", ".har")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class UnreadableRecording(Exception):
    """A recording that cannot be read: the file, the line where known, what is wrong."""

    def __init__(self, file: str | Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.file = str(file)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class Interaction:
    """One recorded request and the answer it got."""

    file: str
    number: int  #: 1-based position in its file
    format: str  #: "vcr", "har" or "fixture"
    method: str
    url: str  #: absolute URL, or a path with its query (the fixture format)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    status: int | None = None  #: None: the source did not show it
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    body_known: bool = True  #: False: the recorder left the body out
    body_complete: bool = True  #: False: ``response_body`` is a prefix
    recorded_at: float | None = None  #: unix seconds of the answer, where recorded
    line: int | None = None
    #: why it cannot be sent as recorded (a documentation template), or None
    not_replayable: str | None = None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def target(self) -> str:
        """Path and query exactly as recorded."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @property
    def label(self) -> str:
        return f"{self.file} #{self.number} {self.method} {self.path}"

    def header(self, name: str, response: bool = True) -> str | None:
        wanted = name.lower()
        items = self.response_headers if response else self.headers
        return next((v for k, v in items if k.lower() == wanted), None)


# -- finding files ---------------------------------------------------------------------------------
def collect(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """The files to read, each with whether it was named (True) or found in a folder."""
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise UnreadableRecording(path, f"no recordings ({', '.join(SUFFIXES)}) in this folder")
            out += [(p, False) for p in found]
        elif path.is_file():
            out.append((path, True))
        else:
            raise UnreadableRecording(path, "no such file or folder")
    return out


def read_paths(paths: Iterable[str | Path]) -> tuple[list[Interaction], list[str]]:
    """Every interaction in ``paths`` (files or folders, walked), in order, and the
    files found in folders that hold no recording (JSON of another kind)."""
    interactions: list[Interaction] = []
    others: list[str] = []
    for path, named in collect(paths):
        got = read_file(path, named)
        if got is None:
            others.append(str(path))
        else:
            interactions += got
    return interactions, others


def read_file(path: Path, named: bool = True) -> list[Interaction] | None:
    """The interactions in one file; None for a readable file of another kind found in a
    folder walk (a file named on the command line must be a recording)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UnreadableRecording(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UnreadableRecording(path, f"not UTF-8 text (byte {exc.start})") from None
    data = _load_yaml(text, path) if path.suffix.lower() in (".yaml", ".yml") else _load_json(text, path)
    if isinstance(data, dict):
        if "interactions" in data or "http_interactions" in data:
            return _read_vcr(data, path)
        if isinstance(data.get("log"), dict) and "entries" in data["log"]:
            return _read_har(data, path)
        if "request" in data and "response" in data:
            return [_read_fixture(data, path)]
    if not named:
        return None
    raise UnreadableRecording(
        path,
        "not a recording this reads: expected a vcrpy cassette (interactions:), "
        "a HAR file (log.entries) or a fixture ({request, response})",
        _line(data),
    )


# -- parsing, with line numbers ----------------------------------------------------------------------
class Located(dict[str, Any]):
    """A mapping that remembers the line it started on."""

    line: int | None = None


def _line(value: Any) -> int | None:
    return getattr(value, "line", None)


def _load_json(text: str, path: Path) -> Any:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    decoder: Any = json.JSONDecoder()
    plain = decoder.parse_object

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        obj, end = plain(s_and_end, *args)
        located = Located(obj)
        located.line = bisect.bisect_right(starts, s_and_end[1] - 1)
        return located, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise UnreadableRecording(path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise UnreadableRecording(path, "JSON nested too deeply") from None


def _load_yaml(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise UnreadableRecording(
            path,
            "reading YAML cassettes needs PyYAML: pip install 'pytest-mailblocks[vcr]' (or pip install pyyaml)",
        ) from None

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: Any, node: Any) -> Iterable[Located]:
        data = Located()
        data.line = node.start_mark.line + 1
        yield data
        data.update(loader.construct_mapping(node))

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    # cassettes written under Python 2 tag their text
    for tag in ("python/unicode", "python/str"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", lambda loader, node: loader.construct_scalar(node))
    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise UnreadableRecording(
            path, f"not valid YAML: {exc.problem or exc}", mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise UnreadableRecording(path, f"not valid YAML: {exc}") from None


# -- shared pieces -------------------------------------------------------------------------------------
def _need(data: Any, key: str, path: Path, where: str, kind: type | tuple[type, ...] = dict) -> Any:
    if not isinstance(data, dict):
        raise UnreadableRecording(path, f"{where}: expected a mapping", _line(data))
    value = data.get(key)
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        got = "nothing" if value is None else type(value).__name__
        raise UnreadableRecording(path, f"{where}.{key}: expected {names}, found {got}", _line(value) or _line(data))
    return value


def _headers(value: Any, path: Path, where: str) -> list[tuple[str, str]]:
    """vcrpy's ``{name: [values]}`` (or ``{name: value}``), or HAR's ``[{name, value}]``."""
    if value is None:
        return []
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for name, values in value.items():
            for v in values if isinstance(values, list) else [values]:
                out.append((str(name), "" if v is None else str(v)))
        return out
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict) or "name" not in item:
                raise UnreadableRecording(path, f"{where}: expected {{name, value}} items", _line(item))
            out.append((str(item["name"]), str(item.get("value", ""))))
        return out
    raise UnreadableRecording(path, f"{where}: expected a mapping or a list of headers", _line(value))


def _text_or_bytes(value: Any, path: Path, where: str, line: int | None) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict):  # {string: ...}, Ruby VCR's {encoding, string} or {base64_string}
        if "base64_string" in value:
            return _b64(value["base64_string"], path, where, _line(value) or line)
        if "string" in value:
            return _text_or_bytes(value["string"], path, where, _line(value) or line)
        return b""
    raise UnreadableRecording(path, f"{where}: a body must be text or bytes, found {type(value).__name__}", line)


def _b64(text: Any, path: Path, where: str, line: int | None) -> bytes:
    try:
        return base64.b64decode(str(text).encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise UnreadableRecording(path, f"{where}: not valid base64", line) from None


def _decoded(body: bytes, headers: list[tuple[str, str]], path: Path, where: str, line: int | None) -> bytes:
    """A body as the client reads it: gzip/deflate undone where the bytes still carry it."""
    encoding = next((v.strip().lower() for k, v in headers if k.lower() == "content-encoding"), "")
    if not body or encoding in ("", "identity"):
        return body
    try:
        if encoding in ("gzip", "x-gzip") and body[:2] == b"\x1f\x8b":
            return gzip.decompress(body)
        if encoding == "deflate" and not body.lstrip().startswith((b"{", b"[", b"<")):
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableRecording(path, f"{where}: the {encoding} body does not decompress ({exc})", line) from None
    if encoding == "br" and not body.lstrip().startswith((b"{", b"[", b"<")):
        raise UnreadableRecording(
            path,
            f"{where}: the body is brotli-encoded; record with decode_compressed_response=True",
            line,
        )
    return body


def _when(text: Any) -> float | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return parse_instant(text.strip())
    except ValueError:
        return None


def _strip_hop(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Response headers without the transfer's own (the body is stored decoded)."""
    return [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "transfer-encoding")]


# -- vcrpy / Ruby VCR ---------------------------------------------------------------------------------
def _read_vcr(data: dict[str, Any], path: Path) -> list[Interaction]:
    key = "interactions" if "interactions" in data else "http_interactions"
    items = data.get(key) or []
    if not isinstance(items, list):
        raise UnreadableRecording(path, f"{key}: expected a list", _line(data))
    out = []
    for number, item in enumerate(items, 1):
        where = f"{key}[{number - 1}]"
        line = _line(item)
        request = _need(item, "request", path, where)
        response = _need(item, "response", path, where)
        method = str(_need(request, "method", path, f"{where}.request", str)).upper()
        uri = _need(request, "uri", path, f"{where}.request", str)
        status_value = response.get("status")
        code = status_value.get("code") if isinstance(status_value, dict) else status_value
        if isinstance(code, str) and code.strip().isdigit():
            code = int(code)
        if not isinstance(code, int) or isinstance(code, bool):
            raise UnreadableRecording(
                path, f"{where}.response.status: expected {{code, message}} with an integer code", _line(response)
            )
        req_headers = _headers(request.get("headers"), path, f"{where}.request.headers")
        resp_headers = _headers(response.get("headers"), path, f"{where}.response.headers")
        raw = response["body"] if "body" in response else response.get("content")
        body = _text_or_bytes(raw, path, f"{where}.response.body", _line(response))
        out.append(
            Interaction(
                file=str(path),
                number=number,
                format="vcr",
                method=method,
                url=uri,
                headers=req_headers,
                body=_text_or_bytes(request.get("body"), path, f"{where}.request.body", _line(request)),
                status=code,
                response_headers=_strip_hop(resp_headers),
                response_body=_decoded(body, resp_headers, path, f"{where}.response.body", _line(response)),
                recorded_at=_when(next((v for k, v in resp_headers if k.lower() == "date"), None))
                or _when(item.get("recorded_at")),
                line=line,
            )
        )
    return out


# -- HAR 1.2 ---------------------------------------------------------------------------------------------
def _read_har(data: dict[str, Any], path: Path) -> list[Interaction]:
    entries = data["log"]["entries"]
    if not isinstance(entries, list):
        raise UnreadableRecording(path, "log.entries: expected a list", _line(data["log"]))
    out = []
    for number, entry in enumerate(entries, 1):
        where = f"log.entries[{number - 1}]"
        request = _need(entry, "request", path, where)
        response = _need(entry, "response", path, where)
        method = str(_need(request, "method", path, f"{where}.request", str)).upper()
        url = _need(request, "url", path, f"{where}.request", str)
        status = response.get("status")
        if not isinstance(status, int) or isinstance(status, bool):
            raise UnreadableRecording(path, f"{where}.response.status: expected an integer", _line(response))
        post = request.get("postData") or {}
        if not isinstance(post, dict):
            raise UnreadableRecording(path, f"{where}.request.postData: expected a mapping", _line(request))
        if "text" in post:
            body = str(post.get("text") or "").encode("utf-8")
        else:
            params = post.get("params") or []
            body = urlencode([(p.get("name", ""), p.get("value", "")) for p in params if isinstance(p, dict)]).encode()
        content = response.get("content") or {}
        if not isinstance(content, dict):
            raise UnreadableRecording(path, f"{where}.response.content: expected a mapping", _line(response))
        text = content.get("text")
        resp_headers = _headers(response.get("headers"), path, f"{where}.response.headers")
        if text is None:
            resp_body, known = b"", not content.get("size")
        elif content.get("encoding") == "base64":
            resp_body, known = _b64(text, path, f"{where}.response.content.text", _line(content)), True
        else:
            resp_body, known = str(text).encode("utf-8"), True
        out.append(
            Interaction(
                file=str(path),
                number=number,
                format="har",
                method=method,
                url=url,
                headers=_headers(request.get("headers"), path, f"{where}.request.headers"),
                body=body,
                status=status,
                response_headers=_strip_hop(resp_headers),
                response_body=resp_body,
                body_known=known,
                recorded_at=_when(entry.get("startedDateTime")),
                line=_line(entry),
                not_replayable="no answer was recorded (status 0)" if status == 0 else None,
            )
        )
    return out


# -- the fixture format -----------------------------------------------------------------------------------
def _placeholder(value: Any) -> bool:
    """A documentation placeholder such as ``<optional, default 10>`` or ``[<api user>;...]``
    (``<redacted>``, what a recorder put in place of a credential, is a value)."""
    if not isinstance(value, str):
        return False
    value = value.replace("<redacted>", "")
    return "<" in value and ">" in value


#: credential fields the verifier replaces whatever they hold (placeholders included)
_CREDENTIAL_FIELDS = frozenset(
    {
        "authorization",
        "apiuser",
        "apikey",
        "api_user",
        "api_key",
        "server_composition",
        "x-ncp-iam-access-key",
        "x-ncp-apigw-signature-v2",
        "x-ncp-apigw-timestamp",
    }
)


def _read_fixture(data: dict[str, Any], path: Path) -> Interaction:
    request = _need(data, "request", path, "$")
    response = _need(data, "response", path, "$")
    method = str(request.get("method") or "GET").upper()
    target = str(request.get("path") or "")
    query = request.get("query") or {}
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    body = request.get("body")
    templated = [
        name
        for name, value in [*(query.items() if isinstance(query, dict) else []), *headers.items()]
        if _placeholder(value) and name.lower() not in _CREDENTIAL_FIELDS
    ]
    if isinstance(body, dict):
        templated += [k for k, v in body.items() if _placeholder(v) and k.lower() not in _CREDENTIAL_FIELDS]
    why = None
    if method not in _METHODS:
        why = f"a documentation template (method {method})"
    elif not target.startswith("/") or any(c in target for c in "<>{} "):
        why = f"a documentation template (path {target})"
    elif templated:
        why = f"a documentation template (placeholders in {', '.join(templated)})"
    if isinstance(query, dict) and query:
        target += "?" + urlencode([(str(k), str(v)) for k, v in query.items()])
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if isinstance(body, (dict, list)):
        if "form" in content_type and isinstance(body, dict):
            raw = urlencode([(str(k), str(v)) for k, v in body.items()]).encode()
        else:
            raw = json.dumps(body).encode()
            if not content_type:
                headers["Content-Type"] = "application/json"
    else:
        raw = _text_or_bytes(body, path, "request.body", _line(request))
    status = response.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        raise UnreadableRecording(path, "response.status: expected an integer or null", _line(response))
    resp_body = response.get("body")
    if "body_base64" in response:
        resp_raw = _b64(response["body_base64"], path, "response.body_base64", _line(response))
    elif isinstance(resp_body, (dict, list)):
        resp_raw = json.dumps(resp_body, ensure_ascii=False).encode("utf-8")
    else:
        resp_raw = _text_or_bytes(resp_body, path, "response.body", _line(response))
    resp_headers = _headers(response.get("headers"), path, "response.headers")
    return Interaction(
        file=str(path),
        number=1,
        format="fixture",
        method=method,
        url=target,
        headers=list(headers.items()),
        body=raw,
        status=status,
        response_headers=resp_headers,
        response_body=resp_raw,
        body_known=response.get("body_known") is not False,
        body_complete=response.get("body_complete") is not False,
        recorded_at=_when(next((v for k, v in resp_headers if k.lower() == "date"), None)),
        line=_line(data),
        not_replayable=why,
    )
