"""NAVER Cloud Outbound Mailer errors: the catalogue.

Two envelopes, told apart by the row's ``code`` (rendered by ``render.render_error``):

- **API Gateway** rows (three-digit ``errorCode``): ``{"error": {"errorCode": "200",
  "message": "Authentication Failed", "details": "..."}}``; the row's ``message`` is the
  ``details`` text, the fixed ``message`` comes from :data:`GATEWAY_MESSAGES` (the
  gateway documents one message per errorCode). Header
  ``x-ncp-apigw-response-origin: APIGW``.
- **Mailer** rows (``77xxx``): ``{"error": {"code": "77102", "message": "..."}}``
  (shape from the provider's Swagger as generated into fincloud-sdk-for-java/-go;
  ``shared/providers/ncp.md``: Mailer errors). Header ``...-response-origin: ENDPOINT``.

Statuses of the mailer rows are seed 001's table. The messages are the "응답 메시지"
(response message) column of the older Korean docs (recordings
``unsubscribers_register_201``); no live capture shows them, so every mailer row is
``assumed=True``. Rows no document backs are listed in ``docs/providers/ncp.md``.
"""

from __future__ import annotations

from ...core.errors import ErrorEntry

#: the gateway's one message per errorCode (api-gov.ncloud-docs.com api-call-lgc-errorhandling;
#: "Forbidden" 230: API Gateway docs; 510/900: shared/providers/ncp.md)
GATEWAY_MESSAGES: dict[str, str] = {
    "100": "Bad Request Exception",
    "200": "Authentication Failed",
    "210": "Permission Denied",
    "230": "Forbidden",
    "300": "Not Found Exception",
    "400": "Quota Exceeded",
    "410": "Throttle Limited",
    "420": "Rate Limited",
    "430": "Request Entity Too Large",
    "500": "Endpoint Error",
    "510": "Endpoint Timeout",
    "900": "Unexpected Error",
}

_GUARD = "the fake's own guard (issue 19: DNS rebinding, cross-site pages); the provider has no such answer"
_OLD_DOCS = "older ko docs error table ('응답 메시지'), recordings unsubscribers_register_201; status: seed 001"

