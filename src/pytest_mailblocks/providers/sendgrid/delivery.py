"""SendGrid's send path (issue 21; ``shared/providers/delivery/sendgrid.md``):
``POST /v3/mail/send``, the decision per recipient, the events and the lists after.

The request: auth as the suppression routes check it (Bearer key, ``On-Behalf-Of``)
with mail send's own answers, scope ``mail.send``, no per-minute rate limit (SendGrid
excludes mail/send from it), then the body checked in full, every problem reported
at once in ``{"errors":[{"message","field","help"}]}``. A valid send answers ``202``
with an empty body and ``X-Message-Id``; with ``mail_settings.sandbox_mode.enable``
``true`` it answers ``200`` and nothing else happens. No MIME is built and no mail
leaves the machine.

Per recipient (to, cc and bcc of each personalization, in order): ``processed``, then

- ``dropped`` when the address is on the account's bounces (``Bounced Address``),
  spam reports (``Spam Reporting Address``), global unsubscribes (``Unsubscribed
  Address``) or invalid emails (``Invalid``), checked in that order (blocks do not
  suppress; ``bypass_*_management`` mail settings skip their lists);
- else the outcome chosen for the address, the simulator domain's, or delivery:
  ``delivered``; ``bounce`` (type ``bounce``, onto bounces); ``bounce`` (type
  ``blocked``, onto blocks); ``deferred``, retried on the fake clock (``DEFER_DELAYS``)
  until delivered or, after 72 hours, a block; ``delivered`` then ``spamreport``
  (onto spam reports) or ``unsubscribe`` (onto global unsubscribes); ``dropped``
  ``Invalid`` (onto invalid emails).

Each event carries ``email``, ``timestamp`` (the fake clock), ``smtp-id``, ``event``,
``category`` (when sent), ``sg_event_id`` (22 characters), ``sg_message_id`` (the
``X-Message-Id`` and a per-recipient suffix) and the send's custom arguments
(message-level, overridden per personalization; SendGrid's own keys win).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.delivery import (
    BLOCK,
    BOUNCE,
    COMPLAINT,
    DEFER,
    DELIVER,
    INVALID,
    UNSUBSCRIBE,
    Delivery,
    Outcome,
    json_body,
    state_delivery,
)
from ...core.errors import ErrorEntry, ProviderError
from ...core.provider import Notes, make_response
from . import errors, render
from .models import LIST_KINDS, enhanced_status
from .webhooks import RETRY, route_events

if TYPE_CHECKING:
    from . import SendGrid
    from .endpoints import SendGridCall
    from .models import Account, SendGridState, SuppressionList

__all__ = ["HANDLERS", "RULES", "Message", "delivery_of", "new_id", "parse_message"]

SEND = render.SEND_PATH
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_ADDRESS = 320
MAX_CATEGORIES = 10
MAX_CATEGORY = 255
MAX_CUSTOM_ARGS = 10_000
MAX_SCHEDULE = 72 * 3600
SCOPE = "mail.send"
RESERVED_HEADERS = frozenset(
    {
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
    }
)
#: (list, drop reason, the mail setting that bypasses it), in the order they are checked
SUPPRESSIONS = (
    ("bounces", "Bounced Address", "bypass_bounce_management"),
    ("spam_reports", "Spam Reporting Address", "bypass_spam_management"),
    ("unsubscribes", "Unsubscribed Address", "bypass_unsubscribe_management"),
    ("invalid_emails", "Invalid", None),
)
DROP_STATUS = "5.0.0"  # the docs' dropped example
DELIVERED_REPLY = "250 OK"
DEFER_REPLY = "400 try again later"  # the docs' deferred example
BOUNCE_REPLY = LIST_KINDS["bounces"].defaults["reason"]
BLOCK_REPLY = LIST_KINDS["blocks"].defaults["reason"]
INVALID_REASON = LIST_KINDS["invalid_emails"].defaults["reason"]
SPAM_IP = LIST_KINDS["spam_reports"].defaults["ip"]
#: a deferred mail is tried again after these many seconds (the last repeats) ...
DEFER_DELAYS = (300, 600, 1200, 2400, 4800, 9600, 14400)
#: ... and turns into a block 72 hours after the first try (a weak source: the fact sheet)
DEFER_GIVE_UP = 72 * 3600
#: bounce_classification by the enhanced status code's subject (x.<subject>.y)
CLASSIFICATION = {"1": "Invalid Address", "2": "Mailbox Unavailable", "7": "Reputation"}
MAIL_SETTINGS = (
    ("bypass_list_management", "bypass list management"),
    ("bypass_spam_management", "bypass spam management"),
    ("bypass_bounce_management", "bypass bounce management"),
    ("bypass_unsubscribe_management", "bypass unsubscribe management"),
    ("footer", "footer"),
    ("sandbox_mode", "sandbox mode"),
    ("spam_check", "spam check"),
    ("bcc", "bcc"),
)
TRACKING_SETTINGS = (
    ("click_tracking", "click tracking"),
    ("open_tracking", "open tracking"),
    ("subscription_tracking", "subscription tracking"),
)
_SPECIALS = '@\\s<>()\\[\\],;:"\\\\'
_ADDRESS = re.compile(f"[^{_SPECIALS}]+@(?:[^{_SPECIALS}.]+\\.)+[^{_SPECIALS}.]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*")


def new_id() -> str:
    """22 characters of base64url: the shape of ``X-Message-Id`` and ``sg_event_id``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


