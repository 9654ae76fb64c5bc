"""The base of the provider handles tests use (``server.<key>``).

A handle is a thin view over one provider of one fake: its ``url`` (the stand-in
for the provider's documented host), its credentials, its journal, its faults and
in-process clients. Provider handles add the seeding and read-back verbs
(``add_block``, ``blocks()`` ...).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .errors import ControlError
from .faults import Fault
from .journal import Journal
from .snapshot import is_snapshot

if TYPE_CHECKING:
    from .fake import Fake
    from .provider import Provider

__all__ = ["Handle"]


class Handle:
    """One provider of one fake, seen from Python."""

    def __init__(self, provider: Provider, owner: Fake) -> None:
        self._provider = provider
        self._owner = owner

    @property
    def key(self) -> str:
        return self._provider.key

    @property
    def url(self) -> str:
        """Scheme, host and port standing in for the provider's documented host."""
        return self._owner.url

    @property
    def requests(self) -> Journal:
        """The journal of requests this provider received."""
        return self._owner.app.journals[self.key]

    @property
    def credentials(self) -> dict[str, str]:
        return dict(self._provider.credentials)

    @property
    def clock(self) -> Any:
        return self._owner.clock

    def reset(self) -> None:
        """Empty this provider's state, journal and faults (the clock is shared: see
        ``server.reset()``)."""
        app = self._owner.app
        with app.lock:  # one step for requests: none is answered in between
            self._provider.reset()
            app.journals[self.key].clear()
        app.faults.clear(self.key)

    def seed(self, data: Any, *, faker: Any = None, seed: int | None = None) -> int:
        """Seed state from the same JSON-like data the control plane takes, or, given
        an integer ``n``, with ``n`` realistic generated blocks (``faker``: a Faker
        instance such as the pytest ``faker`` fixture; else one seeded with ``seed``).
        All or nothing: a refused seed changes nothing. Given a snapshot (of this
        provider, or of a whole fake), it replaces this provider's state and faults
        (:meth:`import_state`); returns 0."""
        if isinstance(data, int) and not isinstance(data, bool):
            data = {"blocks": self.generated(data, faker=faker, seed=seed)}
        elif is_snapshot(data):
            self.import_state(data)
            return 0
        with self._owner.app.lock:
            return self._provider.seed(data, self.key)

    def export_state(self) -> dict[str, Any]:
        """A snapshot of this provider's state and faults (JSON-ready data)."""
        return self._owner.app.export_state(self.key)

    def import_state(self, snapshot: Any) -> dict[str, Any]:
        """Replace this provider's state and faults with ``snapshot``'s (this
        provider's, or its part of a whole fake's), all or nothing."""
        return self._owner.app.import_state(snapshot, self.key)

    def save_state(self, path: str | os.PathLike[str]) -> int:
        """Write a snapshot of this provider to ``path`` atomically; the bytes written."""
        return self._owner.app.save_state(path, self.key)

    def generated(self, n: int, *, faker: Any = None, seed: int | None = None) -> list[dict[str, Any]]:
        """``n`` generated blocks, for ``seed(n)``: a provider's handle that has them
        says how (``pytest_mailblocks.generators.Generated``)."""
        raise ControlError(f"{self.key} has no generated records; seed it with data")

    def inject_fault(
        self,
        endpoint: str | None = None,
        *,
        status: int | None = None,
        latency: float = 0.0,
        reset: bool = False,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Make matching requests to this provider fail (see ``FaultSet.add``)."""
        return self._owner.app.faults.add(
            provider=self.key,
            endpoint=endpoint,
            method=method,
            path=path,
            status=status,
            latency=latency,
            reset=reset,
            times=times,
        )

    def clear_faults(self) -> int:
        return self._owner.app.faults.clear(self.key)

    def httpx_client(self, **kwargs: Any) -> Any:
        """An ``httpx.Client`` on this provider's url, served in-process."""
        return self._owner.httpx_client(**kwargs)

    def async_httpx_client(self, **kwargs: Any) -> Any:
        return self._owner.async_httpx_client(**kwargs)

    def requests_session(self) -> Any:
        return self._owner.requests_session()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"
