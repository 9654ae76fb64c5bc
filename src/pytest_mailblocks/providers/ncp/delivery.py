"""NAVER Cloud Outbound Mailer's send path (issue 21; ``shared/providers/delivery/ncp.md``):
``POST /api/v1/mails`` (createMailRequest), the decision per recipient, the events and
the lists after; ``GET|POST /api/v1/config`` (the send-block time, ``SEND_BLOCK_TIME``).

The request passes the API Gateway (signature v2, as every NCP route here) and the
mailer's checks (415 / 77002 for a body that is not JSON, the account flags), then the
body is read as the Spring backend's Jackson reads it (unknown fields ignored, scalars
converted: ``"2093"`` is a ``templateSid``, ``"true"`` a boolean) and checked against
the documented constraints, each its own catalogue row (77102, or 77103 for files and
address-book groups the fake does not have). A valid send answers ``201`` with
``{"requestId", "count"}`` (the number of mails: one per recipient when ``individual``,
the default; else one). No MIME is built and no mail leaves the machine.

Per recipient, in order (``individual``: each its own mail; else all in one):

- on the region's send-block list (service-wide): status ``F``, ``sendResultCode``
  ``SEND_BLOCK_ADDRESS``;
- an advertising mail to an address on the project's unsubscribe list: status ``U``
  (the list is documented as an opt-out from advertising mail);
- else the outcome chosen for the address, the simulator domain's, or delivery:
  ``S`` (sent); a hard bounce (``bounce``, ``block``, ``invalid``): ``F`` with one of
  the seven hard-bounce codes read from the reply's enhanced status, and the address
  on the send-block list for the sending project's ``SEND_BLOCK_TIME`` (168 hours by
  default), service-wide; ``defer``: status ``I``, retried on the fake clock
  (:data:`DEFER_DELAYS`, ``retryCount``), then sent or, once the retries are spent, a
  hard bounce; ``unsubscribe``: sent, then (``after`` seconds later) the address on the
  project's unsubscribe list, ``isRegByManager: false``.

NCP documents no webhook (polling only): events are kept in the outbox
(``ncp_fake.events()``, ``GET /_mailblocks/ncp/events``) and the status APIs
(:mod:`.status`) read the same records.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ...core.delivery import (
    BLOCK,
    BOUNCE,
    DEFER,
    DELIVER,
    INVALID,
    KINDS,
    UNSUBSCRIBE,
    Delivery,
    Outcome,
    json_body,
    state_delivery,
)
from ...core.errors import ErrorEntry, ProviderError
from . import errors, render
from .endpoints import EPOCH, INT_MAX, NcpCall, account_checks, routes
from .models import KST, SMTP_SAMPLES, Project, Unsubscriber, is_address
from .status import Mail, MailRequest, MailStore, Recipient, store_of

if TYPE_CHECKING:
    from .control import NcpControl
    from .models import BlockList, NcpState, UnsubscriberList

__all__ = ["BODY_OPERATIONS", "HANDLERS", "OUTCOME_KINDS", "RULES", "MailForm", "delivery_of", "parse_mail"]

#: createMailRequest's documented limits
MAX_RECIPIENTS = 100_000
MAX_CC = 30  # and as many BCC
MAX_SENDER_NAME = 69  # bytes
MAX_TITLE = 500  # bytes
MAX_BODY = 500 * 1024  # bytes, an advertising mail's unsubscribe text included
MAX_RECIPIENT_NAME = 69  # characters
MAX_REFERENCES = 100
#: sender domains the docs forbid
FORBIDDEN_SENDER_DOMAINS = frozenset({"naver.com", "navercorp.com", "ncloud.com"})
#: the basic unsubscribe text added to advertising mail (its wording is NCP's and unknown;
#: its length counts against MAX_BODY): an assumed stand-in
BASIC_UNSUBSCRIBE_MESSAGE = (
    "본 메일은 광고성 메일입니다. 수신을 원하지 않으시면 수신 거부를 클릭해 주십시오. "
    "This is an advertising mail. If you do not wish to receive it, please click unsubscribe."
)
_REFERENCES = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
_RESERVATION = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
_ENHANCED = re.compile(r"\b[245]\.(\d{1,3})\.\d{1,3}\b")
LONG_MAX = 2**63 - 1

#: the outcome kinds NCP takes (it keeps no spam complaints: ``complaint@`` is delivered)
OUTCOME_KINDS = tuple(k for k in KINDS if k != "complaint")
DELIVERED_REPLY = "250 2.0.0 OK"
DEFER_REPLY = "421 4.3.0 <{0}>: Temporary failure, please try again later"
INVALID_REPLY = "550 5.1.2 <{0}>: Recipient address rejected: Domain not found\n"
#: a deferred mail is tried again after these many seconds, one retry each ...
DEFER_DELAYS = (600, 1200, 2400, 4800, 9600)
#: ... and once they are spent, the last reply is its result: a hard bounce
#: ``sendResultCode`` by the enhanced status code's subject (x.<subject>.y, RFC 3463)
SUBJECT_CODES = {
    "1": "RECIPIENT_ADDRESS_ERROR",
    "2": "MAILBOX_ERROR",
    "3": "RECEIVE_MAIL_SERVICE_ERROR",
    "4": "NETWORK_ERROR",
    "5": "SMTP_ERROR",
    "6": "MAIL_CONTENTS_ERROR",
    "7": "SECURITY_AND_POLICY_ERROR",
}
#: createConfig
CONFIG_TYPE = "SEND_BLOCK_TIME"
CONFIG_UNITS = {"HOUR": 1, "DAY": 24}
MIN_BLOCK_HOURS = 168
#: event names by recipient status
STATUS_EVENTS = {"S": "sent", "F": "failed", "U": "unsubscribed", "I": "deferred"}


# -- reading the body as Jackson does ------------------------------------------------------------
class _Bad(Exception):
    """A value Jackson could not convert (the caller says which row)."""


def _text(value: Any) -> str | None:
    """A String field: strings, and scalars Jackson turns into text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise _Bad


