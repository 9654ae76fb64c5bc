"""The provider registry: one entry per provider.

A provider is a package with the same rooms as its siblings (see
``docs/architecture.md``) plus one :class:`Entry` here: its key, where its
``Provider`` class is, and the few facts needed before it is imported (credential
names, path prefixes, secret names). The app routes and journals requests, and the
pytest plugin registers ``<key>_fake`` / ``<key>_client`` and checks credential
options, from the entry alone; the package is imported when a request or a handle
first needs it (issue 18). Core, the control plane, the inspector, the CLI and the
generators find providers here only, and a provider's rooms through :func:`room`.

A provider outside this package (a test's, another distribution's) is added with
:func:`register` before the app that serves it is made (for the pytest fixtures:
in a ``conftest.py`` at the root of the suite, or a plugin) and taken back with
:func:`unregister`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.errors import ControlError

if TYPE_CHECKING:
    from ..core.provider import Provider

__all__ = [
    "CREDENTIALS",
    "PREFIXES",
    "REGISTRY",
    "SECRETS",
    "Entry",
    "load_providers",
    "register",
    "room",
    "served",
    "unregister",
]


class Entry(NamedTuple):
    """One provider, as the app knows it before importing it (a test holds each
    fact equal to the class's own attribute)."""

    #: the registry key (``server.<key>``, ``<key>_fake``, ``/_mailblocks/<key>/``)
    key: str
    #: ``"package:Class"`` of its ``Provider`` subclass; its rooms are modules of the package
    provider: str
    #: its credential names (the class's ``default_credentials`` keys)
    credentials: tuple[str, ...]
    #: the path prefixes it owns (the class's ``prefixes``)
    prefixes: tuple[str, ...]
    #: lower-cased header and parameter names of its secrets (the class's ``secrets``)
    secrets: frozenset[str]

    @property
    def package(self) -> str:
        return self.provider.partition(":")[0]


REGISTRY: dict[str, Entry] = {
    entry.key: entry
    for entry in (
        Entry(
            "sendgrid",
            "pytest_mailblocks.providers.sendgrid:SendGrid",
            ("api_key",),
            ("/v3/",),
            frozenset({"authorization"}),
        ),
        Entry(
            "cmc",
            "pytest_mailblocks.providers.cmc:CustomersMailCloud",
            ("api_user", "api_key", "server_composition"),
            ("/transaction/", "/api/v1/emails/", "/api/v2/emails/"),
            frozenset({"api_key"}),
        ),
        Entry(
            "ncp",
            "pytest_mailblocks.providers.ncp:Ncp",
            ("access_key", "secret_key"),
            ("/api/v1/", "/api/v1-sgn/", "/api/v1-jpn/"),
            # the signed headers, and the API key header older NCP gateways took
            frozenset({"x-ncp-apigw-signature-v2", "x-ncp-iam-access-key", "x-ncp-apigw-api-key"}),
        ),
        Entry(
            "sendcloud",
            "pytest_mailblocks.providers.sendcloud:SendCloud",
            ("api_user", "api_key"),
            ("/api/", "/apiv2/"),
            frozenset({"apikey"}),
        ),
    )
}


class _Column(Mapping[str, Any]):
    """One fact of every entry, by key: a live, read-only view of the registry."""

    def __init__(self, field: str) -> None:
        self._field = field

    def __getitem__(self, key: str) -> Any:
        return getattr(REGISTRY[key], self._field)

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)

    def __repr__(self) -> str:
        return repr(dict(self))


#: each provider's credential names, by key
CREDENTIALS: Mapping[str, tuple[str, ...]] = _Column("credentials")
#: the path prefixes each provider owns, by key
PREFIXES: Mapping[str, tuple[str, ...]] = _Column("prefixes")
#: the names of each provider's secrets, by key (for the journal)
SECRETS: Mapping[str, frozenset[str]] = _Column("secrets")


def register(entry: Entry) -> Entry:
    """Add a provider. Its key must be new and its prefixes must not be another's."""
    if entry.key in REGISTRY:
        raise ValueError(f"a provider {entry.key!r} is registered already")
    if not entry.key.isidentifier() or entry.key.startswith("_"):
        raise ValueError(f"a provider key is a Python name not starting with '_', got {entry.key!r}")
    taken = {p: e.key for e in REGISTRY.values() for p in e.prefixes}
    clash = sorted(p for p in entry.prefixes if p in taken)
    if clash:
        raise ValueError(f"prefix(es) {clash} belong to {sorted({taken[p] for p in clash})}")
    REGISTRY[entry.key] = entry
    return entry


def unregister(key: str) -> None:
    """Take back a provider :func:`register` added (apps made since keep serving it)."""
    REGISTRY.pop(key, None)


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
        module, _, name = REGISTRY[key].provider.partition(":")
        out[key] = getattr(import_module(module), name)
    return out


def room(key: str, name: str) -> ModuleType | None:
    """A provider's room (``views``, ``strategies``, ``faker`` ...) imported, or None
    when its package has no such module. Errors inside the room propagate."""
    module = f"{REGISTRY[key].package}.{name}"
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def __getattr__(name: str) -> Any:
    # the control plane's paging lived here before issue 22
    if name in ("BlockPage", "PAGE_KEYS", "block_page"):
        warnings.warn(
            f"pytest_mailblocks.providers.{name} is now pytest_mailblocks.control.paging.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        from ..control import paging

        return getattr(paging, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
