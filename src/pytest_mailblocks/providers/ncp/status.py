"""NAVER Cloud Outbound Mailer: the mails a send created and the status APIs that read
them (issue 21; ``shared/providers/delivery/ncp.md`` §5).

- :class:`MailStore`: the requests the fake accepted (``requestId``), their mails
  (``mailId``) and each recipient's status, bounded like the journal (requests and
  estimated bytes, the oldest dropped first; a dropped request is no longer found);
- ``GET /api/v1/mails/requests/{requestId}/status`` (getMailRequestStatus): counts by
  mail status, as the documented example;
- ``GET /api/v1/mails/requests/{requestId}/mails`` (the mails of a request, a Spring
  page; parameters as the provider's Swagger, generated into fincloud-sdk-for-go);
- ``GET /api/v1/mails/{mailId}`` (getMail): the mail and its recipients' results.

A request is found only by the project (and region path) that sent it; anything else
is 400 / 77103 (the mailer's "requested resource does not exist"). Statuses (``P R I
S F U C PF``) and labels per ``x-ncp-lang`` are ``common-apidatatype-nesstatus``'s.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ...core.errors import ProviderError
from ...core.journal import _Bound, _Bounded
from . import errors, render
from .endpoints import NcpCall, account_checks, address_param, bad_request, int_param, routes, sort_param
from .models import KST

if TYPE_CHECKING:
    from .control import NcpControl

__all__ = ["HANDLERS", "RULES", "Mail", "MailRequest", "MailStore", "Recipient", "store_of"]

#: ``EmailStatus`` labels (``common-apidatatype-nesstatus``, en and ko)
STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "P": "Preparing to send",
        "R": "Ready to send",
        "I": "Sending",
        "S": "Sent successfully",
        "F": "Failed to send",
        "U": "Unsubscribe",
        "C": "Cancel sending",
        "PF": "Partial failure",
    },
    "ko": {
        "P": "발송 준비 중",
        "R": "발송 준비",
        "I": "발송 중",
        "S": "발송 성공",
        "F": "발송 실패",
        "U": "수신 거부",
        "C": "발송 취소",
        "PF": "일부 실패",
    },
}
#: recipient types (ko: getMail's example and the SDK; en: assumed)
TYPE_LABELS = {"en": {"R": "Recipient", "C": "CC", "B": "BCC"}, "ko": {"R": "수신자", "C": "참조인", "B": "숨은참조"}}
#: ``reservationStatus`` of the mail list (ko: the SDK's 예약발송 / 즉시발송; en assumed)
RESERVATION_LABELS = {"en": {"Y": "Reserved", "N": "Immediate"}, "ko": {"Y": "예약발송", "N": "즉시발송"}}
#: ``sendResultCodeMessage`` per result code: en from the send-block guide's table, ko the
#: getMail example's wording for RECIPIENT_ADDRESS_ERROR (the rest, and SEND_BLOCK_ADDRESS, assumed)
RESULT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "MAILBOX_ERROR": "Sending failed due to recipient mailbox error",
        "MAIL_CONTENTS_ERROR": "Sending failed due to mail content error",
        "NETWORK_ERROR": "Sending failed due to network error",
        "RECEIVE_MAIL_SERVICE_ERROR": "Sending failed due to recipient mail service error",
        "RECIPIENT_ADDRESS_ERROR": "Sending failed due to recipient address error",
        "SECURITY_AND_POLICY_ERROR": "Sending failed due to security and policy error",
        "SMTP_ERROR": "Sending failed due to SMTP error with the recipient server",
        "SEND_BLOCK_ADDRESS": "Sending was blocked because the address is on the send block list",
    },
    "ko": {
        "MAILBOX_ERROR": "수신자 메일박스 오류로 발송 실패했습니다.",
        "MAIL_CONTENTS_ERROR": "메일 콘텐츠 오류로 발송 실패했습니다.",
        "NETWORK_ERROR": "네트워크 오류로 발송 실패했습니다.",
        "RECEIVE_MAIL_SERVICE_ERROR": "수신자 메일 서비스 오류로 발송 실패했습니다.",
        "RECIPIENT_ADDRESS_ERROR": "수신자 주소 오류로 발송 실패했습니다.",
        "SECURITY_AND_POLICY_ERROR": "보안 및 정책 오류로 발송 실패했습니다.",
        "SMTP_ERROR": "수신 측과의 SMTP 오류로 발송 실패했습니다.",
        "SEND_BLOCK_ADDRESS": "발송 차단 목록에 등록된 주소여서 발송이 차단되었습니다.",
    },
}
#: statuses after which a recipient (or mail) is finished (finishCount)
FINISHED = frozenset({"S", "F", "U", "C", "PF"})
PENDING = ("I", "R", "P")  # the one a mixed mail shows, most advanced first
MAIL_SORTS = ("id", "createUtc", "statusCode")

#: default bounds of the store; each settable at run time (``ncp_fake.mail_store``)
REQUESTS_MAXLEN = 10_000
REQUESTS_MAX_BYTES = 64 * 1024 * 1024
#: what the records hold in memory besides their text and parameters (measured with
#: tracemalloc, tests/ncp/test_mail_status.py): a request (its object, id, index entry
#: and place in the store); a mail (its object, id, recipient list and index entry); a
#: recipient (its object and place in the list)
_REQUEST_OVERHEAD = 600
_MAIL_OVERHEAD = 260
_RECIPIENT_OVERHEAD = 130
#: mail ids count from here, so that no mailId is ever a requestId
MAIL_SEQ_START = 500_000_000_000
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


# -- records --------------------------------------------------------------------------------
class Recipient:
    """One recipient of one mail and its result (``RecipientForResponse``)."""

    __slots__ = ("address", "at", "code", "message", "name", "parameters", "retry", "status", "type")

    def __init__(self, address: str, name: str | None, type: str, parameters: dict[str, Any] | None) -> None:
        self.address = address
        self.name = name
        self.type = type  # R | C | B
        self.parameters = parameters
        self.status = "R"
        self.retry = 0
        self.code: str | None = None  # sendResultCode
        self.message: str | None = None  # sendResultMessage (the SMTP reply)
        self.at: int | None = None  # when the result came (ms)


class Mail:
    """One mail of a request: one per recipient when ``individual``, else one for all."""

    __slots__ = ("mail_id", "recipients", "request")

    def __init__(self, mail_id: str, request: MailRequest, recipients: list[Recipient]) -> None:
        self.mail_id = mail_id
        self.request = request
        self.recipients = recipients

    @property
    def status(self) -> str:
        """One status for the whole mail: its recipients' when they agree; while any
        is pending, the most advanced pending one; else ``PF`` if any was sent, ``F``
        if none was."""
        recipients = self.recipients
        first = recipients[0].status
        if len(recipients) == 1:
            return first
        codes = {r.status for r in recipients}
        if len(codes) == 1:
            return first
        for pending in PENDING:
            if pending in codes:
                return pending
        return "PF" if "S" in codes else "F"

    @property
    def sent_at(self) -> int | None:
        """When the last recipient's result came, once every one has one (sendDate)."""
        times = [r.at for r in self.recipients if r.status in FINISHED and r.at is not None]
        return max(times) if len(times) == len(self.recipients) else None

    def parameters(self) -> dict[str, Any]:
        """The substitution values of this mail: the request's, then (individual
        mails) its recipient's."""
        params = dict(self.request.parameters or {})
        if self.request.individual and self.recipients[0].parameters:
            params.update(self.recipients[0].parameters)
        return params


