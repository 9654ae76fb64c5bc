"""Provider-agnostic machinery: app, server, clock, journal, faults, storage.

The names below are imported on first use (see the package's ``__init__``)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import App
    from .clock import Clock
    from .errors import ConnectionReset, ControlError, ErrorEntry, ProviderError
    from .fake import Fake, FakeServer
    from .faults import Fault, FaultSet
    from .journal import Journal, JournalEntry
    from .store import OrderedStore, Page

_WHERE = {
    "App": "app",
    "Clock": "clock",
    "ConnectionReset": "errors",
    "ControlError": "errors",
    "ErrorEntry": "errors",
    "Fake": "fake",
    "FakeServer": "fake",
    "Fault": "faults",
    "FaultSet": "faults",
    "Journal": "journal",
    "JournalEntry": "journal",
    "OrderedStore": "store",
    "Page": "store",
    "ProviderError": "errors",
}

__all__ = [
    "App",
    "Clock",
    "ConnectionReset",
    "ControlError",
    "ErrorEntry",
    "Fake",
    "FakeServer",
    "Fault",
    "FaultSet",
    "Journal",
    "JournalEntry",
    "OrderedStore",
    "Page",
    "ProviderError",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
