"""Typed accessors for editors and type checkers: ``server.sendgrid`` is a
:class:`SendGridHandle`, ``server.cmc`` a :class:`CmcHandle`, and so on.

At run time every ``fake.<key>`` comes from the registry (``Fake.__getattr__``), so a
provider registered later works the same, typed ``Any``. Type checkers see the
classes below where ``pytest_mailblocks`` exports ``Fake`` and ``FakeServer``; at run
time those names are core's classes themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core.fake import Fake, FakeServer

__all__ = ["Fake", "FakeServer"]

if TYPE_CHECKING:
    from .providers.cmc.handle import CmcHandle
    from .providers.ncp.handle import NcpHandle
    from .providers.sendcloud.handle import SendCloudHandle
    from .providers.sendgrid.handle import SendGridHandle

    class _Handles(Fake):
        @property
        def sendgrid(self) -> SendGridHandle:
            handle: SendGridHandle = self.handle("sendgrid")
            return handle

        @property
        def cmc(self) -> CmcHandle:
            handle: CmcHandle = self.handle("cmc")
            return handle

        @property
        def ncp(self) -> NcpHandle:
            handle: NcpHandle = self.handle("ncp")
            return handle

        @property
        def sendcloud(self) -> SendCloudHandle:
            handle: SendCloudHandle = self.handle("sendcloud")
            return handle

    class Fake(_Handles):  # type: ignore[no-redef]
        """:class:`pytest_mailblocks.core.fake.Fake` with its handles typed."""

    class FakeServer(_Handles, FakeServer):  # type: ignore[no-redef]
        """:class:`pytest_mailblocks.core.fake.FakeServer` with its handles typed."""