def _integer(value: Any, hi: int = INT_MAX) -> int | None:
    """An Integer (or Long, ``hi``) field: numbers (a float truncated) and numeric strings."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not digits.isascii() or len(digits) > 19:
            raise _Bad
        value = int(text)
    if not isinstance(value, int) or not -hi - 1 <= value <= hi:
        raise _Bad
    return value


def _boolean(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise _Bad


def _object(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise _Bad


def _size(text: str | None) -> int:
    return len(text.encode("utf-8", "surrogatepass")) if text else 0


def read_json(request: Request) -> Any:
    """The body as JSON; unreadable (not UTF-8, not JSON, NaN) is 77102."""
    try:
        return json_body(request.get_data(cache=True).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProviderError(errors.NCP_SEND_BODY_INVALID) from None


@dataclass
class MailForm:
    """A checked createMailRequest body."""

    sender_address: str | None
    sender_name: str | None
    template_sid: int | None
    title: str | None
    body: str | None
    individual: bool
    confirm: bool
    advertising: bool
    parameters: dict[str, Any] | None
    references: str | None
    reservation: int | None  # ms
    recipients: list[Recipient] = field(default_factory=list)


def _field(
    body: dict[str, Any], name: str, read: Callable[[Any], Any], row: ErrorEntry = errors.NCP_SEND_BODY_INVALID
) -> Any:
    try:
        return read(body.get(name))
    except _Bad:
        raise ProviderError(row) from None


def _reservation(body: dict[str, Any], now_ms: int) -> int | None:
    """``reservationUtc`` (ms) wins over ``reservationDateTime`` (``yyyy-MM-dd HH:mm``,
    UTC+9); a time not after now is refused."""
    at = _field(body, "reservationUtc", lambda v: _integer(v, LONG_MAX), errors.NCP_SEND_RESERVATION_INVALID)
    if at is None:
        text = _field(body, "reservationDateTime", _text, errors.NCP_SEND_RESERVATION_INVALID)
        if not text:
            return None
        if not _RESERVATION.fullmatch(text):
            raise ProviderError(errors.NCP_SEND_RESERVATION_INVALID)
        try:
            when = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=KST)
        except ValueError:
            raise ProviderError(errors.NCP_SEND_RESERVATION_INVALID) from None
        at = (when - EPOCH) // timedelta(milliseconds=1)
    if at <= now_ms:
        raise ProviderError(errors.NCP_SEND_RESERVATION_INVALID)
    return int(at)


def _recipient(item: Any) -> Recipient:
    if not isinstance(item, dict):
        raise ProviderError(errors.NCP_SEND_BODY_INVALID)
    address = _field(item, "address", _text)
    if not address or not is_address(address):
        raise ProviderError(errors.NCP_SEND_RECIPIENT_INVALID)
    name = _field(item, "name", _text)
    if name is not None and len(name) > MAX_RECIPIENT_NAME:
        raise ProviderError(errors.NCP_SEND_RECIPIENT_NAME_TOO_LONG)
    kind = _field(item, "type", _text) or "R"
    if kind not in ("R", "C", "B"):
        raise ProviderError(errors.NCP_SEND_RECIPIENT_TYPE)
    return Recipient(address, name, kind, _field(item, "parameters", _object))


def _recipients(body: dict[str, Any], individual: bool) -> list[Recipient]:
    items = body.get("recipients")
    group_filter = _field(body, "recipientGroupFilter", _object)
    if items is not None and not isinstance(items, list):
        raise ProviderError(errors.NCP_SEND_BODY_INVALID)
    if group_filter is not None:
        raise ProviderError(errors.NCP_SEND_GROUP_NOT_FOUND)
    if not items:
        raise ProviderError(errors.NCP_SEND_RECIPIENTS_REQUIRED)
    if len(items) > MAX_RECIPIENTS:
        raise ProviderError(errors.NCP_SEND_TOO_MANY_RECIPIENTS)
    out = [_recipient(item) for item in items]
    kinds = [r.type for r in out]
    if individual and (kinds.count("R") != len(kinds)):
        raise ProviderError(errors.NCP_SEND_CC_INDIVIDUAL)
    if "R" not in kinds:
        raise ProviderError(errors.NCP_SEND_RECIPIENTS_REQUIRED)
    if kinds.count("C") > MAX_CC or kinds.count("B") > MAX_CC:
        raise ProviderError(errors.NCP_SEND_TOO_MANY_CC)
    return out


def parse_mail(body: Any, now_ms: int) -> MailForm:
    """Check a createMailRequest body (the first problem raises its row).

    :raises ProviderError: 77102 (or 77103) with the row of the rule broken.
    """
    if not isinstance(body, dict):
        raise ProviderError(errors.NCP_SEND_BODY_INVALID)
    template = _field(body, "templateSid", _integer)
    sender = _field(body, "senderAddress", _text)
    if not sender:
        if template is None:
            raise ProviderError(errors.NCP_SEND_SENDER_REQUIRED)
        sender = None
    elif _size(sender) > 254 or not is_address(sender):
        raise ProviderError(errors.NCP_SEND_SENDER_INVALID)
    elif sender.rsplit("@", 1)[1].lower() in FORBIDDEN_SENDER_DOMAINS:
        raise ProviderError(errors.NCP_SEND_SENDER_DOMAIN)
    sender_name = _field(body, "senderName", _text)
    if _size(sender_name) > MAX_SENDER_NAME:
        raise ProviderError(errors.NCP_SEND_SENDER_NAME_TOO_LONG)
    title = _field(body, "title", _text)
    if title is None and template is None:
        raise ProviderError(errors.NCP_SEND_TITLE_REQUIRED)
    if _size(title) > MAX_TITLE:
        raise ProviderError(errors.NCP_SEND_TITLE_TOO_LONG)
    text = _field(body, "body", _text)
    if text is None and template is None:
        raise ProviderError(errors.NCP_SEND_BODY_REQUIRED)
    individual = _field(body, "individual", lambda v: _boolean(v, True))
    confirm = _field(body, "confirmAndSend", lambda v: _boolean(v, False))
    advertising = _field(body, "advertising", lambda v: _boolean(v, False))
    basic = _field(body, "useBasicUnsubscribeMsg", lambda v: _boolean(v, False))
    unsubscribe_text = _field(body, "unsubscribeMessage", _text)
    extra = (unsubscribe_text or (BASIC_UNSUBSCRIBE_MESSAGE if basic else "")) if advertising else ""
    if _size(text) + _size(extra) > MAX_BODY:
        raise ProviderError(errors.NCP_SEND_BODY_TOO_LARGE)
    parameters = _field(body, "parameters", _object)
    references = _field(body, "referencesHeader", _text)
    if references is not None and (len(references) > MAX_REFERENCES or not _REFERENCES.fullmatch(references)):
        raise ProviderError(errors.NCP_SEND_REFERENCES_HEADER)
    reservation = _reservation(body, now_ms)
    files = body.get("attachFileIds")
    if files is not None and (not isinstance(files, list) or not all(isinstance(f, str) for f in files)):
        raise ProviderError(errors.NCP_SEND_BODY_INVALID)
    recipients = _recipients(body, individual)
    if files:
        raise ProviderError(errors.NCP_SEND_FILE_NOT_FOUND)
    return MailForm(
        sender,
        sender_name,
        template,
        title,
        text,
        individual,
        confirm,
        advertising,
        parameters,
        references,
        reservation,
        recipients,
    )


# -- the decision and its events --------------------------------------------------------------
class _Send:
    """What every recipient of one request shares while it is decided."""

    __slots__ = ("blocks", "d", "ncp", "project", "region", "request", "unsubscribers")

    def __init__(self, ncp: NcpControl, d: Delivery, project: Project, request: MailRequest) -> None:
        self.ncp = ncp
        self.d = d
        self.project = project
        self.region = request.region
        self.request = request
        self.blocks: BlockList = ncp.state.blocks[request.region]
        self.unsubscribers: UnsubscriberList = project.unsubscriber_list(request.region)


def _ms(t: float) -> int:
    return round(t * 1000)


def _emit(s: _Send, name: str, email: str, t: float, data: dict[str, Any]) -> None:
    event = {"event": name, "time": _ms(t), "address": email, "requestId": s.request.request_id, **data}
    event["project"], event["region"] = s.project.name, s.region
    s.d.emit(name, email, event, time=t, tenant=s.project.name)


def _result(s: _Send, mail: Mail, r: Recipient, t: float, status: str, code: str | None, message: str | None) -> None:
    """The recipient's status changes (and the event that says so)."""
    r.status, r.code, r.message, r.at = status, code, message, _ms(t)
    data = {
        "mailId": mail.mail_id,
        "type": r.type,
        "status": status,
        "retryCount": r.retry,
        "sendResultCode": code,
        "sendResultMessage": message,
    }
    _emit(s, STATUS_EVENTS[status], r.address, t, data)


