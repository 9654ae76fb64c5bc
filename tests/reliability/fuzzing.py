"""The request fuzzer shared by ``tests/reliability/test_fuzz.py`` (bounded, in CI)
and ``benchmarks/fuzz.py`` (100,000+ requests, and ``--faults``).

Requests are built from Hypothesis primitives so failures shrink: a method, a path
drawn from every route the app serves (each provider's own route templates, the
control plane with every provider's control actions, and the web inspector's
pages, all read from the app at run time, so a new provider or action is fuzzed
without an edit here), converters filled with hostile text or mutated beyond them,
query parameters from the union of the providers' vocabularies, headers (valid
credentials often, so the fuzzer gets past auth and the inspector's CSRF guard),
and bodies as JSON, forms, XML, junk bytes and invalid UTF-8. The per-provider
parts (how to authenticate, what the provider's own formats look like) live in
``PROVIDERS``; a provider without an entry fails ``test_every_provider_is_fuzzed``.

:func:`send` runs one request and returns what is wrong with the answer, knowing
which injected fault (if any) fired; :class:`FaultRun` injects random faults
through every channel (control plane, provider control plane, Python API,
handles) and counts what was injected, fired and survived.
"""

from __future__ import annotations

import collections
import json
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hypothesis import strategies as st

from pytest_mailblocks.core.app import App
from pytest_mailblocks.core.errors import ConnectionReset
from pytest_mailblocks.core.faults import Fault
from pytest_mailblocks.core.journal import JournalEntry
from pytest_mailblocks.strategies import (  # imported before any draw (see mail_send_bodies)
    cmc_send_cases,
    ncp_mail_send_cases,
    sendgrid_mail_send_cases,
)
from pytest_mailblocks.ui import inspector as ui_inspector

CONTROL = "_mailblocks"  # the category of control-plane requests
UI = "_ui"  # the category of web-inspector requests
UI_BASE = ui_inspector.BASE
#: latency faults the fuzzer's own random control-plane bodies add are cut to this,
#: so a run stays fast (the harness's own latency faults are at most this long)
MAX_LATENCY = 0.005

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
    "to",
    "xsmtpapi",
    "categoryName",
    "event",
    # control plane (journal filters, block queries, control actions, the outbox)
    "type",
    "since",
    "status",
    "method",
    "endpoint",
    "token",
    "list",
    "subuser",
    "project",
    "region",
    "lang",
    # inspector
    "tenant",
    "end",
    "provider",
    "fragment",
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

