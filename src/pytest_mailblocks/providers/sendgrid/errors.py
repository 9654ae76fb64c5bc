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

# -- mail send (POST /v3/mail/send), issue 21 ---------------------------------------------------
# Rendered as {"message", "field", "help"} (help: the errors page anchor of the field, or
# null), as the live answers quoted in GitHub issues show them.
_SEND_OBSERVED = "observed: live answers quoted in SendGrid SDK issues (shared/providers/delivery/sendgrid.md)"
_SEND_DOCS = "documented: twilio.com/docs/sendgrid/api-reference/mail-send/errors (and sendgrid/docs errors.md)"
_EMAIL_EXAMPLE = (
    'e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.'
)

SG_SEND_WRONG_CREDENTIALS = ErrorEntry(
    "SG_SEND_WRONG_CREDENTIALS",
    401,
    "Permission denied, wrong credentials",
    source=_SEND_OBSERVED + " (sendgrid-php#831, a key read as empty); used for a missing or malformed key",
)
SG_SEND_GRANT_INVALID = ErrorEntry(
    "SG_SEND_GRANT_INVALID",
    401,
    "The provided authorization grant is invalid, expired, or revoked",
    source=_SEND_OBSERVED + " (sendgrid-php#793, 116 bytes); used for a well-formed key the account lacks",
)
SG_SEND_FORBIDDEN = ErrorEntry(
    "SG_SEND_FORBIDDEN",
    403,
    "access forbidden",
    assumed=True,
    source="the mail-send spec's 403 example; a key without mail.send or an On-Behalf-Of it may not use",
)
SG_SEND_BAD_REQUEST = ErrorEntry(
    "SG_SEND_BAD_REQUEST",
    400,
    "Bad Request",
    source="observed: sendgrid/docs#5060 (a body that is not JSON), field and help null",
)
SG_SEND_INVALID_UTF8 = ErrorEntry(
    "SG_SEND_INVALID_UTF8", 415, "Invalid UTF8 in request", source=_SEND_DOCS + " (Encoding errors, 415)"
)
SG_SEND_INVALID_TYPE = ErrorEntry(
    "SG_SEND_INVALID_TYPE",
    400,
    "Invalid type. Expected: {0}, given: {1}.",
    source=_SEND_OBSERVED + " (sendgrid-ruby#138, sendgrid-php#869, elbuo8/sendgrid-django#64)",
)
SG_SEND_FROM_REQUIRED = ErrorEntry(
    "SG_SEND_FROM_REQUIRED",
    400,
    "The from object must be provided for every email send. It is an object that requires the email "
    "parameter, but may also contain a name parameter.  " + _EMAIL_EXAMPLE,
    field="from.email",
    source=_SEND_OBSERVED + " (sendgrid-ruby#438, rubyforgood/casa#231)",
)
SG_SEND_INVALID_ADDRESS = ErrorEntry(
    "SG_SEND_INVALID_ADDRESS",
    400,
    "Does not contain a valid address.",
    source="observed: the text client code matches on (a 400 for a malformed address); its field is inferred",
)
SG_SEND_ADDRESS_TOO_LONG = ErrorEntry(
    "SG_SEND_ADDRESS_TOO_LONG",
    400,
    "The {0} email exceeds the maximum total length of 320 characters",
    source=_SEND_DOCS,
)
SG_SEND_PERSONALIZATIONS_REQUIRED = ErrorEntry(
    "SG_SEND_PERSONALIZATIONS_REQUIRED",
    400,
    "The personalizations field is required and must have at least one personalization.",
    field="personalizations",
    source=_SEND_OBSERVED + " (LiveUI/MailCore#6); the docs' text is 'You must have at least one personalization.'",
)
SG_SEND_TOO_MANY_PERSONALIZATIONS = ErrorEntry(
    "SG_SEND_TOO_MANY_PERSONALIZATIONS",
    400,
    "The personalization block is limited to 1000 personalizations per API request. You have provided {0} "
    "personalizations. Please consider splitting this into multiple requests and resending your request.",
    field="personalizations",
    source=_SEND_DOCS,
)
SG_SEND_TOO_MANY_RECIPIENTS = ErrorEntry(
    "SG_SEND_TOO_MANY_RECIPIENTS",
    400,
    "There is a limit of 1000 total recipients (to + cc + bcc) per request.",
    field="personalizations",
    source=_SEND_DOCS,
)
SG_SEND_TO_REQUIRED = ErrorEntry(
    "SG_SEND_TO_REQUIRED",
    400,
    "The to array is required for all personalization objects, and must have at least one email object "
    "with a valid email address.",
    source=_SEND_OBSERVED + " (sendgrid-nodejs#1362, #1425, sendgrid-ruby#467)",
)
SG_SEND_EMAIL_REQUIRED = ErrorEntry(
    "SG_SEND_EMAIL_REQUIRED",
    400,
    "The {0} email parameter is required.",
    source=_SEND_OBSERVED + " for to (sklarsa/django-sendgrid-v5#10); the same text for cc and bcc is inferred",
)
SG_SEND_DUPLICATE_IN_PERSONALIZATION = ErrorEntry(
    "SG_SEND_DUPLICATE_IN_PERSONALIZATION",
    400,
    "Each email address in the personalization block should be unique between to, cc, and bcc. "
    "We found the first duplicate instance of [{0}] in the personalizations.{1}.{2} field.",
    source=_SEND_OBSERVED + " (symfony/symfony#33135; support.sendgrid.com 'Validation Error(s)': field "
    "personalizations.N); case-insensitive as the SDK helpers check",
)
SG_SEND_DUPLICATE_ACROSS = ErrorEntry(
    "SG_SEND_DUPLICATE_ACROSS",
    400,
    "Each unique email address in the personalizations array should only be included once. "
    "You have included {0} more than once.",
    field="personalizations",
    source=_SEND_DOCS,
)
SG_SEND_SUBJECT_REQUIRED = ErrorEntry(
    "SG_SEND_SUBJECT_REQUIRED",
    400,
    "The subject is required. You can get around this requirement if you use a template with a subject "
    "defined or if every personalization has a subject defined.",
    field="subject",
    source=_SEND_OBSERVED + " (hoangvvo/nextjs-mongodb-app#107)",
)
SG_SEND_SUBJECT_EMPTY = ErrorEntry(
    "SG_SEND_SUBJECT_EMPTY",
    400,
    "The subject of your email must be a string at least one character in length.",
    source=_SEND_DOCS,
)
SG_SEND_CONTENT_REQUIRED = ErrorEntry(
    "SG_SEND_CONTENT_REQUIRED",
    400,
    "Unless a valid template_id is provided, the content parameter is required. There must be at least one "
    "defined content block. We typically suggest both text/plain and text/html blocks are included, but only "
    "one block is required.",
    field="content",
    source=_SEND_OBSERVED + " (sendgrid-ruby#438)",
)
SG_SEND_CONTENT_TYPE_REQUIRED = ErrorEntry(
    "SG_SEND_CONTENT_TYPE_REQUIRED",
    400,
    "A content type is required, this tells email clients how to display the email.",
    source=_SEND_DOCS,
)
SG_SEND_CONTENT_VALUE_EMPTY = ErrorEntry(
    "SG_SEND_CONTENT_VALUE_EMPTY",
    400,
    "The content value must be a string at least one character in length.",
    source="observed: support.sendgrid.com 'Validation Error(s)' (field content.0.value); documented too",
)
SG_SEND_CONTENT_ORDER = ErrorEntry(
    "SG_SEND_CONTENT_ORDER",
    400,
    "Following RFC 1341, section 7.2, if either text/html or text/plain are to be sent in your email: "
    "text/plain needs to be first, followed by text/html, followed by any other content.",
    field="content",
    source=_SEND_DOCS,
)
SG_SEND_CATEGORIES_LIMIT = ErrorEntry(
    "SG_SEND_CATEGORIES_LIMIT",
    400,
    "There is a limit of 10 categories for each email that is sent. You provided {0} categories.",
    field="categories",
    source=_SEND_DOCS,
)
SG_SEND_CATEGORY_TOO_LONG = ErrorEntry(
    "SG_SEND_CATEGORY_TOO_LONG",
    400,
    "Each category must not be longer than 255 characters. {0} exceeds this limit",
    field="categories",
    source=_SEND_DOCS,
)
SG_SEND_CATEGORY_DUPLICATE = ErrorEntry(
    "SG_SEND_CATEGORY_DUPLICATE",
    400,
    "The categories must be a unique list, and you have included {0} more than once.",
    field="categories",
    source=_SEND_DOCS,
)
SG_SEND_CATEGORY_ASCII = ErrorEntry(
    "SG_SEND_CATEGORY_ASCII",
    400,
    "Categories can not contain non-ASCII characters.",
    field="categories",
    source=_SEND_DOCS,
)
SG_SEND_CUSTOM_ARGS_STRINGS = ErrorEntry(
    "SG_SEND_CUSTOM_ARGS_STRINGS", 400, "All values of custom arguments object must be strings", source=_SEND_DOCS
)
SG_SEND_CUSTOM_ARGS_EMPTY = ErrorEntry(
    "SG_SEND_CUSTOM_ARGS_EMPTY", 400, "custom_args cannot be empty.", source=_SEND_DOCS
)
SG_SEND_CUSTOM_ARGS_SIZE = ErrorEntry(
    "SG_SEND_CUSTOM_ARGS_SIZE",
    400,
    "The combined size of both global and personalization custom arguments may not exceed 10,000 bytes per "
    "personalization.",
    source=_SEND_DOCS,
)
SG_SEND_HEADER_VALUES = ErrorEntry(
    "SG_SEND_HEADER_VALUES", 400, "The header values must be strings.", field="headers", source=_SEND_DOCS
)
SG_SEND_PERSONALIZATION_HEADER_VALUES = ErrorEntry(
    "SG_SEND_PERSONALIZATION_HEADER_VALUES", 400, "All values of the headers object must be strings.", source=_SEND_DOCS
)
SG_SEND_HEADER_RESERVED = ErrorEntry(
    "SG_SEND_HEADER_RESERVED", 400, "Header can not be one of the reserved keys.", field="headers", source=_SEND_DOCS
)
SG_SEND_PERSONALIZATION_HEADER_RESERVED = ErrorEntry(
    "SG_SEND_PERSONALIZATION_HEADER_RESERVED", 400, "Header cannot be one of the reserved keys.", source=_SEND_DOCS
)
SG_SEND_SUBSTITUTIONS = ErrorEntry(
    "SG_SEND_SUBSTITUTIONS",
    400,
    "The substitution values must be an object of key/value pairs, where the values are all strings.",
    source=_SEND_DOCS,
)
SG_SEND_SEND_AT_INTEGER = ErrorEntry(
    "SG_SEND_SEND_AT_INTEGER",
    400,
    "The send_at parameter is expecting a Unix timestamp as an integer. We will send immediately if you include "
    "a send_at timestamp that is in the past.",
    source=_SEND_DOCS,
)
SG_SEND_SEND_AT_TOO_FAR = ErrorEntry(
    "SG_SEND_SEND_AT_TOO_FAR", 400, "Scheduling more than 72 hours in advance is forbidden.", source=_SEND_DOCS
)
SG_SEND_SETTING_BOOLEAN = ErrorEntry(
    "SG_SEND_SETTING_BOOLEAN",
    400,
    "The {0} enable param should be a boolean value.",
    source=_SEND_DOCS + " (sandbox mode: also sending-email/sandbox-mode); for the bypass filters the docs "
    "list none, the same wording is inferred",
)
SG_SEND_ASM_GROUP = ErrorEntry(
    "SG_SEND_ASM_GROUP", 400, "The ASM group ID must be an integer.", field="asm.group_id", source=_SEND_DOCS
)
SG_SEND_TEMPLATE_ID = ErrorEntry(
    "SG_SEND_TEMPLATE_ID",
    400,
    "The template ID must be a string, you provided {0}.",
    field="template_id",
    source=_SEND_DOCS,
)
SG_SEND_BATCH_ID = ErrorEntry(
    "SG_SEND_BATCH_ID", 400, "The batch_id must be a string.", field="batch_id", source=_SEND_DOCS
)
SG_SEND_REPLY_TO = ErrorEntry(
    "SG_SEND_REPLY_TO",
    400,
    "The reply_to object, when used, must at least have an email parameter with a valid email address and it "
    'may also contain a name parameter. e.g. {"email": "example@example.com"} or {"email": '
    '"example@example.com", "name": "Example Recipient"}',
    field="reply_to",
    source=_SEND_DOCS,
)
SG_SEND_ATTACHMENT_CONTENT = ErrorEntry(
    "SG_SEND_ATTACHMENT_CONTENT",
    400,
    "The attachment content must be a string at least one character in length.",
    source=_SEND_DOCS,
)
SG_SEND_ATTACHMENT_BASE64 = ErrorEntry(
    "SG_SEND_ATTACHMENT_BASE64", 400, "The attachment content must be base64 encoded.", source=_SEND_DOCS
)
SG_SEND_ATTACHMENT_FILENAME = ErrorEntry("SG_SEND_ATTACHMENT_FILENAME", 400, "filename is required.", source=_SEND_DOCS)