def _line(reply: str) -> str:
    """A reply as sendResultMessage shows it (the docs' examples end with a newline)."""
    return reply if reply.endswith("\n") else reply + "\n"


def result_code(reply: str, default: str) -> str:
    """The hard-bounce code a reply stands for, by its enhanced status code's subject."""
    found = _ENHANCED.search(reply)
    return SUBJECT_CODES.get(found.group(1), default) if found else default


def _expired(s: _Send, email: str, expires: int) -> Callable[[float], None]:
    """When the block is due to end: the SYSTEM Delete recorded, an event kept."""

    def run(t: float) -> None:
        lst = s.ncp.state.block_list(s.region, expires)
        rows = lst.history(email)
        last = rows[-1] if rows else None
        if last is not None and (last.action, last.requester, last.at) == ("D", "SYSTEM", expires):
            _emit(s, "send_block_expired", email, t, {"expectedDeleteDate": expires})

    return run


def _hard_bounce(s: _Send, mail: Mail, r: Recipient, t: float, reply: str, code: str) -> None:
    """``F`` with a hard-bounce code, and the address on the send-block list (service-wide,
    for the sending project's SEND_BLOCK_TIME), unless it is on it already."""
    message = _line(reply)
    _result(s, mail, r, t, "F", code, message)
    ms = _ms(t)
    try:
        _, block = s.blocks.block(r.address, ms, s.project.block_hours, "CUSTOMER", s.project.name, code, message, ms)
    except ValueError:  # blocked meanwhile (another recipient of the same send)
        return
    data: dict[str, Any] = {"mailId": mail.mail_id, "sendResultCode": code, "sendResultMessage": message}
    data.update(expectedDeleteDate=block.expires, hours=s.project.block_hours)
    _emit(s, "send_block", r.address, t, data)
    s.d.schedule(block.expires / 1000, _expired(s, r.address, block.expires))