# -- the body ------------------------------------------------------------------------------------
@dataclass
class Personalization:
    index: int
    recipients: list[str] = field(default_factory=list)
    custom_args: dict[str, str] = field(default_factory=dict)
    send_at: int | None = None
    subject: str | None = None


@dataclass
class Message:
    sender: str
    subject: str | None
    personalizations: list[Personalization]
    categories: list[str] | None
    send_at: int | None
    sandbox: bool
    bypass: frozenset[str]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Check:
    """Collects every problem of a body, in the order SendGrid lists them."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.errors: list[ProviderError] = []

    def add(self, entry: ErrorEntry, *args: Any, field: str | None = None) -> None:
        self.errors.append(ProviderError(entry, *args, field=field))

    def typed(self, value: Any, expected: str, field: str) -> bool:
        if _json_type(value) == expected:
            return True
        self.add(errors.SG_SEND_INVALID_TYPE, expected, _json_type(value), field=field)
        return False

    def address(self, obj: Any, field: str, label: str, missing: tuple[Any, ...]) -> str | None:
        """An email object: ``{"email": ..., "name"?: ...}``; the address or None."""
        if not self.typed(obj, "object", field):
            return None
        email = obj.get("email")
        if email is None or email == "":
            entry, *args = missing
            self.add(entry, *args, field=f"{field}.email")
            return None
        if not self.typed(email, "string", f"{field}.email"):
            return None
        if len(email) > MAX_ADDRESS:
            self.add(errors.SG_SEND_ADDRESS_TOO_LONG, label, field=f"{field}.email")
            return None
        if not _ADDRESS.fullmatch(email):
            self.add(errors.SG_SEND_INVALID_ADDRESS, field=f"{field}.email")
            return None
        name = obj.get("name")
        if name is not None:
            self.typed(name, "string", f"{field}.name")
        return email

    def strings(self, value: Any, field: str, entry: ErrorEntry, empty: ErrorEntry | None = None) -> dict[str, str]:
        """An object whose values must all be strings (custom args, substitutions)."""
        if value is None or not self.typed(value, "object", field):
            return {}
        if empty is not None and not value:
            self.add(empty, field=field)
        elif not all(isinstance(v, str) for v in value.values()):
            self.add(entry, field=field)
            return {}
        return value

    def headers(self, value: Any, field: str, values: ErrorEntry, reserved: ErrorEntry) -> None:
        if value is None or not self.typed(value, "object", field):
            return
        if not all(isinstance(v, str) for v in value.values()):
            self.add(values, field=field)
        if any(str(k).lower() in RESERVED_HEADERS for k in value):
            self.add(reserved, field=field)

    def send_at(self, value: Any, field: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(errors.SG_SEND_SEND_AT_INTEGER, field=field)
            return None
        if value > self.now + MAX_SCHEDULE:
            self.add(errors.SG_SEND_SEND_AT_TOO_FAR, field=field)
            return None
        return value

    def enable(self, settings: Any, field: str, names: tuple[tuple[str, str], ...]) -> set[str]:
        """``<setting>.enable`` must be a boolean; the settings enabled."""
        enabled: set[str] = set()
        if settings is None or not self.typed(settings, "object", field):
            return enabled
        for key, label in names:
            sub = settings.get(key)
            if sub is None or not self.typed(sub, "object", f"{field}.{key}"):
                continue
            flag = sub.get("enable")
            if flag is not None and not isinstance(flag, bool):
                self.add(errors.SG_SEND_SETTING_BOOLEAN, label, field=f"{field}.{key}.enable")
            elif flag:
                enabled.add(key)
        return enabled


def _recipients(c: _Check, p: dict[str, Any], i: int, seen: dict[str, int]) -> list[str]:
    """to, cc and bcc of personalization ``i``, checked; duplicates reported."""
    field = f"personalizations.{i}"
    found: list[str] = []
    here: dict[str, str] = {}
    duplicate: tuple[str, str] | None = None
    for kind, label in (("to", "To"), ("cc", "CC"), ("bcc", "BCC")):
        items = p.get(kind)
        if kind == "to" and (items is None or items == []):
            c.add(errors.SG_SEND_TO_REQUIRED, field=f"{field}.to")
            continue
        if items is None or not c.typed(items, "array", f"{field}.{kind}"):
            continue
        for j, item in enumerate(items):
            email = c.address(item, f"{field}.{kind}.{j}", label, (errors.SG_SEND_EMAIL_REQUIRED, kind))
            if email is None:
                continue
            low = email.lower()
            if low in here:
                duplicate = duplicate or (email, kind)
                continue
            here[low] = kind
            found.append(email)
    if duplicate is not None:
        c.add(errors.SG_SEND_DUPLICATE_IN_PERSONALIZATION, duplicate[0], i, duplicate[1], field=field)
    for email in found:
        low = email.lower()
        if low in seen and seen[low] != i:
            if seen[low] >= 0:  # reported once per address
                c.add(errors.SG_SEND_DUPLICATE_ACROSS, email)
                seen[low] = -1
        else:
            seen[low] = i
    return found


def _personalizations(c: _Check, body: dict[str, Any], message_args: dict[str, str]) -> list[Personalization] | None:
    value = body.get("personalizations")
    if value is None or value == []:
        c.add(errors.SG_SEND_PERSONALIZATIONS_REQUIRED)
        return None
    if not c.typed(value, "array", "personalizations"):
        return None
    if len(value) > MAX_PERSONALIZATIONS:
        c.add(errors.SG_SEND_TOO_MANY_PERSONALIZATIONS, len(value))
        return None
    total = sum(
        len(p[k]) for p in value if isinstance(p, dict) for k in ("to", "cc", "bcc") if isinstance(p.get(k), list)
    )
    if total > MAX_RECIPIENTS:
        c.add(errors.SG_SEND_TOO_MANY_RECIPIENTS)
        return None
    out: list[Personalization] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(value):
        field = f"personalizations.{i}"
        if not c.typed(p, "object", field):
            continue
        one = Personalization(i, _recipients(c, p, i, seen))
        if p.get("from") is not None:
            c.address(p["from"], f"{field}.from", "From", (errors.SG_SEND_FROM_REQUIRED,))
        subject = p.get("subject")
        if subject is not None and c.typed(subject, "string", f"{field}.subject"):
            if subject == "":
                c.add(errors.SG_SEND_SUBJECT_EMPTY, field=f"{field}.subject")
            one.subject = subject
        args = c.strings(
            p.get("custom_args"),
            f"{field}.custom_args",
            errors.SG_SEND_CUSTOM_ARGS_STRINGS,
            errors.SG_SEND_CUSTOM_ARGS_EMPTY,
        )
        one.custom_args = {**message_args, **args}
        if len(json.dumps(one.custom_args)) > MAX_CUSTOM_ARGS:
            c.add(errors.SG_SEND_CUSTOM_ARGS_SIZE, field=f"{field}.custom_args")
        c.headers(
            p.get("headers"),
            f"{field}.headers",
            errors.SG_SEND_PERSONALIZATION_HEADER_VALUES,
            errors.SG_SEND_PERSONALIZATION_HEADER_RESERVED,
        )
        c.strings(p.get("substitutions"), f"{field}.substitutions", errors.SG_SEND_SUBSTITUTIONS)
        if p.get("dynamic_template_data") is not None:
            c.typed(p["dynamic_template_data"], "object", f"{field}.dynamic_template_data")
        one.send_at = c.send_at(p.get("send_at"), f"{field}.send_at")
        out.append(one)
    return out


def _objects(c: _Check, value: Any, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of an array field with their fields (wrong types reported)."""
    if value is None or not c.typed(value, "array", name):
        return
    for j, item in enumerate(value):
        if c.typed(item, "object", f"{name}.{j}"):
            yield f"{name}.{j}", item


