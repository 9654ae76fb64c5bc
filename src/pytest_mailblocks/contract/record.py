"""Writing live answers as new fixtures, with secrets and personal addresses redacted.

``mailblocks verify --target live --record DIR`` writes one file per read-only
scenario in the fixture format: the request as it was sent and the answer as it
came back, so ``mailblocks verify --recordings DIR`` replays it against the fakes.
Redaction covers headers, the query, form and JSON bodies and the answer alike:

- every credential value becomes ``<redacted>`` wherever it appears, and so does
  the value of any field or header whose name says it is a secret (``apiKey``,
  ``api_key``, ``password``, ``token``, ``secret``, ``signature``, ...);
- ``Authorization`` keeps its scheme (``Bearer <redacted>``), the NCP access key and
  signature headers their names (a replayed auth failure still sends them); cookies
  are dropped;
- a download (ZIP) keeps its files, their text redacted, as ``body_base64`` (an
  encrypted one cannot be read: ``body_known: false``);
- real-looking addresses become ``userN@example.com``, the same address the same
  ``N`` in the request and the answer (documentation domains are kept).
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..core.clock import Clock
from .scenario import Scenario

__all__ = ["Redactor", "redact_addresses", "write_recording"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_KEEP = ("@example.com", "@example.org", "@example.net", "@test.com")
#: a request value that filters addresses by part of them (a prefix, a name), not an address
_FILTER = re.compile(r"[A-Za-z0-9._+\-]+")
#: a field or header with one of these in its (lower-cased) name holds a secret
_SECRET_NAMES = ("apikey", "api_key", "api-key", "password", "passwd", "token", "secret", "signature", "credential")
#: headers never written: they identify the account or the session
_DROPPED_HEADERS = frozenset({"set-cookie", "cookie"})
#: headers whose value is a credential: kept, so a replayed auth failure still sends one, but redacted
_SECRET_HEADERS = frozenset({"x-ncp-iam-access-key", "x-ncp-apigw-signature-v2"})
REDACTED = "<redacted>"


class Redactor:
    """One recording's redaction: its secrets, and one address book for request and answer.

    What the request and the answer say about each other still holds afterwards, so
    the recording replays: an address that contains the request's filter (``email=sales``:
    a prefix or part of an address, written as sent) keeps it (``salesuser1@example.com``),
    and a value that is exactly the domain of a renamed address (SendCloud's ``domain``
    beside ``email``) becomes ``example.com`` like the address's own domain. Call
    :meth:`learn` with every text of the recording first, so a domain is known wherever
    it comes first."""

    def __init__(self, secrets: list[str], filters: list[str] | None = None) -> None:
        self.secrets = sorted((s for s in secrets if s), key=len, reverse=True)
        self.addresses: dict[str, str] = {}
        self.filters = sorted({f for f in filters or [] if _FILTER.fullmatch(f)}, key=len, reverse=True)
        self.domains: set[str] = set()

    def learn(self, *texts: str) -> None:
        """Note the domains of the addresses these texts hold that will be renamed."""
        for text in texts:
            for m in _EMAIL.finditer(text):
                if not m.group(0).lower().endswith(_KEEP):
                    self.domains.add(m.group(0).rpartition("@")[2].lower())

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)

        def repl(m: re.Match[str]) -> str:
            address = m.group(0)
            lowered = address.lower()
            if lowered.endswith(_KEEP):
                return address
            if lowered not in self.addresses:
                kept = next((f for f in self.filters if f.lower() in lowered), "")
                self.addresses[lowered] = f"{kept}user{len(self.addresses) + 1}@example.com"
                self.domains.add(lowered.rpartition("@")[2])
            return self.addresses[lowered]

        return _EMAIL.sub(repl, text)

    def _string(self, value: str) -> str:
        return "example.com" if value.lower() in self.domains else self.text(value)

    @staticmethod
    def secret_name(name: str) -> bool:
        lowered = name.lower()
        return any(word in lowered for word in _SECRET_NAMES)

    def value(self, data: Any, name: str = "") -> Any:
        """A JSON-like value with secrets and addresses redacted (by field name and by content)."""
        if isinstance(data, dict):
            return {k: self.value(v, str(k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.value(v, name) for v in data]
        if isinstance(data, str):
            return REDACTED if self.secret_name(name) and data else self._string(data)
        return data

    def pairs(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, REDACTED if self.secret_name(k) and v else self._string(v)) for k, v in items]

    def headers(self, items: list[tuple[str, str]]) -> dict[str, str]:
        out = {}
        for name, value in items:
            lowered = name.lower()
            if lowered in _DROPPED_HEADERS:
                continue
            if lowered in ("authorization", "proxy-authorization"):
                scheme, _, rest = value.partition(" ")
                out[name] = f"{scheme} {REDACTED}" if rest else REDACTED
            else:
                out[name] = REDACTED if self.secret_name(name) or lowered in _SECRET_HEADERS else self.text(value)
        return out

    def archive(self, raw: bytes) -> bytes | None:
        """A ZIP with each file's text redacted (None: not a readable, unencrypted ZIP)."""
        files = _zip_files(raw)
        if files is None:
            return None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in files:
                zf.writestr(info, self.text(data.decode("utf-8", "replace")).encode("utf-8"))
        return out.getvalue()

    def body(self, raw: bytes, content_type: str) -> Any:
        """A request or answer body: JSON as a value, a form as an object, else text."""
        text = raw.decode("utf-8", "replace")
        if not text.strip():
            return ""
        if "x-www-form-urlencoded" in content_type.lower():
            return dict(self.pairs(parse_qsl(text, keep_blank_values=True)))
        try:
            return self.value(json.loads(text))
        except ValueError:
            return self.text(text)