# -- API Gateway -------------------------------------------------------------------------
NCP_GW_AUTH_MISSING = ErrorEntry(
    "NCP_GW_AUTH_MISSING",
    401,
    "Authentication information are missing.",
    code="200",
    source="recording apigw_401_auth_missing (same gateway layer, another product)",
)
NCP_GW_AUTH_INVALID = ErrorEntry(
    "NCP_GW_AUTH_INVALID",
    401,
    "Invalid authentication information.",
    code="200",
    source="recording apigw_401_auth_invalid (measured notes; wrong key)",
)
NCP_GW_TIMESTAMP_EXPIRED = ErrorEntry(
    "NCP_GW_TIMESTAMP_EXPIRED",
    401,
    "Invalid authentication information.",
    code="200",
    assumed=True,
    source="ncp.md: expired timestamp is 200/401, details wording unknown; the documented invalid text is reused",
)
NCP_GW_PERMISSION_DENIED = ErrorEntry(
    "NCP_GW_PERMISSION_DENIED",
    401,
    "A subscription to the API is required.",
    code="210",
    source="recording apigw_401_permission_denied_210 (Maps host; wording for a key without mail rights unknown)",
)
NCP_GW_FORBIDDEN = ErrorEntry(
    "NCP_GW_FORBIDDEN",
    403,
    "Forbidden.",
    code="230",
    assumed=True,
    source="ncp.md gateway table (403/230 Forbidden); details and trigger unknown; a key flagged forbidden",
)
NCP_GW_HOST_NOT_ALLOWED = ErrorEntry(
    "NCP_GW_HOST_NOT_ALLOWED",
    403,
    "Host {0} is not allowed: the fake answers only loopback names, the address it is bound to "
    "and names given with --allow-host.",
    code="230",
    assumed=True,
    source=_GUARD + "; the gateway's 403/230 envelope",
)
NCP_GW_CROSS_SITE = ErrorEntry(
    "NCP_GW_CROSS_SITE",
    403,
    "Cross-site request refused ({0}): browser pages may call the fake only from its own origin "
    "or from a name given with --allow-host.",
    code="230",
    assumed=True,
    source=_GUARD + "; the gateway's 403/230 envelope",
)
NCP_GW_BAD_REQUEST = ErrorEntry(
    "NCP_GW_BAD_REQUEST",
    400,
    "Bad request.",
    code="100",
    assumed=True,
    source="api-call-lgc-errorhandling (400/100: 'protocol, encoding (UTF-8) 등 Request 오류'); details unknown",
)
NCP_GW_NOT_FOUND = ErrorEntry(
    "NCP_GW_NOT_FOUND",
    404,
    "URL not found.",
    code="300",
    source="recording apigw_404_not_found_300; status 404 per api-call-lgc-errorhandling",
)
NCP_GW_QUOTA_EXCEEDED = ErrorEntry(
    "NCP_GW_QUOTA_EXCEEDED",
    429,
    "Quota exceeded.",
    code="400",
    assumed=True,
    source="api-call-lgc-errorhandling (429/400 Quota Exceeded); details unknown",
)
NCP_GW_TOO_LARGE = ErrorEntry(
    "NCP_GW_TOO_LARGE",
    413,
    "Request entity too large.",
    code="430",
    assumed=True,
    source="api-call-lgc-errorhandling (413/430); details unknown",
)
NCP_GW_ENDPOINT_ERROR = ErrorEntry(
    "NCP_GW_ENDPOINT_ERROR",
    503,
    "Endpoint error.",
    code="500",
    assumed=True,
    source="api-call-lgc-errorhandling (503/500 Endpoint Error); details unknown; injected 503",
)
NCP_GW_ENDPOINT_TIMEOUT = ErrorEntry(
    "NCP_GW_ENDPOINT_TIMEOUT",
    504,
    "Endpoint timeout.",
    code="510",
    assumed=True,
    source="ncp.md (504/510); message and details assumed; injected 504",
)
NCP_GW_UNEXPECTED = ErrorEntry(
    "NCP_GW_UNEXPECTED",
    500,
    "Unexpected error.",
    code="900",
    assumed=True,
    source="ncp.md (500/900); message and details assumed; injected 5xx without a row of their own",
)

# -- Cloud Outbound Mailer (seed 001 table) ------------------------------------------------
NCP_METHOD_NOT_ALLOWED = ErrorEntry(
    "NCP_METHOD_NOT_ALLOWED", 405, "METHOD_NOT_ALLOWED", code="77001", assumed=True, source=_OLD_DOCS
)
NCP_UNSUPPORTED_MEDIA_TYPE = ErrorEntry(
    "NCP_UNSUPPORTED_MEDIA_TYPE", 415, "UNSUPPORTED_MEDIA_TYPE", code="77002", assumed=True, source=_OLD_DOCS
)
NCP_LOGIN_ERROR = ErrorEntry("NCP_LOGIN_ERROR", 400, "로그인 정보 오류", code="77101", assumed=True, source=_OLD_DOCS)
NCP_BAD_REQUEST = ErrorEntry(
    "NCP_BAD_REQUEST",
    400,
    "BAD_REQUEST",
    code="77102",
    assumed=True,
    source=_OLD_DOCS + "; ncp.md: targetAddress missing or not an address is 400 77102",
)
NCP_RESOURCE_NOT_FOUND = ErrorEntry(
    "NCP_RESOURCE_NOT_FOUND", 400, "리소스가 존재하지 않음", code="77103", assumed=True, source=_OLD_DOCS
)
NCP_NO_PERMISSION = ErrorEntry("NCP_NO_PERMISSION", 403, "권한 없음", code="77201", assumed=True, source=_OLD_DOCS)
NCP_NOT_SUBSCRIBED = ErrorEntry(
    "NCP_NOT_SUBSCRIBED", 403, "Email 상품 사용신청 하지 않음", code="77202", assumed=True, source=_OLD_DOCS
)
NCP_NO_DEFAULT_PROJECT = ErrorEntry(
    "NCP_NO_DEFAULT_PROJECT", 500, "기본 프로젝트가 존재하지 않음", code="77301", assumed=True, source=_OLD_DOCS
)
NCP_EXTERNAL_SYSTEM_ERROR = ErrorEntry(
    "NCP_EXTERNAL_SYSTEM_ERROR", 500, "외부 시스템 API 연동 오류", code="77302", assumed=True, source=_OLD_DOCS
)
NCP_INTERNAL_ERROR = ErrorEntry(
    "NCP_INTERNAL_ERROR", 500, "그외 INTERNAL_SERVER_ERROR", code="77303", assumed=True, source=_OLD_DOCS
)