def _content(c: _Check, body: dict[str, Any], template: bool) -> None:
    content = body.get("content")
    if content is None or content == []:
        if not template:
            c.add(errors.SG_SEND_CONTENT_REQUIRED)
        return
    types: list[str] = []
    for where, block in _objects(c, content, "content"):
        kind, value = block.get("type"), block.get("value")
        if kind is None or kind == "":
            c.add(errors.SG_SEND_CONTENT_TYPE_REQUIRED, field=f"{where}.type")
        elif c.typed(kind, "string", f"{where}.type"):
            types.append(kind.lower())
        if value is None or value == "":
            c.add(errors.SG_SEND_CONTENT_VALUE_EMPTY, field=f"{where}.value")
        else:
            c.typed(value, "string", f"{where}.value")
    first = [t for t in ("text/plain", "text/html") if t in types]
    if types[: len(first)] != first:
        c.add(errors.SG_SEND_CONTENT_ORDER)


def _categories(c: _Check, value: Any) -> list[str] | None:
    if value is None or not c.typed(value, "array", "categories"):
        return None
    if len(value) > MAX_CATEGORIES:
        c.add(errors.SG_SEND_CATEGORIES_LIMIT, len(value))
        return None
    seen: set[str] = set()
    for j, category in enumerate(value):
        if not c.typed(category, "string", f"categories.{j}"):
            continue
        if len(category) > MAX_CATEGORY:
            c.add(errors.SG_SEND_CATEGORY_TOO_LONG, category)
        elif not category.isascii():
            c.add(errors.SG_SEND_CATEGORY_ASCII)
        elif category in seen:
            c.add(errors.SG_SEND_CATEGORY_DUPLICATE, category)
        seen.add(category)
    return [v for v in value if isinstance(v, str)]


