"""What a provider package gives the core.

A provider is a :class:`Provider` subclass (in ``providers/<key>/__init__.py``)
assembled from the package's rooms:

- ``models.py``: records and per-tenant state with verb methods;
- ``errors.py``: the error catalogue (rows of :class:`~.errors.ErrorEntry`);
- ``endpoints.py``: the werkzeug ``Rule`` list and one function per operation;
- ``render.py``: bodies out (JSON, XML, ZIP+CSV) and the one error renderer;
- ``handle.py``: the Python handle tests use (``server.sendgrid``).

The core finds the provider by path prefix, asks it to :meth:`~Provider.match` the
route (so faults can target an operation), runs the fault hook, then calls
:meth:`~Provider.call` under the server lock. A :class:`~.errors.ProviderError`
from anywhere is rendered by :meth:`~Provider.render_error`; any other exception
becomes :meth:`~Provider.core_error` ``("internal")`` plus a journal traceback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, PathConverter, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from .errors import ControlError, ErrorEntry, ProviderError

if TYPE_CHECKING:
    from .app import App
    from .clock import Clock
    from .hosts import Refusal

__all__ = ["Exchange", "Provider", "SeedPlan", "json_response", "make_response", "seed_all"]


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    compact: bool = True,
    content_type: str = "application/json",
) -> Response:
    """A JSON response; compact separators unless the provider pretty-prints."""
    if compact:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    else:
        body = json.dumps(data, indent=2, ensure_ascii=False)
    return make_response(body, status, headers, content_type)


def make_response(
    body: str | bytes,
    status: int = 200,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    content_type: str | None = "application/json",
) -> Response:
    """A werkzeug Response built without werkzeug's per-header normalisation
    (the hot path of every request). Header values must be ``str`` without line
    breaks; anything else is refused."""
    if content_type is None:  # werkzeug would add its default type: built its own way
        response = Response(body, status=status, content_type=content_type)
        del response.headers["Content-Type"]
        out = response.headers._list  # werkzeug keeps headers as a list of pairs
    else:
        # what werkzeug would set (the type, then the length, the body as a one-item
        # list), given ready: no per-header normalisation, no second pass to set them
        data = body.encode() if isinstance(body, str) else body
        given = Headers()
        out = given._list
        out.append(("Content-Type", content_type))
        out.append(("Content-Length", str(len(data))))
        response = Response([data], status=status, headers=given)
    if headers:
        items = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            if not isinstance(value, str) or "\n" in value or "\r" in value:
                raise ValueError(f"bad header value for {name!r}: {value!r}")
            out.append((name, value))
    return response


def _no_url_building(*args: Any, **kwargs: Any) -> tuple[str, str]:
    raise NotImplementedError("the fakes match routes; they never build URLs")


class _MatchOnlyRule(Rule):
    """A werkzeug rule that skips compiling URL builders (two generated functions
    per rule: most of a Map's construction), since the fakes never build URLs."""

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        return _no_url_building


class _AnyPath(PathConverter):
    """``<path:...>`` matching every character, line breaks too: werkzeug's own stops
    at a ``\n`` (its ``.`` does), so ``/v3/suppression/blocks/a%0Ab@x.com`` fell
    outside the route (a 404) where every other absent address answers (issue 19)."""

    regex = "[^/](?s:.)*?"


@dataclass
class Exchange:
    """What the core and the provider learn about one request, for the journal."""

    request: Request
    provider: str
    endpoint: str | None = None
    auth: str | None = None
    tenant: str | None = None
    error_code: str | None = None
    fault: str | None = None
    lang: str = "en"
    notes: dict[str, Any] = field(default_factory=dict)
    #: the provider journal's generation when the provider answered (under the lock)
    generation: int | None = None


def _nothing() -> None:
    return None


@dataclass
class SeedPlan:
    """A seed a provider checked in full and can no longer refuse.

    ``apply()`` makes it so and returns how many items it added; it raises nothing a
    client caused. Preparing it may have changed small state already (tenants,
    settings) to check what follows against it; ``undo()`` takes that back, for when
    another provider's part of the same seed is refused."""

    apply: Callable[[], int]
    undo: Callable[[], None] = _nothing


def seed_all(parts: list[tuple[Provider, Any, str]]) -> list[int]:
    """Seed several providers all or nothing: every part is checked (a plan) before
    any is applied, and a refusal takes back what the plans before it prepared.
    Call under the app's lock, so that no request sees half a seed."""
    plans: list[SeedPlan] = []
    try:
        for provider, data, where in parts:
            plans.append(provider.plan_seed(data, where))
    except BaseException:
        for plan in reversed(plans):
            plan.undo()
        raise
    counts: list[int] = []
    for i, plan in enumerate(plans):
        try:
            counts.append(plan.apply())
        except BaseException:  # a bug in the fake: take back the plans not applied yet
            for rest in reversed(plans[i + 1 :]):
                rest.undo()
            raise
    return counts


class Provider:
    """Base class of the four providers. Subclasses set the class attributes and
    implement the abstract methods; everything else is shared."""

    #: registry key, e.g. ``"sendgrid"``
    key: ClassVar[str]
    #: human name, e.g. ``"Twilio SendGrid v3"``
    title: ClassVar[str]
    #: the provider's documented host, for the docs and the CLI banner
    real_host: ClassVar[str]
    #: path prefixes this provider owns (segment boundaries, e.g. ``"/v3/"``)
    prefixes: ClassVar[tuple[str, ...]]
    #: lower-cased header and parameter names whose values are secrets
    secrets: ClassVar[frozenset[str]] = frozenset()
    #: default credentials; ``reset()`` restores these (or the configured ones)
    default_credentials: ClassVar[dict[str, str]] = {}
    #: the werkzeug rules of the provider's routes (endpoint = operation name)
    rules: ClassVar[list[Rule]] = []
    #: catalogue rows for the core's refusals (:mod:`.hosts`), by kind: ``"host"``
    #: (a Host the fake does not answer) and ``"cross_site"`` (a browser page elsewhere)
    guard_errors: ClassVar[dict[str, ErrorEntry]] = {}
    _compiled_routing: ClassVar[Any] = None

    def __init__(self, app: App, credentials: dict[str, str] | None = None) -> None:
        self.app = app
        unknown = set(credentials or {}) - set(self.default_credentials)
        if unknown:
            raise ControlError(
                f"unknown credential(s) {sorted(unknown)} for {self.key}; known: {sorted(self.default_credentials)}"
            )
        self.credentials: dict[str, str] = {**self.default_credentials, **(credentials or {})}
        self.url_map, self._adapter, self._matches = self._routing()
        self.reset()

    @classmethod
    def _routing(cls) -> tuple[Map, Any, dict[tuple[str, str], tuple[str, dict[str, Any]]]]:
        """The provider's compiled routes, built once per class and shared by every
        app (werkzeug compiles a URL builder per rule: the bulk of a server's start).
        Matching is read-only, so sharing is safe across threads."""
        routing = cls.__dict__.get("_compiled_routing")
        if routing is None:
            url_map = Map(
                [_MatchOnlyRule(r.rule, **r.get_empty_kwargs()) for r in cls.rules],
                strict_slashes=False,
                merge_slashes=False,
                redirect_defaults=False,
                converters={"path": _AnyPath},
            )
            routing = (url_map, url_map.bind("fake"), {})
            cls._compiled_routing = routing
        return routing

    @property
    def clock(self) -> Clock:
        return self.app.clock

    @property
    def lock(self) -> threading.RLock:
        return self.app.lock

    # -- state -----------------------------------------------------------------------
    def reset(self) -> None:
        """Drop the state: the next access to ``self.state`` builds a fresh one with
        the default credentials. A reset costs nothing for the providers a test never
        touches. A state with a ``close()`` (scheduled work, webhooks) is closed."""
        close = getattr(self.__dict__.pop("state", None), "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:
        # ``state`` is built on first access after a reset (see ``reset``)
        if name != "state" or "app" not in self.__dict__:
            raise AttributeError(name)
        with self.app.lock:
            state = self.__dict__.get("state")
            if state is None:
                state = self.__dict__["state"] = self.new_state()
        return state

    # -- to implement --------------------------------------------------------------
    def new_state(self) -> Any:
        """Empty state with the default credentials (``self.credentials``)."""
        raise NotImplementedError

    def call(self, endpoint: str, args: dict[str, Any], request: Request, ex: Exchange) -> Response:
        """Run the operation (under the server lock) and render its response."""
        raise NotImplementedError

    def render_error(self, error: ProviderError, request: Request, ex: Exchange) -> Response:
        """The provider's one error renderer (usually ``render.render_error``)."""
        raise NotImplementedError

    def core_error(self, kind: str, status: int | None = None) -> ProviderError:
        """The catalogue entry the core needs for ``kind``: ``not_found``,
        ``method_not_allowed``, ``too_large``, ``internal`` or ``fault`` (an
        injected ``status``)."""
        raise NotImplementedError

    def guard_error(self, refusal: Refusal) -> ProviderError:
        """The catalogue row for a refusal of the core's guard, ``{0}`` = what was sent."""
        return ProviderError(self.guard_errors[refusal.kind], refusal.value)

    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """Check a seed from JSON-like data (control plane, seed file, marker, handle)
        in full, against the state and against itself, and return its plan. A refusal
        leaves the state as it was (a plan that prepared anything undoes it first).

        :raises ControlError: naming ``where`` and what is wrong.
        """
        raise NotImplementedError

    def seed(self, data: Any, where: str) -> int:
        """Seed all or nothing (see :meth:`plan_seed`); returns the items added."""
        with self.lock:
            return seed_all([(self, data, where)])[0]

    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Current block records as JSON-ready dicts (control plane, CLI, UI)."""
        raise NotImplementedError

    def info(self) -> dict[str, Any]:
        """Credentials, tenants and counts (health page, CLI banner)."""
        return {"title": self.title, "credentials": dict(self.credentials)}

    def handle(self, owner: Any) -> Any:
        """The Python handle for ``owner`` (something with ``url``)."""
        raise NotImplementedError

    #: the outcome kinds a provider with delivery simulation takes (core.delivery.KINDS)
    outcome_kinds: ClassVar[tuple[str, ...]] = ()

    def delivery(self, create: bool = False) -> Any:
        """The provider's :class:`~.delivery.Delivery` (its outbox, outcomes, webhook
        queue), made if ``create``; None for a provider without a send path."""
        return None

    #: extra control-plane actions: ``/_mailblocks/<key>/<action>`` -> fn(method, payload, query)
    def control_actions(self) -> dict[str, Callable[[str, Any, dict[str, str]], Any]]:
        return {}

    # -- shared --------------------------------------------------------------------
    def owns(self, path: str) -> bool:
        return any(path.startswith(p) or path == p.rstrip("/") for p in self.prefixes)

    def match(self, request: Request) -> tuple[str, dict[str, Any]]:
        """The operation name and path arguments, or the provider's 404/405."""
        path, method = request.path, request.method
        hit = self._matches.get((path, method))
        if hit is not None:
            return hit[0], dict(hit[1])
        try:
            endpoint, args = self._adapter.match(path, method=method)
        except MethodNotAllowed as exc:
            err = self.core_error("method_not_allowed")
            allowed = sorted(exc.valid_methods or [])
            if allowed:
                err.headers.setdefault("Allow", ", ".join(allowed))
            raise err from None
        except (NotFound, RequestRedirect):
            raise self.core_error("not_found") from None
        if len(self._matches) >= 512:
            self._matches.clear()
        self._matches[(path, method)] = (str(endpoint), dict(args))
        return str(endpoint), dict(args)

    def journal_secrets(self) -> frozenset[str]:
        return self.secrets
