"""The one WSGI application behind every way of serving the fakes.

Request flow, one way: path prefix -> provider -> route match -> fault hook ->
operation under the lock (auth, parse, models) -> render -> journal. Paths under
``/_mailblocks/`` go to the control plane instead. Whatever goes wrong inside a
provider comes back in that provider's own error format: a
:class:`~.errors.ProviderError` as its catalogue entry, anything else as the
provider's internal error, with the traceback kept in the journal and in
:attr:`App.errors` so the pytest plugin can fail the test that caused it.
"""

from __future__ import annotations

import itertools
import string
import threading
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from .clock import Clock
from .errors import ConnectionReset, ControlError, ProviderError
from .faults import FaultSet
from .hosts import HostGuard
from .journal import DEFAULT_JOURNAL_MAX_BODY, DEFAULT_JOURNAL_MAX_BYTES, Journal
from .provider import Exchange, Provider, json_response
from .wsgi import HEADERS_KEY, URI_TOO_LONG_KEY

if TYPE_CHECKING:
    from .webhooks import WebhookDispatcher

__all__ = ["DEFAULT_MAX_BODY", "App"]

#: request bodies above this many bytes are refused in the provider's format
DEFAULT_MAX_BODY = 10 * 1024 * 1024
CONTROL_PREFIX = "/_mailblocks"
#: what the control plane's journal redacts besides every provider's secrets: its token,
#: the inspector's cookies and CSRF field, and the credentials seeds and answers carry
CONTROL_SECRETS = frozenset(
    {"x-mailblocks-token", "token", "cookie", "set-cookie", "csrf", "api_key", "secret_key", "key", "password"}
)
_QUERY_SAFE = "".join(c for c in string.printable if c not in " \t\n\r\x0b\x0c")


class App:
    """State, clock, journal and faults of one fake server, as a WSGI callable.

    :param providers: registry keys to serve (default: all registered).
    :param credentials: per-provider default credential overrides,
        e.g. ``{"sendgrid": {"api_key": "SG.x"}}``.
    :param control: serve the control plane under ``/_mailblocks/``.
    :param control_token: when set, the control plane requires it in the
        ``X-Mailblocks-Token`` header (or ``token`` query parameter).
    :param max_body: request body cap in bytes.
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
        journal_limit: int | None = 10_000,
        journal_max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES,
        journal_max_body: int | None = DEFAULT_JOURNAL_MAX_BODY,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        from ..providers import CREDENTIALS, PREFIXES, SECRETS, served

        self.clock = Clock()
        self.lock = threading.RLock()
        self.faults = FaultSet()
        self.control_enabled = control
        self.control_token = control_token
        self.max_body = max_body
        self.hosts = HostGuard(allow_hosts)
        self.errors: list[BaseException] = []
        self._seq = itertools.count(1)
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
        self.journals["_mailblocks"] = Journal(journal_limit, control_secrets)
        self.journal_bounds = {"maxlen": journal_limit, "max_bytes": journal_max_bytes, "max_body": journal_max_body}
        self._bound_journals()
        # longest prefix first, so /api/v1/ (ncp) wins over /api/ (sendcloud)
        self._routes = sorted(
            ((prefix, key) for key in keys for prefix in PREFIXES[key]),
            key=lambda item: len(item[0]),
            reverse=True,
        )
        from .control import ControlPlane

        self.control = ControlPlane(self)

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

    def too_large(self, request: Request) -> bool:
        """A body over the cap: as declared (the built-in server did not read it), or
        as read when no length was declared."""
        length = _content_length(request)
        if length is not None:
            return length > self.max_body
        return len(request.get_data(cache=True)) > self.max_body

    def provider_for(self, path: str) -> Provider | None:
        for prefix, key in self._routes:
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                return self.providers[key]
        return None

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
        path = request.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self._journaled("_mailblocks", request, started, lambda ex: self.control.dispatch(request, ex))
        provider = self.provider_for(path)
        if provider is None:
            return self._unrouted(request)
        return self._journaled(provider.key, request, started, lambda ex: self._serve(provider, request, ex))

    def _unrouted(self, request: Request) -> Response:
        prefixes = sorted({prefix for prefix, _ in self._routes})
        return json_response(
            {
                "error": "not_found",
                "message": f"no fake provider serves {request.path}",
                "prefixes": prefixes,
                "control_plane": CONTROL_PREFIX + "/",
            },
            404,
        )

    def _serve(self, provider: Provider, request: Request, ex: Exchange) -> Response:
        try:
            try:
                refusal = self.hosts.refusal(request.environ)
                if refusal is not None:
                    ex.auth = refusal.kind
                    return _no_cors(provider.render_error(provider.guard_error(refusal), request, ex))
                length = _content_length(request)
                if request.environ.get(URI_TOO_LONG_KEY) or (length is not None and length > self.max_body):
                    raise provider.core_error("too_large")
                endpoint, args = provider.match(request)
                ex.endpoint = endpoint
                fault = self.faults.take(provider.key, endpoint, request.method, request.path)
                if fault is not None:
                    ex.fault = fault.id
                    if fault.latency:
                        time.sleep(fault.latency)
                    if fault.reset:
                        raise ConnectionReset(fault.id)
                    if fault.status is not None:
                        raise provider.core_error("fault", fault.status)
                if length is None and len(request.get_data(cache=True)) > self.max_body:
                    raise provider.core_error("too_large")  # a body without a declared length
                with self.lock:
                    try:
                        return provider.call(endpoint, args, request, ex)
                    finally:  # a clear or reset after this point drops the entry
                        ex.generation = self.journals[provider.key].generation
            except ProviderError as err:
                # its traceback's frames may hold the body (and a cycle back to the error):
                # dropped now, so the body goes with the request, not at the next GC
                err.__traceback__ = None
                return provider.render_error(err, request, ex)
        except ConnectionReset:
            raise
        except Exception as exc:  # the last-resort guard: never a werkzeug page
            self.errors.append(exc)
            ex.notes["traceback"] = traceback.format_exc()
            try:
                return provider.render_error(provider.core_error("internal"), request, ex)
            except Exception:
                return json_response({"error": "internal", "message": "internal error"}, 500)

    def _journaled(self, key: str, request: Request, started: float, serve: Any) -> Response:
        ex = Exchange(request=request, provider=key)
        reset = None
        try:
            response: Response = serve(ex)
        except ConnectionReset as exc:
            reset = exc
            response = Response(b"", status=499)
        environ = request.environ
        length = _content_length(request)
        try:
            skip = length is not None and (length == 0 or length > self.max_body)
            body = b"" if skip else request.get_data(cache=True)
        except Exception:  # a client that went away mid-body
            body = b""
        self.journals[key].record(
            next(self._seq),
            key,
            request.method,
            request.path,
            environ.get("QUERY_STRING", ""),
            _request_headers(environ),
            body,
            self.clock.time(),
            0 if reset else response.status_code,
            tuple(response.headers.to_wsgi_list()),
            b"" if reset else response.get_data(),
            (time.perf_counter() - started) * 1000,
            ex.endpoint,
            ex.error_code,
            ex.auth,
            ex.tenant,
            ex.fault,
            ex.notes.get("traceback"),
            generation=ex.generation,
            body_size=length if skip and length else None,  # refused unread: the size declared
        )
        if reset is not None:
            raise reset
        return response

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
    """A refusal grants a page nothing: no CORS header (SendGrid's carry ``*``)."""
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