def _attachments(c: _Check, value: Any) -> None:
    for where, item in _objects(c, value, "attachments"):
        content, filename = item.get("content"), item.get("filename")
        if content is None or content == "":
            c.add(errors.SG_SEND_ATTACHMENT_CONTENT, field=f"{where}.content")
        elif c.typed(content, "string", f"{where}.content") and not _BASE64.fullmatch(content):
            c.add(errors.SG_SEND_ATTACHMENT_BASE64, field=f"{where}.content")
        if filename is None or filename == "":
            c.add(errors.SG_SEND_ATTACHMENT_FILENAME, field=f"{where}.filename")
        else:
            c.typed(filename, "string", f"{where}.filename")


def read_body(request: Request) -> Any:
    """The body as JSON: not UTF-8 is the documented 415, anything else unreadable
    (NaN and Infinity included, which Python alone would take) the observed 400."""
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProviderError(errors.SG_SEND_INVALID_UTF8) from None
    try:
        return json_body(text)
    except (ValueError, RecursionError):
        raise ProviderError(errors.SG_SEND_BAD_REQUEST) from None


def parse_message(body: Any, now: float) -> Message:
    """Check a mail-send body in full; every problem at once, as SendGrid lists them.

    :raises ProviderError: the first problem, the others attached (``also``).
    """
    c = _Check(now)
    if not isinstance(body, dict):
        c.add(errors.SG_SEND_INVALID_TYPE, "object", _json_type(body))
        raise c.errors[0]
    sender = None
    if body.get("from") is None:
        c.add(errors.SG_SEND_FROM_REQUIRED)
    else:
        sender = c.address(body["from"], "from", "From", (errors.SG_SEND_FROM_REQUIRED,))
    args = c.strings(
        body.get("custom_args"), "custom_args", errors.SG_SEND_CUSTOM_ARGS_STRINGS, errors.SG_SEND_CUSTOM_ARGS_EMPTY
    )
    personalizations = _personalizations(c, body, args)
    template = body.get("template_id")
    if template is not None and not isinstance(template, str):
        c.add(errors.SG_SEND_TEMPLATE_ID, json.dumps(template)[:100])
    subject = body.get("subject")
    if subject is not None:
        if c.typed(subject, "string", "subject") and subject == "":
            c.add(errors.SG_SEND_SUBJECT_EMPTY, field="subject")
    elif template is None and personalizations is not None and not all(p.subject for p in personalizations):
        c.add(errors.SG_SEND_SUBJECT_REQUIRED)
    _content(c, body, template is not None)
    if body.get("reply_to") is not None:
        c.address(body["reply_to"], "reply_to", "Reply-To", (errors.SG_SEND_REPLY_TO,))
    categories = _categories(c, body.get("categories"))
    c.headers(body.get("headers"), "headers", errors.SG_SEND_HEADER_VALUES, errors.SG_SEND_HEADER_RESERVED)
    send_at = c.send_at(body.get("send_at"), "send_at")
    if body.get("batch_id") is not None and not isinstance(body["batch_id"], str):
        c.add(errors.SG_SEND_BATCH_ID)
    asm = body.get("asm")
    if asm is not None and c.typed(asm, "object", "asm"):
        group = asm.get("group_id")
        if isinstance(group, bool) or not isinstance(group, int):
            c.add(errors.SG_SEND_ASM_GROUP)
    _attachments(c, body.get("attachments"))
    settings = c.enable(body.get("mail_settings"), "mail_settings", MAIL_SETTINGS)
    c.enable(body.get("tracking_settings"), "tracking_settings", TRACKING_SETTINGS)
    if c.errors:
        raise c.errors[0].also(*c.errors[1:])
    assert sender is not None and personalizations is not None
    return Message(
        sender,
        subject,
        personalizations,
        categories,
        send_at,
        "sandbox_mode" in settings,
        frozenset(settings),
    )


