"""The one WSGI application behind every way of serving the fakes.

Request flow, one way: the mount table (a werkzeug Map of path prefixes) picks a
provider, or an app mounted from outside core (the control plane and the inspector,
see ``mounts.py``) -> the provider's route match -> fault hook -> operation under the
lock (its checks, the endpoint, its models) -> render -> journal. Whatever goes
wrong inside a provider comes back in that provider's own error format: a
:class:`~.errors.ProviderError` as its catalogue entry, anything else as the
provider's internal error, with the traceback kept in the journal and in
:attr:`App.errors` so the pytest plugin can fail the test that caused it.
"""

from __future__ import annotations

import itertools
import os
import string
import threading
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from .clock import Clock
from .errors import ConnectionReset, ControlError, ProviderError
from .faults import FaultSet
from .hosts import HostGuard
from .journal import DEFAULT_JOURNAL_MAX_BODY, DEFAULT_JOURNAL_MAX_BYTES, Journal, JournalRecord
from .provider import Call, Notes, Provider, json_response, seed_all
from .routing import MountTable
from .snapshot import is_snapshot
from .wsgi import BODY_STREAMED_KEY, HEADERS_KEY, URI_TOO_LONG_KEY

if TYPE_CHECKING:
    from .webhooks import WebhookDispatcher

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_MAX_STATE_BODY", "App"]

#: request bodies above this many bytes are refused in the provider's format
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: a snapshot imported over HTTP (``PUT /_mailblocks/state``) may be this big: about
#: two million records (a body over ``max_body`` is kept in a temporary file, not in
#: memory, while it is read)
DEFAULT_MAX_STATE_BODY = 256 * 1024 * 1024
#: the path the control plane and the inspector are mounted under (see ``mounts.py``),
#: and the key of their journal
CONTROL_PREFIX = "/_mailblocks"
CONTROL_JOURNAL = "_mailblocks"
#: what the control plane's journal redacts besides every provider's secrets: its token,
#: the inspector's cookies and CSRF field, and the credentials seeds and answers carry
CONTROL_SECRETS = frozenset(
    {"x-mailblocks-token", "token", "cookie", "set-cookie", "csrf", "api_key", "secret_key", "key", "password"}
)
_QUERY_SAFE = "".join(c for c in string.printable if c not in " \t\n\r\x0b\x0c")


