"""Customers Mail Cloud's send path (issue 21; ``shared/providers/delivery/cmc.md``):
``POST /api/v2/emails/send`` and ``/api/v2/emails/bulk`` (``.json`` or ``.xml``), the
decision per recipient, the events and the lists after.

The request: ``api_user``/``api_key`` checked exactly as the block API checks them
(``01-002`` missing, ``01-001`` wrong), any role may send; then the parameters, every
problem at once, in CMC's error format: ``to`` (send: at most 10 in each of ``to``,
``cc``, ``bcc``, given as an address, ``{"name", "address"}`` or a list of those;
bulk: ``to`` only, a list of up to 1,000 objects with up to 100 properties of up to
5 KB each), ``from`` and ``replyto`` as ``{"name", "address"}``, ``subject`` (at most
512 characters), ``text`` (v2: or ``html``), ``charset`` (``ISO-2022-JP`` or
``UTF-8``), ``headers`` (JSON), ``env_from``, ``attachments`` (a count, at most 10).
A send answers ``{"id": ...}``; no MIME is built and no mail leaves the machine. It
lands in the server composition ``server_composition`` names (the fake's extension:
the real host picks it) or else the account's first.

Per recipient: a ``deliveries`` event ``queued``, then

- ``failed`` with reason ``Blocked address`` if the composition's blocks list holds
  the address, ``Unsubscribed`` if its unsubscribe list does (nothing else: the mail
  is not attempted; a send to a blocked address is accepted, as the fact sheet infers);
- else the outcome chosen for the address, the simulator domain's, or delivery:
  ``succeeded``; a hard bounce or a refusal: ``failed`` and a ``bounces`` event
  ``bounced`` with the reply, one delivery error (``block_threshold`` of them block the
  address: a ``blocks`` event); a deferral: ``deferred``, retried on the fake clock
  (``DEFER_DELAYS``) until delivered or, ``DEFER_GIVE_UP`` after the first try, failed
  and bounced as a retransmission timeout; a complaint: ``succeeded``, then the address
  is blocked (``Blocked address``); an unsubscribe: ``succeeded``, then the address
  joins the unsubscribe list at the next daily batch (a ``blocks`` event when the
  recipient acts); invalid: ``failed`` (an address format error, which blocks it).

``/transaction/v2/deliveries/list`` and ``/transaction/v2/bounces/list`` read the
events back (paths a client SDK uses; their fields are the webhook's).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ...core.delivery import BLOCK, BOUNCE, COMPLAINT, DEFER, DELIVER, INVALID, Delivery, Entry, Outcome, state_delivery
from ...core.errors import ProviderError
from . import errors, render
from .control import DEFAULT_FILTER
from .endpoints import Problems, _composition, _date, _integer, _required, _scalar, _window
from .models import JST, Composition, PendingOp, User, format_time, local_day_start
from .webhooks import RETRY, route_events

if TYPE_CHECKING:
    from . import CustomersMailCloud
    from .endpoints import CmcCall
    from .models import CmcState

__all__ = ["ACCESS", "HANDLERS", "RULES", "Address", "Message", "delivery_of", "parse_message"]

MAX_SEND = 10  # in each of to, cc, bcc of emails/send
MAX_BULK = 1000  # in to of emails/bulk
MAX_PROPERTIES = 100  # per recipient of emails/bulk
MAX_PROPERTY_BYTES = 5 * 1024
MAX_SUBJECT = 512
MAX_ATTACHMENTS = 10
MAX_ADDRESS = 320
CHARSETS = ("ISO-2022-JP", "UTF-8")
#: the sending MTA's address in events (a documentation address: the fake sends nothing)
SENDER_IP = "203.0.113.25"
BLOCKED_REASON = "Blocked address"  # block status 10's text
UNSUBSCRIBED_REASON = "Unsubscribed"  # block status 11's text
BOUNCE_REPLY = "550 5.1.1 User unknown"
BLOCK_REPLY = "550 5.7.1 Message rejected due to local policy"
DEFER_REPLY = "421 4.7.0 Try again later"
INVALID_REPLY = "553 5.1.3 Bad recipient address syntax"
#: a deferred mail is tried again after these many seconds (the last repeats) ...
DEFER_DELAYS = (300, 600, 1200, 2400, 3600)
#: ... and fails as a retransmission timeout this long after the first try
DEFER_GIVE_UP = 72 * 3600
#: block status (1..11, 99) by the enhanced status code of a refusal
STATUS_BY_CODE = {"1.1": 2, "1.2": 1, "1.3": 9, "1.10": 2, "2.1": 4, "2.2": 5, "2.3": 8, "3.4": 8, "4.4": 1}
STATUS_UNKNOWN_USER, STATUS_REJECTION, STATUS_RETRY_TIMEOUT, STATUS_FORMAT, STATUS_BLOCKED = 2, 4, 3, 9, 10
STATUS_RECEIVER = 7  # receiving server error: a refusal with no code the table knows

_ENHANCED = re.compile(r"[245]\.(\d{1,3}\.\d{1,3})\b")
_LOCAL = r"[^\s@<>()\[\],;:\"\\]{1,64}"
_LABEL = r"[^\s@<>()\[\],;:\"\\.]+"
_ADDRESS_RE = re.compile(f"{_LOCAL}@{_LABEL}(?:\\.{_LABEL})+")


def block_status(reply: str, default: int) -> int:
    """The block status a refusal's reply stands for (``550 5.1.1 ...``: 2 unknown user)."""
    found = _ENHANCED.search(reply)
    if found is None:
        return default
    code = found.group(1)
    if code.startswith("7."):
        return STATUS_REJECTION
    return STATUS_BY_CODE.get(code, STATUS_RECEIVER)