# -- the decision and its events ------------------------------------------------------------------
class _Recipient:
    """What every event of one recipient of one send carries."""

    __slots__ = ("args", "categories", "email", "lists", "message_id", "smtp_id", "tenant")

    def __init__(
        self,
        email: str,
        lists: dict[str, SuppressionList],
        tenant: str,
        smtp_id: str,
        message_id: str,
        categories: list[str] | None,
        args: dict[str, str],
    ) -> None:
        self.email = email
        self.lists = lists
        self.tenant = tenant
        self.smtp_id = smtp_id
        self.message_id = message_id
        self.categories = categories
        self.args = args


def _emit(d: Delivery, r: _Recipient, name: str, t: float, **extra: Any) -> None:
    data: dict[str, Any] = {"email": r.email, "timestamp": int(t), "smtp-id": r.smtp_id, "event": name}
    if r.categories is not None:
        data["category"] = list(r.categories)
    data["sg_event_id"] = new_id()
    data["sg_message_id"] = r.message_id
    data.update(extra)
    for key, value in r.args.items():  # SendGrid's own keys win over custom arguments
        data.setdefault(key, value)
    d.emit(name, r.email, data, time=t, tenant=r.tenant)


def _listed(r: _Recipient, kind: str, t: float, **fields: str) -> None:
    spec = LIST_KINDS[kind]
    values = [fields.get(name, default) for name, default in spec.extra_defaults]
    r.lists[kind].add(spec.record(int(t), r.email, *values))


