"""Acme's Faker records."""

from __future__ import annotations

from typing import Any

from pytest_mailblocks.generators.faker import Records as _Records


class Records(_Records):
    def acme_block(self, now: float | None = None) -> dict[str, Any]:
        return {"email": self.mailblocks_email(), "created": self.unix_time(now)}
