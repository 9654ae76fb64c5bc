"""SendCloud's Faker records, as its handle and seed take them (methods of
``pytest_mailblocks.faker.MailblocksProvider``; ``handle.seed(n)`` generates its blocks
with them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ...core.clock import Clock
from ...generators.faker import DOMAINS
from ...generators.faker import Records as _Records

__all__ = ["Records"]


class Records(_Records):
    """SendCloud's records."""

    def sendcloud_block(self, now: float | None = None) -> dict[str, Any]:
        """A block row as ``sendcloud_fake.add_blocks`` / the seed take it: mostly an
        address, sometimes a whole domain; times in UTC+8, expiring within a year."""
        end = int(now if now is not None else Clock().time())
        expire = datetime.fromtimestamp(end + self.random_int(1, 365) * 86400, timezone(timedelta(hours=8)))
        record: dict[str, Any] = {
            "api_user_block": "all" if self.random_int(0, 4) else self.random_element(("batch", "marketing")),
            "expire_time": expire.strftime("%Y-%m-%d"),
            "create_time": self.local_time(end, 8),
        }
        if self.random_int(0, 9):
            record["email"] = self.mailblocks_email()
        else:
            record["domain"] = self.random_element(DOMAINS).lower()
        return record

    def sendcloud_bounce(self, now: float | None = None) -> dict[str, Any]:
        email = self.mailblocks_email()
        return {"email": email, "reason": self.smtp_failure(email)["reason"], "bounce_time": self.local_time(now, 8)}

    def sendcloud_complaint(self, now: float | None = None) -> dict[str, Any]:
        """A complaint-list row (a spam report within 90 days: still listed, 180 days)."""
        return {"email": self.mailblocks_email(), "complaint_time": self.local_time(now, 8)}

    def sendcloud_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {
            "email": self.mailblocks_email(),
            "label_id": self.random_int(0, 5),
            "unsubscribe_time": self.local_time(now, 8),
        }