def _refused(d: Delivery, r: _Recipient, t: float, reply: str, kind: str) -> None:
    """A bounce (type ``bounce``, onto bounces) or a block (``blocked``, onto blocks)."""
    status = enhanced_status(reply) or ("5.0.0" if reply.startswith("5") else "4.0.0")
    classification = CLASSIFICATION.get(status.split(".")[1], "Technical")
    _emit(d, r, "bounce", t, reason=reply, status=status, type=kind, bounce_classification=classification)
    _listed(r, "bounces" if kind == "bounce" else "blocks", t, reason=reply, status=status)


def _defer(d: Delivery, r: _Recipient, outcome: Outcome, t0: float) -> None:
    """``deferred`` at each try; delivered after ``times`` of them, else a block 72 hours
    after the first."""
    reply = outcome.reply or DEFER_REPLY
    d.defer(
        outcome,
        t0,
        delays=DEFER_DELAYS,
        give_up=DEFER_GIVE_UP,
        deferred=lambda t, n: _emit(d, r, "deferred", t, response=reply, attempt=str(n)),
        delivered=lambda t: _emit(d, r, "delivered", t, response=DELIVERED_REPLY),
        gave_up=lambda t: _refused(d, r, t, reply, "blocked"),
    )


def _spam_report(d: Delivery, r: _Recipient, t: float) -> None:
    _emit(d, r, "spamreport", t)
    _listed(r, "spam_reports", t, ip=SPAM_IP)


def _unsubscribe(d: Delivery, r: _Recipient, t: float) -> None:
    _emit(d, r, "unsubscribe", t)
    _listed(r, "unsubscribes", t)


def _outcome(d: Delivery, r: _Recipient, outcome: Outcome, t: float) -> None:
    kind = outcome.kind
    if kind == DELIVER:
        _emit(d, r, "delivered", t, response=outcome.reply or DELIVERED_REPLY)
    elif kind in (BOUNCE, BLOCK):
        default = BOUNCE_REPLY if kind == BOUNCE else BLOCK_REPLY
        _refused(d, r, t, outcome.reply or default, "bounce" if kind == BOUNCE else "blocked")
    elif kind == DEFER:
        _defer(d, r, outcome, t)
    elif kind in (COMPLAINT, UNSUBSCRIBE):
        _emit(d, r, "delivered", t, response=DELIVERED_REPLY)
        action = _spam_report if kind == COMPLAINT else _unsubscribe
        d.later(t, outcome.after, lambda at: action(d, r, at))
    elif kind == INVALID:
        _emit(d, r, "dropped", t, reason="Invalid", status=DROP_STATUS)
        _listed(r, "invalid_emails", t, reason=INVALID_REASON)


def process(d: Delivery, r: _Recipient, bypass: frozenset[str], t: float) -> str:
    """``processed``, then the drop or the outcome; what was decided."""
    _emit(d, r, "processed", t)
    if "bypass_list_management" not in bypass:
        for kind, reason, setting in SUPPRESSIONS:
            if setting not in bypass and r.lists[kind].get(r.email) is not None:
                _emit(d, r, "dropped", t, reason=reason, status=DROP_STATUS)
                return f"dropped: {reason}"
    outcome = d.outcomes.decide(r.email)
    _outcome(d, r, outcome, t)
    return outcome.kind


def _scheduled(d: Delivery, batch: list[_Recipient], bypass: frozenset[str]) -> Callable[[float], None]:
    """A personalization's recipients decided at its ``send_at``."""

    def run(t: float) -> None:
        for r in batch:
            process(d, r, bypass, t)

    return run


