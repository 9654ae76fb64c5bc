"""SendGrid's Event Webhook: its settings API, signing, and how events reach it
(issue 21; ``shared/providers/delivery/sendgrid.md`` section 4 and the webhooks spec,
twilio/sendgrid-oai ``spec/yaml/tsg_webhooks_v3.yaml``).

Routes (each account, parent or subuser, has up to five webhooks; the routes without
an id act on the oldest, as the spec says, and create it on a first PATCH):

- ``GET|PATCH /v3/user/webhooks/event/settings`` and ``POST`` (create);
  ``GET /v3/user/webhooks/event/settings/all``;
  ``GET|PATCH|DELETE /v3/user/webhooks/event/settings/{id}``;
- ``GET|PATCH /v3/user/webhooks/event/settings/signed[/{id}]``: the public key, and
  ``{"enabled": true|false}`` to sign (a new ECDSA P-256 key pair) or stop;
- ``POST /v3/user/webhooks/event/test``: one sample event posted to ``url`` (no retry).

Events go out as SendGrid posts them: a JSON array, one POST per webhook for what one
step produced (a send, or the work one clock move made due), split at 768 KB;
``Content-Type: application/json``; signed with ``X-Twilio-Email-Event-Webhook-Signature``
(base64 of the DER ECDSA signature of SHA-256 over timestamp + body) and
``X-Twilio-Email-Event-Webhook-Timestamp`` (unix seconds of the fake clock at the
attempt), so SendGrid's own ``EventWebhook`` helpers verify it with the public key
from ``GET .../settings/signed``. Non-2xx answers are retried at increasing intervals
on the fake clock for up to 24 hours after the events (``RETRY``).

``cryptography`` is imported only when signing is enabled (issue 18: import cost).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.delivery import Entry
from ...core.errors import ControlError, ProviderError
from ...core.provider import Notes
from ...core.webhooks import RetryPolicy, chosen_events, valid_url
from . import errors, render

if TYPE_CHECKING:
    from ...core.delivery import Delivery
    from . import SendGrid
    from .control import SendGridControl
    from .endpoints import SendGridCall
    from .models import Account, ApiKey

__all__ = ["HANDLERS", "RETRY", "RULES", "EventWebhook", "EventWebhooks", "route_events"]

BASE = "/v3/user/webhooks/event"
SETTINGS = BASE + "/settings"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
USER_AGENT = "SendGrid Event API"
#: the per-event switches, in the order the spec's examples list them
SWITCHES = (
    "group_resubscribe",
    "delivered",
    "group_unsubscribe",
    "spam_report",
    "bounce",
    "deferred",
    "unsubscribe",
    "processed",
    "open",
    "click",
    "dropped",
)
#: the switch that lets an event through (``bounce`` covers bounces and blocks)
SWITCH_OF_EVENT = {name: name for name in SWITCHES} | {"spamreport": "spam_report"}
OAUTH = ("oauth_client_id", "oauth_client_secret", "oauth_token_url")
MAX_WEBHOOKS = 5
#: one POST carries at most this many bytes of events (SendGrid's legacy docs: 768 KB)
BATCH_BYTES = 768 * 1024
#: retried at increasing intervals for up to 24 h after the events (troubleshooting page)
RETRY = RetryPolicy(delays=(60, 120, 300, 600, 1200, 2400, 3600, 7200, 14400, 28800), max_age=86400.0)

SCOPE_READ = "user.webhooks.event.settings.read"
SCOPE_UPDATE = "user.webhooks.event.settings.update"
SCOPE_CREATE = "user.webhooks.event.settings.create"
SCOPE_DELETE = "user.webhooks.event.settings.delete"
SCOPE_TEST = "user.webhooks.event.test.create"


# -- models -------------------------------------------------------------------------------------
def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(eq=False)
class EventWebhook:
    """One Event Webhook of one account."""

    id: str
    created: float
    updated: float
    enabled: bool = False
    url: str = ""
    switches: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(SWITCHES, False))
    friendly_name: str | None = None
    oauth: dict[str, str] = field(default_factory=dict)
    key: Any = None  # the ECDSA private key while signing is on
    public_key: str = ""

    def to_json(self, *, dates: bool = True, with_id: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"enabled": self.enabled, "url": self.url, **self.switches}
        if self.friendly_name is not None:
            out["friendly_name"] = self.friendly_name
        if with_id:
            out["id"] = self.id
        for name in ("oauth_client_id", "oauth_token_url"):  # never the secret
            if self.oauth.get(name):
                out[name] = self.oauth[name]
        if self.public_key:
            out["public_key"] = self.public_key
        if dates:
            out["created_date"] = _iso(self.created)
            out["updated_date"] = _iso(self.updated)
        return out

    def wants(self, event: str) -> bool:
        return self.enabled and bool(self.url) and self.switches.get(SWITCH_OF_EVENT.get(event, ""), False)

    def signer(self) -> Callable[[bytes, float], dict[str, str]] | None:
        key = self.key
        return None if key is None else (lambda body, now: sign(key, body, now))


class EventWebhooks:
    """One account's webhooks, oldest first."""

    def __init__(self) -> None:
        self.hooks: list[EventWebhook] = []

    def oldest(self) -> EventWebhook | None:
        return self.hooks[0] if self.hooks else None

    def find(self, hook_id: str) -> EventWebhook:
        found = next((h for h in self.hooks if h.id == hook_id), None)
        if found is None:
            raise ProviderError(errors.SG_WEBHOOK_INVALID_ID)
        return found

    def new(self, now: float) -> EventWebhook:
        if len(self.hooks) >= MAX_WEBHOOKS:
            raise ProviderError(errors.SG_WEBHOOK_MAX)
        hook = EventWebhook(str(uuid.uuid4()), now, now)
        self.hooks.append(hook)
        return hook