class MailRequest:
    """One accepted ``POST /mails`` (``requestId``)."""

    __slots__ = (
        "advertising",
        "body",
        "created",
        "held",
        "individual",
        "mails",
        "parameters",
        "project",
        "references",
        "region",
        "request_id",
        "requester_ip",
        "reservation",
        "sender_address",
        "sender_name",
        "size",
        "template_sid",
        "title",
    )

    def __init__(self, request_id: str, project: str, region: str, created: int, **fields: Any) -> None:
        self.request_id = request_id
        self.project = project
        self.region = region
        self.created = created
        self.requester_ip: str | None = fields.get("requester_ip")
        self.sender_address: str | None = fields.get("sender_address")
        self.sender_name: str | None = fields.get("sender_name")
        self.title: str | None = fields.get("title")
        self.body: str | None = fields.get("body")
        self.template_sid: int | None = fields.get("template_sid")
        self.advertising: bool = fields.get("advertising", False)
        self.individual: bool = fields.get("individual", True)
        self.references: str | None = fields.get("references")
        self.reservation: int | None = fields.get("reservation")
        self.parameters: dict[str, Any] | None = fields.get("parameters")
        #: confirmAndSend: waits, ready (``R``), until ``ncp_fake.confirm(requestId)``
        self.held: bool = fields.get("held", False)
        self.mails: list[Mail] = []
        self.size = 0

    def drop(self) -> None:
        """Let go of what the request holds (a bound dropped it): work still scheduled
        for it (a reservation, a retry, a block's expiry) keeps only this shell, so
        nothing a client sends outlives the store's bounds. A reserved or unconfirmed
        request dropped this way is never sent."""
        for mail in self.mails:
            mail.recipients = []
        self.mails = []
        self.title = self.body = self.parameters = None

    def estimate(self) -> int:
        """About what the request's records hold in memory (what a client sent counted
        as the objects it became: text, names, parameters)."""
        size = _REQUEST_OVERHEAD + footprint(self.parameters)
        for text in (self.title, self.body, self.sender_address, self.sender_name, self.references):
            size += 0 if text is None else sys.getsizeof(text)
        for mail in self.mails:
            size += _MAIL_OVERHEAD
            for r in mail.recipients:
                size += _RECIPIENT_OVERHEAD + sys.getsizeof(r.address)
                if r.name is not None:
                    size += sys.getsizeof(r.name)
                if r.parameters:
                    size += footprint(r.parameters)
        return size


