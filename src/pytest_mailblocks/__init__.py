"""pytest-mailblocks: stateful fakes of email providers' block/suppression APIs.

>>> from pytest_mailblocks import FakeServer
>>> with FakeServer() as server:
...     sg = server.sendgrid
...     _ = sg.add_block("user@example.com", reason="550 5.1.1 user unknown")
...     [b["email"] for b in sg.blocks()]
['user@example.com']

The names below are imported on first use: the pytest plugin imports this package
in every session, used or not, and must cost next to nothing there (issue 18).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .core import App, Clock, ControlError, ErrorEntry, Fault, Journal, JournalEntry, ProviderError
    from .handles import Fake, FakeServer  # the same classes, their handles typed for editors

__all__ = [
    "App",
    "Clock",
    "ControlError",
    "ErrorEntry",
    "Fake",
    "FakeServer",
    "Fault",
    "Journal",
    "JournalEntry",
    "ProviderError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import core

        value = getattr(core, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
