"""Hypothesis strategies: addresses with their edge cases, records per provider,
and requests per endpoint, valid and invalid.

Built from Hypothesis primitives, so failing examples shrink. Needs Hypothesis:
``pip install 'pytest-mailblocks[generators]'``.

- ``emails()``, ``simulator_emails()``, ``unix_times()``, ``smtp_statuses`` and
  :class:`Case` (from ``pytest_mailblocks.generators.strategies``);
- every registered provider's strategies, from its ``strategies`` room, as
  ``<provider>_<name>`` (``providers/sendgrid/strategies.py``'s ``list_cases`` is
  ``sendgrid_list_cases`` here): records as each handle's ``add_*`` and the seed
  format take them (``sendgrid_blocks()``, ``cmc_unsubscribes()`` ...), and one
  ``*_cases()`` strategy per endpoint, drawing :class:`Case` values: the request's
  parameters, the error the fake answers with (``None``: success), and the records
  the provider must hold first. ``valid=True`` draws requests the fake accepts,
  ``valid=False`` requests it refuses, each with exactly one documented problem (so
  the error is the first one listed). The README lists them all.

Errors of the transport rather than the parameters (credentials, scopes, rate
limits, quotas, unreadable bodies) are not drawn.

With the pytest fixtures, reset the fake inside the test body: every ``@given``
example reuses the function-scoped fixture, which is why Hypothesis asks you to
acknowledge it::

    from hypothesis import HealthCheck, given, settings
    from pytest_mailblocks import strategies as mb

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(case=mb.cmc_unsubscribes_cancel_cases(valid=False, json_values=False))
    def test_cancel_errors(mailblocks, case):
        mailblocks.reset()
        mailblocks.cmc.seed(case.seed)
        with mailblocks.httpx_client() as c:
            r = c.post("/transaction/v2/unsubscribes/cancel.json", data={**mailblocks.cmc.auth, **case.params})
        assert r.status_code == case.error.status
        assert r.json()["errors"][0]["code"] == case.error.code
"""

from __future__ import annotations

from typing import Any

from .generators.strategies import Case, emails, simulator_emails, smtp_statuses, unix_times
from .providers import REGISTRY, room

__all__ = ["Case", "emails", "simulator_emails", "smtp_statuses", "unix_times"]


def _exported(key: str) -> dict[str, Any]:
    """A provider's strategies, by the names this module exports them under."""
    module = room(key, "strategies")
    return {} if module is None else {f"{key}_{name}": getattr(module, name) for name in module.__all__}


_PROVIDED = {name: value for key in REGISTRY for name, value in _exported(key).items()}
globals().update(_PROVIDED)
__all__ += sorted(_PROVIDED)


def __getattr__(name: str) -> Any:
    # a strategy of a provider registered after this module was imported
    for key in list(REGISTRY):
        found = _exported(key).get(name) if name.startswith(f"{key}_") else None
        if found is not None:
            globals()[name] = found
            return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
