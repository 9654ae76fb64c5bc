"""The web inspector under ``/_mailblocks/ui/`` (issue 11): HTML pages over the
same functions as the JSON control plane.

A client of core, mounted by the app (``mounts.py``); each provider's page is drawn
by the view its ``views`` room gives (:mod:`.views`). Reads: ``Provider.info()`` and
``Provider.control_blocks(query)`` (one page from the list's index), the journals
(``JournalEntry.to_dict()``, secrets redacted), the fault set and the clock. Writes:
``Provider.seed`` (as ``POST /_mailblocks/<key>/blocks``), the handles' remove verbs,
``Clock.apply``, ``App.reset``, ``FaultSet.add/remove/clear`` and the control actions
a view's buttons name.

Guard: the control plane's (:func:`~pytest_mailblocks.control.gate`), and off with
it; with ``--control-token`` a page needs the
token once (``?token=``, or the ``X-Mailblocks-Token`` header), which leaves an
HttpOnly cookie. Every POST carries a CSRF token (an HMAC of a per-browser cookie
under a per-server secret) and is refused cross-site. Every page is a Jinja2
template with autoescape; a strict Content-Security-Policy allows only the
inspector's own CSS and JS files, so a value that slipped through escaping still
could not run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import traceback
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .. import __version__
from ..control import TOKEN_HEADER, gate, import_snapshot, provider_info, snapshot_response
from ..core.errors import ControlError
from ..core.journal import REDACTED
from ..core.wsgi import BODY_STREAMED_KEY
from ..providers import room
from .views import UTC_FORMAT, Client, utc, view_for

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.journal import JournalEntry
    from ..core.provider import Notes

__all__ = ["Inspector"]

BASE = "/_mailblocks/ui"
AUTH_COOKIE = "mailblocks_ui_auth"
CSRF_COOKIE = "mailblocks_ui_csrf"
PAGE_SIZES = (50, 100, 500)
JOURNAL_LIMIT = 200
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: the routes that take an uploaded snapshot (a POST up to ``App.max_state_body``)
UPLOADS = frozenset({"state", "provider_state"})
STATIC = {"inspector.css": "text/css; charset=utf-8", "inspector.js": "text/javascript; charset=utf-8"}
ADVANCE_UNITS = ("minutes", "hours", "days", "weeks", "seconds")

_RULES = [
    Rule(f"{BASE}/", endpoint="overview", methods=["GET"]),
    Rule(f"{BASE}/reset", endpoint="reset", methods=["POST"]),
    Rule(f"{BASE}/clock", endpoint="clock", methods=["POST"]),
    Rule(f"{BASE}/state", endpoint="state", methods=["GET", "POST"]),
    Rule(f"{BASE}/providers/<key>", endpoint="provider", methods=["GET"]),
    Rule(f"{BASE}/providers/<key>/state", endpoint="provider_state", methods=["GET", "POST"]),
    Rule(f"{BASE}/providers/<key>/add", endpoint="add", methods=["POST"]),
    Rule(f"{BASE}/providers/<key>/delete", endpoint="delete", methods=["POST"]),
    Rule(f"{BASE}/providers/<key>/reset", endpoint="provider_reset", methods=["POST"]),
    Rule(f"{BASE}/providers/<key>/<action>", endpoint="action", methods=["POST"]),
    Rule(f"{BASE}/journal", endpoint="journal", methods=["GET"]),
    Rule(f"{BASE}/journal/rows", endpoint="journal_rows", methods=["GET"]),
    Rule(f"{BASE}/journal/clear", endpoint="journal_clear", methods=["POST"]),
    Rule(f"{BASE}/journal/<int:seq>", endpoint="entry", methods=["GET"]),
    Rule(f"{BASE}/faults", endpoint="faults", methods=["GET"]),
    Rule(f"{BASE}/faults/add", endpoint="fault_add", methods=["POST"]),
    Rule(f"{BASE}/faults/clear", endpoint="fault_clear", methods=["POST"]),
    Rule(f"{BASE}/static/<name>", endpoint="static", methods=["GET"]),
]


class _Owner:
    """What a provider handle needs from its fake: the app (the inspector never
    asks a handle for its url)."""

    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def clock(self) -> Any:
        return self.app.clock


class Inspector:
    """One app's inspector, mounted by the app on the first UI request."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._secret = secrets.token_bytes(32)
        self._map = Map([r.empty() for r in _RULES], strict_slashes=False, merge_slashes=False)
        self._owner = _Owner(self.app)
        env = Environment(
            loader=PackageLoader("pytest_mailblocks.ui", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            when=_when, when_text=_when_text, pretty=_pretty, marked=_marked, status_class=_status_class, qs=_qs
        )
        env.globals.update(base=BASE, version=__version__, utc_format=UTC_FORMAT)
        self.env = env

    # -- guard -----------------------------------------------------------------------
    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    def _authorized(self, request: Request, notes: Notes) -> bool | str:
        """True, False, or the token given in the query (to swap for a cookie)."""
        token = self.app.control_token
        if token is None:
            return True
        given = request.headers.get(TOKEN_HEADER) or ""
        if given and _same(given, token):
            notes.auth = "token"
            return True
        cookie = request.cookies.get(AUTH_COOKIE, "")
        if cookie and _same(cookie, self._sign("auth", token)):
            notes.auth = "cookie"
            return True
        query = request.args.get("token", "")
        if query and _same(query, token):
            notes.auth = "token"
            return "query"
        notes.auth = "denied"
        return False

    def _cross_site(self, request: Request) -> bool:
        if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
            return True
        origin = request.headers.get("Origin")
        if origin and origin != "null":
            return urlsplit(origin).netloc != request.host
        return origin == "null"

    def body_cap(self, method: str, path: str) -> int:
        """What the server may read of a body to ``path``: an uploaded snapshot takes
        ``max_state_body``, anything else ``max_body`` (see ``App.body_cap``)."""
        try:
            endpoint, _ = self._map.bind("fake", path_info=path).match(method=method)
        except HTTPException:
            endpoint = ""
        if method == "POST" and endpoint in UPLOADS:
            return max(self.app.max_state_body, self.app.max_body)
        return self.app.max_body

    def refuse(self, request: Request, text: str) -> Response:
        """The page for a request the core's guard refused (a foreign Host or page)."""
        return self._secure(self.render("message.html", 403, title="Refused", text=text, back=BASE + "/", guest=True))

    # -- dispatch --------------------------------------------------------------------
    def dispatch(self, request: Request, notes: Notes) -> Response:
        shut = gate(self.app, request, notes, self.refuse)
        if shut is not None:
            return shut
        try:
            return self._dispatch(request, notes)
        except Exception as exc:  # a bug in the inspector: a page, and the test that hit it fails
            self.app.errors.append(exc)
            notes.traceback = traceback.format_exc()
            response = Response(f"internal error in the inspector: {type(exc).__name__}", status=500)
            response.content_type = "text/plain; charset=utf-8"
            return self._secure(response)

    def _dispatch(self, request: Request, notes: Notes) -> Response:
        path = request.path
        if path == BASE:
            return _redirect(BASE + "/")
        miss: tuple[int, str, str] | None = None
        endpoint: Any = ""
        args: Mapping[str, Any] = {}
        try:
            endpoint, args = self._map.bind("fake", path_info=path).match(method=request.method)
        except MethodNotAllowed as exc:
            miss = (405, "Method not allowed", "Use " + ", ".join(exc.valid_methods or []) + ".")
        except (NotFound, HTTPException):
            miss = (404, "Not found", f"The inspector has no page at {path}.")
        if endpoint == "static":
            return self._secure(self._static(args["name"]))
        auth = self._authorized(request, notes)
        if auth is False:
            return self._secure(self._login(request))
        if miss is not None:
            return self._secure(self._message(request, *miss))
        cap = self.body_cap(request.method, path)
        if request.method == "POST" and self.app.too_large(request, cap):  # before the form is read
            what = "snapshot" if endpoint in UPLOADS else "form"
            text = f"That {what} is too large: this server takes at most {cap} bytes."
            return self._secure(self._message(request, 413, "Too large", text))
        session = request.cookies.get(CSRF_COOKIE, "")
        fresh = not (len(session) == 64 and all(c in "0123456789abcdef" for c in session))
        if fresh:
            session = secrets.token_hex(32)
        csrf = self._sign("csrf", session)
        if auth == "query" and request.method == "GET":
            # swap the token in the address for a cookie, and drop it from the address
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            response = _redirect(path + ("?" + urlencode(rest) if rest else ""))
        elif request.method == "POST" and (
            fresh or self._cross_site(request) or not _same(request.form.get("csrf", ""), csrf)
        ):
            notes.auth = "csrf-refused"
            response = self._message(
                request,
                403,
                "Refused",
                "This form has no valid CSRF token (or came from another site). Reload the page and try again.",
            )
        else:
            try:
                response = getattr(self, "on_" + endpoint)(request, csrf=csrf, **args)
            except ControlError as exc:
                response = self._message(request, exc.status, "Not done", str(exc), csrf=csrf)
        if fresh:
            response.set_cookie(CSRF_COOKIE, session, path=BASE, httponly=True, samesite="Strict")
        if auth == "query" and self.app.control_token is not None:
            response.set_cookie(
                AUTH_COOKIE, self._sign("auth", self.app.control_token), path=BASE, httponly=True, samesite="Strict"
            )
        return self._secure(response)

    @staticmethod
    def _secure(response: Response) -> Response:
        h = response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["X-Frame-Options"] = "DENY"
        h.setdefault("Cache-Control", "no-store")
        return response

    # -- rendering -------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("csrf", "")
        context.setdefault("nav", "")
        context.setdefault("guest", False)
        context.setdefault("providers", [(k, p.title) for k, p in self.app.providers.items()])
        context.setdefault("clock", self.app.clock.describe())
        html = self.env.get_template(template).render(**context)
        return Response(html, status=status, content_type="text/html; charset=utf-8")

    def _message(self, request: Request, status: int, title: str, text: str, csrf: str = "") -> Response:
        back = _safe_next(request.form.get("next", "") if request.method == "POST" else "", request.referrer)
        return self.render("message.html", status, title=title, text=text, back=back, csrf=csrf)

    def _login(self, request: Request) -> Response:
        return self.render(
            "login.html",
            401,
            title="Token required",
            path=request.path,
            wrong=bool(request.args.get("token")),
            guest=True,
        )

    def _static(self, name: str) -> Response:
        if name not in STATIC:
            return Response("not found", status=404, content_type="text/plain")
        data = resources.files("pytest_mailblocks.ui").joinpath("static").joinpath(name).read_bytes()
        response = Response(data, content_type=STATIC[name])
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    def _done(self, request: Request, fallback: str) -> Response:
        return _redirect(_safe_next(request.form.get("next", ""), None) or fallback)

    def _provider(self, key: str) -> Any:
        provider = self.app.providers.get(key)
        if provider is None:
            raise ControlError(f"no provider {key!r} is served here; served: {sorted(self.app.providers)}", status=404)
        return provider

    def _info(self, key: str) -> dict[str, Any]:
        return provider_info(self.app, key)

    def _connect(self, request: Request, info: dict[str, Any]) -> dict[str, Any]:
        """Where a client reaches the provider (the address this page was asked for)
        and the snippets its view gives for that address and its credentials."""
        client = Client(request.host_url.rstrip("/"), dict(info["credentials"]), self.app.clock.describe())
        return {"base": client.base, "snippets": view_for(info["key"]).snippets(client)}

    # -- overview, clock, reset ------------------------------------------------------------
    def on_overview(self, request: Request, csrf: str) -> Response:
        cards = []
        with self.app.lock:
            for key, provider in self.app.providers.items():
                info, view = self._info(key), view_for(key)
                tenants, extras = view.tenants(info), view.extras(info, provider)
                card = {"key": key, "info": info, "view": view, "tenants": tenants, "extras": extras}
                card.update(requests=self.app.journals[key].total, connect=self._connect(request, info))
                cards.append(card)
        return self.render(
            "overview.html",
            csrf=csrf,
            nav="overview",
            cards=cards,
            units=ADVANCE_UNITS,
            faults=len(self.app.faults),
            errors=len(self.app.errors),
            here=BASE + "/",
        )

    def on_clock(self, request: Request, csrf: str) -> Response:
        f = request.form
        action = f.get("action", "")
        if action == "advance":
            unit = f.get("unit", "hours")
            if unit not in ADVANCE_UNITS:
                raise ControlError(f"unknown unit {unit!r}; use one of {list(ADVANCE_UNITS)}")
            try:
                amount = float(f.get("amount", "").strip())
            except ValueError:
                raise ControlError(f"amount must be a number, got {f.get('amount', '')!r}") from None
            payload: dict[str, Any] = {"advance": {unit: amount}}
        elif action == "freeze":
            at = f.get("at", "").strip()
            payload = {"freeze": utc(at, "freeze at") if at else True}
        elif action == "real":
            payload = {"real": True}
        else:
            raise ControlError("unknown clock action; use advance, freeze or real")
        self.app.clock.apply(payload)
        return self._done(request, BASE + "/")

    def on_reset(self, request: Request, csrf: str) -> Response:
        self.app.reset()
        return self._done(request, BASE + "/")

    # -- snapshots --------------------------------------------------------------------------
    def on_state(self, request: Request, csrf: str, key: str | None = None) -> Response:
        """``GET``: the snapshot of the fake (or of provider ``key``) as a file named
        for the fake's time; ``POST``: replace the state with an uploaded one (the form's
        ``snapshot`` file), all or nothing, as ``PUT /_mailblocks/state`` does."""
        if key is not None:
            self._provider(key)
        if request.method == "GET":
            stamp = self.app.clock.now().strftime("%Y%m%dT%H%M%SZ")
            return snapshot_response(self.app, key, f"mailblocks-{key + '-' if key else ''}{stamp}.json")
        request.environ[BODY_STREAMED_KEY] = True  # journaled by its size, not its content
        upload = request.files.get("snapshot")
        stream = upload.stream if upload is not None else None
        if stream is None or not stream.read(1):
            raise ControlError("choose a snapshot file to upload (this one is empty)")
        stream.seek(0)
        import_snapshot(self.app, stream.read, key)
        return self._done(request, f"{BASE}/providers/{key}" if key else BASE + "/")

    def on_provider_state(self, request: Request, csrf: str, key: str) -> Response:
        return self.on_state(request, csrf, key)

    # -- a provider ------------------------------------------------------------------------
    def on_provider(self, request: Request, csrf: str, key: str) -> Response:
        provider = self._provider(key)
        view = view_for(key)
        info = self._info(key)
        tenants = view.tenants(info)
        args = request.args
        tenant = args.get("tenant", tenants[0].value if tenants else "")
        if tenants and tenant not in {t.value for t in tenants}:
            raise ControlError(f"unknown {view.tenant_word} {tenant!r}", status=404)
        list_name = args.get("list", view.lists[0])
        if list_name not in view.lists:
            raise ControlError(f"unknown list {list_name!r}; known: {list(view.lists)}", status=404)
        size = _int_arg(args.get("size"), PAGE_SIZES[0])
        if size not in PAGE_SIZES:
            size = PAGE_SIZES[0]
        page = max(1, _int_arg(args.get("page"), 1))
        search = view.search(list_name)
        values = {f.name: args.get(f.name, "").strip() for f in search.fields}
        rows, wrong = [], ""
        try:  # a search value the list's filter cannot take: said beside the box, no rows
            query = {**view.query(tenant, list_name), **view.search_query(list_name, values)}
            query.update(offset=str((page - 1) * size), limit=str(size + 1))
            with self.app.lock:
                rows = provider.control_blocks(query)
        except ControlError as exc:
            wrong = str(exc)
        more = len(rows) > size
        rows = rows[:size]
        current = next((t for t in tenants if t.value == tenant), None)
        state = {"tenant": tenant, "list": list_name, "size": size, **values}
        context: dict[str, Any] = {
            "csrf": csrf,
            "nav": key,
            "key": key,
            "info": info,
            "view": view,
            "tenants": tenants,
            "current": current,
            "state": state,
            "rows": [(row, view.row_key(list_name, row)) for row in rows],
            "columns": tuple(rows[0]) if rows else view.columns(list_name),
            "page": page,
            "more": more,
            "first": (page - 1) * size + 1,
            "total": None if current is None else current.counts.get(list_name),
            "search": search,
            "values": values,
            "wrong": wrong,
            "call": "" if wrong else view.search_call(list_name, tenant, values),
            "filtered": any(values.values()),
            "unfiltered": _qs(state, page="", **dict.fromkeys(values, "")),
            "sizes": PAGE_SIZES,
            "fields": view.add_fields(list_name, info),
            "here": request.full_path.rstrip("?"),
            "delivery": _delivery_rows(provider),
            "connect": self._connect(request, info),
            "snapshots": room(key, "state") is not None,  # a provider without a state room keeps none
        }
        with self.app.lock:
            context["sections"] = view.sections(provider, tenant, info)
        return self.render("provider.html", **context)

    def on_add(self, request: Request, csrf: str, key: str) -> Response:
        provider = self._provider(key)
        view = view_for(key)
        list_name, tenant = request.form.get("list", ""), request.form.get("tenant", "")
        if list_name not in view.lists or not view.add_fields(list_name, self._info(key)):
            raise ControlError(f"cannot add to {list_name!r} here")
        form = request.form.to_dict()
        for f in view.add_fields(list_name, self._info(key)):
            if f.kind == "utc" and form.get(f.name, "").strip():
                form[f.name] = utc(form[f.name], f.label)
        data = view.seed_data(list_name, tenant, form)
        with self.app.lock:
            provider.seed(data, key)
        return self._done(request, f"{BASE}/providers/{key}")

    def on_delete(self, request: Request, csrf: str, key: str) -> Response:
        provider = self._provider(key)
        view = view_for(key)
        f = request.form
        list_name, tenant = f.get("list", ""), f.get("tenant", "")
        if list_name not in view.lists:
            raise ControlError(f"unknown list {list_name!r}")
        keys = {k[4:]: v for k, v in f.items() if k.startswith("key_")}
        with self.app.lock:
            removed = view.delete(provider.handle(self._owner), list_name, tenant, keys)
        if not removed:
            raise ControlError(
                f"nothing to delete: {', '.join(v for v in keys.values() if v)} is not listed", status=404
            )
        return self._done(request, f"{BASE}/providers/{key}")

    def on_provider_reset(self, request: Request, csrf: str, key: str) -> Response:
        self._provider(key).handle(self._owner).reset()
        return self._done(request, f"{BASE}/providers/{key}")

    def on_action(self, request: Request, csrf: str, key: str, action: str) -> Response:
        """A section's button: one of the control actions the provider's view offers."""
        actions = self._provider(key).control_actions()
        if action not in view_for(key).actions or action not in actions:
            raise ControlError(f"{key} has no {action} to run")
        with self.app.lock:
            actions[action]("POST", None, {})
        return self._done(request, f"{BASE}/providers/{key}")

    # -- journal ---------------------------------------------------------------------------
    def _journal_keys(self, provider: str) -> list[str]:
        keys = [k for k in self.app.journals if k != "_mailblocks"]
        if provider:
            if provider not in keys:
                raise ControlError(f"unknown provider {provider!r}; known: {keys}", status=404)
            return [provider]
        return keys

    def _entries(self, request: Request, since: int = 0, limit: int = JOURNAL_LIMIT) -> list[dict[str, Any]]:
        """The newest ``limit`` entries after ``since``, newest first, redacted."""
        args = request.args
        keys = self._journal_keys(args.get("provider", ""))
        method = args.get("method", "").upper()
        status = args.get("status", "").strip()
        picked: list[JournalEntry] = []
        for k in keys:
            journal = self.app.journals[k]
            # the newest entries suffice unless a filter may skip them (then read all)
            recent = journal[:] if (method or status) and not since else journal[-limit:]
            for e in recent:
                if e.seq > since and (not method or e.method == method) and (not status or _status_matches(e, status)):
                    picked.append(e)
        picked.sort(key=lambda e: e.seq, reverse=True)
        return [_outcome(e.to_dict()) for e in picked[:limit]]

    def _counts(self, request: Request) -> dict[str, int]:
        """The requests since the last clear of the journals shown (``total``), those
        still kept (``kept``) and the first and last numbers kept."""
        journals = [self.app.journals[k] for k in self._journal_keys(request.args.get("provider", ""))]
        ends = [e.seq for j in journals for e in (*j[:1], *j[-1:])]
        return {
            "total": sum(j.total for j in journals),
            "kept": sum(len(j) for j in journals),
            "first": min(ends, default=0),
            "last": max(ends, default=0),
        }

    def on_journal(self, request: Request, csrf: str) -> Response:
        args = request.args
        entries = self._entries(request)
        last = max((e.seq for k in self._journal_keys("") for e in self.app.journals[k][-1:]), default=0)
        return self.render(
            "journal.html",
            csrf=csrf,
            nav="journal",
            entries=entries,
            last=last,
            filters={n: args.get(n, "") for n in ("provider", "method", "status")},
            counts=self._counts(request),
            limit=JOURNAL_LIMIT,
        )

    def on_journal_rows(self, request: Request, csrf: str) -> Response:
        since = _int_arg(request.args.get("since"), 0)
        entries = self._entries(request, since)
        response = self.render("journal_rows.html", entries=entries)
        response.headers["X-Journal-Last"] = str(max([since, *(e["seq"] for e in entries)]))
        for name, value in self._counts(request).items():  # for the count line (not for since)
            response.headers[f"X-Journal-Count-{name.title()}"] = str(value)
        return response

    def on_journal_clear(self, request: Request, csrf: str) -> Response:
        for k in self._journal_keys(""):
            self.app.journals[k].clear()
        return self._done(request, f"{BASE}/journal")

    def on_entry(self, request: Request, csrf: str, seq: int) -> Response:
        for k in self._journal_keys(""):
            for e in self.app.journals[k].filter(since=seq - 1):
                if e.seq == seq:
                    template = "entry_detail.html" if request.args.get("fragment") else "entry.html"
                    return self.render(template, csrf=csrf, nav="journal", e=_readable(_outcome(e.to_dict())))
                break
        raise ControlError(f"no journal entry #{seq} (cleared, or older than the journal keeps)", status=404)

    # -- faults ----------------------------------------------------------------------------
    def on_faults(self, request: Request, csrf: str) -> Response:
        endpoints = {
            key: sorted({str(r.endpoint) for r in p.url_map.iter_rules()}) for key, p in self.app.providers.items()
        }
        return self.render(
            "faults.html",
            csrf=csrf,
            nav="faults",
            faults=self.app.faults.to_list(),
            endpoints=endpoints,
            fired=self.app.faults.fired,
        )

    def on_fault_add(self, request: Request, csrf: str) -> Response:
        f = request.form
        spec: dict[str, Any] = {}
        provider = f.get("provider", "").strip()
        if provider:
            self._provider(provider)
            spec["provider"] = provider
        for name in ("endpoint", "method", "path"):
            if f.get(name, "").strip():
                spec[name] = f[name].strip()
        for name, cast in (("status", int), ("latency", float), ("times", int)):
            raw = f.get(name, "").strip()
            if raw:
                try:
                    spec[name] = cast(raw)
                except ValueError:
                    raise ControlError(f"{name} must be a number, got {raw!r}") from None
        if f.get("reset"):
            spec["reset"] = True
        self.app.faults.add(**spec)
        return self._done(request, f"{BASE}/faults")

    def on_fault_clear(self, request: Request, csrf: str) -> Response:
        fault_id = request.form.get("id", "")
        if fault_id:
            if not self.app.faults.remove(fault_id):
                raise ControlError(f"no fault with id {fault_id!r} (it may have run out)", status=404)
        else:
            self.app.faults.clear()
        return self._done(request, f"{BASE}/faults")


# -- helpers -------------------------------------------------------------------------------
DELIVERY_ROWS = 100
DETAILS_CHARS = 400


def _delivery_rows(provider: Any) -> dict[str, Any] | None:
    """The newest sends and events of a provider with delivery simulation (issue 21),
    newest first, as generic rows: time, kind, address, account and the provider's
    own record as compact JSON (cut at ``DETAILS_CHARS``)."""
    with provider.lock:
        delivery = provider.delivery(create=bool(provider.outcome_kinds))  # a provider with a send path
        if delivery is None:
            return None
        delivery.tick()
    out: dict[str, Any] = {}
    for name, log in (("sends", delivery.sends), ("events", delivery.outbox)):
        entries = log.entries()
        rows = []
        for e in reversed(entries[-DELIVERY_ROWS:]):
            details = json.dumps(e.data, ensure_ascii=False, separators=(", ", ": "), default=str)
            if len(details) > DETAILS_CHARS:
                details = details[:DETAILS_CHARS] + " …"
            rows.append({"time": e.time, "type": e.type, "email": e.email, "tenant": e.tenant, "details": details})
        out[name] = {"rows": rows, "total": log.total, "kept": len(entries)}
    return out


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of text that may hold any character."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def _redirect(location: str) -> Response:
    response = Response("", status=303)
    response.headers["Location"] = location
    return response


def _safe_next(value: str, referrer: str | None) -> str:
    """A same-site inspector path to go back to, or ``""``."""
    for candidate in (value, referrer or ""):
        parts = urlsplit(candidate)
        path = parts.path
        if parts.scheme or parts.netloc:
            continue
        if (path == BASE + "/" or path.startswith(BASE + "/")) and "\\" not in candidate and "//" not in path:
            return path + ("?" + parts.query if parts.query else "")
    return ""


def _int_arg(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def _status_matches(e: JournalEntry, wanted: str) -> bool:
    """``404``, a class like ``4xx``, or ``failed``: an error status, a reset
    connection, or a refusal in a success status (an answer with an error code)."""
    status = e.status
    if wanted.lower() == "failed":
        return not status or status >= 400 or e.error_code is not None
    if len(wanted) == 3 and wanted[1:].lower() == "xx" and wanted[0].isdigit():
        return status // 100 == int(wanted[0])
    return str(status) == wanted


def _outcome(e: dict[str, Any]) -> dict[str, Any]:
    """A journal entry with ``refused``: for an answer with a success status that is
    a refusal, the provider's message (its view's :meth:`~.views.View.refusal`) or
    else its error code; ``""`` for any other."""
    refused = ""
    if 200 <= e["status"] < 400:
        refused = view_for(e["provider"]).refusal(e) or e["error_code"] or ""
    return {**e, "refused": refused}


def _when(value: Any, unit: str = "s") -> str:
    """Unix seconds or milliseconds as ``YYYY-MM-DD HH:MM:SS UTC``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    seconds = value / 1000 if unit == "ms" else value
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return ""


def _when_text(value: Any, unit: str = "s") -> str:
    """As :func:`_when`, without the zone: what a UTC field takes."""
    return _when(value, unit).removesuffix(" UTC")


def _pretty(text: str, content_type: str = "") -> str:
    """JSON bodies indented; anything else as it is."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") or "json" in content_type:
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return text


#: the redaction marker, escaped, and how a page shows it
_MARKER = escape(REDACTED)
_MARKER_SHOWN = Markup('<span class="redacted">') + _MARKER + Markup("</span>")
#: name=value pairs an opened journal row lists, at most
FIELDS_SHOWN = 200


def _marked(text: Any) -> Markup:
    """Text escaped, with the redaction marker shown as such (``<redacted>``, set apart)."""
    return Markup(escape(str(text)).replace(_MARKER, _MARKER_SHOWN))


def _fields(text: str) -> list[tuple[str, str]]:
    """A query string or urlencoded form as decoded (name, value) pairs."""
    return parse_qsl(text, keep_blank_values=True, max_num_fields=None)[:FIELDS_SHOWN]


def _readable(e: dict[str, Any]) -> dict[str, Any]:
    """A journal entry (``to_dict()``, redacted) with its query and, for a urlencoded
    body, its form as decoded fields (``query_fields``, ``form_fields``)."""
    ctype = next((v for k, v in e["headers"].items() if k.lower() == "content-type"), "")
    form = ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded" and not e["body_base64"]
    return {**e, "query_fields": _fields(e["query"]), "form_fields": _fields(e["body"]) if form else []}


def _status_class(status: int) -> str:
    if not status:
        return "s0"
    return f"s{status // 100}"


def _qs(state: dict[str, Any], **changes: Any) -> str:
    """A query string from the page's state with some values changed (blanks dropped)."""
    merged = {**state, **changes}
    return urlencode([(k, str(v)) for k, v in merged.items() if v not in ("", None)])