def accept(sg: SendGrid, account: Account, message: Message, now: float) -> str:
    """Decide for every recipient (now, or at its ``send_at``); the X-Message-Id."""
    d = delivery_of(sg, create=True)
    assert d is not None
    message_id = new_id()
    smtp_id = f"<{message_id}@ismtpd-mailblocks>"
    stamp = f"{int(now):X}"
    rows: list[dict[str, Any]] = []
    index = 0
    for p in message.personalizations:
        at = p.send_at if p.send_at is not None else message.send_at
        later = at is not None and at > now
        batch = []
        for email in p.recipients:
            r = _Recipient(
                email,
                account.lists,
                account.username,
                smtp_id,
                f"{message_id}.filterdrecv-mailblocks.{stamp}.{index}",
                message.categories,
                p.custom_args,
            )
            index += 1
            decision = "scheduled" if later else process(d, r, message.bypass, now)
            rows.append({"email": email, "personalization": p.index, "decision": decision})
            batch.append(r)
        if later and batch:
            d.schedule(float(at or 0), _scheduled(d, batch, message.bypass))
    subject = message.subject or next((p.subject for p in message.personalizations if p.subject), None)
    record = {
        "x_message_id": message_id,
        "time": int(now),
        "account": account.username,
        "from": message.sender,
        "subject": subject,
        "sandbox": False,
        "send_at": message.send_at,
        "recipients": rows,
    }
    d.sent(message.sender, record, time=now, tenant=account.username)
    return message_id


def delivery_of(sg: SendGrid, create: bool = False, state: SendGridState | None = None) -> Delivery | None:
    """The state's delivery (made on first use): outbox, outcomes, webhooks. ``state``:
    another than the live one (a snapshot's, being built)."""
    state = sg.state if state is None else state

    def route(d: Delivery) -> None:
        route_events(d, lambda tenant: state.event_webhooks.get(tenant or state.PARENT))

    return state_delivery(sg, create, retry=RETRY, route=route, state=state)


# -- the endpoint ------------------------------------------------------------------------------
def authenticate_send(sg: SendGrid, request: Request, notes: Notes) -> Account:
    """The suppression routes' checks with mail send's own answers: a missing or
    malformed key is 401 ``Permission denied, wrong credentials``, a well-formed key
    the account lacks 401 ``The provided authorization grant is invalid, expired, or
    revoked``, a key without ``mail.send`` (or an On-Behalf-Of it may not use) 403."""
    from .endpoints import authenticate

    try:
        key, account = authenticate(sg, request, notes)
    except ProviderError as err:
        if err.entry is errors.SG_ACCESS_FORBIDDEN:
            raise ProviderError(errors.SG_SEND_FORBIDDEN) from None
        token = request.headers.get("Authorization", "").strip().partition(" ")[2].strip()
        shaped = token.startswith("SG.") and token.count(".") == 2
        raise ProviderError(errors.SG_SEND_GRANT_INVALID if shaped else errors.SG_SEND_WRONG_CREDENTIALS) from None
    if not key.allows(SCOPE):
        notes.auth = "forbidden"
        raise ProviderError(errors.SG_SEND_FORBIDDEN)
    return account


def send_mail(c: SendGridCall) -> Response:
    sg, request, notes = c.provider, c.request, c.notes
    account = authenticate_send(sg, request, notes)
    now = sg.clock.time()
    message = parse_message(read_body(request), now)
    headers = render.send_headers(now)
    if message.sandbox:  # valid, not queued: no events, no X-Message-Id
        d = delivery_of(sg, create=True)
        assert d is not None
        record = {"x_message_id": None, "time": int(now), "account": account.username, "from": message.sender}
        d.sends.add(
            "send", message.sender, {**record, "sandbox": True, "recipients": []}, time=now, tenant=account.username
        )
        return make_response(b"", 200, headers, content_type="text/plain; charset=utf-8")
    headers["X-Message-Id"] = accept(sg, account, message, now)
    headers["X-Frame-Options"] = "DENY"
    return make_response(b"", 202, headers, content_type="text/plain; charset=utf-8")


def preflight(c: SendGridCall) -> Response:
    sg, notes = c.provider, c.notes
    notes.auth = "preflight"
    return make_response(b"", 200, render.send_headers(sg.clock.time()), content_type=None)


RULES = [
    Rule(SEND, methods=["POST"], endpoint="send_mail"),
    Rule(SEND, methods=["OPTIONS"], endpoint="preflight_mail_send"),
]
HANDLERS: dict[str, Callable[[SendGridCall], Response]] = {"send_mail": send_mail, "preflight_mail_send": preflight}
