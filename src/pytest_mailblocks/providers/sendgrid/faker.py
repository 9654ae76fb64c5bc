"""SendGrid's Faker records, as its handle and seed take them (methods of
``pytest_mailblocks.faker.MailblocksProvider``; ``handle.seed(n)`` generates its blocks
with them)."""

from __future__ import annotations

from typing import Any

from ...generators.faker import Records as _Records

__all__ = ["Records"]


class Records(_Records):
    """SendGrid's records."""

    def sendgrid_block(self, now: float | None = None) -> dict[str, Any]:
        email = self.mailblocks_email()
        failure = self.smtp_failure(email)
        return {
            "created": self.unix_time(now),
            "email": email,
            "reason": failure["reason"],
            "status": failure["status"],
        }

    def sendgrid_bounce(self, now: float | None = None) -> dict[str, Any]:
        record = self.sendgrid_block(now)
        if self.random_int(0, 9) == 0:
            record["status"] = ""  # live bounces may carry an empty status
        return record

    def sendgrid_spam_report(self, now: float | None = None) -> dict[str, Any]:
        return {"created": self.unix_time(now), "email": self.mailblocks_email(), "ip": self.generator.ipv4_public()}

    def sendgrid_invalid_email(self, now: float | None = None) -> dict[str, Any]:
        reason = self.random_element(
            (
                "Mail domain mentioned in email address is unknown",
                "Known bad domain",
                "Invalid address syntax",
                "Bounced Address",
            )
        )
        return {"created": self.unix_time(now), "email": self.mailblocks_email(), "reason": reason}

    def sendgrid_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {"created": self.unix_time(now), "email": self.mailblocks_email()}