# -- signing -------------------------------------------------------------------------------------
def new_key_pair() -> tuple[Any, str]:
    """An ECDSA P-256 private key and its public key as SendGrid shows it: base64 of
    the DER SubjectPublicKeyInfo (a PEM body without its lines)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(der).decode()


def sign(key: Any, body: bytes, now: float) -> dict[str, str]:
    """The two signature headers for ``body`` posted at ``now`` (fake unix seconds)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    timestamp = str(int(now))
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: timestamp}


# -- events to webhooks ----------------------------------------------------------------------------
def _batches(events: list[dict[str, Any]]) -> list[tuple[bytes, int]]:
    """JSON arrays of at most ``BATCH_BYTES`` (an event larger than that goes alone)."""
    out: list[tuple[bytes, int]] = []
    chunk: list[bytes] = []
    size = 2
    for event in events:
        text = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        if chunk and size + len(text) + 1 > BATCH_BYTES:
            out.append((b"[" + b",".join(chunk) + b"]", len(chunk)))
            chunk, size = [], 2
        chunk.append(text)
        size += len(text) + 1
    if chunk:
        out.append((b"[" + b",".join(chunk) + b"]", len(chunk)))
    return out


def route_events(delivery: Delivery, hooks_of: Callable[[str | None], EventWebhooks | None]) -> None:
    """The router of SendGrid's delivery: the step's events, per account, to each of
    its enabled webhooks whose switch for the event is on."""

    def route(entries: list[Entry]) -> None:
        by_account: dict[str | None, list[Entry]] = {}
        for entry in entries:
            by_account.setdefault(entry.tenant, []).append(entry)
        for tenant, items in by_account.items():
            hooks = hooks_of(tenant)
            for hook in hooks.hooks if hooks is not None else ():
                wanted = [e for e in items if hook.wants(e.type)]
                created = min((e.time for e in wanted), default=0.0)
                for body, count in _batches([e.data for e in wanted]):
                    delivery.post(
                        hook.url,
                        body,
                        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
                        sign=hook.signer(),
                        events=count,
                        created=created,
                    )

    delivery.router = route