def footprint(value: Any) -> int:
    """About what a value parsed from JSON holds in memory (containers and what they
    hold; shared constants counted as if they were not)."""
    if value is None:
        return 0
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(footprint(k) + footprint(v) for k, v in value.items())
    elif isinstance(value, list):
        size += sum(footprint(v) for v in value)
    return size


# -- the store -------------------------------------------------------------------------------
class MailStore(_Bounded):
    """Accepted requests, oldest first, bounded by ``maxlen`` requests and ``max_bytes``
    (estimated: bodies, titles, recipients), both settable; past a bound the oldest
    request goes, and its ids are no longer found. Ids are the legacy API's shape:
    the KST date and a 12-digit sequence (``20181126000000246001``)."""

    maxlen = _Bound()
    max_bytes = _Bound()

    def __init__(self, maxlen: int | None = REQUESTS_MAXLEN, max_bytes: int | None = REQUESTS_MAX_BYTES) -> None:
        self._records: deque[tuple[MailRequest, int]] = deque()
        self._lock = threading.Lock()
        self.requests: dict[str, MailRequest] = {}
        self.mails: dict[str, Mail] = {}
        self.total = 0
        self.nbytes = 0
        self._request_seq = 0
        self._mail_seq = MAIL_SEQ_START
        self._maxlen: int | None = None
        self._max_bytes: int | None = None
        self.maxlen, self.max_bytes = maxlen, max_bytes

    def __len__(self) -> int:
        return len(self._records)

    @staticmethod
    def _day(ms: int) -> str:
        return datetime.fromtimestamp(ms // 1000, KST).strftime("%Y%m%d")

    def new_request_id(self, ms: int) -> str:
        self._request_seq += 1
        return f"{self._day(ms)}{self._request_seq:012d}"

    def mail_ids(self, ms: int, n: int) -> list[str]:
        day, start = self._day(ms), self._mail_seq + 1
        self._mail_seq += n
        return [f"{day}{i:012d}" for i in range(start, start + n)]

    def add(self, request: MailRequest) -> None:
        with self._lock:
            self._keep(request)
            self.total += 1
            self._trim()

    def _keep(self, request: MailRequest) -> None:
        request.size = request.estimate()
        self._records.append((request, request.size))
        self.requests[request.request_id] = request
        for mail in request.mails:
            self.mails[mail.mail_id] = mail
        self.nbytes += request.size

    def restore(self, requests: list[MailRequest], total: int, request_seq: int, mail_seq: int) -> None:
        """Hold ``requests`` (oldest first, their ids unique) as a snapshot has them,
        ``total`` counting those added since the last clear, the id counters where
        they were; the bounds apply as they stand."""
        with self._lock:
            for request in requests:
                self._keep(request)
            self.total, self._request_seq, self._mail_seq = total, request_seq, mail_seq
            self._trim()

    @property
    def sequences(self) -> tuple[int, int]:
        """The last request and mail id numbers given (the next ones follow)."""
        return self._request_seq, self._mail_seq

    def _forget(self, record: tuple[MailRequest, int]) -> None:
        request, size = record
        self.nbytes -= size
        self.requests.pop(request.request_id, None)
        for mail in request.mails:
            self.mails.pop(mail.mail_id, None)
        request.drop()

    def clear(self) -> int:
        with self._lock:
            n = len(self._records)
            for request, _ in self._records:
                request.drop()
            self._records.clear()
            self.requests.clear()
            self.mails.clear()
            self.total = self.nbytes = 0
        return n  # ids keep counting: an id is never reused

    def list(self) -> list[MailRequest]:
        with self._lock:
            return [r for r, _ in self._records]

    def request(self, request_id: str, project: str, region: str) -> MailRequest:
        """The request as its own project and region see it, else 77103."""
        found = self.requests.get(request_id)
        if found is None or found.project != project or found.region != region:
            raise ProviderError(errors.NCP_REQUEST_NOT_FOUND)
        return found

    def mail(self, mail_id: str, project: str, region: str) -> Mail:
        found = self.mails.get(mail_id)
        if found is None or found.request.project != project or found.request.region != region:
            raise ProviderError(errors.NCP_MAIL_NOT_FOUND)
        return found

    def __repr__(self) -> str:
        return f"<MailStore {len(self)} requests, ~{self.nbytes:,} bytes, {self.dropped} dropped>"


# -- rendering ---------------------------------------------------------------------------------
def _label(labels: dict[str, dict[str, str]], lang: str, code: str) -> dict[str, str]:
    return {"label": labels.get(lang, labels["en"])[code], "code": code}


def substitute(text: str | None, params: dict[str, Any]) -> str | None:
    """``${key}`` replaced by the mail's value for ``key`` (unknown keys stay)."""
    if not text or "${" not in text or not params:
        return text
    return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), text)


