"""The HTTP control plane under ``/_mailblocks/``: JSON in, JSON out.

It needs no provider credentials (only the optional ``--control-token``) and calls
the same functions as the Python handles, so there is one copy of every rule.
Bad input is a 400 with ``{"error": "bad_request", "message": "..."}`` saying what
is wrong; an unknown path is a 404 in the same shape. A bug in the fake is a 500
``{"error": "internal", ...}`` (the traceback in the journal, the exception in
``App.errors`` so the pytest fixture fails the test), never a dropped connection.
"""

from __future__ import annotations

import hmac
import json
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .. import __version__
from .errors import ControlError
from .provider import Exchange, json_response, seed_all

if TYPE_CHECKING:
    from .app import App

__all__ = ["ControlPlane", "apply_clock", "apply_seed", "int_arg"]

TOKEN_HEADER = "X-Mailblocks-Token"
_ADVANCE_UNITS = ("weeks", "days", "hours", "minutes", "seconds", "milliseconds")


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
    413: "too_large",
}


def _error(status: int, kind: str, message: str) -> Response:
    return json_response({"error": kind, "message": message}, status, compact=False)


def apply_clock(app: App, payload: Any) -> dict[str, Any]:
    """Move the clock as the control plane and the CLI describe it.

    ``{"advance": {"days": 1}}`` or ``{"advance": 3600}`` (seconds),
    ``{"freeze": true}`` (now) or ``{"freeze": "2024-05-01T00:00:00Z"}``,
    ``{"set": "..."}`` (jump and keep running), ``{"real": true}``.
    """
    if not isinstance(payload, dict) or not payload:
        raise ControlError(
            'expected a JSON object with one of "advance", "freeze", "set" or "real", e.g. {"advance": {"days": 1}}'
        )
    unknown = set(payload) - {"advance", "freeze", "set", "real"}
    if unknown:
        raise ControlError(f"unknown clock field(s) {sorted(unknown)}; use advance, freeze, set or real")
    clock = app.clock
    before = clock.snapshot()  # a body refused in part changes nothing
    try:
        if payload.get("real"):
            clock.real()
        if "set" in payload:
            clock.set(payload["set"])
        if "freeze" in payload and payload["freeze"] is not False:
            clock.freeze(None if payload["freeze"] is True else payload["freeze"])
        if "advance" in payload:
            adv = payload["advance"]
            if isinstance(adv, bool) or not isinstance(adv, (int, float, dict)):
                raise ControlError('"advance" must be seconds or an object like {"days": 1, "hours": 2}')
            if isinstance(adv, dict):
                bad = [k for k in adv if k not in _ADVANCE_UNITS]
                if bad:
                    raise ControlError(f'unknown "advance" unit(s) {bad}; use {list(_ADVANCE_UNITS)}')
                for k, v in adv.items():
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        raise ControlError(f'"advance.{k}" must be a number, got {v!r}')
                clock.advance(**adv)
            else:
                clock.advance(seconds=adv)
    except ValueError as exc:  # ControlError included
        clock.restore(before)
        raise ControlError(str(exc)) from None
    return clock.describe()


def apply_seed(app: App, data: Any, where: str = "seed") -> dict[str, int]:
    """Seed several providers from ``{"sendgrid": ..., "cmc": ...}``, all or nothing."""
    if not isinstance(data, dict):
        raise ControlError(
            'expected a JSON object keyed by provider, e.g. {"sendgrid": {"blocks": [...]}}',
            where=where,
        )
    unknown = [k for k in data if k not in app.providers]
    if unknown:
        raise ControlError(f"unknown provider(s) {unknown}; known: {sorted(app.providers)}", where=where)
    parts = [(app.providers[key], value, f"{where}: {key}" if where else key) for key, value in data.items()]
    with app.lock:
        return dict(zip(data, seed_all(parts)))