# -- the Event Webhook settings API (/v3/user/webhooks/event/...), issue 21 --------------------------
# Rendered as {"message"} (plus "field" where one is named, "id" and "url" for a taken URL),
# as the spec's examples show them (twilio/sendgrid-oai spec/yaml/tsg_webhooks_v3.yaml).
_HOOKS_SPEC = "documented: the webhooks spec's examples (twilio/sendgrid-oai tsg_webhooks_v3.yaml)"

SG_WEBHOOK_INVALID_URL = ErrorEntry("SG_WEBHOOK_INVALID_URL", 400, "'{0}' is not a valid url", source=_HOOKS_SPEC)
SG_WEBHOOK_EXISTS = ErrorEntry(
    "SG_WEBHOOK_EXISTS",
    400,
    "Webhook at '{url}' already exists. Please provide a unique URL.",
    source=_HOOKS_SPEC,
)
SG_WEBHOOK_MAX = ErrorEntry(
    "SG_WEBHOOK_MAX",
    400,
    "You have reached the maximum number of webhooks per your current billing plan.",
    source=_HOOKS_SPEC + "; max_allowed 5 (its 'Get All' example)",
)
SG_WEBHOOK_INVALID_ID = ErrorEntry("SG_WEBHOOK_INVALID_ID", 404, "Invalid id provided.", source=_HOOKS_SPEC)
SG_WEBHOOK_NOT_BOOLEAN = ErrorEntry(
    "SG_WEBHOOK_NOT_BOOLEAN",
    400,
    "{0} must be a boolean",
    assumed=True,
    source="no document: a non-boolean event switch or enabled flag",
)
SG_WEBHOOK_NOT_STRING = ErrorEntry(
    "SG_WEBHOOK_NOT_STRING",
    400,
    "{0} must be a string",
    assumed=True,
    source="no document: a url, friendly_name or OAuth field that is not a string",
)
SG_WEBHOOK_REQUIRED = ErrorEntry(
    "SG_WEBHOOK_REQUIRED",
    400,
    "{0} is required",
    assumed=True,
    source="no document: the spec marks enabled (signed toggle) and url (test) required",
)
SG_WEBHOOK_INVALID_JSON = ErrorEntry(
    "SG_WEBHOOK_INVALID_JSON",
    400,
    "request body is invalid JSON",
    assumed=True,
    source="the text other v3 services answer (as SG_INVALID_JSON)",
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

#: the rows of the core's own answers, by kind (``Provider.core_errors``)
CORE_ERRORS: dict[str, ErrorEntry] = {
    "not_found": SG_NOT_FOUND,
    "method_not_allowed": SG_METHOD_NOT_ALLOWED,
    "too_large": SG_REQUEST_TOO_LARGE,
    "internal": SG_INTERNAL,
    "host": SG_HOST_NOT_ALLOWED,
    "cross_site": SG_CROSS_SITE,
}
#: an injected fault's row by its status (any other: a row made from ``FAULT_MESSAGES``)
FAULT_ERRORS: dict[int, ErrorEntry] = {
    e.status: e for e in (SG_AUTH_REQUIRED, SG_ACCESS_FORBIDDEN, SG_NOT_FOUND, SG_TOO_MANY_REQUESTS, SG_INTERNAL)
}

CATALOGUE = [v for v in list(globals().values()) if isinstance(v, ErrorEntry)]