def _defer(s: _Send, mail: Mail, r: Recipient, outcome: Outcome, t0: float) -> None:
    reply = _line(outcome.reply or DEFER_REPLY.format(r.address))

    def attempt(t: float, n: int) -> None:  # n: the attempt, from 1
        r.retry = n - 1
        if outcome.times is not None and n > outcome.times:
            _result(s, mail, r, t, "S", None, _line(DELIVERED_REPLY))
        elif n > len(DEFER_DELAYS):  # the retries are spent
            _hard_bounce(s, mail, r, t, reply, result_code(reply, "SMTP_ERROR"))
        else:
            _result(s, mail, r, t, "I", None, reply)
            s.d.schedule(t + DEFER_DELAYS[n - 1], lambda at: attempt(at, n + 1))

    attempt(t0, 1)


def _unsubscribe(s: _Send, mail: Mail, r: Recipient) -> Callable[[float], None]:
    def run(t: float) -> None:
        if s.unsubscribers.add(Unsubscriber(_ms(t), r.address, False)):
            _emit(s, "unsubscribe", r.address, t, {"mailId": mail.mail_id})

    return run


def _outcome(s: _Send, mail: Mail, r: Recipient, outcome: Outcome, t: float) -> None:
    kind = outcome.kind
    if kind in (BOUNCE, BLOCK, INVALID):
        code = "RECIPIENT_ADDRESS_ERROR" if kind != BLOCK else "SECURITY_AND_POLICY_ERROR"
        default = INVALID_REPLY if kind == INVALID else SMTP_SAMPLES[code]
        reply = outcome.reply or default.format(r.address)
        _hard_bounce(s, mail, r, t, reply, result_code(reply, code))
    elif kind == DEFER:
        _defer(s, mail, r, outcome, t)
    else:  # deliver; unsubscribe and an (unkept) complaint are delivered first
        reply = outcome.reply if kind == DELIVER and outcome.reply else DELIVERED_REPLY
        _result(s, mail, r, t, "S", None, _line(reply))
        if kind == UNSUBSCRIBE:
            s.d.later(t, outcome.after, _unsubscribe(s, mail, r))


