"""Faker provider: realistic block and suppression records for every provider.

    from faker import Faker
    from pytest_mailblocks.faker import MailblocksProvider

    fake = Faker()
    fake.add_provider(MailblocksProvider)
    fake.seed_instance(4)                 # or the pytest ``faker`` fixture's seeding
    fake.sendgrid_block()                 # {"created": ..., "email": ..., "reason": ..., "status": ...}

Needs Faker: ``pip install 'pytest-mailblocks[generators]'``.

Every value comes from the Faker instance's random source, so a seeded Faker (the
pytest ``faker`` fixture seeds it per test) gives the same records every run.
Addresses span free-mail, Japanese, Korean, Chinese and corporate domains in mixed
case, with plus tags and dots; SMTP failures are the replies real MTAs send
(unknown user, mailbox full, spam and policy rejections, DNS failures, timeouts).
:class:`MailblocksProvider` gathers every registered provider's ``faker`` room
(``<provider>_<record>`` methods) through the registry.
"""

from __future__ import annotations

import warnings
from typing import Any

from .generators.faker import DOMAINS as DOMAINS  # importable here, as before
from .generators.faker import SMTP_FAILURES, Records
from .generators.faker import generate as _generate
from .providers import REGISTRY, room

__all__ = ["SMTP_FAILURES", "MailblocksProvider", "generate"]


def _gathered() -> type[Records]:
    """One Faker provider class with every registered provider's records."""
    rooms = [room(key, "faker") for key in REGISTRY]
    mixins = tuple(r.Records for r in rooms if r is not None)
    return type("MailblocksProvider", mixins or (Records,), {"__module__": __name__, "__doc__": __doc__})


#: every registered provider's Faker records (``fake.sendgrid_block()`` ...)
MailblocksProvider = _gathered()


def generate(method: str, n: int, *, faker: Any = None, seed: int | None = None, now: float | None = None) -> list[Any]:
    """``n`` records from ``MailblocksProvider.<method>`` with distinct addresses.

    ``faker``: a Faker instance (the provider is added to it if missing); otherwise a
    new one seeded with ``seed``, so the same seed gives the same records."""
    return _generate(MailblocksProvider, method, n, faker=faker, seed=seed, now=now)


#: names that lived here before each provider's records moved to its own ``faker`` room
_MOVED = {"NCP_RESULT_CODES": ("ncp", "RESULT_CODES"), "CMC_STATUS": ("cmc", "STATUSES")}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        key, new = _MOVED[name]
        warnings.warn(
            f"pytest_mailblocks.faker.{name} is now pytest_mailblocks.providers.{key}.faker.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(room(key, "faker"), new)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