# -- the parameters ------------------------------------------------------------------------------
class Address(NamedTuple):
    """One address parameter's item: ``{"name", "address"}`` and, in emails/bulk, the
    recipient's merge properties."""

    address: str
    name: str
    properties: dict[str, Any]


@dataclass
class Message:
    sender: Address
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    subject: str
    composition: Composition
    env_from: str | None
    charset: str
    attachments: int


def _decoded(value: Any) -> Any:
    """A form value holding JSON (an object or a list) as JSON; anything else as is."""
    if isinstance(value, str):
        text = value.strip()
        return json.loads(text) if text[:1] in ("[", "{") else text
    return value


def _item(item: Any, bare: bool) -> Address | None:
    """An address (if ``bare``) or ``{"name"?, "address", ...}``, checked; None if not one."""
    if isinstance(item, str) and bare:
        found: Any = item
        name: Any = ""
        properties: dict[str, Any] = {}
    elif isinstance(item, dict):
        found, name = item.get("address"), item.get("name") or ""
        properties = {k: v for k, v in item.items() if k not in ("address", "name")}
    else:
        return None
    if not isinstance(found, str) or not isinstance(name, str):
        return None
    address = found.strip()
    if len(address) > MAX_ADDRESS or not _ADDRESS_RE.fullmatch(address):
        return None
    return Address(address, name, properties)


def addresses(
    params: dict[str, Any],
    name: str,
    problems: Problems,
    *,
    required: bool = False,
    limit: int = 1,
    bare: bool = True,
    entry: Any = errors.CMC_SEND_ADDRESS_INVALID,
) -> list[Address]:
    """An address parameter in any of its documented types (``limit`` 1: a single
    ``{"name", "address"}``, type 2); its problems added to ``problems``."""
    raw = params.get(name)
    if raw is None or raw == "" or raw == []:
        if required:
            problems.append(ProviderError(errors.CMC_REQUIRED, name, field=name))
        return []
    try:
        value = _decoded(raw)
    except (ValueError, RecursionError):
        problems.append(ProviderError(entry, name, field=name))
        return []
    items = value if isinstance(value, list) and limit > 1 else [value]
    if len(items) > limit:
        problems.append(ProviderError(errors.CMC_SEND_TOO_MANY_ADDRESSES, name, limit, field=name))
        return []
    found = [_item(item, bare) for item in items]
    if not items or any(a is None for a in found):
        problems.append(ProviderError(entry, name, field=name))
        return []
    return [a for a in found if a is not None]


