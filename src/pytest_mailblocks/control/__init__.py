"""The HTTP control plane under ``/_mailblocks/``: JSON in, JSON out.

A client of core, mounted by the app (``mounts.py``). It needs no provider
credentials (only the optional ``--control-token``) and calls the same functions as
the Python handles, so there is one copy of every rule. Bad input is a 400 with
``{"error": "bad_request", "message": "..."}`` saying what is wrong; an unknown path
is a 404 in the same shape. A bug in the fake is a 500 ``{"error": "internal", ...}``
(the traceback in the journal, the exception in ``App.errors`` so the pytest fixture
fails the test), never a dropped connection.

Routes (a werkzeug Map; empty path segments are ignored): ``/`` and ``/health``,
``/reset``, ``/clock``, ``/seed``, ``/requests``, ``/faults[/<id>]``, ``/state``,
``/state/save``, and per provider ``/<key>``, ``/<key>/reset``, ``/<key>/blocks``,
``/<key>/requests``, ``/<key>/faults[/<id>]``, ``/<key>/state`` and the provider's own
``/<key>/<action>`` (``Provider.control_actions``).

Snapshots (``core.snapshot``): ``GET .../state`` answers as the JSON is written (no
Content-Length; the server sends it chunked); ``PUT .../state`` reads its body as a
stream, up to ``App.max_state_body`` (:meth:`ControlPlane.body_cap` tells the server),
and replaces the state all or nothing.
"""

from __future__ import annotations

import hmac
import json
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .. import __version__
from ..core.errors import ControlError
from ..core.provider import json_response
from ..core.routing import compile_rules
from .paging import int_arg

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.provider import Notes

__all__ = ["TOKEN_HEADER", "ControlPlane", "gate", "import_snapshot", "provider_info", "snapshot_response"]

TOKEN_HEADER = "X-Mailblocks-Token"
BASE = "/_mailblocks"

#: methods that only read: open to links from other sites (no CORS header, so a page
#: elsewhere cannot read the answer)
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: the ``error`` word of each control-plane status
_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
}
#: the routes whose body is a snapshot: read as a stream, capped by ``max_state_body``
_STATE_ENDPOINTS = frozenset({"state"})
#: bytes of a streamed answer sent at a time
_PIECE = 64 * 1024
_RULES = [
    Rule(f"{BASE}/", endpoint="health"),
    Rule(f"{BASE}/health", endpoint="health"),
    Rule(f"{BASE}/reset", endpoint="reset"),
    Rule(f"{BASE}/clock", endpoint="clock"),
    Rule(f"{BASE}/seed", endpoint="seed"),
    Rule(f"{BASE}/requests", endpoint="requests"),
    Rule(f"{BASE}/faults", endpoint="faults"),
    Rule(f"{BASE}/faults/<path:fault>", endpoint="faults"),
    Rule(f"{BASE}/state", endpoint="state"),
    Rule(f"{BASE}/state/save", endpoint="state_save"),
    Rule(f"{BASE}/<key>", endpoint="provider"),
    Rule(f"{BASE}/<key>/state", endpoint="state"),
    Rule(f"{BASE}/<key>/reset", endpoint="provider_reset"),
    Rule(f"{BASE}/<key>/blocks", endpoint="provider_blocks"),
    Rule(f"{BASE}/<key>/requests", endpoint="requests"),
    Rule(f"{BASE}/<key>/faults", endpoint="faults"),
    Rule(f"{BASE}/<key>/faults/<path:fault>", endpoint="faults"),
    Rule(f"{BASE}/<key>/<action>", endpoint="provider_action"),
    Rule(f"{BASE}/<key>/<path:rest>", endpoint="provider_action"),
]


def _error(status: int, kind: str, message: str) -> Response:
    return json_response({"error": kind, "message": message}, status, compact=False)


def gate(
    app: App, request: Request, notes: Notes, page: Callable[[Request, str], Response] | None = None
) -> Response | None:
    """What answers before the control plane or the inspector runs, if anything: the
    core's guard (a Host the fake does not answer; a page elsewhere may only read),
    as ``page`` renders a refusal where given, then a control plane turned off."""
    refusal = app.hosts.refusal(request.environ, check_origin=request.method not in _SAFE_METHODS)
    if refusal is not None:
        notes.auth = refusal.kind
        if page is not None and app.control_enabled:
            return page(request, refusal.message)
        return _error(403, "forbidden", refusal.message)
    if not app.control_enabled:
        return _error(404, "not_found", "the control plane is disabled on this server")
    return None