# -- sending and its lookups (issue 21; ``providers/ncp/delivery.py``, ``status.py``) --------
# Each documented constraint of createMailRequest and createConfig has its own row, so the
# docs, tests and strategies can name the rule; on the wire they are the mailer's 77102
# (``BAD_REQUEST``: 77102 carries no detail, as everywhere in this fake) or 77103.
_SEND_DOCS = "createMailRequest (api.ncloud-docs.com en/ja/ko, api-gov ko): "
_NOT_FOUND = "리소스가 존재하지 않음"


def _send_row(key: str, source: str, code: str = "77102") -> ErrorEntry:
    message = "BAD_REQUEST" if code == "77102" else _NOT_FOUND
    return ErrorEntry(key, 400, message, code=code, assumed=True, source=source)


NCP_SEND_BODY_INVALID = _send_row(
    "NCP_SEND_BODY_INVALID", "a body that is not a JSON object, or a field of a type Jackson cannot convert"
)
NCP_SEND_SENDER_REQUIRED = _send_row(
    "NCP_SEND_SENDER_REQUIRED", _SEND_DOCS + "senderAddress is required when templateSid is not set"
)
NCP_SEND_SENDER_INVALID = _send_row(
    "NCP_SEND_SENDER_INVALID", _SEND_DOCS + "senderAddress an address (SENS: at most 254 bytes)"
)
NCP_SEND_SENDER_DOMAIN = _send_row(
    "NCP_SEND_SENDER_DOMAIN", _SEND_DOCS + "naver.com, navercorp.com, ncloud.com cannot be sender domains"
)
NCP_SEND_SENDER_NAME_TOO_LONG = _send_row("NCP_SEND_SENDER_NAME_TOO_LONG", _SEND_DOCS + "senderName 0-69 bytes")
NCP_SEND_TITLE_REQUIRED = _send_row("NCP_SEND_TITLE_REQUIRED", _SEND_DOCS + "title is required without templateSid")
NCP_SEND_TITLE_TOO_LONG = _send_row("NCP_SEND_TITLE_TOO_LONG", _SEND_DOCS + "title 0-500 bytes")
NCP_SEND_BODY_REQUIRED = _send_row("NCP_SEND_BODY_REQUIRED", _SEND_DOCS + "body is required without templateSid")
NCP_SEND_BODY_TOO_LARGE = _send_row(
    "NCP_SEND_BODY_TOO_LARGE", _SEND_DOCS + "body at most 500 KB, an advertising mail's unsubscribe text included"
)
NCP_SEND_REFERENCES_HEADER = _send_row(
    "NCP_SEND_REFERENCES_HEADER", _SEND_DOCS + "referencesHeader at most 100 characters, <unique_id@domain.com>"
)
NCP_SEND_RESERVATION_INVALID = _send_row(
    "NCP_SEND_RESERVATION_INVALID",
    _SEND_DOCS + "reservationUtc (ms) or reservationDateTime (yyyy-MM-dd HH:mm, UTC+9); a past one assumed refused",
)
NCP_SEND_RECIPIENTS_REQUIRED = _send_row(
    "NCP_SEND_RECIPIENTS_REQUIRED", _SEND_DOCS + "recipients (at least one R) unless recipientGroupFilter"
)
NCP_SEND_TOO_MANY_RECIPIENTS = _send_row(
    "NCP_SEND_TOO_MANY_RECIPIENTS", _SEND_DOCS + "at most 100,000 recipients per request"
)
NCP_SEND_RECIPIENT_INVALID = _send_row(
    "NCP_SEND_RECIPIENT_INVALID", "RecipientForRequest (common-apidatatype-nesrecipientrequest): address an address"
)
NCP_SEND_RECIPIENT_NAME_TOO_LONG = _send_row(
    "NCP_SEND_RECIPIENT_NAME_TOO_LONG", "RecipientForRequest: name up to 69 characters"
)
NCP_SEND_RECIPIENT_TYPE = _send_row("NCP_SEND_RECIPIENT_TYPE", "RecipientForRequest: type R (default), C or B")
NCP_SEND_CC_INDIVIDUAL = _send_row(
    "NCP_SEND_CC_INDIVIDUAL", _SEND_DOCS + "an individual send (the default) takes R recipients only"
)
NCP_SEND_TOO_MANY_CC = _send_row("NCP_SEND_TOO_MANY_CC", _SEND_DOCS + "at most 30 CC and 30 BCC")
NCP_SEND_FILE_NOT_FOUND = _send_row(
    "NCP_SEND_FILE_NOT_FOUND", "attachFileIds name files of the files API, which the fake does not serve", "77103"
)
NCP_SEND_GROUP_NOT_FOUND = _send_row(
    "NCP_SEND_GROUP_NOT_FOUND", "recipientGroupFilter names address-book groups; the fake has no address book", "77103"
)
NCP_CONFIG_INVALID = _send_row(
    "NCP_CONFIG_INVALID",
    "createConfig: type SEND_BLOCK_TIME, value an integer string of 7 days / 168 hours or more, unit DAY or HOUR",
)
NCP_REQUEST_NOT_FOUND = _send_row(
    "NCP_REQUEST_NOT_FOUND", "seed 001's 77103 row; an unknown (or another project's) requestId", "77103"
)
NCP_MAIL_NOT_FOUND = _send_row(
    "NCP_MAIL_NOT_FOUND", "seed 001's 77103 row; an unknown (or another project's) mailId", "77103"
)