def _property_problems(recipients: list[Address], problems: Problems) -> None:
    """emails/bulk: at most 100 properties a recipient, each value at most 5 KB."""
    for position, a in enumerate(recipients, 1):
        if len(a.properties) + 2 > MAX_PROPERTIES:
            problems.append(
                ProviderError(errors.CMC_SEND_TOO_MANY_PROPERTIES, "to", MAX_PROPERTIES, position, field="to")
            )
        values = (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in a.properties.values())
        if any(len(v.encode("utf-8", "surrogatepass")) > MAX_PROPERTY_BYTES for v in values):
            problems.append(ProviderError(errors.CMC_SEND_PROPERTY_TOO_LONG, "to", position, field="to"))


def _headers(params: dict[str, Any], problems: Problems) -> None:
    """Any mail headers as JSON: an object of names to values, or a list of
    ``{"name", "value"}`` (a client SDK's form)."""
    raw = params.get("headers")
    if raw is None or raw == "":
        return
    try:
        value = _decoded(raw)
    except (ValueError, RecursionError):
        value = None
    pairs: list[tuple[Any, Any]] | None = list(value.items()) if isinstance(value, dict) else None
    if isinstance(value, list) and all(isinstance(h, dict) and set(h) == {"name", "value"} for h in value):
        pairs = [(h["name"], h["value"]) for h in value]
    if pairs is None or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs):
        problems.append(ProviderError(errors.CMC_INVALID_VALUE, "headers", field="headers"))


def _sending_composition(cmc: CustomersMailCloud, user: User, params: dict[str, Any], problems: Problems) -> Any:
    """``server_composition`` if given (the fake's extension), else the account's first."""
    if params.get("server_composition") not in (None, ""):
        return _composition(cmc, user, params, problems)
    mine = cmc.state.compositions_of(user.account)
    if not mine:
        problems.append(ProviderError(errors.CMC_REQUIRED, "server_composition", field="server_composition"))
        return None
    return mine[0]


def parse_message(
    cmc: CustomersMailCloud, user: User, params: dict[str, Any], *, bulk: bool = False, version: str = "v2"
) -> Message:
    """The parameters of emails/send (or emails/bulk) checked in full.

    :raises ProviderError: the first problem, the others attached (``also``).
    """
    problems = Problems()
    limit = MAX_BULK if bulk else MAX_SEND
    to = addresses(params, "to", problems, required=True, limit=limit, bare=not bulk)
    cc: list[Address] = []
    bcc: list[Address] = []
    if not bulk:  # emails/bulk has no cc or bcc (its mails are one a recipient)
        cc = addresses(params, "cc", problems, limit=MAX_SEND, entry=errors.CMC_SEND_CC_BCC_INVALID)
        bcc = addresses(params, "bcc", problems, limit=MAX_SEND, entry=errors.CMC_SEND_CC_BCC_INVALID)
    else:
        _property_problems(to, problems)
    sender = addresses(params, "from", problems, required=True, bare=False)
    addresses(params, "replyto", problems, bare=False)
    env_name = "env_from" if params.get("env_from") not in (None, "") else "envfrom"
    env_from = addresses(params, env_name, problems)
    _headers(params, problems)
    subject = _required(params, "subject", problems)
    if subject is not None and len(subject) > MAX_SUBJECT:
        problems.append(ProviderError(errors.CMC_SEND_TOO_LONG, "subject", MAX_SUBJECT, field="subject"))
    text = _scalar(params, "text", problems)
    html = _scalar(params, "html", problems)
    if text is None and (version == "v1" or html is None):
        problems.append(ProviderError(errors.CMC_REQUIRED, "text", field="text"))
    charset = (_scalar(params, "charset", problems) or "UTF-8").upper()
    if charset not in CHARSETS:
        problems.append(ProviderError(errors.CMC_SEND_BAD_CHARSET))
    attachments = _integer(params, "attachments", 0, 0, MAX_ATTACHMENTS, problems)
    composition = _sending_composition(cmc, user, params, problems)
    problems.raise_any()
    assert subject is not None and composition is not None
    env = env_from[0].address if env_from else None
    return Message(sender[0], to, cc, bcc, subject, composition, env, charset, attachments)


