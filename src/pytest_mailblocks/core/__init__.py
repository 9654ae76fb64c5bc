"""Provider-agnostic machinery: app, server, clock, journal, faults, storage."""

from .app import App
from .clock import Clock
from .errors import ConnectionReset, ControlError, ErrorEntry, ProviderError
from .fake import Fake, FakeServer
from .faults import Fault, FaultSet
from .journal import Journal, JournalEntry
from .store import OrderedStore, Page

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
