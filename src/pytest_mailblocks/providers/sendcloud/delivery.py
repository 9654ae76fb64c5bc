"""SendCloud's send path (issue 21; ``shared/providers/delivery/sendcloud.md``):
``mail/send`` and ``mail/sendtemplate`` under ``/api/`` (Aurora, English) and
``/apiv2/`` (mainland, Chinese), the decision per recipient, the events, the lists
after, and ``/apiv2/data/emailStatus``.

The request: POST (parameters in the query string or a form body, urlencoded or
multipart), ``apiUser``/``apiKey`` checked as the block APIs check them (40005), then the
parameters in the order of the code table (408xx, sendcloud_docs ``email_v2/index.md``),
the first problem answered in the envelope (HTTP 200, ``result: false``). A valid send
answers ``{"result": true, "statusCode": 200, "message": ..., "info": {"emailIdList":
[...]}}``: one ``emailId`` per recipient, ``<messageId><n>$<recipient>`` as the docs'
examples show. No MIME is built and no mail leaves the machine.

Per recipient (``to``, ``cc``, ``bcc`` in order, or ``xsmtpapi``'s ``to``), after the
send's one ``request`` event:

- ``invalid`` when a list holds the address (complaints, blocks, bounces, unsubscribes,
  checked in that order): ``substat`` 401 with the list's "Blacklist: ..." string as
  ``message`` (402 and ``unsubscribe`` for the unsubscribe list);
- else the outcome chosen for the address, the simulator domain's, or delivery:
  ``deliver``; a hard bounce (``invalid`` 406, onto the bounce list for the backoff
  schedule); a block (``invalid`` 408, no list: SendCloud's block list is manual); a
  deferral (``soft_bounce`` 503, retried on the fake clock, ``DEFER_DELAYS``, until
  delivered or given up as ``invalid`` 403); ``deliver`` then ``report_spam`` (onto the
  complaint list for 180 days) or ``unsubscribe`` (onto the unsubscribe list);
  ``invalid`` 403.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

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
from ...core.errors import ProviderError
from . import errors, render
from .endpoints import INT_MAX, Params, SendCloudCall, date_window, paging, parse_int, text
from .models import COMPLAINT_DAYS, Bounce, Complaint, Unsubscribe, domain_of, fmt_time, parse_api_date, valid_email
from .webhooks import RETRY, Signer, route_events

if TYPE_CHECKING:
    from . import SendCloud
    from .control import SendCloudControl
    from .models import SendCloudState, Tenant

__all__ = ["HANDLERS", "RULES", "Message", "accept", "bounce_ttl", "delivery_of", "parse_message"]

PREFIXES = ("/api", "/apiv2")
MAX_RECIPIENTS = 100  # to, cc, bcc and xsmtpapi.to each (send_email.md)
MAX_ADDRESS_LISTS = 5
MAX_REPLY_TO = 3  # test.yaml
MAX_TAGS, MAX_TAG = 5, 50  # test.yaml
MAX_REQUEST_ID = 128  # test.yaml
REQUEST_ID_WINDOW = 3600  # "duplicates within 1 h are processed once"
MAX_REQUEST_IDS = 10_000
MAX_STATUSES = 10_000
MAX_BOUNCE_COUNTS = 100_000
#: webhook posts waiting at once (one an event; the core's byte bound holds as well)
MAX_PENDING_POSTS = 20_000
STATUS_DAYS = 30  # deliver_response.md
OUT_IP = "127.0.0.1"  # no mail leaves the machine

#: (list, substat, message) in the order they are checked (suppressions.md; substat inferred)
SUPPRESSIONS = (
    ("complaints", 401, "Blacklist:complaint (worker:address in complaint list)"),
    ("blocks", 401, "Blacklist: Block：(worker:address in block list)"),
    ("bounces", 401, "Blacklist: Bounce(worker:address in bounce list)"),
    ("unsubscribes", 402, "unsubscribe"),
)
#: ``substatdesc`` of ``invalid`` and ``soft_bounce`` (webhook-event.md)
SUBSTAT = {
    401: "in SendCloud blocklist",
    402: "unsubscribe",
    403: "server unreachable",
    404: "address format error",
    405: "IP and domain rejected",
    406: "address does not exist",
    407: "spam",
    408: "sender / recipient rejected",
    409: "others",
    503: "service not available",
    505: "ip or domain rejected",
    506: "email address does not exist",
    507: "spam",
    508: "sender / recipient rejected",
    509: "others",
}
BOUNCE_REPLY = "550 5.1.1 recipient address does not exist"
BLOCK_REPLY = "554 5.7.1 sender / recipient rejected"
DEFER_REPLY = "421 4.3.0 service not available, try again later"
#: a deferred mail is tried again after these many seconds (the last repeats) ...
DEFER_DELAYS = (300, 600, 1200, 2400, 4800, 7200)
#: ... and given up (``invalid`` 403) a day after the first try (assumed)
DEFER_GIVE_UP = 86400
#: Tencent's domains, whose bounce expiry schedule is its own (suppressions.md; the names assumed)
TENCENT = frozenset({"qq.com", "vip.qq.com", "foxmail.com"})
#: the other domains' first four bounce expiries: 1 h, 4 h, 8 h, 1 d (suppressions.md)
BOUNCE_STEPS = (3600, 4 * 3600, 8 * 3600, 86400)
#: what the status lookup shows per state (``投递成功`` documented, the others assumed)
STATUS = {"request": "请求成功", "deliver": "投递成功", "invalid": "无效邮件", "soft_bounce": "软退信"}

_FROM = re.compile(r"\A(.*?)<([^<>]*)>\s*\Z", re.S)
_HEADER_NAME = re.compile(r"\A[!-9;-~]+\Z")  # printable ASCII without a colon or a space
_TOKEN_SEQ = itertools.count(1)
_PID = os.getpid() % 100_000


def bounce_ttl(n: int, domain: str) -> int:
    """Seconds the ``n``-th hard bounce of an address keeps it on the bounce list:
    Tencent 2^(n-1) days up to 30; the others 1 h, 4 h, 8 h, 1 d, then 2^(n-1) days up
    to 180 (suppressions.md, read literally)."""
    doubling = 2 ** (min(n, 40) - 1)
    if domain in TENCENT:
        return min(doubling, 30) * 86400
    if n <= len(BOUNCE_STEPS):
        return BOUNCE_STEPS[n - 1]
    return min(doubling, 180) * 86400


# -- the parameters ----------------------------------------------------------------------------------
@dataclass
class Message:
    sender: str
    from_name: str
    subject: str
    recipients: list[str]
    label_id: int | None
    label_name: str | None
    user_headers: str | None
    request_id: str | None
    resp_email_id: bool
    template: str | None


def _flag(p: Params, name: str, default: bool, invalid: Any) -> bool:
    """``true`` or ``false`` (any case); absent or empty: the default."""
    raw = text(p, name).lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ProviderError(invalid)
    return raw == "true"


def _addresses(p: Params, name: str, invalid: Any, too_many: Any) -> list[str]:
    """``a@x;b@y`` (blank items skipped): at most 100, every one an address."""
    items = [a.strip() for a in p.get(name, "").split(";") if a.strip()]
    if len(items) > MAX_RECIPIENTS:
        raise ProviderError(too_many)
    if not all(map(valid_email, items)):
        raise ProviderError(invalid)
    return items


def _xsmtpapi(raw: str) -> list[str]:
    """The recipients of an ``xsmtpapi`` (``{"to": [...], "sub": {...}}``)."""
    try:
        data = json_body(raw)
    except (ValueError, RecursionError):
        raise ProviderError(errors.SC_SEND_XSMTPAPI_UNPARSABLE) from None
    if data is None or data == {} or data == []:
        raise ProviderError(errors.SC_SEND_XSMTPAPI_NOTHING)
    if not isinstance(data, dict):
        raise ProviderError(errors.SC_SEND_XSMTPAPI_INVALID)
    if "to" not in data:
        raise ProviderError(errors.SC_SEND_XSMTPAPI_NO_TO)
    to = data["to"]
    if not isinstance(to, list):
        raise ProviderError(errors.SC_SEND_XSMTPAPI_INVALID)
    if not to:
        raise ProviderError(errors.SC_SEND_XSMTPAPI_TO_EMPTY)
    if len(to) > MAX_RECIPIENTS:
        raise ProviderError(errors.SC_SEND_XSMTPAPI_TOO_MANY)
    if not all(isinstance(a, str) and valid_email(a.strip()) for a in to):
        raise ProviderError(errors.SC_SEND_TO_INVALID)
    return [a.strip() for a in to]


def _address_lists(p: Params) -> None:
    """``useAddressList=true``: ``to`` names address lists. The fake has none, so a
    well-formed list name is one that does not exist (40863, as the docs' example)."""
    lists = [a.strip() for a in p.get("to", "").split(";") if a.strip()]
    if not lists:
        raise ProviderError(errors.SC_SEND_TO_EMPTY)
    if len(lists) > MAX_ADDRESS_LISTS:
        raise ProviderError(errors.SC_SEND_ADDRESS_LISTS_TOO_MANY)
    if not all(map(valid_email, lists)):
        raise ProviderError(errors.SC_SEND_ADDRESS_LIST_INVALID)
    raise ProviderError(errors.SC_SEND_ADDRESS_LIST_UNKNOWN, ";".join(lists))


def _recipients(p: Params, template: bool) -> list[str]:
    if _flag(p, "useAddressList", False, errors.SC_SEND_USE_ADDRESS_LIST_INVALID):
        _address_lists(p)
    if text(p, "xsmtpapi"):  # individual sends: to, cc and bcc are not used
        return _xsmtpapi(p["xsmtpapi"])
    if template:  # a template is sent to xsmtpapi's recipients only
        raise ProviderError(errors.SC_SEND_XSMTPAPI_EMPTY)
    to = _addresses(p, "to", errors.SC_SEND_TO_INVALID, errors.SC_SEND_TO_TOO_MANY)
    if not to:
        raise ProviderError(errors.SC_SEND_TO_EMPTY)
    cc = _addresses(p, "cc", errors.SC_SEND_CC_INVALID, errors.SC_SEND_CC_TOO_MANY)
    bcc = _addresses(p, "bcc", errors.SC_SEND_BCC_INVALID, errors.SC_SEND_BCC_TOO_MANY)
    return to + cc + bcc


def _sender(p: Params) -> tuple[str, str]:
    """``from`` (``support@ifaxin.com`` or ``爱发信支持<support@ifaxin.com>``) and the name."""
    raw = text(p, "from")
    if not raw:
        raise ProviderError(errors.SC_SEND_FROM_EMPTY)
    name = ""
    m = _FROM.match(raw)
    if m is not None:
        name, raw = m[1].strip(), m[2].strip()
    if not valid_email(raw):
        raise ProviderError(errors.SC_SEND_FROM_INVALID)
    return raw, text(p, "fromName") or name


def _user_headers(p: Params) -> str | None:
    """``headers``: a JSON object of string values (40869 if not an object, 40902 for a
    name or value no mail header can carry); the ``SC-Custom`` ones, as JSON text."""
    raw = text(p, "headers")
    if not raw:
        return None
    try:
        data = json_body(raw)
    except (ValueError, RecursionError):
        raise ProviderError(errors.SC_SEND_HEADERS_INVALID) from None
    if not isinstance(data, dict):
        raise ProviderError(errors.SC_SEND_HEADERS_INVALID)
    for name, value in data.items():
        if not _HEADER_NAME.match(name) or not isinstance(value, str) or "\r" in value or "\n" in value:
            raise ProviderError(errors.SC_SEND_PROCESSING)
    custom = {k: v for k, v in data.items() if k.lower().startswith("sc-custom")}
    return json.dumps(custom, separators=(",", ":"), ensure_ascii=False) if custom else None


def parse_message(p: Params, template: bool) -> Message:
    """Check a send's parameters in the code table's order; the first problem raises."""
    sender, from_name = _sender(p)
    name = None
    if template:
        name = text(p, "templateInvokeName")
        if not name:
            raise ProviderError(errors.SC_SEND_TEMPLATE_NAME_EMPTY)
    resp_email_id = _flag(p, "respEmailId", True, errors.SC_SEND_RESP_EMAIL_ID_INVALID)
    _flag(p, "gzipCompress", False, errors.SC_SEND_GZIP_INVALID)
    recipients = _recipients(p, template)
    subject = text(p, "subject")
    if not subject and not template:  # a template's own subject stands in (assumed to have one)
        raise ProviderError(errors.SC_SEND_SUBJECT_EMPTY)
    if not template and not text(p, "html") and not text(p, "plain"):
        raise ProviderError(errors.SC_SEND_CONTENT_EMPTY)
    reply_to = [a.strip() for a in p.get("replyTo", "").split(";") if a.strip()]
    if len(reply_to) > MAX_REPLY_TO or not all(map(valid_email, reply_to)):
        raise ProviderError(errors.SC_SEND_REPLY_TO_INVALID)
    label_id = None
    if text(p, "labelId"):
        label_id = parse_int(text(p, "labelId"))
        if label_id is None or label_id > INT_MAX:
            raise ProviderError(errors.SC_LABEL_ID_INVALID)
    user_headers = _user_headers(p)
    tags = [t.strip() for t in p.get("sendTags", "").split(";") if t.strip()]
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        raise ProviderError(errors.SC_SEND_TAGS_INVALID)
    request_id = text(p, "sendRequestId") or None
    if request_id is not None and len(request_id) > MAX_REQUEST_ID:
        raise ProviderError(errors.SC_SEND_REQUEST_ID_TOO_LONG)
    return Message(
        sender,
        from_name,
        subject,
        recipients,
        label_id,
        text(p, "labelName") or None,
        user_headers,
        request_id,
        resp_email_id,
        name,
    )


def _first_request(state: SendCloudState, request_id: str | None, now: float) -> None:
    """A ``sendRequestId`` seen within the hour is a duplicate (40000); each is kept an
    hour (at most ``MAX_REQUEST_IDS``, the oldest forgotten first)."""
    if request_id is None:
        return
    seen = state.request_ids
    while seen:
        oldest = next(iter(seen))
        if seen[oldest] > now - REQUEST_ID_WINDOW and len(seen) < MAX_REQUEST_IDS:
            break
        del seen[oldest]
    if request_id in seen:
        raise ProviderError(errors.SC_SEND_DUPLICATE)
    seen[request_id] = now


# -- the decision and its events ------------------------------------------------------------------------
class _Send:
    """What every event of one send carries (and how it is signed)."""

    __slots__ = ("api_user", "label_id", "label_name", "sign", "state", "tenant", "user_headers")

    def __init__(self, state: SendCloudState, tenant: Tenant, message: Message) -> None:
        self.state = state
        self.tenant = tenant
        self.api_user = tenant.api_user
        self.label_id = message.label_id
        self.label_name = message.label_name
        self.user_headers = message.user_headers
        self.sign = Signer(state.app_key)


class _Recipient:
    __slots__ = ("email", "email_id", "send")

    def __init__(self, send: _Send, email: str, email_id: str) -> None:
        self.send = send
        self.email = email
        self.email_id = email_id


def _common(s: _Send, name: str, message: str) -> dict[str, Any]:
    data: dict[str, Any] = {"event": name, "message": message, "apiUser": s.api_user, "category": s.api_user}
    data["labelId"] = s.label_id
    if s.label_name is not None:
        data["labelName"] = s.label_name
    return data


def _signed(s: _Send, data: dict[str, Any], t: float) -> dict[str, Any]:
    data.update(s.sign(int(t * 1000)))
    if s.user_headers is not None:
        data["userHeaders"] = s.user_headers
    return data


def _emit(d: Delivery, r: _Recipient, name: str, t: float, message: str, **extra: Any) -> None:
    s = r.send
    data = _common(s, name, message)
    data["emailId"] = r.email_id
    data["recipient"] = r.email
    data.update(extra)
    d.emit(name, r.email, _signed(s, data, t), time=t, tenant=s.api_user)
    if name in STATUS:
        _status(s.state, r.email_id, t, STATUS[name], message if name != "deliver" else "successfully delivered")


def _status(state: SendCloudState, email_id: str, t: float, status: str, log: str) -> None:
    row = state.statuses.get(email_id)
    if row is not None:  # the times are formatted when the lookup shows the row
        row["status"], row["sendLog"], row["_modified"] = status, log, t


def _invalid(d: Delivery, r: _Recipient, t: float, substat: int, message: str) -> None:
    _emit(d, r, "invalid", t, message, outIp=OUT_IP, substat=substat, substatdesc=SUBSTAT[substat])


def _deliver(d: Delivery, r: _Recipient, t: float) -> None:
    _emit(d, r, "deliver", t, "Successfully delivered", outIp=OUT_IP)


def _hard_bounce(d: Delivery, r: _Recipient, t: float, reply: str) -> None:
    """``invalid`` 406; the address onto the bounce list, for its n-th expiry."""
    _invalid(d, r, t, 406, reply)
    tenant, key = r.send.tenant, r.email.lower()
    counts = tenant.bounce_counts
    n = counts.pop(key, 0) + 1
    counts[key] = n
    while len(counts) > MAX_BOUNCE_COUNTS:
        del counts[next(iter(counts))]
    tenant.bounces.put(Bounce(int(t), r.email, reply), expires=int(t) + bounce_ttl(n, domain_of(r.email)))


def _defer(d: Delivery, r: _Recipient, outcome: Outcome, t0: float) -> None:
    """``soft_bounce`` 503 at each try; delivered after ``times`` of them, else given
    up a day after the first (``invalid`` 403, the final counterpart of 503)."""
    reply = outcome.reply or DEFER_REPLY

    def deferred(t: float, n: int) -> None:
        _emit(d, r, "soft_bounce", t, reply, outIp=OUT_IP, substat=503, substatdesc=SUBSTAT[503], cause=reply)

    d.defer(
        outcome,
        t0,
        delays=DEFER_DELAYS,
        give_up=DEFER_GIVE_UP,
        deferred=deferred,
        delivered=lambda t: _deliver(d, r, t),
        gave_up=lambda t: _invalid(d, r, t, 403, reply),
    )


def _report_spam(d: Delivery, r: _Recipient, t: float) -> None:
    _emit(d, r, "report_spam", t, "report spam")
    until = int(t) + COMPLAINT_DAYS * 86400
    r.send.tenant.complaints.put(Complaint(int(t), r.email, until), expires=until)


def _unsubscribe(d: Delivery, r: _Recipient, t: float) -> None:
    browser = dict.fromkeys(("ip", "explorerName", "explorerVer", "oSName", "oSVer"), "")
    _emit(d, r, "unsubscribe", t, "unsubscribe email", **browser)
    s = r.send
    s.tenant.unsubscribes.put(Unsubscribe(int(t), r.email, s.label_id or 0, s.api_user))


def _after_delivery(d: Delivery, r: _Recipient, outcome: Outcome, t: float) -> None:
    _deliver(d, r, t)
    action = _report_spam if outcome.kind == COMPLAINT else _unsubscribe
    d.later(t, outcome.after, lambda at: action(d, r, at))


def _outcome(d: Delivery, r: _Recipient, outcome: Outcome, t: float) -> None:
    kind = outcome.kind
    if kind == DELIVER:
        _deliver(d, r, t)
    elif kind == BOUNCE:
        _hard_bounce(d, r, t, outcome.reply or BOUNCE_REPLY)
    elif kind == BLOCK:
        _invalid(d, r, t, 408, outcome.reply or BLOCK_REPLY)
    elif kind == DEFER:
        _defer(d, r, outcome, t)
    elif kind in (COMPLAINT, UNSUBSCRIBE):
        _after_delivery(d, r, outcome, t)
    elif kind == INVALID:
        _invalid(d, r, t, 403, SUBSTAT[403])


Check = Callable[[str], bool]


def suppressions(tenant: Tenant) -> list[tuple[str, int, str, Check]]:
    """The lists of ``tenant`` that hold anything, each with its check (expired rows
    purged once, here: a send happens at one instant)."""
    checks: list[tuple[str, int, str, Check]] = []
    for kind, substat, message in SUPPRESSIONS:
        rows = getattr(tenant, kind)
        if not len(rows):  # len() purges expired rows
            continue
        if kind == "blocks":
            check = partial(rows.listed, tenant.api_user)
        else:
            get = rows.store.get
            check = partial(_held, get)
        checks.append((kind, substat, message, check))
    return checks


def _held(get: Callable[[str], Any], email: str) -> bool:
    return get(email.lower()) is not None


def process(d: Delivery, r: _Recipient, t: float, checks: list[tuple[str, int, str, Check]]) -> str:
    """The lists first (``checks``: :func:`suppressions`), then the outcome; what was decided."""
    for kind, substat, message, check in checks:
        if check(r.email):
            _invalid(d, r, t, substat, message)
            return f"invalid: {kind}"
    outcome = d.outcomes.decide(r.email)
    _outcome(d, r, outcome, t)
    return outcome.kind


def new_message_id(api_user: str, now: float) -> str:
    """Shaped like the docs' ``1447054895514_15555555_32350_1350.sc-10_10_126_221-inbound``."""
    user = zlib.crc32(api_user.encode()) % 100_000_000
    return f"{int(now * 1000)}_{user}_{_PID}_{next(_TOKEN_SEQ) % 10_000}.sc-127_0_0_1-inbound"


def accept(sc: SendCloud, tenant: Tenant, message: Message, now: float) -> list[str]:
    """The ``request`` event, then the decision for every recipient; the emailIds."""
    d = delivery_of(sc, create=True)
    assert d is not None
    state = sc.state
    message_id = new_message_id(tenant.api_user, now)
    email_ids = [f"{message_id}{i}${email}" for i, email in enumerate(message.recipients)]
    s = _Send(state, tenant, message)
    request = _common(s, "request", "successfully request")
    request.update(
        messageId=message_id,
        recipientArray=list(message.recipients),
        emailIds=email_ids,
        recipientSize=len(email_ids),
    )
    d.emit("request", "", _signed(s, request, now), time=now, tenant=tenant.api_user)
    statuses = state.statuses
    checks = suppressions(tenant)
    rows = []
    for email, email_id in zip(message.recipients, email_ids):
        statuses[email_id] = {
            "status": STATUS["request"],
            "apiUser": tenant.api_user,
            "recipients": email,
            "sendLog": "request accepted",
            "_time": now,
            "_modified": now,
            "_labelId": message.label_id,
        }
        decision = process(d, _Recipient(s, email, email_id), now, checks)
        rows.append({"email": email, "emailId": email_id, "decision": decision})
    while len(statuses) > MAX_STATUSES:
        del statuses[next(iter(statuses))]
    record = {
        "messageId": message_id,
        "time": int(now),
        "apiUser": tenant.api_user,
        "from": message.sender,
        "fromName": message.from_name,
        "subject": message.subject,
        "template": message.template,
        "labelId": message.label_id,
        "recipients": rows,
    }
    d.sent(message.sender, record, time=now, tenant=tenant.api_user)
    return email_ids


def delivery_of(sc: SendCloudControl, create: bool = False, state: SendCloudState | None = None) -> Delivery | None:
    """The state's delivery (made on first use): outbox, outcomes, webhooks (one post
    an event, not a batch a step: a larger cap of posts waiting). ``state``: another
    than the live one (a snapshot's, being built)."""
    state = sc.state if state is None else state
    return state_delivery(
        sc, create, retry=RETRY, route=lambda d: route_events(d, state), max_pending=MAX_PENDING_POSTS, state=state
    )


# -- the endpoints ---------------------------------------------------------------------------------------
def _send(c: SendCloudCall, template: bool) -> Response:
    sc = c.provider
    now = sc.clock.time()
    message = parse_message(c.params, template)
    _first_request(sc.state, message.request_id, now)
    email_ids = accept(sc, c.tenant, message, now)
    return render.ok({"emailIdList": email_ids} if message.resp_email_id else {}, c.lang)


def send_mail(c: SendCloudCall) -> Response:
    return _send(c, template=False)


def send_template(c: SendCloudCall) -> Response:
    return _send(c, template=True)


def _status_window(p: Params, now: float) -> tuple[int | None, int | None]:
    """``days`` or ``startDate``/``endDate`` as the lists take them, at most 30 days."""
    try:
        window = date_window(p, now)
    except ProviderError as err:
        if err.entry is errors.SC_RANGE_TOO_LONG:
            raise ProviderError(errors.SC_STATUS_RANGE_TOO_LONG) from None
        raise
    days = parse_int(text(p, "days"))
    if days is not None:
        if days > STATUS_DAYS:
            raise ProviderError(errors.SC_STATUS_RANGE_TOO_LONG)
        return window
    first, last = parse_api_date(text(p, "startDate")), parse_api_date(text(p, "endDate"))
    if first is not None and last is not None and last - first > timedelta(days=STATUS_DAYS):
        raise ProviderError(errors.SC_STATUS_RANGE_TOO_LONG)
    return window


def email_status(c: SendCloudCall) -> Response:
    """``/apiv2/data/emailStatus`` (deliver_response.md): the status of each recipient
    of this API user's sends in a window of at most 30 days, oldest first."""
    sc, tenant, p = c.provider, c.tenant, c.params
    offset, limit = paging(p)
    start, end = _status_window(p, sc.clock.time())
    email = text(p, "email").lower()
    ids = {i.strip() for i in p.get("emailIds", "").split(";") if i.strip()}
    users = {u.strip() for u in p.get("apiUserList", "").split(";") if u.strip()}
    label = text(p, "labelId")
    rows = [
        row
        for email_id, row in sc.state.statuses.items()
        if row["apiUser"] == tenant.api_user
        and (start is None or row["_time"] >= start)
        and (end is None or row["_time"] < end)
        and (not email or row["recipients"].lower() == email)
        and (not ids or email_id in ids)
        and (not users or row["apiUser"] in users)
        and (not label or str(row["_labelId"]) == label)
    ]
    page = [
        {
            "status": row["status"],
            "apiUser": row["apiUser"],
            "recipients": row["recipients"],
            "requestTime": fmt_time(row["_time"]),
            "modifiedTime": fmt_time(row["_modified"]),
            "sendLog": row["sendLog"],
        }
        for row in rows[offset : offset + limit]
    ]
    return render.ok({"total": str(len(rows)), "voListSize": len(page), "voList": page}, c.lang)


RULES = [
    *(Rule(f"{prefix}/mail/send", methods=["POST"], endpoint="send_mail") for prefix in PREFIXES),
    *(Rule(f"{prefix}/mail/sendtemplate", methods=["POST"], endpoint="send_template") for prefix in PREFIXES),
    Rule("/apiv2/data/emailStatus", methods=["GET", "POST"], endpoint="email_status"),
]
HANDLERS: dict[str, Callable[[SendCloudCall], Response]] = {
    "send_mail": send_mail,
    "send_template": send_template,
    "email_status": email_status,
}