# -- the decision and its events -------------------------------------------------------------------
class _Mail:
    """What every event of one accepted send carries."""

    __slots__ = ("_when", "cmc", "comp", "return_path", "sender", "subject", "tz")

    def __init__(self, cmc: CustomersMailCloud, message: Message, tz: tzinfo) -> None:
        self.cmc = cmc
        self.comp = message.composition
        self.sender = message.sender.address
        self.subject = message.subject
        local = self.sender.rpartition("@")[0]
        self.return_path = message.env_from or f"{local}@return.{self.comp.name}.smtps.jp"
        self.tz = tz
        self._when: tuple[int, str] = (-1, "")

    def created(self, t: float) -> str:
        """``yyyy-MM-dd HH:mm:ss`` in the webhook's time zone (one format a second)."""
        if self._when[0] != int(t):
            self._when = (int(t), format_time(t, self.tz))
        return self._when[1]


class _Rcpt(NamedTuple):
    email: str
    field: str
    message_id: str


def _delivery(d: Delivery, m: _Mail, r: _Rcpt, status: str, reason: str, t: float) -> dict[str, Any]:
    """A ``deliveries`` event, the fields in the order of the vendor's example."""
    data = {
        "reason": reason,
        "sourceIp": "",
        "returnPath": m.return_path,
        "created": m.created(t),
        "subject": m.subject,
        "apiData": "",
        "messageId": r.message_id,
        "from": m.sender,
        "to": r.email,
        "senderIp": SENDER_IP,
        "status": status,
    }
    d.emit("deliveries", r.email, data, time=t, tenant=m.comp.name)
    return data


def _error(d: Delivery, m: _Mail, r: _Rcpt, status: int, t: float) -> None:
    """One delivery error: it counts towards a block (a ``blocks`` event when it blocks)."""
    comp, state = m.comp, m.cmc.state
    blocked = comp.block(r.email) is not None
    record = comp.record_error(r.email, status, int(t), state.settings.block_threshold, state.next_seq())
    if record is None or blocked or comp.removed_block(r.email) is not None:
        return
    data = {
        "created": m.created(t),
        "email": record.email,
        "id": record.id,
        "occurred": str(record.occurred),
        "status": str(record.status),
        "type": "block",
    }
    d.emit("blocks", r.email, data, time=t, tenant=comp.name)


def _refused(d: Delivery, m: _Mail, r: _Rcpt, reply: str, status: int, t: float) -> None:
    """A ``failed`` delivery, its ``bounced`` bounce (the delivery's fields but the IP
    addresses), one delivery error."""
    failed = _delivery(d, m, r, "failed", reply, t)
    bounce = {k: v for k, v in failed.items() if k not in ("sourceIp", "senderIp")}
    bounce["status"] = "bounced"
    d.emit("bounces", r.email, bounce, time=t, tenant=m.comp.name)
    _error(d, m, r, status, t)


def _unsubscribed(d: Delivery, m: _Mail, r: _Rcpt, t: float) -> None:
    """The recipient unsubscribes: the list takes it at the next daily batch."""
    m.comp.pending.append(PendingOp(t, m.cmc.state.next_seq(), "unsubscribe", r.email, DEFAULT_FILTER))
    data = {"created": m.created(t), "email": r.email, "filterName": DEFAULT_FILTER, "type": "unsubscribe"}
    d.emit("blocks", r.email, data, time=t, tenant=m.comp.name)


class _Deferral:
    """A mail the receiving server defers: tried again at increasing intervals until
    it is taken (after ``times`` deferrals) or ``DEFER_GIVE_UP`` has passed."""

    def __init__(self, d: Delivery, m: _Mail, r: _Rcpt, outcome: Outcome, first: float) -> None:
        self.d, self.m, self.r = d, m, r
        self.reply = outcome.reply or DEFER_REPLY
        self.left = outcome.times
        self.deadline = first + DEFER_GIVE_UP
        self.tries = 0

    def attempt(self, t: float) -> None:
        if self.left is not None and self.tries >= self.left:
            _delivery(self.d, self.m, self.r, "succeeded", "", t)
            return
        self.tries += 1
        _delivery(self.d, self.m, self.r, "deferred", self.reply, t)
        wait = DEFER_DELAYS[min(self.tries, len(DEFER_DELAYS)) - 1]
        if self.left is None and t + wait >= self.deadline:
            self.d.schedule(self.deadline, self.expire)
        else:
            self.d.schedule(t + wait, self.attempt)

    def expire(self, t: float) -> None:
        _refused(self.d, self.m, self.r, self.reply, STATUS_RETRY_TIMEOUT, t)