# -- the settings API ---------------------------------------------------------------------------
def _settings(body: dict[str, Any]) -> dict[str, Any]:
    """The known fields of a settings body, type-checked (others are ignored)."""
    problems: list[ProviderError] = []
    values: dict[str, Any] = {}
    for name in ("enabled", *SWITCHES):
        if name in body:
            if not isinstance(body[name], bool):
                problems.append(ProviderError(errors.SG_WEBHOOK_NOT_BOOLEAN, name, field=name))
            else:
                values[name] = body[name]
    for name in ("url", "friendly_name", *OAUTH):
        if name in body and body[name] is not None:
            if not isinstance(body[name], str):
                problems.append(ProviderError(errors.SG_WEBHOOK_NOT_STRING, name, field=name))
            else:
                values[name] = body[name]
    if "url" in values and values["url"] and not valid_url(values["url"]):
        problems.append(ProviderError(errors.SG_WEBHOOK_INVALID_URL, values["url"]))
    if problems:
        raise problems[0].also(*problems[1:])
    return values


def _apply(hooks: EventWebhooks, hook: EventWebhook, values: dict[str, Any], now: float) -> None:
    """Set ``values`` on ``hook``; checked first, so a refusal changes nothing."""
    url = values.get("url", hook.url)
    taken = next((h for h in hooks.hooks if h is not hook and url and h.url == url), None)
    if taken is not None:
        raise ProviderError(errors.SG_WEBHOOK_EXISTS, url=url, id=taken.id)
    enabled = values.get("enabled", hook.enabled)
    if enabled and not url:
        raise ProviderError(errors.SG_WEBHOOK_INVALID_URL, url)
    hook.enabled, hook.url = enabled, url
    for name in SWITCHES:
        hook.switches[name] = values.get(name, hook.switches[name])
    if "friendly_name" in values:
        hook.friendly_name = values["friendly_name"] or None
    for name in OAUTH:  # an empty string turns OAuth off
        if name in values:
            if values[name]:
                hook.oauth[name] = values[name]
            else:
                hook.oauth.pop(name, None)
    hook.updated = now


def _begin(
    sg: SendGrid, request: Request, notes: Notes, route: str, scope: str
) -> tuple[ApiKey, Account, dict[str, str]]:
    from .endpoints import authenticate, rate_headers

    key, account = authenticate(sg, request, notes)
    rate = rate_headers(sg, key, route, notes)
    if not key.allows(scope):
        notes.auth = "forbidden"
        raise ProviderError(errors.SG_ACCESS_FORBIDDEN)
    return key, account, rate


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ProviderError(errors.SG_WEBHOOK_INVALID_JSON)
    return body


def hooks_for(sg: SendGridControl, account: Account) -> EventWebhooks:
    hooks = sg.state.event_webhooks.get(account.username)
    if hooks is None:
        hooks = sg.state.event_webhooks[account.username] = EventWebhooks()
    return hooks


def _ok(sg: SendGrid, data: Any, rate: dict[str, str], status: int = 200) -> Response:
    return render.ok(data, sg.clock.time(), rate, status)


def get_settings(c: SendGridCall) -> Response:
    sg, args, request, notes = c.provider, c.args, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS + ("/{id}" if "id" in args else ""), SCOPE_READ)
    hooks = hooks_for(sg, account)
    if "id" in args:
        return _ok(sg, hooks.find(args["id"]).to_json(dates=False), rate)
    hook = hooks.oldest()
    if hook is None:  # no webhook yet: the settings an account starts with
        return _ok(sg, {"enabled": False, "url": "", **dict.fromkeys(SWITCHES, False)}, rate)
    return _ok(sg, hook.to_json(dates=False), rate)


def list_settings(c: SendGridCall) -> Response:
    sg, request, notes = c.provider, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS + "/all", SCOPE_READ)
    hooks = hooks_for(sg, account)
    return _ok(sg, {"max_allowed": MAX_WEBHOOKS, "webhooks": [h.to_json() for h in hooks.hooks]}, rate)


