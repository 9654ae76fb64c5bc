"""SendGrid v3 suppression errors: the catalogue.

Wire shape (rendered by ``render.render_error``): ``{"errors":[{"field":null,
"message":"..."}]}``, compact, ``Content-Type: application/json``. Sources are
``shared/providers/sendgrid.md`` and the recordings it cites; rows no document or
recording backs carry ``assumed=True`` and are listed in ``docs/providers/sendgrid.md``.
"""

from __future__ import annotations

from ...core.errors import ErrorEntry

_GUARD = "the fake's own guard (issue 19: DNS rebinding, cross-site pages); the provider has no such answer"

SG_AUTH_REQUIRED = ErrorEntry(
    "SG_AUTH_REQUIRED",
    401,
    "authorization required",
    source="spec example on /suppression/bounces; live: recordings error_401_authorization_required_recorded",
)
SG_ACCESS_FORBIDDEN = ErrorEntry(
    "SG_ACCESS_FORBIDDEN",
    403,
    "access forbidden",
    source="live: recordings error_403_access_forbidden_recorded (56 bytes, rate-limit headers present)",
)
SG_NOT_FOUND = ErrorEntry(
    "SG_NOT_FOUND",
    404,
    "resource not found",
    source="live: recordings delete_bounce_email_404, error_404_unknown_path_recorded",
)
SG_METHOD_NOT_ALLOWED = ErrorEntry(
    "SG_METHOD_NOT_ALLOWED",
    405,
    "method not allowed",
    assumed=True,
    source="text from the mail-send spec (error_405_method_not_allowed_docs); no suppression capture",
)
SG_TOO_MANY_REQUESTS = ErrorEntry(
    "SG_TOO_MANY_REQUESTS",
    429,
    "too many requests",
    source="docs rate-limits page; live: error_429_too_many_requests_recorded",
)
SG_BOTH_SET = ErrorEntry(
    "SG_BOTH_SET",
    400,
    "emails and delete_all cannot both be set",
    source="sendgrid-php#281 (a body with both keys, even delete_all false); status/field inferred",
)
SG_NOTHING_TO_DELETE = ErrorEntry(
    "SG_NOTHING_TO_DELETE",
    400,
    "either emails or delete_all must be set",
    assumed=True,
    source="no document; v2 said 'no valid parameters provided. Use delete_all=1 to remove everything'",
)
SG_INVALID_JSON = ErrorEntry(
    "SG_INVALID_JSON",
    400,
    "request body is invalid JSON",
    assumed=True,
    source="text used by other v3 services in the sendgrid-oai spec examples",
)
SG_NOT_JSON_ARRAY = ErrorEntry(
    "SG_NOT_JSON_ARRAY",
    400,
    "not a valid json array",
    field="emails",
    source="live text in this family: recordings validation_400_unknown_field_recorded",
)
SG_UNKNOWN_FIELD = ErrorEntry(
    "SG_UNKNOWN_FIELD",
    400,
    "unknown field",
    source="live text in this family: recordings validation_400_unknown_field_recorded",
)
SG_REQUIRED = ErrorEntry(
    "SG_REQUIRED",
    400,
    "is required",
    assumed=True,
    source="no document; POST /v3/asm/suppressions/global without recipient_emails",
)
SG_NOT_BOOLEAN = ErrorEntry(
    "SG_NOT_BOOLEAN",
    400,
    "must be a boolean",
    field="delete_all",
    assumed=True,
)
SG_NOT_INTEGER = ErrorEntry(
    "SG_NOT_INTEGER",
    400,
    "must be an integer",
    assumed=True,
    source="sendgrid.md: bad query values are a 400, texts unknown",
)
SG_LIMIT_RANGE = ErrorEntry(
    "SG_LIMIT_RANGE",
    400,
    "must be between 1 and 500",
    field="limit",
    assumed=True,
    source="spec schema limit 1..500; the answer to 0 or > 500 is unknown",
)
SG_NEGATIVE = ErrorEntry(
    "SG_NEGATIVE",
    400,
    "must be greater than or equal to 0",
    assumed=True,
    source="spec schema: offset minimum 0; times are unix seconds",
)
SG_REQUEST_TOO_LARGE = ErrorEntry(
    "SG_REQUEST_TOO_LARGE",
    413,
    "request entity too large",
    assumed=True,
)
SG_HOST_NOT_ALLOWED = ErrorEntry(
    "SG_HOST_NOT_ALLOWED",
    403,
    "host {0} is not allowed: the fake answers only loopback names, the address it is bound to "
    "and names given with --allow-host",
    assumed=True,
    source=_GUARD,
)
SG_CROSS_SITE = ErrorEntry(
    "SG_CROSS_SITE",
    403,
    "cross-site request refused ({0}): browser pages may call the fake only from its own origin "
    "or from a name given with --allow-host",
    assumed=True,
    source=_GUARD,
)
SG_INTERNAL = ErrorEntry(
    "SG_INTERNAL",
    500,
    "internal server error",
    assumed=True,
    source="no capture; used by the last-resort guard and 5xx faults",
)

#: messages for injected fault statuses without a row of their own
FAULT_MESSAGES = {
    400: "bad request",
    401: SG_AUTH_REQUIRED.message,
    403: SG_ACCESS_FORBIDDEN.message,
    404: SG_NOT_FOUND.message,
    405: SG_METHOD_NOT_ALLOWED.message,
    413: SG_REQUEST_TOO_LARGE.message,
    429: SG_TOO_MANY_REQUESTS.message,
    500: SG_INTERNAL.message,
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}

CATALOGUE = [v for v in list(globals().values()) if isinstance(v, ErrorEntry)]