def _then(d: Delivery, t: float, after: float, action: Callable[[float], None]) -> None:
    if after:
        d.schedule(t + after, action)
    else:
        action(t)


def _outcome(d: Delivery, m: _Mail, r: _Rcpt, outcome: Outcome, t: float) -> None:
    kind = outcome.kind
    if kind in (BOUNCE, BLOCK):
        reply = outcome.reply or (BOUNCE_REPLY if kind == BOUNCE else BLOCK_REPLY)
        _refused(d, m, r, reply, block_status(reply, STATUS_UNKNOWN_USER if kind == BOUNCE else STATUS_REJECTION), t)
    elif kind == DEFER:
        _Deferral(d, m, r, outcome, t).attempt(t)
    elif kind == INVALID:
        _delivery(d, m, r, "failed", INVALID_REPLY, t)
        _error(d, m, r, STATUS_FORMAT, t)
    else:
        _delivery(d, m, r, "succeeded", outcome.reply or "", t)
        if kind == COMPLAINT:
            _then(d, t, outcome.after, lambda at: _error(d, m, r, STATUS_BLOCKED, at))
        elif kind != DELIVER:  # an unsubscribe
            _then(d, t, outcome.after, lambda at: _unsubscribed(d, m, r, at))


def process(d: Delivery, m: _Mail, r: _Rcpt, t: float) -> str:
    """``queued``, then what the lists or the outcome make of it; what was decided."""
    _delivery(d, m, r, "queued", "", t)
    if m.comp.block(r.email) is not None:
        _delivery(d, m, r, "failed", BLOCKED_REASON, t)
        return "failed: blocked"
    if m.comp.is_unsubscribed(r.email):
        _delivery(d, m, r, "failed", UNSUBSCRIBED_REASON, t)
        return "failed: unsubscribed"
    outcome = d.outcomes.decide(r.email)
    _outcome(d, m, r, outcome, t)
    return outcome.kind


def _recipients(message: Message) -> Iterator[tuple[str, Address]]:
    for name in ("to", "cc", "bcc"):
        for a in getattr(message, name):
            yield name, a


def accept(cmc: CustomersMailCloud, user: User, message: Message, bulk: bool, now: float) -> str:
    """Decide for every recipient; the send's id."""
    d = delivery_of(cmc, create=True)
    assert d is not None
    mail_id = secrets.token_hex(12)
    domain = message.sender.address.rpartition("@")[2]
    hook = cmc.state.event_webhooks.get(message.composition.account)
    m = _Mail(cmc, message, JST if hook is None else hook.tz)
    rows = []
    for n, (name, a) in enumerate(_recipients(message), 1):
        r = _Rcpt(a.address, name, f"<{mail_id}.{n}@{domain}>" if bulk else f"<{mail_id}@{domain}>")
        rows.append({"email": a.address, "field": name, "message_id": r.message_id, "decision": process(d, m, r, now)})
    record = {
        "id": mail_id,
        "time": int(now),
        "api": "bulk" if bulk else "send",
        "api_user": user.api_user,
        "server_composition": message.composition.name,
        "from": m.sender,
        "subject": message.subject,
        "recipients": rows,
    }
    d.sends.add("bulk" if bulk else "send", m.sender, record, time=now, tenant=message.composition.name)
    d.end_step()
    return mail_id


def delivery_of(cmc: CustomersMailCloud, create: bool = False, state: CmcState | None = None) -> Delivery | None:
    """The state's delivery (made on first use): outbox, outcomes, webhooks. ``state``:
    another than the live one (a snapshot's, being built)."""
    state = cmc.state if state is None else state
    return state_delivery(cmc, create, retry=RETRY, route=lambda d: route_events(d, state), state=state)


# -- the endpoints ---------------------------------------------------------------------------
def _send(c: CmcCall, bulk: bool) -> Response:
    cmc = c.provider
    message = parse_message(cmc, c.user, c.params, bulk=bulk, version=c.args.get("version", "v2"))
    c.notes.tenant = f"{c.user.account}/{message.composition.name}"
    return render.sent(accept(cmc, c.user, message, bulk, cmc.clock.time()), c.fmt)