def create_settings(c: SendGridCall) -> Response:
    sg, request, notes = c.provider, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS, SCOPE_CREATE)
    values = _settings(_body(request))
    if not values.get("url"):
        raise ProviderError(errors.SG_WEBHOOK_REQUIRED, "url", field="url")
    hooks = hooks_for(sg, account)
    now = sg.clock.time()
    if len(hooks.hooks) >= MAX_WEBHOOKS:
        raise ProviderError(errors.SG_WEBHOOK_MAX)
    hook = EventWebhook(str(uuid.uuid4()), now, now)
    _apply(hooks, hook, values, now)  # checked before it is kept
    hooks.hooks.append(hook)
    return _ok(sg, hook.to_json(), rate, 201)


def update_settings(c: SendGridCall) -> Response:
    sg, args, request, notes = c.provider, c.args, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS + ("/{id}" if "id" in args else ""), SCOPE_UPDATE)
    values = _settings(_body(request))
    hooks = hooks_for(sg, account)
    now = sg.clock.time()
    hook = hooks.find(args["id"]) if "id" in args else hooks.oldest()
    if hook is None:  # the first PATCH without an id makes the account's webhook
        hook = EventWebhook(str(uuid.uuid4()), now, now)
        _apply(hooks, hook, values, now)
        hooks.hooks.append(hook)
    else:
        _apply(hooks, hook, values, now)
    return _ok(sg, hook.to_json(), rate)


def delete_settings(c: SendGridCall) -> Response:
    sg, args, request, notes = c.provider, c.args, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS + "/{id}", SCOPE_DELETE)
    hooks = hooks_for(sg, account)
    hooks.hooks.remove(hooks.find(args["id"]))
    return render.empty(204, sg.clock.time(), rate)


def get_signed(c: SendGridCall) -> Response:
    sg, args, request, notes = c.provider, c.args, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, SETTINGS + "/signed" + ("/{id}" if "id" in args else ""), SCOPE_READ)
    hooks = hooks_for(sg, account)
    hook = hooks.find(args["id"]) if "id" in args else hooks.oldest()
    public_key = "" if hook is None else hook.public_key
    return _ok(sg, {"id": args.get("id", ""), "public_key": public_key}, rate)


def update_signed(c: SendGridCall) -> Response:
    sg, args, request, notes = c.provider, c.args, c.request, c.notes
    _, account, rate = _begin(
        sg, request, notes, SETTINGS + "/signed" + ("/{id}" if "id" in args else ""), SCOPE_UPDATE
    )
    body = _body(request)
    if "enabled" not in body:
        raise ProviderError(errors.SG_WEBHOOK_REQUIRED, "enabled", field="enabled")
    if not isinstance(body["enabled"], bool):
        raise ProviderError(errors.SG_WEBHOOK_NOT_BOOLEAN, "enabled", field="enabled")
    hooks = hooks_for(sg, account)
    now = sg.clock.time()
    hook = hooks.find(args["id"]) if "id" in args else hooks.oldest()
    if hook is None:
        hook = hooks.new(now)
    set_signing(hook, body["enabled"], now)
    return _ok(sg, {"id": hook.id, "public_key": hook.public_key}, rate)


def set_signing(hook: EventWebhook, enabled: bool, now: float) -> None:
    """Turn signing on (a fresh key pair, as SendGrid generates one) or off (the keys go)."""
    if enabled and hook.key is None:
        hook.key, hook.public_key = new_key_pair()
    elif not enabled:
        hook.key, hook.public_key = None, ""
    hook.updated = now


def configure(
    sg: SendGridControl,
    account: Account,
    url: str,
    *,
    enabled: bool = True,
    signed: bool = False,
    events: Any = None,
) -> EventWebhook:
    """Set up the account's (oldest) webhook from Python or the control plane: ``url``,
    ``enabled``, signing, and the events to post (names as in events, ``spamreport``
    or ``spam_report`` alike; None: every event). Checked as the settings API checks."""
    wanted = chosen_events(events, SWITCH_OF_EVENT, SWITCHES)
    if not isinstance(url, str) or not isinstance(enabled, bool) or not isinstance(signed, bool):
        raise ControlError("url must be a string, enabled and signed booleans")
    if url and not valid_url(url):
        raise ControlError(f"{url!r} is not a valid url (http:// or https:// and a host)")
    hooks = hooks_for(sg, account)
    now = sg.clock.time()
    hook = hooks.oldest() or hooks.new(now)
    values = {"url": url, "enabled": enabled, **{name: name in wanted for name in SWITCHES}}
    try:
        _apply(hooks, hook, values, now)
    except ProviderError as err:
        raise ControlError(err.message()) from None
    set_signing(hook, signed, now)
    return hook


