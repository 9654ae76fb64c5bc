"""The provider registry: one line per provider.

Adding a provider means adding its package under ``providers/`` and one line
here; no other core file changes. Entries are ``"module:Class"`` strings so a
provider is imported only when served.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING

from ..core.errors import ControlError

if TYPE_CHECKING:
    from ..core.provider import Provider

__all__ = ["REGISTRY", "load_providers"]

REGISTRY: dict[str, str] = {
    "sendgrid": "pytest_mailblocks.providers.sendgrid:SendGrid",
    "cmc": "pytest_mailblocks.providers.cmc:CustomersMailCloud",
    "ncp": "pytest_mailblocks.providers.ncp:Ncp",
    "sendcloud": "pytest_mailblocks.providers.sendcloud:SendCloud",
}


def load_providers(keys: Iterable[str] | None = None) -> dict[str, type[Provider]]:
    """Provider classes by key, in registry order (``keys``: a subset)."""
    wanted = list(REGISTRY) if keys is None else list(keys)
    unknown = [k for k in wanted if k not in REGISTRY]
    if unknown:
        raise ControlError(f"unknown provider(s) {unknown}; known: {list(REGISTRY)}")
    out: dict[str, type[Provider]] = {}
    for key in REGISTRY:
        if key in wanted:
            module, _, name = REGISTRY[key].partition(":")
            out[key] = getattr(import_module(module), name)
    return out