def send_email(c: CmcCall) -> Response:
    """emails/send: one mail to up to 10 addresses in each of to, cc and bcc."""
    return _send(c, bulk=False)


def bulk_email(c: CmcCall) -> Response:
    """emails/bulk: one mail to each of up to 1,000 recipients."""
    return _send(c, bulk=True)


# -- deliveries/list and bounces/list (inferred) ------------------------------------------------
#: the lists' event type, XML item, whether ``date`` is required (a client SDK's checks)
LISTS = {"list_deliveries": ("deliveries", "delivery", True), "list_bounces": ("bounces", "bounce", False)}
R_DEFAULT, R_MAX, P_MAX = 10, 100, 2**31 - 1


def _span(params: dict[str, Any], user: User, need_date: bool, problems: Problems) -> tuple[float, float]:
    """``date`` (with ``hour`` and ``minute`` narrowing it) and ``start_date``/``end_date``,
    in the API user's time zone, as one ``[start, end)`` window of unix seconds."""
    lo, hi = (float("-inf"), float("inf"))
    start, end = _window(params, user, problems)
    if start is not None:
        lo = start
    if end is not None:
        hi = end
    before = len(problems)
    day = _date(params, "date", problems)
    hour = _integer(params, "hour", -1, 0, 23, problems)
    minute = _integer(params, "minute", -1, 0, 59, problems)
    if day is None:
        if need_date and len(problems) == before:
            problems.append(ProviderError(errors.CMC_REQUIRED, "date", field="date"))
        return lo, hi
    first = local_day_start(day, user.tz)
    span = local_day_start(date.fromordinal(day.toordinal() + 1), user.tz) - first
    if hour >= 0:
        first, span = first + hour * 3600, 3600
        if minute >= 0:
            first, span = first + minute * 60, 60
    return max(lo, first), min(hi, first + span)


def _matches(e: Entry, lo: float, hi: float, sender: str | None, to: str | None, status: str | None) -> bool:
    data = e.data
    return (
        lo <= e.time < hi
        and (sender is None or sender.lower() in data["from"].lower())
        and (to is None or to.lower() in data["to"].lower())
        and (status is None or data["status"] == status)
    )


def list_events(c: CmcCall) -> Response:
    """deliveries/list, bounces/list: the composition's events of that type, oldest
    first, ``from``/``to`` partial matches, ``status`` exact, ``p``/``r`` paging as in
    blocks/list; ``created`` in the API user's time zone. They read the outbox."""
    cmc, user, params = c.provider, c.user, c.params
    event_type, item, need_date = LISTS[c.endpoint]
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    lo, hi = _span(params, user, need_date, problems)
    sender, to = _scalar(params, "from", problems), _scalar(params, "to", problems)
    status = _scalar(params, "status", problems)
    p = _integer(params, "p", 0, 0, P_MAX, problems)
    r = _integer(params, "r", R_DEFAULT, 1, R_MAX, problems)
    problems.raise_any()
    d = delivery_of(cmc)
    entries = [] if d is None else d.outbox.entries(event_type, tenant=comp.name)
    hits = [e for e in entries if _matches(e, lo, hi, sender, to, status)][p * r : p * r + r]
    rows = [{**e.data, "created": format_time(e.time, user.tz)} for e in hits]
    return render.listing(event_type, item, rows, c.fmt)


_FMT = "<any(json,xml):fmt>"
RULES = [
    Rule(f"/api/<any(v1,v2):version>/emails/send.{_FMT}", methods=["POST"], endpoint="send_email"),
    Rule(f"/api/v2/emails/bulk.{_FMT}", methods=["POST"], endpoint="bulk_email"),
    Rule(f"/transaction/<any(v1,v2):version>/deliveries/list.{_FMT}", methods=["POST"], endpoint="list_deliveries"),
    Rule(f"/transaction/<any(v1,v2):version>/bounces/list.{_FMT}", methods=["POST"], endpoint="list_bounces"),
]
HANDLERS: dict[str, Callable[[CmcCall], Response]] = {
    "send_email": send_email,
    "bulk_email": bulk_email,
    "list_deliveries": list_events,
    "list_bounces": list_events,
}
#: what each operation needs beyond valid credentials (a send: nothing; the lists: data reference)
ACCESS = {"list_deliveries": "reference", "list_bounces": "reference"}
