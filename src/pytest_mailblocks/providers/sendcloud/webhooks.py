"""SendCloud's webhooks: the Webhook API, the signature, and how events reach them
(issue 21; ``shared/providers/delivery/sendcloud.md`` section 4; crazzfeng/sendcloud-docs
``docs/Email API SETTING/webhooks/*`` and ``reference/webhook.yaml``; sendcloud2013/
sendcloud_docs ``sources/email/webhook.md``).

Routes, under ``/api/`` and ``/apiv2/``, GET or POST, parameters in the query string or
a form body, ``apiUser``/``apiKey`` checked as the block APIs check them:

- ``webhook/list`` (``url`` a part of the URL, ``categoryName``, ``event``): ``info``
  ``{"dataList": [{"webhookUrl", "eventTypeMap", "categoryName"}], "count"}``;
- ``webhook/add`` (``url``, ``categoryName`` an API_USER or ``all``, ``event``; none:
  every event);
- ``webhook/update`` (the webhook matched by ``url``, ``categoryName`` and ``event``;
  ``newUrl``, ``newCategoryName``, ``newEvent``) and ``webhook/delete`` (matched the
  same way): ``info`` ``{"count": n}``.

``event`` is a comma-separated list of event names (the event-format page's ``deliver``,
``report_spam``, ``invalid`` ..., or the overview table's ``delivered``, ``spam-report``,
``invalid_email``) or of numeric codes (:data:`CODES`: an assumed table, the real one
is not published).

Each event goes out alone, as SendCloud documents its payloads (one event's fields), to
every webhook of its API_USER (or ``all``) that takes its type: a form body
(``application/x-www-form-urlencoded``, lists and objects as JSON text) by default, or
JSON; signed as the docs tell users to verify: ``signature = hex(HMAC-SHA256(key=APP
KEY, msg=str(timestamp) + token))``, with ``timestamp`` (milliseconds of the fake
clock) and ``token`` (50 random characters) in the event itself. A non-2xx answer is
retried on the fake clock (``RETRY``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ...core.delivery import Entry
from ...core.errors import ControlError, ProviderError
from ...core.webhooks import RetryPolicy, chosen_events, valid_url
from . import errors, render
from .models import ALL

if TYPE_CHECKING:
    from ...core.delivery import Delivery
    from .control import SendCloudControl
    from .endpoints import Params, SendCloudCall
    from .models import SendCloudState

__all__ = ["EVENTS", "HANDLERS", "RETRY", "RULES", "Signer", "Webhook", "configure", "route_events"]

#: the event names of the event-format page (``webhook-event.md``), in its order
EVENTS = ("request", "deliver", "open", "click", "unsubscribe", "report_spam", "invalid", "soft_bounce", "route")
#: the overview table's spellings where they differ (``webhooks/index.md``): the sheet's conflict
OVERVIEW = {"deliver": "delivered", "report_spam": "spam-report", "invalid": "invalid_email"}
NAME_OF = {**{name: name for name in EVENTS}, **{v: k for k, v in OVERVIEW.items()}}
#: numeric event codes for ``event`` (assumed: the docs show only ``1`` = delivered)
CODES = {
    "1": "deliver",
    "2": "request",
    "3": "open",
    "4": "click",
    "5": "unsubscribe",
    "6": "report_spam",
    "7": "invalid",
    "8": "soft_bounce",
    "9": "route",
}
CODE_OF = {name: code for code, name in CODES.items()}
BODIES = ("form", "json")
NAMINGS = ("format", "overview")
MAX_WEBHOOKS = 100
TOKEN_CHARS = string.ascii_letters + string.digits
TOKEN_LENGTH = 50
#: a random byte to a token character (one urandom call a token: a send to 1,000 makes 1,001)
_TOKEN_TABLE = bytes(ord(TOKEN_CHARS[i % len(TOKEN_CHARS)]) for i in range(256))
#: retried 1, 5, 15, 60 and 180 minutes after each failure, then given up (assumed)
RETRY = RetryPolicy(delays=(60, 300, 900, 3600, 10800), max_age=60 + 300 + 900 + 3600 + 10800)


# -- the signature ---------------------------------------------------------------------------------
class Signer:
    """Signs events with one APP KEY: ``signer(timestamp)`` gives the three fields every
    event ends with, ``timestamp``, ``token`` (50 random letters and digits) and
    ``signature``, ``hex(HMAC-SHA256(key=APP KEY, msg=str(timestamp) + token))`` as the
    docs verify it (the key's HMAC state is made once, then copied)."""

    def __init__(self, app_key: str) -> None:
        self._mac = hmac.new(app_key.encode(), digestmod=hashlib.sha256)

    def __call__(self, timestamp: int) -> dict[str, Any]:
        token = os.urandom(TOKEN_LENGTH).translate(_TOKEN_TABLE).decode()
        mac = self._mac.copy()
        mac.update(f"{timestamp}{token}".encode())
        return {"timestamp": timestamp, "token": token, "signature": mac.hexdigest()}


# -- webhooks ------------------------------------------------------------------------------------
@dataclass(eq=False)
class Webhook:
    """One webhook: a URL, the API_USER whose events it takes (or ``all``), its event
    types, and how it is posted (the body and the event names: the fake's options)."""

    url: str
    category: str
    events: frozenset[str]
    body: str = "form"
    names: str = "format"

    def wants(self, event: str, api_user: str | None) -> bool:
        return event in self.events and (self.category == ALL or self.category == api_user)

    def wire(self) -> dict[str, Any]:
        """The row as ``webhook/list`` shows it."""
        codes = sorted((CODE_OF[e] for e in self.events), key=int)
        return {"webhookUrl": self.url, "eventTypeMap": {c: CODES[c] for c in codes}, "categoryName": self.category}

    def to_json(self) -> dict[str, Any]:
        events = [e for e in EVENTS if e in self.events]
        return {
            "url": self.url,
            "categoryName": self.category,
            "events": events,
            "body": self.body,
            "names": self.names,
        }

    def encode(self, data: dict[str, Any]) -> tuple[bytes, str]:
        """The POST body of one event and its content type."""
        if self.names == "overview" and data.get("event") in OVERVIEW:
            data = {**data, "event": OVERVIEW[data["event"]]}
        if self.body == "json":
            return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), "application/json"
        pairs = [(k, _form_value(v)) for k, v in data.items()]
        return urlencode(pairs).encode(), "application/x-www-form-urlencoded"


