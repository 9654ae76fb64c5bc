"""pytest-mailblocks: stateful fakes of email providers' block/suppression APIs.

>>> from pytest_mailblocks import FakeServer
>>> with FakeServer() as server:
...     sg = server.sendgrid
...     _ = sg.add_block("user@example.com", reason="550 5.1.1 user unknown")
...     [b["email"] for b in sg.blocks()]
['user@example.com']
"""

__version__ = "0.1.0"

from .core import (
    App,
    Clock,
    ControlError,
    ErrorEntry,
    Fake,
    FakeServer,
    Fault,
    Journal,
    JournalEntry,
    ProviderError,
)

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