class ControlPlane:
    """Routes ``/_mailblocks/...``; see the module docstring."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._ui: Any = None

    # -- dispatch ------------------------------------------------------------------
    def dispatch(self, request: Request, ex: Exchange) -> Response:
        app = self.app
        ui = request.path == "/_mailblocks/ui" or request.path.startswith("/_mailblocks/ui/")
        refusal = app.hosts.refusal(request.environ, check_origin=request.method not in _SAFE_METHODS)
        if refusal is not None:
            ex.auth = refusal.kind
            if ui and app.control_enabled:
                return self._inspector().refuse(request, refusal.message)
            return _error(403, "forbidden", refusal.message)
        if not app.control_enabled:
            return _error(404, "not_found", "the control plane is disabled on this server")
        if ui:
            # the web inspector (issue 11) guards itself: the same token, kept in a cookie
            return self._inspector().dispatch(request, ex)
        if app.control_token is not None:
            given = request.headers.get(TOKEN_HEADER) or request.args.get("token") or ""
            if not hmac.compare_digest(given.encode(), app.control_token.encode()):
                ex.auth = "denied"
                return _error(401, "unauthorized", f"missing or wrong {TOKEN_HEADER} header")
            ex.auth = "token"
        if app.too_large(request):
            return _error(413, "too_large", f"request body too large: this server takes at most {app.max_body} bytes")
        parts = [p for p in request.path.split("/")[2:] if p]
        try:
            payload = self._payload(request)
            return self._route(parts, request, payload, ex)
        except ControlError as exc:
            return _error(exc.status, _KINDS.get(exc.status, "error"), str(exc))
        except Exception as exc:  # the last-resort guard, as for the providers
            app.errors.append(exc)
            ex.notes["traceback"] = traceback.format_exc()
            message = f"internal error in the fake ({type(exc).__name__}); its journal entry has the traceback"
            return _error(500, "internal", message)

    def _inspector(self) -> Any:
        with self.app.lock:
            if self._ui is None:
                from ..ui import Inspector

                self._ui = Inspector(self)
        return self._ui

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

    def _route(self, parts: list[str], request: Request, payload: Any, ex: Exchange) -> Response:
        method = "GET" if request.method == "HEAD" else request.method  # the answer is sent without its body
        app = self.app
        if not parts or parts == ["health"]:
            self._allow(method, "GET", "HEAD")
            return json_response(self.health(), compact=False)
        head, rest = parts[0], parts[1:]
        if head == "reset" and not rest:
            self._allow(method, "POST")
            app.reset()
            return json_response({"reset": True, "clock": app.clock.describe()}, compact=False)
        if head == "clock" and not rest:
            self._allow(method, "GET", "POST")
            if method == "GET":
                return json_response(app.clock.describe(), compact=False)
            return json_response(apply_clock(app, payload), compact=False)
        if head == "seed" and not rest:
            self._allow(method, "POST")
            return json_response({"seeded": apply_seed(app, payload, "")}, compact=False)
        if head == "requests" and not rest:
            return self._requests(method, request, None)
        if head == "faults":
            return self._faults(method, rest, payload, None)
        if head in app.providers:
            return self._provider(head, rest, method, request, payload)
        raise ControlError(
            f"unknown control path /_mailblocks/{'/'.join(parts)}; providers: {sorted(app.providers)}",
            status=404,
        )

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ControlError(f"method {method} not allowed here; use {', '.join(allowed)}", status=405)

    def _provider(self, key: str, rest: list[str], method: str, request: Request, payload: Any) -> Response:
        provider = self.app.providers[key]
        if not rest:
            self._allow(method, "GET")
            return json_response(self.provider_info(key), compact=False)
        action, tail = rest[0], rest[1:]
        if action == "reset" and not tail:
            self._allow(method, "POST")
            with self.app.lock:  # one step for requests: none is answered in between
                provider.reset()
                self.app.journals[key].clear()
            self.app.faults.clear(key)
            return json_response({"reset": key}, compact=False)
        if action == "blocks" and not tail:
            self._allow(method, "GET", "POST")
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
        if action == "requests" and not tail:
            return self._requests(method, request, key)
        if action == "faults":
            return self._faults(method, tail, payload, key)
        actions: dict[str, Callable[[str, Any, dict[str, str]], Any]] = provider.control_actions()
        if action in actions and not tail:
            with self.app.lock:
                result = actions[action](method, payload, dict(request.args.items()))
            # an action answers JSON-ready data, or a whole response (another status)
            return result if isinstance(result, Response) else json_response(result, compact=False)
        known = ["reset", "blocks", "requests", "faults", *sorted(actions)]
        raise ControlError(f"unknown control path for {key}: {'/'.join(rest)}; known: {known}", status=404)

    def _requests(self, method: str, request: Request, key: str | None) -> Response:
        self._allow(method, "GET", "DELETE")
        journals = self.app.journals
        keys = [key] if key else [k for k in journals if k != "_mailblocks"]
        if method == "DELETE":
            for k in keys:
                journals[k].clear()
            return json_response({"cleared": keys}, compact=False)
        args = request.args
        since = int_arg(args, "since")
        limit = int_arg(args, "limit")
        status = int_arg(args, "status")
        entries = [
            e
            for k in keys
            for e in journals[k].filter(
                since=since,
                status=status,
                method=args.get("method") or None,
                endpoint=args.get("endpoint") or None,
            )
        ]
        entries.sort(key=lambda e: e.seq)
        matched = len(entries)
        if limit is not None:
            # after ``since``: the oldest first, so a poller pages forward without gaps;
            # without it: the newest ``limit`` (a tail)
            entries = (entries[:limit] if since is not None else entries[-limit:]) if limit else []
        return json_response(
            {
                "count": len(entries),
                "matched": matched,
                "total": sum(journals[k].total for k in keys),
                "dropped": sum(journals[k].dropped for k in keys),  # by the journals' bounds
                "requests": [e.to_dict() for e in entries],
            },
            compact=False,
        )

    def _faults(self, method: str, rest: list[str], payload: Any, key: str | None) -> Response:
        faults = self.app.faults
        if rest:
            self._allow(method, "DELETE")
            if len(rest) != 1 or not faults.remove(rest[0]):
                raise ControlError(f"no fault with id {'/'.join(rest)!r}", status=404)
            return json_response({"removed": rest[0]}, compact=False)
        self._allow(method, "GET", "POST", "DELETE")
        if method == "GET":
            items = [f for f in faults.to_list() if key is None or f["provider"] == key]
            return json_response({"faults": items}, compact=False)
        if method == "DELETE":
            return json_response({"cleared": faults.clear(key)}, compact=False)
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
        fault = faults.add(**spec)
        return json_response(fault.to_dict(), status=201, compact=False)

    # -- views ---------------------------------------------------------------------
    def provider_info(self, key: str) -> dict[str, Any]:
        p = self.app.providers[key]
        with self.app.lock:
            info = p.info()
        info.update(
            {
                "key": key,
                "title": p.title,
                "real_host": p.real_host,
                "prefixes": list(p.prefixes),
                "requests": len(self.app.journals[key]),
            }
        )
        return info

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "clock": self.app.clock.describe(),
            "providers": {k: self.provider_info(k) for k in self.app.providers},
            "faults": len(self.app.faults),
            "errors": len(self.app.errors),
        }


def int_arg(args: Any, name: str) -> int | None:
    """A non-negative integer query parameter, or None when absent or empty."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"query parameter {name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise ControlError(f"query parameter {name} must be >= 0, got {value}")
    return value