def request_status(request: MailRequest, lang: str) -> dict[str, Any]:
    """getMailRequestStatus's body (key order as the documented example)."""
    counts: dict[str, int] = {}
    for mail in request.mails:
        status = mail.status
        counts[status] = counts.get(status, 0) + 1
    total = len(request.mails)
    sent = counts.get("S", 0)
    return {
        "requestId": request.request_id,
        "readyCompleted": True,
        "allSentSuccess": total > 0 and sent == total,
        "requestCount": total,
        "sentCount": sent,
        "finishCount": sum(n for code, n in counts.items() if code in FINISHED),
        "readyCount": total,
        "reservationDate": render.nes_datetime(request.reservation),
        "countsByStatus": [
            {"status": _label(STATUS_LABELS, lang, code), "count": counts[code]} for code in sorted(counts)
        ],
    }


def representative(mail: Mail) -> str:
    """``a@example.com`` or, for a mail to ten, ``a@example.com(9)``."""
    first, rest = mail.recipients[0].address, len(mail.recipients) - 1
    return f"{first}({rest})" if rest else first


def mail_item(mail: Mail, lang: str) -> dict[str, Any]:
    """One mail of the request's mail list."""
    request = mail.request
    return {
        "requestId": request.request_id,
        "requestDate": render.nes_datetime(request.created),
        "mailId": mail.mail_id,
        "templateSid": request.template_sid,
        "templateName": None,
        "title": substitute(request.title, mail.parameters()),
        "emailStatus": _label(STATUS_LABELS, lang, mail.status),
        "senderAddress": request.sender_address,
        "senderName": request.sender_name,
        "sendDate": render.nes_datetime(mail.sent_at),
        "reservationStatus": _label(RESERVATION_LABELS, lang, "Y" if request.reservation is not None else "N"),
        "advertising": request.advertising,
        "representativeRecipient": representative(mail),
    }