def sample_events(now: float) -> list[dict[str, Any]]:
    """What the test endpoint posts: the docs' sample processed event."""
    from .delivery import new_id

    return [
        {
            "email": "example@test.com",
            "timestamp": int(now),
            "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
            "event": "processed",
            "category": "cat facts",
            "sg_event_id": new_id(),
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        }
    ]


def send_test_event(c: SendGridCall) -> Response:
    """``{"url": ..., "id"?: ...}``: the sample event to ``url``, once, signed with the
    key of webhook ``id`` (else of the webhook at ``url``, else the oldest) if it signs."""
    sg, request, notes = c.provider, c.request, c.notes
    _, account, rate = _begin(sg, request, notes, BASE + "/test", SCOPE_TEST)
    body = _body(request)
    url = _settings(body).get("url")
    if not url:
        raise ProviderError(errors.SG_WEBHOOK_REQUIRED, "url", field="url")
    hooks = hooks_for(sg, account)
    hook_id = body.get("id")
    if hook_id is not None and not isinstance(hook_id, str):
        raise ProviderError(errors.SG_WEBHOOK_NOT_STRING, "id", field="id")
    hook = hooks.find(hook_id) if hook_id else next((h for h in hooks.hooks if h.url == url), hooks.oldest())
    now = sg.clock.time()
    payload = json.dumps(sample_events(now), separators=(",", ":")).encode()
    delivery = sg.delivery(create=True)
    assert delivery is not None
    delivery.post(
        url,
        payload,
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        sign=None if hook is None else hook.signer(),
        events=1,
        retry=False,
    )
    return render.empty(204, now, rate)


RULES = [
    Rule(SETTINGS, methods=["GET"], endpoint="get_event_webhook_settings"),
    Rule(SETTINGS, methods=["PATCH"], endpoint="update_event_webhook_settings"),
    Rule(SETTINGS, methods=["POST"], endpoint="create_event_webhook"),
    Rule(SETTINGS + "/all", methods=["GET"], endpoint="list_event_webhooks"),
    Rule(SETTINGS + "/signed", methods=["GET"], endpoint="get_signed_event_webhook"),
    Rule(SETTINGS + "/signed", methods=["PATCH"], endpoint="update_signed_event_webhook"),
    Rule(SETTINGS + "/signed/<id>", methods=["GET"], endpoint="get_signed_event_webhook_by_id"),
    Rule(SETTINGS + "/signed/<id>", methods=["PATCH"], endpoint="update_signed_event_webhook_by_id"),
    Rule(SETTINGS + "/<id>", methods=["GET"], endpoint="get_event_webhook"),
    Rule(SETTINGS + "/<id>", methods=["PATCH"], endpoint="update_event_webhook"),
    Rule(SETTINGS + "/<id>", methods=["DELETE"], endpoint="delete_event_webhook"),
    Rule(BASE + "/test", methods=["POST"], endpoint="test_event_webhook"),
]

HANDLERS: dict[str, Callable[[SendGridCall], Response]] = {
    "get_event_webhook_settings": get_settings,
    "update_event_webhook_settings": update_settings,
    "create_event_webhook": create_settings,
    "list_event_webhooks": list_settings,
    "get_signed_event_webhook": get_signed,
    "update_signed_event_webhook": update_signed,
    "get_signed_event_webhook_by_id": get_signed,
    "update_signed_event_webhook_by_id": update_signed,
    "get_event_webhook": get_settings,
    "update_event_webhook": update_settings,
    "delete_event_webhook": delete_settings,
    "test_event_webhook": send_test_event,
}
