"""The fakes users hold: :class:`FakeServer` (a socket on 127.0.0.1) and the
shared :class:`Fake` base (state, clock, handles, in-process clients)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .app import DEFAULT_MAX_BODY, DEFAULT_MAX_STATE_BODY, App
from .clock import Clock
from .faults import FaultSet
from .handle import Handle
from .journal import DEFAULT_JOURNAL_MAX_BODY, DEFAULT_JOURNAL_MAX_BYTES, Journal, JournalEntry
from .server import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, check_transport

if TYPE_CHECKING:
    from .server import WSGIServer

__all__ = ["Fake", "FakeServer", "NotLoopbackWarning"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class NotLoopbackWarning(UserWarning):
    """The fake is bound to an address other machines may reach."""


class Fake:
    """One fake as a test holds it, however its :class:`~.app.App` is served: the
    handles (``fake.<key>``), clock, faults, seeding, reset, journals and in-process
    clients. It has no socket of its own: :class:`FakeServer` adds one, a
    :class:`~.mount.MountedFake` serves through pytest-httpserver, and ``Fake(app)``
    alone serves in-process only."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._handles: dict[str, Handle] = {}

    @property
    def url(self) -> str:
        raise NotImplementedError

    # -- providers -----------------------------------------------------------------
    def handle(self, key: str) -> Any:
        """The handle of provider ``key`` (also ``fake.<key>``)."""
        h = self._handles.get(key)
        if h is None:
            provider = self.app.providers.get(key)
            if provider is None:
                raise AttributeError(f"provider {key!r} is not served here; served: {sorted(self.app.providers)}")
            h = self._handles[key] = provider.handle(self)
        return h

    def __getattr__(self, name: str) -> Any:
        # ``fake.<key>``: the handle of every provider the registry lists (typed for
        # editors by ``pytest_mailblocks.handles``)
        if name.startswith("_") or "app" not in self.__dict__:
            raise AttributeError(name)
        if name in self.app.providers:
            return self.handle(name)
        from ..providers import REGISTRY

        if name in REGISTRY:
            raise AttributeError(f"provider {name!r} is not served here; served: {sorted(self.app.providers)}")
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def providers(self) -> list[str]:
        return list(self.app.providers)

    # -- state, time, journal ------------------------------------------------------
    @property
    def clock(self) -> Clock:
        return self.app.clock

    @property
    def faults(self) -> FaultSet:
        return self.app.faults

    @property
    def webhooks(self) -> Any:
        """The webhook dispatcher: ``server.webhooks.wait_idle(timeout)`` waits until
        every webhook post due at the fake clock's now has been attempted."""
        return self.app.webhooks

    def reset(self) -> None:
        """Empty state, default credentials, clear journals and faults, real time."""
        self.app.reset()

    def seed(self, data: dict[str, Any]) -> dict[str, int]:
        """Seed several providers at once: ``{"<provider>": {"blocks": [...]}, ...}``, all
        or nothing (a :class:`~.errors.ControlError` changes no provider)."""
        return self.app.seed(data, "")

    # -- snapshots (issue 20) --------------------------------------------------------
    def export_state(self, provider: str | None = None) -> dict[str, Any]:
        """A snapshot: every provider's state (each list with every field, credentials,
        tenants, settings), the faults and the clock, as JSON-ready data; with
        ``provider``, that provider's state and faults."""
        return self.app.export_state(provider)

    def import_state(self, snapshot: Any, provider: str | None = None) -> dict[str, Any]:
        """Replace the state with ``snapshot``'s, all or nothing (a
        :class:`~.errors.ControlError` naming the JSON path changes nothing)."""
        return self.app.import_state(snapshot, provider)

    def save_state(self, path: str | os.PathLike[str], provider: str | None = None) -> int:
        """Write a snapshot to ``path`` (atomically: a whole file, the old or the new);
        the bytes written. Commit it, then start tests from it (``mailblocks_snapshot``)."""
        return self.app.save_state(path, provider)

    def load_state(self, path: str | os.PathLike[str], provider: str | None = None) -> dict[str, Any]:
        """Replace the state with the snapshot saved at ``path``."""
        return self.app.load_state(path, provider)

    def journal(self, provider: str) -> Journal:
        return self.app.journals[provider]

    @property
    def requests(self) -> list[JournalEntry]:
        """Every provider's journal, merged in arrival order."""
        entries = [e for k, j in self.app.journals.items() if k != "_mailblocks" for e in j]
        return sorted(entries, key=lambda e: e.seq)

    def check(self) -> None:
        """Raise if an endpoint hit an internal error (a bug in the fake)."""
        self.app.check()

    # -- in-process clients ----------------------------------------------------------
    def httpx_client(self, **kwargs: Any) -> Any:
        """An ``httpx.Client`` with ``base_url=self.url`` that never opens a socket."""
        import httpx

        from .transport_httpx import HttpxTransport

        kwargs.setdefault("base_url", self.url)
        return httpx.Client(transport=HttpxTransport(self.app), **kwargs)

    def async_httpx_client(self, **kwargs: Any) -> Any:
        import httpx

        from .transport_httpx import AsyncHttpxTransport

        kwargs.setdefault("base_url", self.url)
        return httpx.AsyncClient(transport=AsyncHttpxTransport(self.app), **kwargs)

    def httpx_transport(self) -> Any:
        from .transport_httpx import HttpxTransport

        return HttpxTransport(self.app)

    def mount(self, httpserver: Any) -> Any:
        """Serve this fake's paths through a pytest-httpserver ``httpserver`` too;
        returns a :class:`~.mount.MountedFake` sharing this state, with the
        httpserver's url (see :mod:`.mount`)."""
        from .mount import mount

        return mount(self.app, httpserver)

    def requests_session(self) -> Any:
        """A ``requests.Session`` whose calls to ``self.url`` stay in-process.

        It never reads the environment (``trust_env`` is False: no proxy variables,
        no ``.netrc``): an in-process call uses neither, and looking them up was
        close to half of each call's time (issue 18)."""
        from .transport_requests import InProcessSession

        return InProcessSession(self.app, self.url)


