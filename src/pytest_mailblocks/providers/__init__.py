"""The provider registry: one line per provider.

Adding a provider means adding its package under ``providers/`` and a line in
each table here; no other core file changes. Entries are ``"module:Class"``
strings so a provider is imported only when served: the pytest plugin registers
the ``<provider>_fake`` fixtures and checks credential options from these tables
alone, without importing any provider (issue 18).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, NamedTuple

from ..core.errors import ControlError

if TYPE_CHECKING:
    from ..core.provider import Provider

__all__ = [
    "CREDENTIALS",
    "PAGE_KEYS",
    "PREFIXES",
    "REGISTRY",
    "SECRETS",
    "BlockPage",
    "block_page",
    "load_providers",
    "served",
]

REGISTRY: dict[str, str] = {
    "sendgrid": "pytest_mailblocks.providers.sendgrid:SendGrid",
    "cmc": "pytest_mailblocks.providers.cmc:CustomersMailCloud",
    "ncp": "pytest_mailblocks.providers.ncp:Ncp",
    "sendcloud": "pytest_mailblocks.providers.sendcloud:SendCloud",
}

# What the app and the plugin need to know of a provider before it is imported (a
# test holds each table equal to the class's attribute): an app routes requests,
# journals them and checks credential overrides from these, and imports a provider
# when a request or a handle first needs it.

#: each provider's credential names (its class's ``default_credentials`` keys)
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "sendgrid": ("api_key",),
    "cmc": ("api_user", "api_key", "server_composition"),
    "ncp": ("access_key", "secret_key"),
    "sendcloud": ("api_user", "api_key"),
}
#: the path prefixes each provider owns (its class's ``prefixes``)
PREFIXES: dict[str, tuple[str, ...]] = {
    "sendgrid": ("/v3/",),
    "cmc": ("/transaction/",),
    "ncp": ("/api/v1/", "/api/v1-sgn/", "/api/v1-jpn/"),
    "sendcloud": ("/api/", "/apiv2/"),
}
#: the names of each provider's secrets, for the journal (its class's ``secrets``)
SECRETS: dict[str, frozenset[str]] = {
    "sendgrid": frozenset({"authorization"}),
    "cmc": frozenset({"api_key"}),
    "ncp": frozenset({"x-ncp-apigw-signature-v2", "x-ncp-iam-access-key", "x-ncp-apigw-api-key"}),
    "sendcloud": frozenset({"apikey"}),
}


def served(keys: Iterable[str] | None = None) -> list[str]:
    """Registry keys to serve, in registry order (``keys``: a subset, checked)."""
    wanted = list(REGISTRY) if keys is None else list(keys)
    unknown = [k for k in wanted if k not in REGISTRY]
    if unknown:
        raise ControlError(f"unknown provider(s) {unknown}; known: {list(REGISTRY)}")
    return [k for k in REGISTRY if k in wanted]


def load_providers(keys: Iterable[str] | None = None) -> dict[str, type[Provider]]:
    """Provider classes by key, in registry order (``keys``: a subset)."""
    out: dict[str, type[Provider]] = {}
    for key in served(keys):
        module, _, name = REGISTRY[key].partition(":")
        out[key] = getattr(import_module(module), name)
    return out


#: query keys every provider's ``control_blocks`` takes to return one page of its
#: block list from the list's index (the web inspector, issue 11)
PAGE_KEYS = frozenset({"email", "start", "end", "offset", "limit"})


class BlockPage(NamedTuple):
    """One page of a block list: ``email`` in the provider's own filter sense (the
    list API's), ``start <= time < end`` in unix seconds on the list's index time."""

    email: str | None
    start: int | None
    end: int | None
    offset: int
    limit: int | None


def block_page(query: Mapping[str, str]) -> BlockPage | None:
    """The page a ``control_blocks`` query asks for, or None when it names none of
    :data:`PAGE_KEYS` (then the whole list, as before). Times are unix seconds or
    ISO 8601; a bad value is a :class:`ControlError` naming the parameter."""
    if not PAGE_KEYS & query.keys():
        return None
    from ..core.clock import parse_instant
    from ..core.control import int_arg

    def instant(name: str) -> int | None:
        raw = (query.get(name) or "").strip()
        if not raw:
            return None
        try:
            return int(raw) if raw.lstrip("-").isdigit() else int(parse_instant(raw))
        except (ValueError, OverflowError) as exc:
            raise ControlError(f"query parameter {name}: {exc}") from None

    return BlockPage(
        (query.get("email") or "").strip() or None,
        instant("start"),
        instant("end"),
        int_arg(query, "offset") or 0,
        int_arg(query, "limit"),
    )