def decide(s: _Send, mail: Mail, r: Recipient, t: float) -> str:
    """The send-block list, the unsubscribe list (advertising mail), then the outcome;
    what was decided."""
    if s.blocks.current(r.address) is not None:
        _result(s, mail, r, t, "F", "SEND_BLOCK_ADDRESS", None)
        return "failed: SEND_BLOCK_ADDRESS"
    if s.request.advertising and s.unsubscribers.get(r.address) is not None:
        _result(s, mail, r, t, "U", None, None)
        return "unsubscribed"
    outcome = s.d.outcomes.decide(r.address)
    _outcome(s, mail, r, outcome, t)
    return outcome.kind


def send_now(s: _Send, t: float) -> list[str]:
    """Decide every recipient of the request at ``t`` (its expiries applied first)."""
    s.ncp.state.block_list(s.region, _ms(t))
    return [decide(s, mail, r, t) for mail in s.request.mails for r in mail.recipients]


def _later(s: _Send) -> Callable[[float], None]:
    """The request decided when the clock reaches its reservation."""

    def run(t: float) -> None:
        send_now(s, t)

    return run


def release(ncp: NcpControl, request: MailRequest, now: float) -> None:
    """A request waiting for confirmation (confirmAndSend) goes: now, or at its reservation."""
    d = delivery_of(ncp, create=True)
    assert d is not None
    request.held = False
    s = _Send(ncp, d, ncp.state.projects[request.project], request)
    if request.reservation is not None and request.reservation > _ms(now):
        d.schedule(request.reservation / 1000, _later(s))
    else:
        send_now(s, now)
    d.end_step()


def new_request(store: MailStore, project: str, region: str, form: MailForm, ip: str | None, ms: int) -> MailRequest:
    """The records of an accepted send: the request and its mails (one per recipient
    when individual), with new ids."""
    request = MailRequest(
        store.new_request_id(ms),
        project,
        region,
        ms,
        requester_ip=ip,
        sender_address=form.sender_address,
        sender_name=form.sender_name,
        title=form.title,
        body=form.body,
        template_sid=form.template_sid,
        advertising=form.advertising,
        individual=form.individual,
        references=form.references,
        reservation=form.reservation,
        parameters=form.parameters,
        held=form.confirm,
    )
    groups = [[r] for r in form.recipients] if form.individual else [form.recipients]
    ids = store.mail_ids(ms, len(groups))
    request.mails = [Mail(mail_id, request, group) for mail_id, group in zip(ids, groups)]
    return request