class FakeServer(Fake):
    """Every provider's fake on one real socket (a :class:`~.server.WSGIServer`).

    ``with FakeServer() as server:`` binds 127.0.0.1 on a free port and serves
    from a background thread; leaving the block stops it (requests in flight are
    finished). Options are those of :class:`~.app.App` plus ``host`` and ``port``,
    and the socket's own: ``max_connections`` served at once (one more is answered
    ``503``) and ``idle_timeout``, the seconds a connection may stay silent (see
    :mod:`.server`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        providers: Iterable[str] | None = None,
        credentials: dict[str, dict[str, str]] | None = None,
        control: bool = True,
        control_token: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_state_body: int = DEFAULT_MAX_STATE_BODY,
        state_file: str | os.PathLike[str] | None = None,
        journal_limit: int | None = 10_000,
        journal_max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES,
        journal_max_body: int | None = DEFAULT_JOURNAL_MAX_BODY,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        allow_hosts: Iterable[str] = (),
        app: App | None = None,
    ) -> None:
        super().__init__(
            app
            or App(
                providers,
                credentials=credentials,
                control=control,
                control_token=control_token,
                max_body=max_body,
                max_state_body=max_state_body,
                state_file=state_file,
                journal_limit=journal_limit,
                journal_max_bytes=journal_max_bytes,
                journal_max_body=journal_max_body,
                allow_hosts=allow_hosts,
            )
        )
        self.host = host
        self.port = port
        check_transport(max_connections, idle_timeout)
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self._server: WSGIServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running; use `with FakeServer() as server:` or start()")
        return self._server.url

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> FakeServer:
        from .server import WSGIServer

        if self._server is not None:
            raise RuntimeError("the server is already running")
        if self.host not in LOOPBACK:
            warnings.warn(
                f"serving on {self.host}, not loopback: anyone who can reach this address can read "
                "and change the fake's state (use --control-token or --no-control to guard it)",
                NotLoopbackWarning,
                stacklevel=2,
            )
        self._server = WSGIServer(
            self.app,
            self.host,
            self.port,
            max_body=self.app.max_body,
            max_connections=self.max_connections,
            idle_timeout=self.idle_timeout,
        )
        self.app.hosts.bind(self.host)
        self.port = self._server.port
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.app.close()

    def serve_forever(self) -> None:
        if self._server is None:
            self.start()
        assert self._server is not None
        self._server.serve_forever()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._server.url if self._server else "stopped"
        return f"<FakeServer {where} providers={self.providers}>"