def _filters(sent: tuple[str, str, list[tuple[str, str]], bytes] | None) -> list[str]:
    """The request's values of fields that filter by address (``email``, ``emailAddress``,
    ``targetAddress``...) that are not whole addresses: a prefix, a part."""
    if sent is None:
        return []
    _, target, _, body = sent
    pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        pairs += [(str(k), v) for k, v in data.items() if isinstance(v, str)]
    elif data is None and "=" in text:
        pairs += parse_qsl(text, keep_blank_values=True)
    return [v for k, v in pairs if ("email" in k.lower() or "address" in k.lower()) and "@" not in v]


def _texts(sent: tuple[str, str, list[tuple[str, str]], bytes] | None) -> list[str]:
    if sent is None:
        return []
    return [unquote(sent[1]), sent[3].decode("utf-8", "replace")]


def _texts_of(body: bytes) -> list[str]:
    """An answer's text, or the text of each file of a download."""
    if body[:2] != b"PK":
        return [body.decode("utf-8", "replace")]
    return [data.decode("utf-8", "replace") for _, data in _zip_files(body) or []]


def _zip_files(raw: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    """A ZIP's files (None: not a readable, unencrypted ZIP)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return [(info, zf.read(info)) for info in zf.infolist()]
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError):
        return None


def redact_addresses(text: str) -> str:
    """Real-looking addresses become ``userN@example.com`` (same address, same N)."""
    return Redactor([]).text(text)


def write_recording(
    folder: Path,
    scenario: Scenario,
    creds: dict[str, str],
    host: str,
    answer: Any,
    sent: tuple[str, str, list[tuple[str, str]], bytes] | None = None,
) -> Path:
    """Write a live answer as ``<folder>/<provider>/<scenario>_live.json``; ``sent`` is
    the request as sent (method, target, headers, body), else the scenario's template
    is written with its header values redacted."""
    red = Redactor(list(creds.values()), _filters(sent))
    red.learn(*_texts(sent), *_texts_of(answer.body))
    if sent is None:
        request: dict[str, Any] = {
            "method": scenario.request.get("method", "GET"),
            "path": scenario.request["path"],
            "query": scenario.request.get("query", {}),
            "headers": {k: REDACTED for k in (scenario.request.get("headers") or {})},
        }
    else:
        method, target, headers, body = sent
        parts = urlsplit(target)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        request = {
            "method": method,
            "path": red.text(parts.path),
            "query": dict(red.pairs(parse_qsl(parts.query, keep_blank_values=True))),
            "headers": red.headers(headers),
        }
        if body:
            request["body"] = red.body(body, content_type)
    answer_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"), "")
    response: dict[str, Any] = {"status": answer.status, "headers": red.headers(list(answer.headers.items()))}
    if answer.body[:2] == b"PK":  # a download: its files redacted, the archive kept as bytes
        archive = red.archive(answer.body)
        if archive is None:
            response.update(body="", body_known=False)
        else:
            response["body_base64"] = base64.b64encode(archive).decode("ascii")
    else:
        response["body"] = red.body(answer.body, answer_type or "application/json")
    data = {
        "kind": "recorded",
        "source": f"mailblocks verify --target live --record, {host}, "
        f"{Clock().now().strftime('%Y-%m-%d')}, scenario {scenario.id}",
        "request": request,
        "response": response,
        "notes": "recorded by the contract suite's live target; secrets and personal addresses redacted",
    }
    target_file = folder / scenario.provider / f"{scenario.name}_live.json"
    target_file.parent.mkdir(parents=True, exist_ok=True)
    target_file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target_file