def provider_info(app: App, key: str) -> dict[str, Any]:
    """A provider's ``info()`` with its key, title, host, prefixes and journal size."""
    p = app.providers[key]
    with app.lock:
        info = p.info()
    info.update(
        {
            "key": key,
            "title": p.title,
            "real_host": p.real_host,
            "prefixes": list(p.prefixes),
            "requests": len(app.journals[key]),
        }
    )
    return info


def snapshot_response(app: App, key: str | None = None, filename: str | None = None) -> Response:
    """The snapshot of the fake (or of provider ``key``) as an answer written as it is
    made (no Content-Length), captured now under the app's lock; with ``filename``,
    as a file to save (``Content-Disposition: attachment``). The control plane's
    ``GET .../state`` and the inspector's download."""
    from ..core import snapshot

    pieces = snapshot.text(app, key)  # captured now, under the app's lock

    def body() -> Any:
        buffer: list[str] = []
        size = 0
        try:
            for piece in pieces:
                buffer.append(piece)
                size += len(piece)
                if size >= _PIECE:
                    yield "".join(buffer).encode("utf-8")
                    buffer, size = [], 0
            buffer.append("\n")
            yield "".join(buffer).encode("utf-8")
        except Exception as exc:  # a bug in the fake: the answer stops short, the test fails
            app.errors.append(exc)
            raise

    response = Response(body(), 200, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_snapshot(app: App, read: Callable[[int], bytes], key: str | None = None) -> dict[str, Any]:
    """Replace the fake's state (or provider ``key``'s) with the snapshot ``read(n)``
    gives, all or nothing: the control plane's ``PUT .../state`` and the inspector's
    upload.

    :raises ControlError: naming the JSON path of what is wrong; nothing changed."""
    from ..core import snapshot

    data = snapshot.read(app, read, key)
    imported = snapshot.prepare(app, data, key)
    try:
        return imported.apply()
    finally:
        imported.discard()


class ControlPlane:
    """Routes ``/_mailblocks/...``; see the module docstring."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._adapter = compile_rules(_RULES).bind("fake")

    # -- dispatch ------------------------------------------------------------------
    def dispatch(self, request: Request, notes: Notes) -> Response:
        app = self.app
        shut = gate(app, request, notes)
        if shut is not None:
            return shut
        if app.control_token is not None:
            given = request.headers.get(TOKEN_HEADER) or request.args.get("token") or ""
            if not hmac.compare_digest(given.encode(), app.control_token.encode()):
                notes.auth = "denied"
                return _error(401, "unauthorized", f"missing or wrong {TOKEN_HEADER} header")
            notes.auth = "token"
        try:
            endpoint, args = self._match(request)
            streamed = endpoint in _STATE_ENDPOINTS and request.method == "PUT"
            cap = app.max_state_body if streamed else app.max_body
            if app.too_large(request, cap):
                what = "snapshot too large" if streamed else "request body too large"
                return _error(413, "too_large", f"{what}: this server takes at most {cap} bytes")
            payload = None if streamed else self._payload(request)
            method = "GET" if request.method == "HEAD" else request.method  # the answer is sent without its body
            handler: Callable[..., Response] = getattr(self, f"on_{endpoint}")
            return handler(method, request, payload, **args)
        except ControlError as exc:
            return _error(exc.status, _KINDS.get(exc.status, "error"), str(exc))
        except Exception as exc:  # the last-resort guard, as for the providers
            app.errors.append(exc)
            notes.traceback = traceback.format_exc()
            message = f"internal error in the fake ({type(exc).__name__}); its journal entry has the traceback"
            return _error(500, "internal", message)

    @staticmethod
    def _payload(request: Request) -> Any:
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        raw = request.get_data(cache=True)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except UnicodeDecodeError:
            raise ControlError("body is not UTF-8 JSON") from None
        except ValueError as exc:
            raise ControlError(f"body is not valid JSON: {exc}") from None

    def _match(self, request: Request) -> tuple[str, dict[str, Any]]:
        """The route's endpoint and arguments (empty path segments ignored), or a 404."""
        endpoint, args = self._route_of(request.path)
        if endpoint == "unknown":
            parts = [p for p in request.path.split("/")[2:] if p]
            raise ControlError(
                f"unknown control path /_mailblocks/{'/'.join(parts)}; providers: {sorted(self.app.providers)}",
                status=404,
            )
        return endpoint, args

    def _route_of(self, path: str) -> tuple[str, dict[str, Any]]:
        parts = [p for p in path.split("/")[2:] if p]
        try:
            endpoint, args = self._adapter.match(f"{BASE}/" + "/".join(parts))
        except NotFound:
            return "unknown", {}
        key = args.get("key")
        if key is not None and key not in self.app.providers:
            return "unknown", {}
        return str(endpoint), dict(args)

    def body_cap(self, method: str, path: str) -> int:
        """What the server may read of a body to ``path``: a snapshot import takes
        ``max_state_body``, anything else ``max_body`` (see ``App.body_cap``)."""
        if method == "PUT" and self._route_of(path)[0] in _STATE_ENDPOINTS:
            return max(self.app.max_state_body, self.app.max_body)
        return self.app.max_body

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ControlError(f"method {method} not allowed here; use {', '.join(allowed)}", status=405)

    # -- the whole fake ----------------------------------------------------------------
    def on_health(self, method: str, request: Request, payload: Any) -> Response:
        self._allow(method, "GET", "HEAD")
        return json_response(self.health(), compact=False)

    def on_reset(self, method: str, request: Request, payload: Any) -> Response:
        self._allow(method, "POST")
        self.app.reset()
        return json_response({"reset": True, "clock": self.app.clock.describe()}, compact=False)

    def on_clock(self, method: str, request: Request, payload: Any) -> Response:
        self._allow(method, "GET", "POST")
        if method == "GET":
            return json_response(self.app.clock.describe(), compact=False)
        return json_response(self.app.clock.apply(payload), compact=False)

    def on_seed(self, method: str, request: Request, payload: Any) -> Response:
        self._allow(method, "POST")
        return json_response({"seeded": self.app.seed(payload, "")}, compact=False)

    def on_requests(self, method: str, request: Request, payload: Any, key: str | None = None) -> Response:
        self._allow(method, "GET", "DELETE")
        journals = self.app.journals
        keys = [key] if key else [k for k in journals if k != "_mailblocks"]
        if method == "DELETE":
            for k in keys:
                journals[k].clear()
            return json_response({"cleared": keys}, compact=False)
        args = request.args
        since, limit, status = int_arg(args, "since"), int_arg(args, "limit"), int_arg(args, "status")
        method_, endpoint = args.get("method") or None, args.get("endpoint") or None
        entries = [
            e for k in keys for e in journals[k].filter(since=since, status=status, method=method_, endpoint=endpoint)
        ]
        entries.sort(key=lambda e: e.seq)
        matched = len(entries)
        if limit is not None:
            # after ``since``: the oldest first, so a poller pages forward without gaps;
            # without it: the newest ``limit`` (a tail)
            entries = (entries[:limit] if since is not None else entries[-limit:]) if limit else []
        body = {
            "count": len(entries),
            "matched": matched,
            "total": sum(journals[k].total for k in keys),
            "dropped": sum(journals[k].dropped for k in keys),  # by the journals' bounds
            "requests": [e.to_dict() for e in entries],
        }
        return json_response(body, compact=False)

    def on_faults(
        self, method: str, request: Request, payload: Any, key: str | None = None, fault: str | None = None
    ) -> Response:
        faults = self.app.faults
        if fault is not None:
            self._allow(method, "DELETE")
            if "/" in fault or not faults.remove(fault):
                raise ControlError(f"no fault with id {fault!r}", status=404)
            return json_response({"removed": fault}, compact=False)
        self._allow(method, "GET", "POST", "DELETE")
        if method == "GET":
            items = [f for f in faults.to_list() if key is None or f["provider"] == key]
            return json_response({"faults": items}, compact=False)
        if method == "DELETE":
            return json_response({"cleared": faults.clear(key)}, compact=False)
        return json_response(faults.add(**self._fault_spec(payload, key)).to_dict(), status=201, compact=False)

    def _fault_spec(self, payload: Any, key: str | None) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise ControlError('expected a JSON object, e.g. {"endpoint": "list_blocks", "status": 503, "times": 1}')
        allowed = {"provider", "endpoint", "method", "path", "status", "latency", "reset", "times"}
        unknown = set(payload) - allowed
        if unknown:
            raise ControlError(f"unknown fault field(s) {sorted(unknown)}; known: {sorted(allowed)}")
        spec = dict(payload)
        for name in ("provider", "endpoint", "method", "path"):
            if spec.get(name) is not None and not isinstance(spec[name], str):
                raise ControlError(f"{name} must be a string, got {spec[name]!r}")
        if key is not None:
            if spec.get("provider", key) != key:
                raise ControlError(f"provider {spec['provider']!r} does not match the path ({key})")
            spec["provider"] = key
        elif spec.get("provider") is not None and spec["provider"] not in self.app.providers:
            raise ControlError(f"unknown provider {spec['provider']!r}; known: {sorted(self.app.providers)}")
        return spec

    # -- snapshots (issue 20) ------------------------------------------------------------
    def on_state(self, method: str, request: Request, payload: Any, key: str | None = None) -> Response:
        """``GET``: the snapshot, streamed (``?download=1``: as a file to save); ``PUT``:
        replace the state with the body's snapshot, all or nothing."""
        self._allow(method, "GET", "PUT")
        if method == "GET":
            name = f"mailblocks-{key or 'state'}.json" if request.args.get("download") else None
            return snapshot_response(self.app, key, name)
        from ..core import snapshot
        from ..core.wsgi import BODY_STREAMED_KEY

        if request.environ.get("CONTENT_LENGTH", "0") in ("", "0"):
            raise ControlError(f'expected a snapshot in the body: {{"{snapshot.KEY}": {snapshot.FORMAT}, ...}}')
        request.environ[BODY_STREAMED_KEY] = True
        return json_response(import_snapshot(self.app, request.stream.read, key), compact=False)

    def on_state_save(self, method: str, request: Request, payload: Any) -> Response:
        """``POST``: write the snapshot to the server's state file (``--state FILE``)."""
        self._allow(method, "POST")
        path = self.app.state_file
        if path is None:
            raise ControlError("this server has no state file to save to (start it with --state FILE)", status=409)
        try:
            written = self.app.save_state(path)
        except OSError as exc:
            raise ControlError(f"cannot write {path}: {exc.strerror or exc}", status=409) from None
        return json_response({"saved": str(path), "bytes": written}, compact=False)

    # -- one provider ------------------------------------------------------------------
    def on_provider(self, method: str, request: Request, payload: Any, key: str) -> Response:
        self._allow(method, "GET")
        return json_response(provider_info(self.app, key), compact=False)

    def on_provider_reset(self, method: str, request: Request, payload: Any, key: str) -> Response:
        self._allow(method, "POST")
        with self.app.lock:  # one step for requests: none is answered in between
            self.app.providers[key].reset()
            self.app.journals[key].clear()
        self.app.faults.clear(key)
        return json_response({"reset": key}, compact=False)

    def on_provider_blocks(self, method: str, request: Request, payload: Any, key: str) -> Response:
        self._allow(method, "GET", "POST")
        provider = self.app.providers[key]
        if method == "GET":
            with self.app.lock:
                blocks = provider.control_blocks(dict(request.args.items()))
            return json_response({"provider": key, "count": len(blocks), "blocks": blocks}, compact=False)
        if payload is None:
            raise ControlError('expected a JSON body: a list of blocks or {"blocks": [...]}')
        data = {"blocks": payload} if isinstance(payload, list) else payload
        with self.app.lock:
            n = provider.seed(data, key)
        return json_response({"provider": key, "seeded": n}, status=201, compact=False)

    def on_provider_action(
        self, method: str, request: Request, payload: Any, key: str, action: str = "", rest: str = ""
    ) -> Response:
        actions = self.app.providers[key].control_actions()
        if action in actions:
            with self.app.lock:
                result = actions[action](method, payload, dict(request.args.items()))
            # an action answers JSON-ready data, or a whole response (another status)
            return result if isinstance(result, Response) else json_response(result, compact=False)
        known = ["reset", "blocks", "requests", "faults", *sorted(actions)]
        raise ControlError(f"unknown control path for {key}: {action or rest}; known: {known}", status=404)

    # -- views ---------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "clock": self.app.clock.describe(),
            "providers": {k: provider_info(self.app, k) for k in self.app.providers},
            "faults": len(self.app.faults),
            "errors": len(self.app.errors),
        }
