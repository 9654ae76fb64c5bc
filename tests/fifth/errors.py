"""Acme's catalogue."""

from __future__ import annotations

from pytest_mailblocks.core.errors import ErrorEntry

ACME_UNAUTHORIZED = ErrorEntry("ACME_UNAUTHORIZED", 401, "a valid X-Acme-Key is required", code="auth")
ACME_NOT_LISTED = ErrorEntry("ACME_NOT_LISTED", 404, "{0} is not blocked", code="not_listed")
ACME_NOT_FOUND = ErrorEntry("ACME_NOT_FOUND", 404, "no such route", code="not_found")
ACME_METHOD_NOT_ALLOWED = ErrorEntry("ACME_METHOD_NOT_ALLOWED", 405, "method not allowed", code="method")
ACME_TOO_LARGE = ErrorEntry("ACME_TOO_LARGE", 413, "request too large", code="too_large")
ACME_HOST = ErrorEntry("ACME_HOST", 403, "host {0} is not served", code="host")
ACME_CROSS_SITE = ErrorEntry("ACME_CROSS_SITE", 403, "requests from {0} are refused", code="cross_site")
ACME_INTERNAL = ErrorEntry("ACME_INTERNAL", 500, "internal error", code="internal")

CORE_ERRORS: dict[str, ErrorEntry] = {
    "not_found": ACME_NOT_FOUND,
    "method_not_allowed": ACME_METHOD_NOT_ALLOWED,
    "too_large": ACME_TOO_LARGE,
    "internal": ACME_INTERNAL,
    "host": ACME_HOST,
    "cross_site": ACME_CROSS_SITE,
}
FAULT_ERRORS: dict[int, ErrorEntry] = {401: ACME_UNAUTHORIZED}