#: field names the control plane's bodies and the providers' seeds read (the seed
#: docs in README and docs/providers/*.md), so random bodies get past "unknown field"
CONTROL_KEYS = [
    # clock, faults
    "advance",
    "freeze",
    "set",
    "real",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "provider",
    "endpoint",
    "method",
    "path",
    "status",
    "latency",
    "reset",
    "times",
    # seeds and control actions
    "blocks",
    "bounces",
    "spam_reports",
    "invalid_emails",
    "unsubscribes",
    "global_suppressions",
    "unsubscribers",
    "api_keys",
    "api_users",
    "access_keys",
    "subusers",
    "users",
    "accounts",
    "compositions",
    "projects",
    "encryption",
    "settings",
    "quota",
    "rate_limit",
    "count_mode",
    "limit",
    "period",
    "key",
    "name",
    "scopes",
    "subuser",
    "username",
    "account_id",
    "account",
    "role",
    "reference",
    "download",
    "time_zone",
    "password",
    "cipher",
    "api_user",
    "api_key",
    "access_key",
    "secret_key",
    "permitted",
    "forbidden",
    "project",
    "region",
    "email",
    "created",
    "reason",
    "domain",
    "api_user_block",
    "expire_time",
    "label_id",
    "occurred",
    "id",
    "server_composition",
    "removed",
    "filter_name",
    "pending",
    "by_manager",
    "requester",
    "result_code",
    "at",
    "batch_time",
    "block_threshold",
    "block_hours",
    "empty_list_status",
    "csv_line_end",
    "lang",
    # delivery (issue 21)
    "kind",
    "reply",
    "after",
    "url",
    "enabled",
    "signed",
    "events",
]
#: the fields each control path reads, by its last segment (the global list above
#: is the fallback, so a new action is still fuzzed, only less deeply)
CONTROL_FIELDS = {
    "clock": ["advance", "freeze", "set", "real", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"],
    "faults": ["provider", "endpoint", "method", "path", "status", "latency", "reset", "times"],
    "blocks": ["blocks", "email", "created", "reason", "status", "subuser", "server_composition", "region", "project"],
    "api-keys": ["key", "name", "scopes", "subuser"],
    "subusers": ["username", "account_id"],
    "rate-limit": ["limit"],
    "users": ["api_user", "api_key", "account", "role", "reference", "download", "time_zone"],
    "compositions": ["name", "account"],
    "unsubscribes": ["email", "filter_name", "created", "server_composition", "pending"],
    "delivery-errors": ["email", "status", "server_composition"],
    "encryption": ["account", "cipher", "password"],
    "settings": ["batch_time", "empty_list_status", "csv_line_end", "block_threshold"],
    "access-keys": ["access_key", "secret_key", "project", "permitted", "forbidden"],
    "projects": ["name", "block_hours", "login_error", "subscribed", "permission_denied", "default_project"],
    "quota": ["limit", "period", "access_key"],
    "unsubscribers": ["email", "by_manager", "created", "project", "region"],
    "unblock": ["email", "requester", "project", "region", "at"],
    "api-users": ["api_user", "api_key"],
    "count-mode": ["count_mode"],
    "outcomes": ["email", "kind", "reply", "times", "after"],
    # SendGrid's and CMC's fields
    "event-webhook": [
        "url",
        "enabled",
        "signed",
        "events",
        "subuser",
        "json",
        "api_key",
        "interval",
        "max_events",
        "timezone",
        "account",
    ],
    "state": ["mailblocks_snapshot", "clock", "faults", "providers", "without_state", "provider", "state"],
    "webhooks": ["url", "api_user", "events", "body", "names", "app_key"],
}
#: plausible values for those fields (hostile ones come from TEXT)
CONTROL_VALUES = [
    "a@b.c",
    "user@example.com",
    "example.com",
    "2024-05-01T00:00:00Z",
    "2015-12-14 08:46:00",
    "2024-05-01",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "KR",
    "SGN",
    "JPN",
    "v1-sgn",
    "rows",
    "total",
    "admin",
    "user",
    "AES256",
    "ZipCrypto",
    "*",
    "/v3/*",
    "list_blocks",
    "SG.fuzz",
    "00:00",
    "25:61",
    "minute",
    "day",
    "month",
    "SYSTEM",
    "MANAGER",
    "RECIPIENT_ADDRESS_ERROR",
    "suppression.blocks.read",
    "\r\n",
    "bounce",
    "defer",
    "complaint",
    "550 5.1.1 user unknown",
    "421 4.7.0 later",
    "bounce@simulator.mailblocks.test",
    "http://127.0.0.1:9/hook",
]
#: the inspector's form fields (its templates and ``on_*`` handlers)
UI_FIELDS = [
    "action",
    "unit",
    "amount",
    "at",
    "list",
    "tenant",
    "email",
    "domain",
    "api_user_block",
    "expire_time",
    "reason",
    "label_id",
    "status",
    "occurred",
    "created",
    "requester",
    "result_code",
    "hours",
    "project",
    "key_email",
    "key_domain",
    "key_api_user_block",
    "provider",
    "endpoint",
    "method",
    "path",
    "latency",
    "times",
    "reset",
    "id",
    "next",
]
UI_VALUES = [
    "advance",
    "freeze",
    "real",
    "hours",
    "days",
    "weeks",
    "1",
    "1e308",
    "nan",
    "inf",
    "-5",
    "blocks",
    "bounces",
    "removed",
    "unsubscribes",
    "spam_reports",
    "a@b.c",
    "2024-05-01T00:00",
    "2 Unknown user",
    "f1",
    "429",
    "0.001",
    "/_mailblocks/ui/journal",
    "//evil.example/",
    "https://evil.example/",
    "/_mailblocks/ui/\\\\evil.example",
    "javascript:alert(1)",
]
#: values for path converters by name (hostile text otherwise)
_CONVERTER_HINTS = {
    "seq": ["0", "1", "2", "3", "50", "99999999999999999999"],
    "name": [*ui_inspector.STATIC, "../__init__.py", "inspector.CSS"],
    "id": ["f1", "f2", "f3", "f10"],
    "email": ["a@b.c", "A@B.C", "user@example.com"],
}


@dataclass
class ProviderFuzz:
    """How to fuzz one provider: credentials to add, and its own formats.

    ``fault_format`` checks an answer to an injected status fault beyond
    ``own_format``: the headers the provider sends with its errors (e.g. SendGrid's
    ``X-RateLimit-*`` on a 429) and an error envelope; it returns what is wrong."""

    auth: Callable[[App, dict[str, Any]], None]
    own_format: Callable[[int, dict[str, str], bytes], bool]
    extra_paths: list[str] = field(default_factory=list)
    fault_format: Callable[[App, str, int, dict[str, str], bytes], list[str]] = lambda *a: []


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# -- sendgrid ------------------------------------------------------------------------------
def _sendgrid_auth(app: App, req: dict[str, Any]) -> None:
    req["headers"].append(("Authorization", "Bearer " + app.providers["sendgrid"].credentials["api_key"]))


#: the shapes of a SendGrid error: the suppression routes', mail send's (with help), the
#: webhook settings' (a message, a field, or the id and url of a webhook in the way)
_SENDGRID_ERRORS = (["field", "message"], ["message", "field", "help"], ["message"], ["id", "message", "url"])


def _sendgrid_format(status: int, headers: dict[str, str], body: bytes) -> bool:
    if status in (200, 201, 204) or status < 300:
        return (status in (204,) and body == b"") or _json(body) is not None or body == b""
    data = _json(body)
    return (
        isinstance(data, dict)
        and list(data) == ["errors"]
        and all(
            isinstance(e, dict) and (list(e) in _SENDGRID_ERRORS or list(e) == ["message", "field"])
            for e in data["errors"]
        )
    )


def _sendgrid_fault(app: App, path: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """Every SendGrid answer carries nginx's headers and Twilio's request id (mail send:
    its own CORS headers instead); a 429 the live rate-limit headers: the limit,
    nothing remaining, a reset in the future."""
    own = ("access-control-allow-origin",) if path == "/v3/mail/send" else ("twilio-request-id",)
    found = [f"no {h} header" for h in ("server", "date", *own) if h not in headers]
    if status == 429:
        limit = str(app.providers["sendgrid"].state.rate_limit)
        reset = headers.get("x-ratelimit-reset", "")
        if (headers.get("x-ratelimit-limit"), headers.get("x-ratelimit-remaining")) != (limit, "0"):
            found.append("429 without X-RateLimit-Limit / X-RateLimit-Remaining: 0")
        if not reset.isdigit() or int(reset) <= app.clock.time():
            found.append(f"429 with X-RateLimit-Reset {reset!r}, not a future unix time")
    return found


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
            return root.tag in ("blocks", "success", "result", "deliveries", "bounces")
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


def _cmc_fault(app: App, path: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """Errors in the path's format: XML for ``.xml``, JSON otherwise."""
    wanted = "application/xml" if path.rstrip("/").endswith(".xml") else "application/json"
    ctype = headers.get("content-type", "")
    return [] if ctype.startswith(wanted) else [f"content type {ctype!r}, not {wanted} as the path asks"]


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


def _ncp_fault(app: App, path: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """The gateway's or the mailer's envelope (``own_format`` checks which), a trace id,
    a numeric code."""
    found = [] if headers.get("x-ncp-trace-id") else ["no x-ncp-trace-id header"]
    error = (_json(body) or {}).get("error") or {}
    code = error.get("errorCode", error.get("code")) if isinstance(error, dict) else None
    if not (isinstance(code, str) and code.isdigit()):
        found.append(f"error code {code!r} is not the provider's numeric code")
    return found


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


def _sendcloud_fault(app: App, path: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """The envelope with ``result: false`` and an error code (HTTP keeps the injected status)."""
    data = _json(body)
    if not isinstance(data, dict) or data.get("result") is not False or data.get("statusCode") == 200:
        return ["not an error envelope (result false, an error statusCode)"]
    return []


PROVIDERS: dict[str, ProviderFuzz] = {
    "sendgrid": ProviderFuzz(_sendgrid_auth, _sendgrid_format, fault_format=_sendgrid_fault),
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
        ]
        + [
            f"/{base}/{version}/{op}.{fmt}"
            for base, op in (
                ("api", "emails/send"),
                ("transaction", "deliveries/list"),
                ("transaction", "bounces/list"),
            )
            for version in ("v1", "v2")
            for fmt in ("json", "xml")
        ]
        + ["/api/v2/emails/bulk.json", "/api/v2/emails/bulk.xml"],
        _cmc_fault,
    ),
    "ncp": ProviderFuzz(
        _ncp_auth,
        _ncp_format,
        [
            "/api/v1/send-block",
            "/api/v1/unsubscribers",
            "/api/v1-sgn/send-block",
            "/api/v1-jpn/unsubscribers",
            "/api/v1/mails",
            "/api/v1/mails/requests/20240501000000000001/status",
            "/api/v1/mails/requests/20240501000000000001/mails",
            "/api/v1/mails/20240501500000000001",
        ],
        _ncp_fault,
    ),
    "sendcloud": ProviderFuzz(_sendcloud_auth, _sendcloud_format, fault_format=_sendcloud_fault),
}


# -- the control plane and the inspector -------------------------------------------------------
#: ``ControlError`` statuses and the ``error`` word each comes with (core/control.py ``_error``)
CONTROL_ERRORS = {
    400: {"bad_request"},
    401: {"unauthorized"},
    403: {"forbidden"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    409: {"conflict"},
    413: {"too_large"},
}


def control_problems(status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """JSON in and out: a success is a JSON object; an error is one of the statuses
    the control plane answers, with exactly ``{"error": ..., "message": ...}``."""
    if not headers.get("content-type", "").startswith("application/json"):
        return [f"control plane answered {headers.get('content-type')!r}, not JSON"]
    data = _json(body)
    if status < 400:
        return [] if status in (200, 201) and isinstance(data, dict) else [f"control plane {status}: not a JSON object"]
    if status not in CONTROL_ERRORS:
        return [f"control plane answered {status}"]
    if not (isinstance(data, dict) and set(data) == {"error", "message"} and isinstance(data["message"], str)):
        return ['control-plane error not {"error": ..., "message": ...}']
    if data["error"] not in CONTROL_ERRORS[status]:
        return [f"control-plane {status} with error {data['error']!r}"]
    return []


def ui_problems(status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """HTML pages are fine; every page carries the inspector's security policy,
    a redirect stays inside the inspector, an error is a 4xx page."""
    found = []
    if status not in (200, 303, 400, 401, 403, 404, 405):
        found.append(f"inspector answered {status}")
    if (
        headers.get("content-type", "").startswith("text/html")
        and headers.get("content-security-policy") != ui_inspector.CSP
    ):
        found.append("inspector page without its Content-Security-Policy")
    if status == 303:
        location = headers.get("location", "")
        parts = urlsplit(location)
        inside = parts.path.startswith(UI_BASE + "/") and "//" not in parts.path
        if parts.scheme or parts.netloc or not inside or "\\" in location:
            found.append(f"redirect out of the inspector: {location!r}")
    return found


def _is_ui(path: str) -> bool:
    return path == UI_BASE or path.startswith(UI_BASE + "/")


# -- strategies ------------------------------------------------------------------------------
# <name>, <path:name>, <int:name>, <any(a, b):name>
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-z_]+)>")


_CONTROL_METHODS = ("DELETE", "GET", "POST")


@dataclass(frozen=True)
class Template:
    category: str  # a provider key, CONTROL or UI
    rule: str
    methods: tuple[str, ...] = ()  # what the route allows (empty: unknown)


def templates(app: App) -> list[Template]:
    """Every route the app serves: each provider's rules (and extra concrete paths),
    the control plane with every provider's ``control_actions()``, the inspector's pages."""
    out = []
    for key, provider in app.providers.items():
        out += [Template(key, rule.rule, tuple(sorted(rule.methods or ()))) for rule in provider.url_map.iter_rules()]
        out += [Template(key, p) for p in PROVIDERS[key].extra_paths if key in PROVIDERS]
    get, post, get_post, get_delete, every = ("GET",), ("POST",), ("GET", "POST"), ("DELETE", "GET"), _CONTROL_METHODS
    control = [("", get), ("/health", get), ("/reset", post), ("/clock", get_post), ("/seed", post)]
    control += [("/requests", get_delete), ("/faults", every), ("/faults/<id>", ("DELETE",))]
    control += [("/state", ("GET", "PUT")), ("/state/save", post)]
    for key, provider in app.providers.items():
        control += [(f"/{key}", get), (f"/{key}/blocks", get_post), (f"/{key}/requests", get_delete)]
        control += [(f"/{key}/state", ("GET", "PUT"))]
        control += [(f"/{key}/reset", post), (f"/{key}/faults", every), (f"/{key}/faults/<id>", ("DELETE",))]
        control += [(f"/{key}/{action}", every) for action in provider.control_actions()]
    out += [Template(CONTROL, "/_mailblocks" + p, methods) for p, methods in control]
    out += [Template(UI, UI_BASE)]
    out += [Template(UI, rule.rule, tuple(sorted(rule.methods or ()))) for rule in ui_inspector._RULES]
    return out


def _fill(draw: Any, app: App, match: re.Match[str]) -> str:
    options = [o.strip().strip("\"'") for o in (match["args"] or "").split(",") if o.strip()]
    if match["conv"] == "any" and options and draw(st.integers(0, 9)) < 8:
        return str(draw(st.sampled_from(options)))
    hints = sorted(app.providers) if match["name"] == "key" else _CONVERTER_HINTS.get(match["name"])
    if hints and draw(st.integers(0, 9)) < 7:
        return str(draw(st.sampled_from(hints)))
    return draw(TEXT).replace("?", "%3F").replace("#", "%23") or "x"


@st.composite
def paths(draw: Any, app: App, scope: str = "all") -> tuple[Template, str]:
    """A template and a path from it. ``scope``: ``all``, ``providers`` (provider
    routes only), ``control`` (the control plane and the inspector only) or
    ``faults`` (mostly provider routes, mostly well-formed)."""
    choices = templates(app)
    if scope == "providers" or (scope == "faults" and draw(st.integers(0, 9)) < 8):
        choices = [t for t in choices if t.category in app.providers]
    elif scope == "control":
        choices = [t for t in choices if t.category in (CONTROL, UI)]
    # a category first (each provider, the control plane, the inspector), then one of
    # its templates: a provider with few routes is fuzzed as often as one with many
    category = draw(st.sampled_from(sorted({t.category for t in choices})))
    choices = [t for t in choices if t.category == category]
    if category == CONTROL:  # the global routes as often as one provider's
        group = draw(st.sampled_from(["", *app.providers]))
        owner = {t: seg if (seg := (t.rule + "/").split("/")[2]) in app.providers else "" for t in choices}
        choices = [t for t in choices if owner[t] == group]
    tpl = draw(st.sampled_from(choices))
    path = _CONVERTER.sub(lambda m: _fill(draw, app, m), tpl.rule)
    mutations = ["none"] * (12 if scope == "faults" else 6)
    mutation = draw(st.sampled_from([*mutations, "suffix", "slash", "upper", "dots", "percent"]))
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
    return tpl, path


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


#: provider routes with a body of their own shape, drawn often (a random one rarely passes):
#: the route's template -> (the provider's case strategy, fields worth replacing besides
#: its own, whether it takes a form as well as JSON)
MAIL_SEND = "/v3/mail/send"
CMC_SEND = "/api/<any(v1,v2):version>/emails/send.<any(json,xml):fmt>"
_CMC_EXTRA = ["attachments", "env_from", "server_composition", "cc", "replyto"]
SEND_BODIES: dict[str, tuple[Callable[..., Any], list[str], bool]] = {
    MAIL_SEND: (sendgrid_mail_send_cases, ["mail_settings", "send_at", "attachments", "asm", "reply_to"], False),
    '/api/<any(v1, "v1-sgn", "v1-jpn"):version>/mails': (
        ncp_mail_send_cases,
        ["reservationUtc", "reservationDateTime", "attachFileIds", "recipientGroupFilter", "templateSid"],
        False,
    ),
    CMC_SEND: (cmc_send_cases, _CMC_EXTRA, True),
    "/api/v2/emails/bulk.<any(json,xml):fmt>": (cmc_send_cases, _CMC_EXTRA, True),
}


@st.composite
def mail_send_bodies(draw: Any, rule: str = MAIL_SEND) -> tuple[bytes, str | None]:
    """Send bodies (SendGrid's mail send, NCP's createMailRequest, CMC's emails/send
    and bulk): valid ones, ones with one documented problem, and either with one field
    replaced by any JSON (a type the provider does not expect); CMC's as a form or as
    JSON (its credentials are added as for any CMC request). Their modules are imported
    with this one: Hypothesis draws text partly from the constants of the modules
    loaded, so a module first loaded mid-run would change what a seed draws
    (test_the_fuzzer_draws_the_same_requests...)."""
    cases, extra, forms = SEND_BODIES[rule]
    body = draw(cases(valid=draw(st.booleans()))).params
    if draw(st.booleans()):
        key = draw(st.sampled_from([*sorted(body), *extra]))
        body = {**body, key: draw(JSON_VALUES)}
    if forms and draw(st.booleans()):
        pairs = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()]
        return _encode_query(pairs).encode(), draw(st.sampled_from(["application/x-www-form-urlencoded", None]))
    return json.dumps(body).encode(), draw(st.sampled_from(["application/json", None]))


#: SendCloud's send routes (issue 21), drawn with their own parameters most of the time
SENDCLOUD_SEND = {f"{prefix}/mail/{action}" for prefix in ("/api", "/apiv2") for action in ("send", "sendtemplate")}
_SC_ADDRESSES = st.lists(
    st.sampled_from(["a@example.com", "B@example.com", "bounce@simulator.mailblocks.test", "x", "a@b", ""]) | TEXT,
    max_size=4,
).map(";".join)
_SC_FLAGS = st.sampled_from(["true", "false", "TRUE", ""]) | TEXT
_SC_VALUES = {
    "from": _SC_ADDRESSES | st.just("Shop <shop@example.com>"),
    "to": _SC_ADDRESSES,
    "cc": _SC_ADDRESSES,
    "bcc": _SC_ADDRESSES,
    "replyTo": _SC_ADDRESSES,
    "subject": TEXT,
    "html": TEXT,
    "plain": TEXT,
    "xsmtpapi": JSON_VALUES.map(json.dumps) | _SC_ADDRESSES.map(lambda to: json.dumps({"to": to.split(";")})),
    "headers": JSON_VALUES.map(json.dumps) | TEXT,
    "labelId": TEXT,
    "sendTags": TEXT,
    "sendRequestId": TEXT,
    "respEmailId": _SC_FLAGS,
    "useAddressList": _SC_FLAGS,
    "gzipCompress": _SC_FLAGS,
    "templateInvokeName": TEXT,
}
_SC_VALID = [("from", "shop@example.com"), ("to", "a@example.com"), ("subject", "s"), ("plain", "p")]


@st.composite
def sendcloud_send_bodies(draw: Any) -> tuple[bytes, str | None]:
    """SendCloud send forms: a few parameters drawn from the send's own vocabulary
    (plausible and hostile values), often over a valid send (the first value of a name
    wins, so a drawn one replaces the valid one)."""
    names = draw(st.lists(st.sampled_from(sorted(_SC_VALUES)), max_size=8, unique=True))
    pairs = [(name, draw(_SC_VALUES[name])) for name in names]
    if draw(st.integers(0, 3)) < 3:  # a small draw (what Hypothesis tries first): valid
        pairs += _SC_VALID
    ctype = draw(st.sampled_from(["application/x-www-form-urlencoded"] * 8 + [None, "multipart/form-data"]))
    return _encode_query(pairs).encode(), ctype


def control_json(app: App, path: str = "") -> st.SearchStrategy[Any]:
    """JSON shaped like the control plane's bodies: mostly objects (or lists of
    them) with only the fields the path reads, else keyed by any control field or
    provider key; plausible and hostile values, NaN and infinities included
    (Python's json reads them)."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    own = CONTROL_FIELDS.get(last) or (list(app.providers) if last == "seed" else [])
    keys = st.sampled_from([*CONTROL_KEYS, *app.providers])
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(-5, 700)
        | st.integers()
        | st.floats()
        | TEXT
        | st.sampled_from([*CONTROL_VALUES, *app.providers])
    )
    values = st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=16
    )
    anything = st.dictionaries(keys, values, max_size=5) | st.lists(values, max_size=4) | values
    if not own:
        return anything
    focused = st.dictionaries(st.sampled_from(own), leaves | values, min_size=1, max_size=3)
    if "email" in own:  # a record: a plausible address, so the other fields are what is tested
        emails = st.sampled_from(["a@b.c", "user@example.com", "A@B.C"]) | TEXT
        focused = st.builds(lambda email, rest: {"email": email, **rest}, emails, focused)
    return focused | focused | focused | st.lists(focused, min_size=1, max_size=3) | anything


#: values of the wrong type or size for any control field
WRONG_VALUES: list[Any] = [[1], {"a": 1}, 1e308, -1, None, True, "x" * 300, ""]


def wrong_types(app: App) -> list[tuple[str, list[dict[str, Any]]]]:
    """For every control path (every provider's actions included), for every field
    it reads: POSTs setting that field (beside an address, for records) to each of
    ``WRONG_VALUES``, as an object and as a list of one. An action without an entry
    in ``CONTROL_FIELDS`` gets a few common field names."""
    out = []
    for tpl in templates(app):
        if tpl.category != CONTROL or "<" in tpl.rule or "POST" not in tpl.methods:
            continue
        last = tpl.rule.rsplit("/", 1)[-1]
        fields = CONTROL_FIELDS.get(last) or (list(app.providers) if last == "seed" else [])
        for name in fields or ["email", "name", "key", "limit", "account", "project"]:
            reqs = []
            for i, value in enumerate(WRONG_VALUES):  # an address each: none replaces another
                record = {"email": f"a{i}@b.c"} if "email" in fields else {}
                record[name] = value
                for body in (record, [record]):
                    reqs.append(
                        {
                            "provider": CONTROL,
                            "method": "POST",
                            "path": tpl.rule,
                            "query": [],
                            "body": json.dumps(body).encode(),
                            "headers": [("Content-Type", "application/json")],
                        }
                    )
            out.append((f"{tpl.rule} {name}", reqs))
    return out


def read_everything(app: App) -> list[dict[str, Any]]:
    """Requests that read every provider's state (control plane, inspector): sent
    after a sequence, they show a change that left state no read survives."""
    paths = ["/_mailblocks/health", UI_BASE + "/", UI_BASE + "/journal", UI_BASE + "/faults"]
    for key in app.providers:
        paths += [f"/_mailblocks/{key}/blocks", f"{UI_BASE}/providers/{key}"]
    return [{"provider": CONTROL, "method": "GET", "path": p, "query": [], "body": b"", "headers": []} for p in paths]


@st.composite
def control_bodies(draw: Any, app: App, path: str) -> tuple[bytes, str | None]:
    if draw(st.integers(0, 9)) < 3:
        return draw(bodies())
    text = json.dumps(draw(control_json(app, path)))
    return text.encode(), draw(st.sampled_from(["application/json", None, "text/plain"]))


@st.composite
def ui_bodies(draw: Any, app: App) -> tuple[bytes, str | None]:
    if draw(st.integers(0, 9)) < 2:
        return draw(bodies())
    value = TEXT | st.sampled_from([*UI_VALUES, *app.providers])
    pairs = draw(st.lists(st.tuples(st.sampled_from(UI_FIELDS), value), max_size=8))
    ctype = draw(st.sampled_from(["application/x-www-form-urlencoded"] * 8 + [None, "multipart/form-data"]))
    return _encode_query(pairs).encode(), ctype


_HEADER_VALUES = ["http://127.0.0.1", "http://evil.example", "null", "cross-site", "same-origin", "same-site"]


@st.composite
def requests_for(draw: Any, app: App, scope: str = "all") -> dict[str, Any]:
    tpl, path = draw(paths(app, scope))
    if tpl.methods and draw(st.integers(0, 9)) < (8 if scope == "faults" or tpl.category == CONTROL else 5):
        method = draw(st.sampled_from(tpl.methods))
    else:
        method = draw(st.sampled_from(METHODS))
    query = draw(st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=6))
    if tpl.category == CONTROL:
        body, ctype = draw(control_bodies(app, path))
    elif tpl.category == UI:
        body, ctype = draw(ui_bodies(app))
    elif tpl.rule in SEND_BODIES and draw(st.integers(0, 9)) < 7:
        body, ctype = draw(mail_send_bodies(tpl.rule))
    elif tpl.rule in SENDCLOUD_SEND and draw(st.integers(0, 9)) < 7:
        body, ctype = draw(sendcloud_send_bodies())
    else:
        body, ctype = draw(bodies())
    headers: list[tuple[str, str]] = []
    if ctype:
        headers.append(("Content-Type", ctype))
    names = ["Accept-Language", "x-ncp-lang", "On-Behalf-Of", "Accept", "X-Mailblocks-Token"]
    if tpl.category in (CONTROL, UI) and draw(st.integers(0, 9)) == 0:
        names += ["Origin", "Sec-Fetch-Site", "Referer", "Cookie"]  # a browser's (often refused: 403)
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        value = draw(HOSTILE | st.sampled_from(_HEADER_VALUES))
        headers.append((name, value.replace("\r", "").replace("\n", "")))
    req = {"provider": tpl.category, "method": method, "path": path, "query": query, "body": body, "headers": headers}
    if draw(st.integers(0, 9)) < 7:
        if tpl.category in PROVIDERS:
            PROVIDERS[tpl.category].auth(app, req)
        elif tpl.category == UI:
            _ui_auth(app, req, draw(st.sampled_from(["header", "cookie", "query"])))
        elif tpl.category == CONTROL and app.control_token is not None:
            req["headers"].append(("X-Mailblocks-Token", app.control_token))
    return req


_UI_SESSIONS: weakref.WeakKeyDictionary[App, tuple[str, str]] = weakref.WeakKeyDictionary()


def ui_session(app: App) -> tuple[str, str]:
    """A browser's CSRF cookie and the token the inspector's forms carry, read from
    a page as a browser would (once per app: the inspector's secret lives as long)."""
    from pytest_mailblocks.core.inprocess import call_target

    found = _UI_SESSIONS.get(app)
    if found is None:
        headers = [("X-Mailblocks-Token", app.control_token)] if app.control_token else []
        _, out, body = call_target(app, "GET", UI_BASE + "/", headers, b"")
        cookie = next(v for k, v in out if k.lower() == "set-cookie" and v.startswith(ui_inspector.CSRF_COOKIE))
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', body.decode())
        assert match, "the inspector's overview has no form with a CSRF token"
        found = _UI_SESSIONS[app] = (cookie.split(";", 1)[0].split("=", 1)[1], match.group(1))
    return found


def _ui_auth(app: App, req: dict[str, Any], how: str) -> None:
    """The CSRF cookie, the token in POSTed forms, and the control token (if the
    app has one) as a header, a query parameter or nothing (the cookie is not kept)."""
    session, csrf = ui_session(app)
    req["headers"].append(("Cookie", f"{ui_inspector.CSRF_COOKIE}={session}"))
    if req["method"] == "POST":
        req["body"] = b"csrf=" + csrf.encode() + (b"&" + req["body"] if req["body"] else b"")
        req["csrf"] = True
    if app.control_token is not None:
        if how == "query":
            req["query"] = [("token", app.control_token), *req["query"]]
        else:
            req["headers"].append(("X-Mailblocks-Token", app.control_token))


def target(req: dict[str, Any]) -> str:
    from urllib.parse import quote

    path = quote(req["path"], safe="/%@+:,;=!$&'()*~")
    return path + ("?" + _encode_query(req["query"]) if req["query"] else "")


# -- checking answers --------------------------------------------------------------------------
def problems(
    app: App,
    req: dict[str, Any],
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    entry: JournalEntry | None = None,
    fault: Fault | None = None,
) -> list[str]:
    """What is wrong with one answer (empty: nothing). ``entry`` is the request's
    journal entry (None: no provider or control plane took it), ``fault`` the
    injected fault that fired for it."""
    found = []
    hdrs = {k.lower(): v for k, v in headers}
    if req["method"] == "HEAD" and entry is not None:
        body = entry.response_body  # what the fake rendered, before HEAD dropped it
    text = body[:20000].decode("utf-8", "replace")
    injected = fault is not None and fault.status is not None
    if status >= 500 and not (injected and fault is not None and status == fault.status):
        found.append(f"status {status}")
    if "Traceback (most recent call last)" in text:
        found.append("traceback in the body")
    served = entry.path if entry is not None else req["path"]
    category = entry.provider if entry is not None else None
    if category == CONTROL and _is_ui(served):
        if req["method"] == "POST" and not req.get("csrf") and status < 400 and served != UI_BASE:
            found.append(f"inspector accepted a POST without its CSRF token ({status})")
        return found + ui_problems(status, hdrs, body)
    if "<html" in text.lower() or "<!doctype html" in text.lower():
        found.append("HTML in the body")
    if category == CONTROL:
        found += control_problems(status, hdrs, body)
    elif category in PROVIDERS:
        fuzz = PROVIDERS[category]
        if not fuzz.own_format(status, hdrs, body):
            found.append(f"answer not in {category}'s own format")
        if fault is not None and fault.status is not None:
            if status != fault.status:
                found.append(f"injected status {fault.status} came back as {status}")
            found += [f"fault {fault.status}: {p}" for p in fuzz.fault_format(app, served, status, hdrs, body)]
    return found


def marks(app: App) -> dict[str, tuple[int, int]]:
    """Each journal's clears and entries so far, to tell which one a request added to."""
    return {k: (j.generation, j.total) for k, j in app.journals.items()}


def taken(app: App, before: dict[str, tuple[int, int]]) -> JournalEntry | None:
    """The entry a request added (None: nothing took it, a path no provider serves): the
    last of the journal that grew since ``before``, or was cleared by the request and
    then took it (a reset). The providers and the control plane number their entries
    apart, so numbers cannot tell."""
    for key, journal in app.journals.items():
        generation, total = before.get(key, (-1, 0))
        if journal.total > total or (journal.generation != generation and journal.total):
            return journal.last
    return None


class Unsendable(Exception):
    """The client library refused to send the request (a header value requests
    will not put on the wire): nothing reached the fake."""


Transport = Callable[[str, str, list[tuple[str, str]], bytes], tuple[int, list[tuple[str, str]], bytes]]


def in_process(app: App) -> Transport:
    from pytest_mailblocks.core.inprocess import call_target

    return lambda method, tgt, headers, body: call_target(app, method, tgt, headers, body)


@dataclass
class Result:
    status: int  # 0: the connection was reset; -1: the client would not send it
    headers: list[tuple[str, str]]
    body: bytes
    entry: JournalEntry | None
    fault: Fault | None  # the injected fault that fired
    problems: list[str]


def no_network(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """The webhook dispatcher's transport while fuzzing: random settings name random
    hosts, and nothing may leave the machine for them."""
    return None, "fuzzing: not sent"


def send(app: App, req: dict[str, Any], transport: Transport | None = None) -> Result:
    """Send one request and check the answer, knowing the faults armed before it:
    the first that matches the request must fire (and no other), a status fault
    comes back as that status in the provider's format with its headers, a
    latency fault delays the answer, a reset fault drops the connection and
    nothing else does; any other 5xx, traceback or wrong format is a problem, and
    so is an internal error the app recorded."""
    app.webhooks.transport = no_network
    armed = list(app.faults)
    before = marks(app)
    errors = len(app.errors)
    escaped = None
    try:
        status, headers, body = (transport or in_process(app))(req["method"], target(req), req["headers"], req["body"])
    except ConnectionReset:
        status, headers, body = 0, [], b""
    except Unsendable:
        return Result(-1, [], b"", None, None, [])
    except Exception as exc:  # out of the app itself: a client would get no answer
        status, headers, body, escaped = 0, [], b"", exc
    entry = taken(app, before)
    fired = None if entry is None or entry.fault is None else next((f for f in armed if f.id == entry.fault), None)
    found = [] if escaped is None else [f"no answer: {escaped!r} escaped the app"]
    if entry is not None and entry.fault is not None and fired is None:
        found.append(f"fault {entry.fault} fired but was not armed")
    expected = None
    if entry is not None and entry.endpoint is not None and entry.provider in app.providers:
        expected = next((f for f in armed if f.matches(entry.provider, entry.endpoint, entry.method, entry.path)), None)
    expected_id, fired_id = (expected.id if expected else None), (fired.id if fired else None)
    if expected_id != fired_id:
        found.append(f"fault {expected_id} should have fired, {fired_id} did")
    if status == 0:
        if not (fired and fired.reset) and escaped is None:
            found.append("connection dropped without a reset fault")
    elif fired is not None and fired.reset:
        found.append(f"reset fault {fired.id} fired but the answer was {status}")
    if fired is not None and entry is not None and entry.duration_ms < fired.latency * 1000 * 0.9:
        found.append(f"latency fault of {fired.latency * 1000:.1f} ms answered after {entry.duration_ms:.1f} ms")
    if status:
        found += problems(app, req, status, headers, body, entry, fired)
    found += [f"internal error: {e!r}" for e in app.errors[errors:]]
    if entry is not None and entry.provider == CONTROL:
        for fault in app.faults:  # a random body armed a slow fault: keep the run fast
            fault.latency = min(fault.latency, MAX_LATENCY)
    return Result(status, headers, body, entry, fired, found)


# -- faults ------------------------------------------------------------------------------------
CHANNELS = ("control", "control-provider", "python", "handle")
FAULT_STATUSES = st.sampled_from([400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504]) | st.integers(
    400, 599
)


def fault_kind(fault: Fault | dict[str, Any]) -> str:
    """``status``, ``latency``, ``reset``, or two of them joined by ``+``."""
    get = fault.get if isinstance(fault, dict) else lambda name: getattr(fault, name)
    parts = [name for name in ("latency", "status", "reset") if get(name)]
    return "+".join(parts)


def _endpoints(app: App, key: str | None) -> list[str]:
    keys = [key] if key else list(app.providers)
    return sorted({str(r.endpoint) for k in keys for r in app.providers[k].url_map.iter_rules()})


@st.composite
def fault_specs(draw: Any, app: App) -> tuple[str, dict[str, Any]]:
    """(channel, fault fields): a provider (or none: every provider), often an
    operation, sometimes a method or a path glob, a kind, and ``times`` or none."""
    key = draw(st.sampled_from([*app.providers, None]))
    channel = draw(st.sampled_from(CHANNELS if key else ("control", "python")))
    spec: dict[str, Any] = {"provider": key}
    if draw(st.integers(0, 2)) == 0:
        spec["endpoint"] = draw(st.sampled_from(_endpoints(app, key)))
    if draw(st.integers(0, 4)) == 0:
        spec["method"] = draw(st.sampled_from(["GET", "POST", "DELETE", "PUT", "get"]))
    if draw(st.integers(0, 4)) == 0:
        prefixes = [p for k in ([key] if key else app.providers) for p in app.providers[k].prefixes]
        spec["path"] = draw(st.sampled_from([*(p + "*" for p in prefixes), "*", "*blocks*", "/nowhere/*"]))
    kind = draw(st.sampled_from(["status", "status", "latency", "latency+status", "reset", "latency+reset"]))
    if "status" in kind:
        spec["status"] = draw(FAULT_STATUSES)
    if "latency" in kind:
        spec["latency"] = draw(st.integers(1, int(MAX_LATENCY * 1000))) / 1000
    if "reset" in kind:
        spec["reset"] = True
    times = draw(st.none() | st.integers(1, 3))
    if times is not None:
        spec["times"] = times
    return channel, spec


@st.composite
def fault_plans(draw: Any, app: App) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """Faults to arm, then requests (mostly to provider routes) to send; half the
    time the first fault is aimed at a provider the requests go to, so faults fire."""
    reqs = draw(st.lists(requests_for(app, "faults"), min_size=1, max_size=6))
    specs = draw(st.lists(fault_specs(app), min_size=1, max_size=3))
    targets = [r["provider"] for r in reqs if r["provider"] in app.providers]
    if targets and draw(st.booleans()):
        channel, spec = specs[0]
        spec = {k: v for k, v in spec.items() if k not in ("endpoint", "method", "path")}
        specs[0] = (channel, {**spec, "provider": draw(st.sampled_from(targets))})
    return specs, reqs


class FaultRun:
    """Arms faults through every channel, sends requests, and counts: faults armed
    (by channel and kind), fired (by kind), requests served, resets survived, and
    every problem found."""

    def __init__(self, app: App, transport: Transport | None = None) -> None:
        from pytest_mailblocks.core.fake import Fake

        self.app = app
        self.fake = Fake(app)
        self.transport = transport or in_process(app)
        self.armed: collections.Counter[str] = collections.Counter()
        self.armed_kinds: collections.Counter[str] = collections.Counter()
        self.fired: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.requests = 0
        self.unsendable = 0  # refused by the client library (socket runs): not counted in requests
        self.resets = 0
        self.reset_runs = 0  # plans in which a connection was reset
        self.answered_after_reset = 0  # ... after which the server answered a clean request
        self.failures: dict[str, tuple[int, str]] = {}

    def arm(self, channel: str, spec: dict[str, Any]) -> list[str]:
        key = spec.get("provider")
        if channel == "python":
            self.app.faults.add(**spec)
        elif channel == "handle":
            fields = {k: v for k, v in spec.items() if k != "provider"}
            self.fake.handle(str(key)).inject_fault(fields.pop("endpoint", None), **fields)
        else:
            path = "/_mailblocks/faults" if channel == "control" else f"/_mailblocks/{key}/faults"
            fields = {k: v for k, v in spec.items() if v is not None and (channel == "control" or k != "provider")}
            status, _, body = self.transport(
                "POST", path, [("Content-Type", "application/json")], json.dumps(fields).encode()
            )
            data = _json(body)
            if status != 201 or not isinstance(data, dict) or fault_kind(data) != fault_kind(spec):
                return [f"arming {fields} through {path}: {status} {body[:200]!r}"]
        self.armed[channel] += 1
        self.armed_kinds[fault_kind(spec)] += 1
        return []

    def send(self, req: dict[str, Any]) -> Result:
        result = send(self.app, req, self.transport)
        if result.status == -1:
            self.unsendable += 1
            return result
        self.requests += 1
        if result.fault is not None:
            self.fired[fault_kind(result.fault)] += 1
        if result.status == 0:
            self.resets += 1
        category = req["provider"] if result.entry is None or not _is_ui(result.entry.path) else UI
        self.statuses[(category, result.status)] += 1
        return result

    def run(self, plan: tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]) -> list[str]:
        """Reset, arm the plan's faults, send its requests: the problems found."""
        specs, reqs = plan
        self.app.reset()
        found = []
        for channel, spec in specs:
            found += self.arm(channel, spec)
        resets = self.resets
        for req in reqs:
            result = self.send(req)
            found += [f"{req['provider']}: {p}" for p in result.problems]
        if self.resets > resets:
            self.reset_runs += 1
            self.app.faults.clear()
            status, _, body = self.transport("GET", "/_mailblocks/health", [], b"")
            if status == 200:
                self.answered_after_reset += 1
            else:
                found.append(f"after a connection reset the server answered {status} {body[:100]!r}")
        for problem in found:
            self.failures.setdefault(problem, (self.requests, repr(plan)[:400]))
        return found