def _form_value(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return "" if value is None else str(value)


def route_events(delivery: Delivery, state: SendCloudState) -> None:
    """The router of SendCloud's delivery: each event, alone, to every webhook of its
    API_USER (or ``all``) that takes its type."""

    def route(entries: list[Entry]) -> None:
        hooks = state.webhooks
        if not hooks:
            return
        for entry in entries:
            for hook in hooks:
                if hook.wants(entry.type, entry.tenant):
                    body, content_type = hook.encode(entry.data)
                    delivery.post(hook.url, body, headers={"Content-Type": content_type}, events=1, created=entry.time)

    delivery.router = route


# -- parameters ------------------------------------------------------------------------------------
def parse_events(raw: str) -> frozenset[str]:
    """``deliver,report_spam`` or ``1,6`` (codes and names may mix); 40704 for anything else."""
    names = set()
    for item in raw.split(","):
        item = item.strip()
        name = CODES.get(item) or NAME_OF.get(item)
        if name is None:
            raise ProviderError(errors.SC_WEBHOOK_EVENT_INVALID)
        names.add(name)
    return frozenset(names)


def _events(p: Params, name: str, *, required: bool) -> frozenset[str] | None:
    raw = p.get(name, "").strip()
    if not raw:
        if required:
            raise ProviderError(errors.SC_WEBHOOK_EVENT_EMPTY)
        return None
    return parse_events(raw)


def _category(sc: SendCloudControl, p: Params, name: str, *, required: bool = True) -> str | None:
    """An API_USER of the account or ``all``; 40301 for any other (empty included)."""
    value = p.get(name, "").strip()
    if not value and not required:
        return None
    if value != ALL and value not in sc.state.tenants:
        raise ProviderError(errors.SC_WEBHOOK_USER_UNKNOWN)
    return value


def _url(p: Params, name: str, *, required: bool) -> str | None:
    url = p.get(name, "").strip()
    if not url:
        if required:
            raise ProviderError(errors.SC_WEBHOOK_URL_EMPTY)
        return None
    if not valid_url(url):
        raise ProviderError(errors.SC_WEBHOOK_URL_INVALID)
    return url


def _taken(hooks: Iterable[Webhook], url: str, category: str, other_than: Iterable[Webhook] = ()) -> bool:
    skip = set(map(id, other_than))
    return any(h.url == url and h.category == category and id(h) not in skip for h in hooks)


# -- the Webhook API -------------------------------------------------------------------------------
def _matched(c: SendCloudCall) -> list[Webhook]:
    """update/delete: the webhooks of ``categoryName`` with exactly ``event`` (and ``url``)."""
    sc, p = c.provider, c.params
    category = _category(sc, p, "categoryName")
    events = _events(p, "event", required=True)
    url = _url(p, "url", required=False)
    return [h for h in sc.state.webhooks if h.category == category and h.events == events and url in (None, h.url)]


def list_webhooks(c: SendCloudCall) -> Response:
    sc, p = c.provider, c.params
    part = p.get("url", "").strip()
    category = _category(sc, p, "categoryName", required=False)
    events = _events(p, "event", required=False)
    rows = [
        h.wire()
        for h in sc.state.webhooks
        if part in h.url and category in (None, h.category) and (events is None or h.events & events)
    ]
    return render.ok({"dataList": rows, "count": len(rows)}, c.lang)


def add_webhook(c: SendCloudCall) -> Response:
    sc, p = c.provider, c.params
    url = _url(p, "url", required=True)
    category = _category(sc, p, "categoryName")
    events = _events(p, "event", required=False) or frozenset(EVENTS)
    assert url is not None and category is not None
    _add(sc.state, Webhook(url, category, events))
    return render.ok({}, c.lang)


def _add(state: SendCloudState, hook: Webhook) -> None:
    if _taken(state.webhooks, hook.url, hook.category):
        raise ProviderError(errors.SC_WEBHOOK_URL_EXISTS)
    if len(state.webhooks) >= MAX_WEBHOOKS:
        raise ProviderError(errors.SC_WEBHOOK_CREATE_FAILED)
    state.webhooks.append(hook)


def update_webhook(c: SendCloudCall) -> Response:
    sc, p = c.provider, c.params
    found = _matched(c)
    new_url = _url(p, "newUrl", required=False)
    new_category = _category(sc, p, "newCategoryName", required=False)
    new_events = _events(p, "newEvent", required=False)
    for hook in found:  # checked first: a refusal changes nothing
        url, category = new_url or hook.url, new_category or hook.category
        if (url, category) != (hook.url, hook.category) and _taken(sc.state.webhooks, url, category, found):
            raise ProviderError(errors.SC_WEBHOOK_URL_EXISTS)
    for hook in found:
        hook.url = new_url or hook.url
        hook.category = new_category or hook.category
        hook.events = new_events or hook.events
    return render.ok({"count": len(found)}, c.lang)


def delete_webhook(c: SendCloudCall) -> Response:
    found = _matched(c)
    hooks = c.provider.state.webhooks
    hooks[:] = [h for h in hooks if h not in found]
    return render.ok({"count": len(found)}, c.lang)


def configure(
    sc: SendCloudControl,
    url: str,
    *,
    api_user: str = ALL,
    events: Any = None,
    body: str = "form",
    names: str = "format",
    state: SendCloudState | None = None,
) -> Webhook:
    """Add (or replace) the webhook of ``url`` for ``api_user`` (an API_USER or ``all``)
    from Python or the control plane: ``events`` names (None: every event), ``body``
    ``form`` or ``json``, ``names`` ``format`` (``deliver``, ``report_spam``,
    ``invalid``) or ``overview`` (``delivered``, ``spam-report``, ``invalid_email``).
    ``state``: another than the live one (a snapshot's, being built)."""
    state = sc.state if state is None else state
    if not isinstance(url, str) or not valid_url(url):
        raise ControlError(f"{url!r} is not a valid url (http:// or https:// and a host)")
    if not isinstance(api_user, str) or (api_user != ALL and api_user not in state.tenants):
        raise ControlError(f"unknown api_user {api_user!r}; known: {sorted(state.tenants)} or 'all'")
    wanted = chosen_events(events, NAME_OF, EVENTS, empty=False)  # webhook/add needs one
    if body not in BODIES or names not in NAMINGS:
        raise ControlError(f"body must be one of {list(BODIES)}, names one of {list(NAMINGS)}")
    hooks = state.webhooks
    hooks[:] = [h for h in hooks if not (h.url == url and h.category == api_user)]
    hook = Webhook(url, api_user, wanted, body, names)
    try:
        _add(state, hook)
    except ProviderError as err:
        raise ControlError(err.message()) from None
    return hook


def set_app_key(sc: SendCloudControl, key: Any, state: SendCloudState | None = None) -> str:
    if not isinstance(key, str) or not key or len(key) > 256 or not key.isprintable():
        raise ControlError("the APP KEY must be a non-empty printable string (at most 256 characters)")
    (sc.state if state is None else state).app_key = key
    return key


#: path -> (operation, handler) of the Webhook API, under both prefixes
OPERATIONS: dict[str, tuple[str, Callable[[SendCloudCall], Response]]] = {
    "webhook/list": ("list_webhooks", list_webhooks),
    "webhook/add": ("add_webhook", add_webhook),
    "webhook/update": ("update_webhook", update_webhook),
    "webhook/delete": ("delete_webhook", delete_webhook),
}
RULES = [
    Rule(f"{prefix}/{path}", methods=["GET", "POST"], endpoint=name)
    for prefix in ("/api", "/apiv2")
    for path, (name, _) in OPERATIONS.items()
]
HANDLERS: dict[str, Callable[[SendCloudCall], Response]] = dict(OPERATIONS.values())