def accept(
    ncp: NcpControl, project: Project, region: str, form: MailForm, ip: str | None, now: float
) -> tuple[MailRequest, int]:
    """Keep the request and its mails, decide now (or at the reservation, or when
    confirmed), log the send; the request and its number of mails."""
    d = delivery_of(ncp, create=True)
    assert d is not None
    store = store_of(ncp)
    ms = _ms(now)
    request = new_request(store, project.name, region, form, ip, ms)
    s = _Send(ncp, d, project, request)
    if form.confirm:
        decisions = ["ready"] * len(form.recipients)
    elif form.reservation is not None:
        decisions = ["scheduled"] * len(form.recipients)
        d.schedule(form.reservation / 1000, _later(s))
    else:
        decisions = send_now(s, now)
    count = len(request.mails)
    rows = [
        {"address": r.address, "type": r.type, "mailId": mail.mail_id}
        for mail in request.mails
        for r in mail.recipients
    ]
    for row, decision in zip(rows, decisions):
        row["decision"] = decision
    record = {
        "requestId": request.request_id,
        "time": ms,
        "project": project.name,
        "region": region,
        "senderAddress": form.sender_address,
        "title": form.title,
        "advertising": form.advertising,
        "individual": form.individual,
        "reservation": form.reservation,
        "confirmAndSend": form.confirm,
        "count": count,
        "recipients": rows,
    }
    d.sends.add("send", form.sender_address or "", record, time=now, tenant=project.name)
    d.end_step()
    store.add(request)  # last: a request the store's bounds drop at once is let go of
    return request, count


def delivery_of(ncp: NcpControl, create: bool = False, state: NcpState | None = None) -> Delivery | None:
    """The state's delivery (made on first use): outbox, outcomes, scheduled work. NCP
    has no webhooks, so nothing routes events anywhere. ``state``: another than the
    live one (a snapshot's, being built)."""
    return state_delivery(ncp, create, state=state)


# -- the endpoints -----------------------------------------------------------------------------
def create_mail_request(c: NcpCall) -> Response:
    """createMailRequest: ``201 {"requestId", "count"}``."""
    ncp = c.provider
    now = ncp.clock.time()
    form = parse_mail(read_json(c.request), _ms(now))
    account_checks(c.project, "service")
    accepted, count = accept(ncp, c.project, c.region, form, c.request.remote_addr, now)
    return render.ok({"requestId": accepted.request_id, "count": count}, 201)


def block_hours_value(project: Project) -> str:
    hours = project.block_hours
    return str(int(hours)) if float(hours).is_integer() else repr(float(hours))


def create_config(c: NcpCall) -> Response:
    """createConfig: ``{"type": "SEND_BLOCK_TIME", "value": "180", "unit": "HOUR"}`` sets
    the project's block time for blocks added from now on; 200 ``{type, subType, value}``
    (value in hours)."""
    body = read_json(c.request)
    if not isinstance(body, dict):
        raise ProviderError(errors.NCP_CONFIG_INVALID)
    try:
        kind, value, unit = (_text(body.get(k)) for k in ("type", "value", "unit"))
        _text(body.get("subType"))
    except _Bad:
        raise ProviderError(errors.NCP_CONFIG_INVALID) from None
    if kind != CONFIG_TYPE or unit not in CONFIG_UNITS or not value or not value.isdigit() or not value.isascii():
        raise ProviderError(errors.NCP_CONFIG_INVALID)
    hours = int(value) * CONFIG_UNITS[unit]
    if not MIN_BLOCK_HOURS <= hours <= 100_000:
        raise ProviderError(errors.NCP_CONFIG_INVALID)
    account_checks(c.project, "service")
    c.project.block_hours = hours
    return render.ok({"type": CONFIG_TYPE, "subType": None, "value": block_hours_value(c.project)})


def get_config(c: NcpCall) -> Response:
    """getConfig ``?type=SEND_BLOCK_TIME``: the project's block time in hours."""
    if c.request.args.get("type") != CONFIG_TYPE:
        raise ProviderError(errors.NCP_CONFIG_INVALID)
    account_checks(c.project, "service")
    return render.ok({"type": CONFIG_TYPE, "subType": None, "value": block_hours_value(c.project)})


RULES, HANDLERS = routes(
    ("/mails", "POST", create_mail_request),
    ("/config", "GET", get_config),
    ("/config", "POST", create_config),
)
#: the endpoints that read a JSON body (415 / 77002 for another type)
BODY_OPERATIONS = ("create_mail_request", "create_config")