#: injected fault statuses -> the row the real stack would answer with
FAULT_ROWS: dict[int, ErrorEntry] = {
    400: NCP_BAD_REQUEST,
    401: NCP_GW_AUTH_INVALID,
    403: NCP_NO_PERMISSION,
    404: NCP_GW_NOT_FOUND,
    405: NCP_METHOD_NOT_ALLOWED,
    413: NCP_GW_TOO_LARGE,
    415: NCP_UNSUPPORTED_MEDIA_TYPE,
    429: NCP_GW_QUOTA_EXCEEDED,
    500: NCP_INTERNAL_ERROR,
    503: NCP_GW_ENDPOINT_ERROR,
    504: NCP_GW_ENDPOINT_TIMEOUT,
}

#: every mailer row by its 77xxx code
MAILER_CODES: dict[str, ErrorEntry] = {
    e.code: e  # type: ignore[misc]
    for e in (
        NCP_METHOD_NOT_ALLOWED,
        NCP_UNSUPPORTED_MEDIA_TYPE,
        NCP_LOGIN_ERROR,
        NCP_BAD_REQUEST,
        NCP_RESOURCE_NOT_FOUND,
        NCP_NO_PERMISSION,
        NCP_NOT_SUBSCRIBED,
        NCP_NO_DEFAULT_PROJECT,
        NCP_EXTERNAL_SYSTEM_ERROR,
        NCP_INTERNAL_ERROR,
    )
}


def is_gateway(entry: ErrorEntry) -> bool:
    """A row the API Gateway answers (three-digit errorCode), not the mailer."""
    return entry.code in GATEWAY_MESSAGES


#: the rows of the core's own answers, by kind (``Provider.core_errors``)
CORE_ERRORS: dict[str, ErrorEntry] = {
    "not_found": NCP_GW_NOT_FOUND,
    "method_not_allowed": NCP_METHOD_NOT_ALLOWED,
    "too_large": NCP_GW_TOO_LARGE,
    "internal": NCP_INTERNAL_ERROR,
    "host": NCP_GW_HOST_NOT_ALLOWED,
    "cross_site": NCP_GW_CROSS_SITE,
}
#: an injected fault's row by its status (any other: the gateway's 400 or its 5xx row)
FAULT_ERRORS = FAULT_ROWS

CATALOGUE = [v for v in list(globals().values()) if isinstance(v, ErrorEntry)]