class App:
    """One fake's WSGI application: its providers and their state, the clock, the
    journals and faults, and the routing. Every way of serving calls it: a
    :class:`~.fake.FakeServer`'s socket, pytest-httpserver, the in-process transports.

    :param providers: registry keys to serve (default: all registered).
    :param credentials: per-provider default credential overrides,
        e.g. ``{"<provider>": {"api_key": "..."}}``.
    :param control: serve the control plane under ``/_mailblocks/``.
    :param control_token: when set, the control plane requires it in the
        ``X-Mailblocks-Token`` header (or ``token`` query parameter).
    :param max_body: request body cap in bytes.
    :param max_state_body: body cap of a snapshot import (``PUT /_mailblocks/state``),
        in bytes.
    :param state_file: where ``POST /_mailblocks/state/save`` writes a snapshot
        (``mailblocks serve --state FILE``); None: nowhere.
    :param journal_limit: entries kept per journal (one per provider, one for the
        control plane).
    :param journal_max_bytes: bytes kept per journal, the oldest entries dropped first.
    :param journal_max_body: bytes kept of each request and response body in an entry.
    :param allow_hosts: names answered besides loopback and the bound address, and
        accepted as a browser's ``Origin`` (see :mod:`.hosts`).

    Journal bounds set on a journal at run time (``handle.requests.max_bytes = n``)
    last until :meth:`reset`, which restores these.
    """

    def __init__(
        self,
        providers: Iterable[str] | None = None,
        *,
        credentials: dict[str, dict[str, str]] | None = None,
        control: bool = True,
        control_token: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_state_body: int = DEFAULT_MAX_STATE_BODY,
        state_file: str | os.PathLike[str] | None = None,
        journal_limit: int | None = 10_000,
        journal_max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES,
        journal_max_body: int | None = DEFAULT_JOURNAL_MAX_BODY,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        from ..mounts import MOUNTS
        from ..providers import CREDENTIALS, PREFIXES, SECRETS, served

        self.clock = Clock()
        self.lock = threading.RLock()
        self.faults = FaultSet()
        self.control_enabled = control
        self.control_token = control_token
        self.max_body = max_body
        self.max_state_body = max_state_body
        self.state_file = state_file
        self.hosts = HostGuard(allow_hosts)
        self.errors: list[BaseException] = []
        #: the providers' requests are numbered 1, 2, 3 ... in arrival order; the mounted
        #: apps' (control plane, inspector) are numbered apart, in their own journal, so a
        #: page polling the journal does not make gaps in the providers' numbers
        self._seq = itertools.count(1)
        self._control_seq = itertools.count(1)
        self._webhooks: WebhookDispatcher | None = None
        self.clock.subscribe(self._clock_moved)
        credentials = dict(credentials or {})
        keys = served(providers)
        unknown = set(credentials) - set(keys)
        if unknown:
            raise ControlError(f"credentials given for unknown provider(s) {sorted(unknown)}")
        for key, values in credentials.items():  # as the provider would refuse them, before it is built
            wrong = set(values or {}) - set(CREDENTIALS[key])
            if wrong:
                raise ControlError(
                    f"unknown credential(s) {sorted(wrong)} for {key}; known: {sorted(CREDENTIALS[key])}"
                )
        #: the served providers, each imported and built on first use (issue 18)
        self.providers = Providers(self, keys, credentials)
        self.journals: dict[str, Journal] = {}
        for key in keys:
            # the fake's own token too: a client may send it with every request
            self.journals[key] = Journal(journal_limit, SECRETS[key] | {"x-mailblocks-token"})
        control_secrets = CONTROL_SECRETS.union(*(SECRETS[key] for key in keys))
        self.journals[CONTROL_JOURNAL] = Journal(journal_limit, control_secrets)
        self.journal_bounds = {"maxlen": journal_limit, "max_bytes": journal_max_bytes, "max_body": journal_max_body}
        self._bound_journals()
        #: what answers a path: a provider (by key) or a mounted app (by its prefix)
        self.routes = MountTable({**{key: PREFIXES[key] for key in keys}, **{p: (p,) for p in MOUNTS}})
        self._mountable = dict(MOUNTS)
        self._mounted: dict[str, Any] = {}

    # -- lifecycle -----------------------------------------------------------------
    def reset(self) -> None:
        """Empty every provider, restore default credentials, clear journals,
        faults and recorded errors, and put the clock back to real time."""
        with self.lock:
            for p in self.providers.built():  # one never built has nothing to reset
                p.reset()
            for j in self.journals.values():
                j.clear()
            self._bound_journals()
            self.faults.clear()
            self.errors.clear()
            self.clock.real()

    @property
    def webhooks(self) -> WebhookDispatcher:
        """The webhook dispatcher (core.webhooks), made on first use; its thread
        starts when a provider first queues work for it."""
        if self._webhooks is None:
            from .webhooks import WebhookDispatcher

            with self.lock:
                if self._webhooks is None:
                    self._webhooks = WebhookDispatcher(self)
        return self._webhooks

    def _clock_moved(self) -> None:
        if self._webhooks is not None:
            try:
                self._webhooks.clock_moved()
            except Exception as exc:  # a bug in the fake: the test that moved the clock fails
                self.errors.append(exc)

    def close(self) -> None:
        """Stop background work (the webhook thread); a later need starts it again."""
        if self._webhooks is not None:
            self._webhooks.stop()

    def _bound_journals(self) -> None:
        for journal in self.journals.values():
            for name, value in self.journal_bounds.items():
                setattr(journal, name, value)

    def too_large(self, request: Request, cap: int | None = None) -> bool:
        """A body over the cap (``max_body`` unless given): as declared (the built-in
        server did not read it), or as read when no length was declared."""
        cap = self.max_body if cap is None else cap
        length = _content_length(request)
        if length is not None:
            return length > cap
        return len(request.get_data(cache=True)) > cap

    def body_cap(self, method: str, path: str) -> int:
        """The body cap of a request: ``max_body``, or what the app mounted at its
        path says (the control plane's state import takes ``max_state_body``)."""
        target = self.routes.target(path)
        if target is not None and target in self._mountable:
            ask = getattr(self.mounted(target), "body_cap", None)
            if ask is not None:
                return int(ask(method, path))
        return self.max_body

    def provider_for(self, path: str) -> Provider | None:
        target = self.routes.target(path)
        return None if target is None or target in self._mountable else self.providers[target]

    def mounted(self, prefix: str) -> Any:
        """The app mounted at ``prefix`` (``mounts.py``), built on first use."""
        mounted = self._mounted.get(prefix)
        if mounted is None:
            module, _, name = self._mountable[prefix].partition(":")
            with self.lock:
                mounted = self._mounted.get(prefix)
                if mounted is None:
                    mounted = self._mounted[prefix] = getattr(import_module(module), name)(self)
        return mounted

    # -- seeding ---------------------------------------------------------------------
    def seed(self, data: Any, where: str = "seed") -> dict[str, int]:
        """Seed several providers from ``{"<provider>": ..., ...}``, all or nothing
        (each part as that provider's ``seed`` takes it); or, given a snapshot (see
        :mod:`.snapshot`), replace the state with it."""
        if is_snapshot(data):
            try:
                result = self.import_state(data)
            except ControlError as exc:
                raise ControlError(exc.detail, where=f"{where}: {exc.where}" if where else exc.where) from None
            return dict.fromkeys(result["imported"], 0)
        if not isinstance(data, dict):
            raise ControlError(
                'expected a JSON object keyed by provider, e.g. {"<provider>": {"blocks": [...]}}',
                where=where,
            )
        unknown = [k for k in data if k not in self.providers]
        if unknown:
            raise ControlError(f"unknown provider(s) {unknown}; known: {sorted(self.providers)}", where=where)
        parts = [(self.providers[key], value, f"{where}: {key}" if where else key) for key, value in data.items()]
        with self.lock:
            return dict(zip(data, seed_all(parts)))

    # -- snapshots (core.snapshot) ---------------------------------------------------
    def export_state(self, provider: str | None = None) -> dict[str, Any]:
        """A snapshot of every provider's state, the faults and the clock (or of one
        provider's state and faults), as JSON-ready data."""
        from .snapshot import export

        return export(self, provider)

    def import_state(self, snapshot: Any, provider: str | None = None) -> dict[str, Any]:
        """Replace the state with ``snapshot``'s (a whole fake's, or one provider's),
        all or nothing; with ``provider``, that provider's only.

        :raises ControlError: naming the JSON path of what is wrong; nothing changed."""
        from .snapshot import import_state

        return import_state(self, snapshot, provider)

    def save_state(self, path: str | os.PathLike[str], provider: str | None = None) -> int:
        """Write a snapshot to ``path`` atomically (streamed); the bytes written."""
        from .snapshot import save

        return save(self, path, provider)

    def load_state(self, path: str | os.PathLike[str], provider: str | None = None) -> dict[str, Any]:
        """Replace the state with the snapshot in the file at ``path`` (read in pieces)."""
        from .snapshot import import_state, read_file

        data = read_file(self, path, provider)
        try:
            return import_state(self, data, provider)
        except ControlError as exc:
            raise ControlError(exc.detail, where=f"{path}: {exc.where}" if exc.where else str(path)) from None

    # -- WSGI ----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ, populate_request=False)  # no environ <-> request cycle
        response = self.handle_request(request)
        return wsgi_response(response, environ, start_response)

    def handle_request(self, request: Request) -> Response:
        """Answer one werkzeug request (also the entry point for mounting on
        pytest-httpserver). May raise :class:`ConnectionReset` (an injected fault)."""
        started = time.perf_counter()
        if not request.query_string.isascii():
            # raw bytes a client sent unencoded: percent-encode them so parsing never
            # fails (RAW_URI keeps the target exactly as sent)
            request.query_string = quote(request.query_string, safe=_QUERY_SAFE).encode()
        target = self.routes.target(request.path)
        if target is None:
            return self._unrouted(request)
        if target in self._mountable:
            mounted = self.mounted(target)
            return self._journaled(CONTROL_JOURNAL, request, started, lambda notes: mounted.dispatch(request, notes))
        provider = self.providers[target]
        return self._journaled(target, request, started, lambda notes: self._serve(provider, request, notes))

    def _unrouted(self, request: Request) -> Response:
        prefixes = sorted(p for p, target in self.routes.prefixes.items() if target not in self._mountable)
        return json_response(
            {
                "error": "not_found",
                "message": f"no fake provider serves {request.path}",
                "prefixes": prefixes,
                "control_plane": CONTROL_PREFIX + "/",
            },
            404,
        )

    def _serve(self, provider: Provider, request: Request, notes: Notes) -> Response:
        try:
            try:
                refusal = self.hosts.refusal(request.environ)
                if refusal is not None:
                    notes.auth = refusal.kind
                    return _no_cors(provider.render_error(provider.guard_error(refusal), request, notes))
                return self._operation(provider, request, notes)
            except ProviderError as err:
                # its traceback's frames may hold the body (and a cycle back to the error):
                # dropped now, so the body goes with the request, not at the next GC
                err.__traceback__ = None
                return provider.render_error(err, request, notes)
        except ConnectionReset:
            raise
        except Exception as exc:  # the last-resort guard: never a werkzeug page
            self.errors.append(exc)
            notes.traceback = traceback.format_exc()
            try:
                return provider.render_error(provider.core_error("internal"), request, notes)
            except Exception:
                return json_response({"error": "internal", "message": "internal error"}, 500)

    def _operation(self, provider: Provider, request: Request, notes: Notes) -> Response:
        """Size checks, the route, the fault hook, then the operation under the lock."""
        length = _content_length(request)
        if request.environ.get(URI_TOO_LONG_KEY) or (length is not None and length > self.max_body):
            raise provider.core_error("too_large")
        endpoint, args = provider.match(request)
        notes.endpoint = endpoint
        fault = self.faults.take(provider.key, endpoint, request.method, request.path)
        if fault is not None:
            notes.fault = fault.id
            if fault.latency:
                time.sleep(fault.latency)
            if fault.reset:
                raise ConnectionReset(fault.id)
            if fault.status is not None:
                raise provider.fault_error(fault.status)
        if length is None and len(request.get_data(cache=True)) > self.max_body:
            raise provider.core_error("too_large")  # a body without a declared length
        with self.lock:
            try:
                return provider.call(Call(provider, endpoint, args, request, notes))
            finally:  # a clear or reset after this point drops the entry
                notes.generation = self.journals[provider.key].generation

    def _journaled(self, key: str, request: Request, started: float, serve: Any) -> Response:
        notes = Notes(request=request, provider=key)
        reset = None
        try:
            response: Response = serve(notes)
        except ConnectionReset as exc:
            reset = exc
            response = Response(b"", status=499)
        self.journals[key].record(
            self._record(key, request, response, reset, notes, started), generation=notes.generation
        )
        if reset is not None:
            raise reset
        return response

    def _record(
        self, key: str, request: Request, response: Response, reset: Any, notes: Notes, started: float
    ) -> JournalRecord:
        """The journal's record of one exchange (a reset connection: status 0, no body)."""
        environ = request.environ
        length = _content_length(request)
        try:
            skip = length is not None and (length == 0 or length > self.max_body or BODY_STREAMED_KEY in environ)
            body = b"" if skip else request.get_data(cache=True)
        except Exception:  # a client that went away mid-body
            body = b""
        return JournalRecord(
            next(self._control_seq if key == CONTROL_JOURNAL else self._seq),
            key,
            request.method,
            request.path,
            environ.get("QUERY_STRING", ""),
            _request_headers(environ),
            body,
            self.clock.time(),
            0 if reset else response.status_code,
            tuple(response.headers.to_wsgi_list()),
            b"" if reset or response.is_streamed else response.get_data(),  # a stream is not kept
            (time.perf_counter() - started) * 1000,
            notes.endpoint,
            notes.error_code,
            notes.auth,
            notes.tenant,
            notes.fault,
            notes.traceback,
            length if skip and length else None,  # refused unread: the size declared
        )

    # -- conveniences --------------------------------------------------------------
    def check(self) -> None:
        """Re-raise the first exception an endpoint raised (a bug in the fake)."""
        if self.errors:
            first = self.errors[0]
            raise AssertionError(
                f"the fake server hit an internal error ({len(self.errors)} in all); "
                "its journal entry holds the traceback"
            ) from first


def _no_cors(response: Response) -> Response:
    """A refusal grants a page nothing: no CORS header (a provider's may carry ``*``)."""
    for name in {n for n, _ in response.headers if n.lower().startswith("access-control-")}:
        del response.headers[name]
    return response


_NOT_PLAIN = frozenset({"location", "content-location"})


def wsgi_response(response: Response, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """``response(environ, start_response)``: what werkzeug sends, without its general
    pass over every header for what the fakes answer (bytes in memory, a
    Content-Length, no Location to make absolute). Any other response goes through
    werkzeug itself."""
    body = response.response
    status = response.status_code
    if type(body) is not list or status < 200 or status == 304 or not all(type(b) is bytes for b in body):
        return response(environ, start_response)
    headers = response.headers.to_wsgi_list()
    length = None
    for name, value in headers:
        lname = name.lower()
        if lname in _NOT_PLAIN:
            return response(environ, start_response)
        if lname == "content-length":
            length = value
    if status == 204:  # no Content-Length on a 204 (RFC 7230 3.3.2), as werkzeug drops it
        if length is not None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    elif length is None and response.automatically_set_content_length:
        headers.append(("Content-Length", str(sum(map(len, body)))))
    start_response(response.status, headers)
    if environ["REQUEST_METHOD"] == "HEAD" or status == 204:
        return ()
    return body


def _content_length(request: Request) -> int | None:
    raw = request.environ.get("CONTENT_LENGTH")
    if not raw:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return None


def _request_headers(environ: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's headers as (name, value) pairs: as received where the server
    kept them, else rebuilt from the environ (named as werkzeug names them)."""
    kept = environ.get(HEADERS_KEY)
    if kept is not None:
        return tuple(kept)
    out = [(k[5:].replace("_", "-").title(), v) for k, v in environ.items() if k[:5] == "HTTP_" and isinstance(v, str)]
    for k, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        v = environ.get(k)
        if v:
            out.append((name, v))
    return tuple(out)


class Providers(Mapping[str, Provider]):
    """An app's providers by key, in registry order. Each is imported and built when
    first asked for (a request routed to it, its handle, the control plane), so an
    app, and a pytest session's server, costs nothing for the providers it never
    serves (issue 18). Thread-safe: built under the app's lock."""

    def __init__(self, app: App, keys: list[str], credentials: dict[str, dict[str, str]]) -> None:
        self._app = app
        self._keys = keys
        self._credentials = credentials
        self._built: dict[str, Provider] = {}

    def __getitem__(self, key: str) -> Provider:
        provider = self._built.get(key)
        if provider is None:
            if key not in self._keys:
                raise KeyError(key)
            from ..providers import load_providers

            with self._app.lock:
                provider = self._built.get(key)
                if provider is None:
                    cls = load_providers([key])[key]
                    provider = cls(self._app, self._credentials.get(key))
                    self._built = {**self._built, key: provider}  # readers never see it half-added
        return provider

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def built(self) -> list[Provider]:
        """The providers built so far (none is built without being asked for)."""
        return list(self._built.values())

    def __repr__(self) -> str:
        return f"<Providers {self._keys} built={list(self._built)}>"
