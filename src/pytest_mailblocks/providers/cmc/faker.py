"""Customers Mail Cloud's Faker records, as its handle and seed take them (methods of
``pytest_mailblocks.faker.MailblocksProvider``; ``handle.seed(n)`` generates its blocks
with them)."""

from __future__ import annotations

from typing import Any

from ...generators.faker import Records as _Records

__all__ = ["Records"]

#: SMTP kinds to block status codes (1..11, 99)
STATUSES = {
    "unknown_user": "2",
    "dns": "1",
    "mailbox_full": "5",
    "spam": "4",
    "policy": "4",
    "throttled": "7",
    "timeout": "3",
}


class Records(_Records):
    """Customers Mail Cloud's records."""

    def cmc_block(self, now: float | None = None) -> dict[str, Any]:
        """A block as ``cmc_fake.add_blocks`` / the seed take it (``created`` in JST)."""
        failure = self.smtp_failure()
        return {
            "email": self.mailblocks_email(),
            "status": int(STATUSES[failure["kind"]]) if self.random_int(0, 9) else self.random_element((6, 8, 9, 99)),
            "occurred": self.random_int(1, 5),
            "created": self.local_time(now, 9),
        }

    def cmc_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {
            "email": self.mailblocks_email(),
            "filter_name": self.random_element(
                ("distribution list A", "distribution list B", "newsletter", "campaign-2024", "配信リストC")
            ),
            "created": self.local_time(now, 9),
        }
