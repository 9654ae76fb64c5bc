"""NAVER Cloud Outbound Mailer's Faker records, as its handle and seed take them (methods of
``pytest_mailblocks.faker.MailblocksProvider``; ``handle.seed(n)`` generates its blocks
with them)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ...generators.faker import Records as _Records

__all__ = ["Records"]

#: SMTP kinds to send result codes (guide: send-block hard bounces)
RESULT_CODES = {
    "unknown_user": "RECIPIENT_ADDRESS_ERROR",
    "dns": "NETWORK_ERROR",
    "mailbox_full": "MAILBOX_ERROR",
    "spam": "SECURITY_AND_POLICY_ERROR",
    "policy": "SECURITY_AND_POLICY_ERROR",
    "throttled": "RECEIVE_MAIL_SERVICE_ERROR",
    "timeout": "NETWORK_ERROR",
}


class Records(_Records):
    """NAVER Cloud Outbound Mailer's records."""

    def ncp_send_block(self, now: float | None = None) -> dict[str, Any]:
        """A send block as ``ncp_fake.add_block`` / the seed take it: a hard bounce in
        the last week (so most are still in force under the 168 h default)."""
        email = self.mailblocks_email()
        failure = self.smtp_failure(email)
        requester = self.random_element(("SYSTEM",) * 6 + ("OTHER_CUSTOMER", "OTHER_CUSTOMER", "CUSTOMER", "ADMIN"))
        created = datetime.fromtimestamp(self.unix_time(now, days=7), timezone.utc)
        record: dict[str, Any] = {"email": email, "requester": requester, "created": created.isoformat()}
        if requester != "ADMIN":
            record["result_code"] = RESULT_CODES[failure["kind"]]
            record["result_message"] = failure["reason"] + "\n"
        return record
