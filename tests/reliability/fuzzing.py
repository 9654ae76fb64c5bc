"""The request fuzzer shared by ``tests/reliability/test_fuzz.py`` (bounded, in CI)
and ``benchmarks/fuzz.py`` (100,000+ requests).

Requests are built from Hypothesis primitives so failures shrink: a method, a path
drawn from every provider's own route templates (converters filled with hostile
text) or mutated beyond them, query parameters from the union of the providers'
vocabularies, headers (valid credentials often, so the fuzzer gets past auth),
and bodies as JSON, forms, XML, junk bytes and invalid UTF-8. The per-provider
parts (how to authenticate, what the provider's own formats look like) live in
``PROVIDERS``; a provider without an entry fails ``test_every_provider_is_fuzzed``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from pytest_mailblocks.core.app import App

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO"]
PARAMS = [
    # sendgrid
    "limit",
    "offset",
    "start_time",
    "end_time",
    "email",
    "emails",
    "delete_all",
    # cmc
    "api_user",
    "api_key",
    "server_composition",
    "start_date",
    "end_date",
    "removed",
    "p",
    "r",
    "filter_name",
    # ncp
    "targetAddress",
    "size",
    "page",
    "sort",
    "startUtc",
    "endUtc",
    "startDateTime",
    "endDateTime",
    "emailAddress",
    "isRegByManager",
    # sendcloud
    "apiUser",
    "apiKey",
    "days",
    "startDate",
    "endDate",
    "apiUserBlock",
    "domainName",
    "start",
    "expireTime",
    # control plane
    "since",
    "status",
    "method",
    "endpoint",
    "token",
    "list",
    "subuser",
]
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e3",
        "99999999999999999999999",
        "null",
        "true",
        "[]",
        "{}",
        "%",
        "%25",
        "%00",
        "a@b.c",
        "A@B.C",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "\u0000",
        "\ufeff",
        "ñ@例え.jp",
        "\ud7ff",
        "x" * 5000,
        "2020-13-45",
        "2024-02-30",
        "1970-01-01",
        "9999-12-31",
        "createUtc,desc",
        "createUtc,sideways",
        "é",
        "\n",
        "\r\nX-Injected: 1",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=40), st.integers(-(2**70), 2**70).map(str))


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from([*PARAMS, "x"]), inner, max_size=4)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT, _containers, max_leaves=12
)


@dataclass
class ProviderFuzz:
    """How to fuzz one provider: credentials to add, and its own formats."""

    auth: Callable[[App, dict[str, Any]], None]
    own_format: Callable[[int, dict[str, str], bytes], bool]
    extra_paths: list[str] = field(default_factory=list)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# -- sendgrid ------------------------------------------------------------------------------
def _sendgrid_auth(app: App, req: dict[str, Any]) -> None:
    req["headers"].append(("Authorization", "Bearer " + app.providers["sendgrid"].credentials["api_key"]))


def _sendgrid_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    if status in (200, 201, 204) or status < 300:
        return (status in (204,) and body == b"") or _json(body) is not None or body == b""
    data = _json(body)
    return (
        isinstance(data, dict)
        and list(data) == ["errors"]
        and all(isinstance(e, dict) and set(e) == {"field", "message"} for e in data["errors"])
    )


# -- cmc -----------------------------------------------------------------------------------
def _cmc_auth(app: App, req: dict[str, Any]) -> None:
    """Credentials are body parameters: merged into a JSON object body, or put in
    front of a form (or bodiless) request."""
    creds = app.providers["cmc"].credentials
    ctype = next((v for k, v in req["headers"] if k.lower() == "content-type"), None)
    data = _json(req["body"]) if ctype == "application/json" else None
    if isinstance(data, dict):
        req["body"] = json.dumps({**data, **creds}).encode()
    elif ctype in (None, "application/x-www-form-urlencoded") and not req["body"].lstrip().startswith(b"{"):
        form = _encode_query(list(creds.items())).encode()
        req["body"] = form + (b"&" + req["body"] if req["body"] else b"")
        if ctype is None:
            req["headers"].append(("Content-Type", "application/x-www-form-urlencoded"))


def _cmc_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    """JSON or XML by the path's suffix; errors ``{"errors":[{code, field, message}]}``
    or ``<errors><error><code/><field/><message/></error></errors>``."""
    import xml.etree.ElementTree as ET

    ctype = headers.get("content-type", "")
    if status < 300:
        if status == 204:
            return body == b""
        if ctype == "application/octet-stream":
            return body.startswith(b"PK")
    if ctype.startswith("application/xml"):
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return False
        if status < 300:
            return root.tag in ("blocks", "success")
        return root.tag == "errors" and all(
            node.tag == "error" and [c.tag for c in node] == ["code", "field", "message"] for node in root
        )
    data = _json(body)
    if status < 300:
        return isinstance(data, dict)
    return (
        isinstance(data, dict)
        and list(data) == ["errors"]
        and bool(data["errors"])
        and all(isinstance(e, dict) and list(e) == ["code", "field", "message"] for e in data["errors"])
    )


# -- ncp -----------------------------------------------------------------------------------
def _ncp_auth(app: App, req: dict[str, Any]) -> None:
    from pytest_mailblocks.contract.runner import ncp_signature

    creds = app.providers["ncp"].credentials
    req["headers"] += ncp_signature(req["method"], target(req), creds, round(app.clock.time() * 1000))


def _ncp_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    data = _json(body)
    if status < 300:
        return data is not None
    error = data.get("error") if isinstance(data, dict) and list(data) == ["error"] else None
    return (
        isinstance(error, dict)
        and set(error) in ({"errorCode", "message", "details"}, {"code", "message"})
        and headers.get("x-ncp-apigw-response-origin") == ("APIGW" if "errorCode" in error else "ENDPOINT")
    )


# -- sendcloud -----------------------------------------------------------------------------
def _sendcloud_auth(app: App, req: dict[str, Any]) -> None:
    """apiUser/apiKey in the query string, where GET and POST both read them."""
    creds = app.providers["sendcloud"].credentials
    req["query"] = [("apiUser", creds["api_user"]), ("apiKey", creds["api_key"]), *req["query"]]


def _sendcloud_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    """The envelope on every answer, errors included."""
    data = _json(body)
    return (
        isinstance(data, dict)
        and set(data) == {"result", "statusCode", "message", "info"}
        and isinstance(data["result"], bool)
        and isinstance(data["statusCode"], int)
        and isinstance(data["message"], str)
        and isinstance(data["info"], dict)
    )


PROVIDERS: dict[str, ProviderFuzz] = {
    "sendgrid": ProviderFuzz(_sendgrid_auth, _sendgrid_format),
    "cmc": ProviderFuzz(
        _cmc_auth,
        _cmc_format,
        [
            f"/transaction/{version}/{op}.{fmt}"
            for version in ("v1", "v2")
            for op in (
                "blocks/list",
                "blocks/download",
                "blocks/delete",
                "blocks/cancel",
                "unsubscribes/download",
                "unsubscribes/cancel",
            )
            for fmt in ("json", "xml")
        ],
    ),
    "ncp": ProviderFuzz(
        _ncp_auth,
        _ncp_format,
        ["/api/v1/send-block", "/api/v1/unsubscribers", "/api/v1-sgn/send-block", "/api/v1-jpn/unsubscribers"],
    ),
    "sendcloud": ProviderFuzz(_sendcloud_auth, _sendcloud_format),
}


def control_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    data = _json(body)
    if status >= 400:
        return isinstance(data, dict) and {"error", "message"} <= set(data)
    return data is not None


# -- strategies ------------------------------------------------------------------------------
_CONVERTER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?[a-z_]+>")  # <name>, <path:name>, <any(a, b):name>


def templates(app: App) -> list[tuple[str, str]]:
    """(provider key, rule template) for every route of every provider."""
    out = []
    for key, provider in app.providers.items():
        out += [(key, rule.rule) for rule in provider.url_map.iter_rules()]
        out += [(key, p) for p in PROVIDERS.get(key, ProviderFuzz(_sendgrid_auth, _sendgrid_format)).extra_paths]
    out += [
        ("_mailblocks", p)
        for p in (
            "/_mailblocks",
            "/_mailblocks/health",
            "/_mailblocks/reset",
            "/_mailblocks/clock",
            "/_mailblocks/seed",
            "/_mailblocks/requests",
            "/_mailblocks/faults",
            "/_mailblocks/faults/<id>",
            *(f"/_mailblocks/{k}/{a}" for k in app.providers for a in ("", "blocks", "requests", "reset", "faults")),
        )
    ]
    return out


@st.composite
def paths(draw: Any, app: App) -> tuple[str, str]:
    key, template = draw(st.sampled_from(templates(app)))
    path = _CONVERTER.sub(lambda m: draw(TEXT).replace("?", "%3F").replace("#", "%23") or "x", template)
    mutation = draw(st.sampled_from(["none", "none", "none", "suffix", "slash", "upper", "dots", "percent"]))
    if mutation == "suffix":
        path += draw(st.sampled_from([".json", ".xml", ".csv", ".", "/extra", "/..", "%2F"]))
    elif mutation == "slash":
        path += "/"
    elif mutation == "upper":
        path = path.upper()
    elif mutation == "dots":
        path = path.replace("/", "//", 1)
    elif mutation == "percent":
        path += "%ZZ"
    return key, path


def _encode_query(pairs: list[tuple[str, str]]) -> str:
    from urllib.parse import quote

    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


@st.composite
def bodies(draw: Any) -> tuple[bytes, str | None]:
    kind = draw(st.sampled_from(["none", "json", "form", "xml", "junk", "utf8bad", "bigjson"]))
    if kind == "none":
        return b"", None
    if kind == "json":
        value = draw(JSON_VALUES)
        return json.dumps(value).encode(), draw(st.sampled_from(["application/json", "text/plain", None]))
    if kind == "form":
        pairs = draw(st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=6))
        return _encode_query(pairs).encode(), draw(
            st.sampled_from(["application/x-www-form-urlencoded", "application/json", None])
        )
    if kind == "xml":
        return b"<?xml version='1.0'?><a><b>" + draw(TEXT).encode() + b"</b></a>", "application/xml"
    if kind == "utf8bad":
        return b"\xff\xfe\xfa{" + draw(st.binary(max_size=40)), draw(st.sampled_from(["application/json", None]))
    if kind == "bigjson":
        return json.dumps({"emails": ["a@b.c"] * draw(st.integers(0, 3000))}).encode(), "application/json"
    return draw(st.binary(max_size=200)), draw(
        st.sampled_from([None, "application/octet-stream", "multipart/form-data"])
    )


@st.composite
def requests_for(draw: Any, app: App) -> dict[str, Any]:
    key, path = draw(paths(app))
    method = draw(st.sampled_from(METHODS))
    query = draw(st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=6))
    body, ctype = draw(bodies())
    headers: list[tuple[str, str]] = []
    if ctype:
        headers.append(("Content-Type", ctype))
    for name in draw(
        st.lists(
            st.sampled_from(["Accept-Language", "x-ncp-lang", "On-Behalf-Of", "Accept", "X-Mailblocks-Token"]),
            max_size=3,
            unique=True,
        )
    ):
        headers.append((name, draw(HOSTILE).replace("\r", "").replace("\n", "")))
    req = {"provider": key, "method": method, "path": path, "query": query, "body": body, "headers": headers}
    if key in PROVIDERS and draw(st.integers(0, 9)) < 7:
        PROVIDERS[key].auth(app, req)
    return req


def target(req: dict[str, Any]) -> str:
    from urllib.parse import quote

    path = quote(req["path"], safe="/%@+:,;=!$&'()*~")
    return path + ("?" + _encode_query(req["query"]) if req["query"] else "")


def problems(app: App, req: dict[str, Any], status: int, headers: list[tuple[str, str]], body: bytes) -> list[str]:
    """What is wrong with one answer (empty: nothing)."""
    found = []
    text = body[:20000].decode("utf-8", "replace")
    if status >= 500:
        found.append(f"status {status}")
    if "Traceback (most recent call last)" in text or "<html" in text.lower() or "<!doctype html" in text.lower():
        found.append("traceback or HTML in the body")
    hdrs = {k.lower(): v for k, v in headers}
    key = app.provider_for(req["path"])
    if req["path"].startswith("/_mailblocks"):
        if req["method"] != "HEAD" and not control_format(status, hdrs, body):
            found.append("control-plane answer not in its JSON format")
    elif key is not None and req["method"] != "HEAD":
        fuzz = PROVIDERS.get(key.key)
        if fuzz is not None and not fuzz.own_format(status, hdrs, body):
            found.append(f"answer not in {key.key}'s own format")
    return found