def recipient_item(r: Recipient, lang: str) -> dict[str, Any]:
    """``RecipientForResponse``; null fields left out, as the documented example shows."""
    item: dict[str, Any] = {
        "address": r.address,
        "name": r.name,
        "type": _label(TYPE_LABELS, lang, r.type),
        "received": False,
        "receivedDate": None,
        "status": _label(STATUS_LABELS, lang, r.status),
        "retryCount": r.retry,
        "sendResultMessage": r.message,
        "sendResultCode": r.code,
        "sendResultCodeMessage": None if r.code is None else RESULT_MESSAGES.get(lang, RESULT_MESSAGES["en"])[r.code],
    }
    return {k: v for k, v in item.items() if v is not None}


def mail_detail(mail: Mail, lang: str) -> dict[str, Any]:
    """getMail's body (key order as the documented example)."""
    request = mail.request
    params = mail.parameters()
    return {
        "requestId": request.request_id,
        "requesterIp": request.requester_ip,
        "requestDate": render.nes_datetime(request.created),
        "mailId": mail.mail_id,
        "title": substitute(request.title, params),
        "templateSid": request.template_sid,
        "templateName": None,
        "emailStatus": _label(STATUS_LABELS, lang, mail.status),
        "senderAddress": request.sender_address,
        "senderName": request.sender_name,
        "sendDate": render.nes_datetime(mail.sent_at),
        "reservationDate": render.nes_datetime(request.reservation),
        "advertising": request.advertising,
        "body": substitute(request.body, params),
        "referencesHeader": request.references,
        "attachFiles": [],
        "recipients": [recipient_item(r, lang) for r in mail.recipients],
    }


# -- the operations --------------------------------------------------------------------------------
def store_of(ncp: NcpControl) -> MailStore:
    """The state's mail store (made on first use; a reset drops it with the state)."""
    state = ncp.state
    if state.mail_store is None:
        state.mail_store = MailStore()
    store: MailStore = state.mail_store
    return store


def get_mail_request_status(c: NcpCall) -> Response:
    account_checks(c.project, "service")
    found = store_of(c.provider).request(c.args["requestId"], c.project.name, c.region)
    return render.ok(request_status(found, c.notes.lang))


def get_mail_list(c: NcpCall) -> Response:
    """The request's mails, a Spring page: ``mailId`` and ``recipientAddress`` (exact),
    ``title`` (contains), ``sendStatus`` (repeatable, any of them), ``page``, ``size``
    (10), ``sort`` (``id``, ``createUtc``, ``statusCode``; ascending by default)."""
    request = c.request
    mail_id = request.args.get("mailId") or None
    recipient = address_param(request, "recipientAddress", required=False)
    title = request.args.get("title") or None
    statuses = [s.strip() for s in request.args.getlist("sendStatus") if s.strip()]
    if any(s not in STATUS_LABELS["en"] for s in statuses):
        raise bad_request()
    size = int_param(request, "size", 10, lo=1)
    number = int_param(request, "page", 0, lo=0)
    orders = sort_param(request, MAIL_SORTS, default_desc=False)
    account_checks(c.project, "service")
    found = store_of(c.provider).request(c.args["requestId"], c.project.name, c.region)
    wanted = None if recipient is None else recipient.lower()
    rows = [
        m
        for m in found.mails
        if (mail_id is None or m.mail_id == mail_id)
        and (wanted is None or any(r.address.lower() == wanted for r in m.recipients))
        and (title is None or title in (substitute(found.title, m.parameters()) or ""))
        and (not statuses or m.status in statuses)
    ]
    for prop, desc, _ in reversed(orders):
        if prop == "statusCode":
            rows.sort(key=lambda m: m.status, reverse=desc)
        else:  # id and createUtc: the order the mails were made in
            rows.sort(key=lambda m: m.mail_id, reverse=desc)
    start = number * size
    items = [mail_item(m, c.notes.lang) for m in rows[start : start + size]]
    return render.ok(render.page(items, total=len(rows), size=size, number=number, orders=orders))


def get_mail(c: NcpCall) -> Response:
    account_checks(c.project, "service")
    found = store_of(c.provider).mail(c.args["mailId"], c.project.name, c.region)
    return render.ok(mail_detail(found, c.notes.lang))


RULES, HANDLERS = routes(
    ("/mails/requests/<requestId>/status", "GET", get_mail_request_status),
    ("/mails/requests/<requestId>/mails", "GET", get_mail_list),
    ("/mails/<mailId>", "GET", get_mail),
)
