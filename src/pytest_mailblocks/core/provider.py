"""What a provider package gives the core, and what the core hands an endpoint.

A provider is a :class:`Provider` subclass (``providers/<key>/__init__.py``, only the
wiring) assembled from its package's rooms (see ``docs/architecture.md``), and an
entry in the registry (``providers/__init__.py``).

The app finds the provider by path prefix, asks it to :meth:`~Provider.match` the
route (so faults can target an operation), runs the fault hook, then hands
:meth:`~Provider.call` a :class:`Call` under the app's lock. Every endpoint of every
provider has one signature, ``endpoint(call) -> Response``, its provider's
:class:`Call` subclass carrying what the provider's shared checks found (the
account, the parameters). A :class:`~.errors.ProviderError` from anywhere is
rendered by :meth:`~Provider.render_error`; any other exception becomes the
provider's ``internal`` row plus a journal traceback. :class:`Notes` collects what
the journal entry records and what the endpoint tells the renderer.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from .errors import ControlError, ErrorEntry, ProviderError
from .routing import MatchCache, compile_rules

if TYPE_CHECKING:
    from .app import App
    from .clock import Clock
    from .hosts import Refusal

__all__ = [
    "Call",
    "Notes",
    "Provider",
    "SeedPlan",
    "json_response",
    "listed",
    "make_response",
    "seed_all",
    "status_phrase",
]


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


@dataclass(eq=False)
class Notes:
    """What the core and the provider note about one request: its journal entry's
    fields, and what the endpoint tells the renderer (``lang``, ``headers``)."""

    request: Request
    provider: str
    endpoint: str | None = None
    auth: str | None = None
    tenant: str | None = None
    error_code: str | None = None
    fault: str | None = None
    #: a bug in the fake: the traceback, kept in the journal
    traceback: str | None = None
    #: the language the provider answers in (its renderer reads it)
    lang: str = "en"
    #: headers every answer to this request carries, errors included (what the
    #: endpoint learned before failing, e.g. rate-limit headers once the key is known)
    headers: dict[str, str] | None = None
    #: the provider journal's generation when the provider answered (under the lock)
    generation: int | None = None


_C = TypeVar("_C", bound="Call")


@dataclass(eq=False)
class Call:
    """One request as an endpoint is given it: ``endpoint(call) -> Response``.

    A provider's own subclass (``<Name>Call``, in its ``endpoints`` room) adds what its shared
    checks found before the endpoint runs: the account, the parsed parameters."""

    provider: Any
    endpoint: str
    #: the path arguments of the route
    args: dict[str, Any]
    request: Request
    notes: Notes

    def extended(self, cls: type[_C], **found: Any) -> _C:
        """This call as the provider's subclass, with what its checks ``found``."""
        return cls(self.provider, self.endpoint, self.args, self.request, self.notes, **found)


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


def listed(value: Any, where: str) -> list[Any]:
    """``value`` when it is a list (a part of a seed), else the ControlError naming ``where``."""
    if not isinstance(value, list):
        raise ControlError("expected a list", where=where)
    return value


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status, lower case (``"error"`` for an unknown one)."""
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


class Provider:
    """Base class of the providers. A subclass sets the class attributes, wires its
    rooms into the methods marked "to implement", and is listed in the registry."""

    #: registry key (``server.<key>``, ``<key>_fake``, ``/_mailblocks/<key>/``)
    key: ClassVar[str]
    #: human name: the provider and what of its API is faked
    title: ClassVar[str]
    #: the provider's documented host, for the docs and the CLI banner
    real_host: ClassVar[str]
    #: path prefixes this provider owns (segment boundaries: ``"/v2/"`` owns ``/v2``,
    #: ``/v2/`` and everything under it)
    prefixes: ClassVar[tuple[str, ...]]
    #: lower-cased header and parameter names whose values are secrets
    secrets: ClassVar[frozenset[str]] = frozenset()
    #: default credentials; ``reset()`` restores these (or the configured ones)
    default_credentials: ClassVar[dict[str, str]] = {}
    #: the werkzeug rules of the provider's routes (endpoint = operation name)
    rules: ClassVar[list[Rule]] = []
    #: the catalogue rows of the core's own answers, by kind: ``not_found``,
    #: ``method_not_allowed``, ``too_large``, ``internal``, and the refusals of the
    #: core's guard (:mod:`.hosts`): ``host`` (a Host the fake does not answer) and
    #: ``cross_site`` (a browser page elsewhere), whose ``{0}`` is what was sent
    core_errors: ClassVar[dict[str, ErrorEntry]] = {}
    #: the rows an injected fault's status is answered with (see :meth:`fault_error`)
    fault_errors: ClassVar[dict[int, ErrorEntry]] = {}
    #: the outcome kinds a provider with a send path takes (core.delivery.KINDS)
    outcome_kinds: ClassVar[tuple[str, ...]] = ()
    _compiled_rules: ClassVar[Map | None] = None

    def __init__(self, app: App, credentials: dict[str, str] | None = None) -> None:
        self.app = app
        unknown = set(credentials or {}) - set(self.default_credentials)
        if unknown:
            raise ControlError(
                f"unknown credential(s) {sorted(unknown)} for {self.key}; known: {sorted(self.default_credentials)}"
            )
        self.credentials: dict[str, str] = {**self.default_credentials, **(credentials or {})}
        self.url_map = self.compiled_rules()
        self._adapter = self.url_map.bind("fake")
        self._matches = MatchCache()
        self.reset()

    @classmethod
    def compiled_rules(cls) -> Map:
        """The provider's routes, compiled once per class: a Map is immutable once
        built and matching only reads it, so every app shares it (werkzeug's
        compilation is the bulk of a provider's construction). Recent matches are
        remembered per provider instance."""
        compiled = cls.__dict__.get("_compiled_rules")
        if compiled is None:
            compiled = cls._compiled_rules = compile_rules(cls.rules)
        return compiled

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

    def replace_state(self, state: Any) -> None:
        """Put ``state`` (built by the provider's ``state`` room from a snapshot) in
        place of the current one, which is closed as a reset closes it. Call under
        the app's lock."""
        self.reset()
        self.__dict__["state"] = state

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

    def call(self, call: Call) -> Response:
        """Run the operation (under the app's lock): the provider's shared checks,
        then the endpoint, which renders its response."""
        raise NotImplementedError

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        """The provider's one error renderer (usually ``render.render_error``)."""
        raise NotImplementedError

    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """Check a seed from JSON-like data (control plane, seed file, marker, handle)
        in full, against the state and against itself, and return its plan. A refusal
        leaves the state as it was (a plan that prepared anything undoes it first).

        :raises ControlError: naming ``where`` and what is wrong.
        """
        raise NotImplementedError

    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Current block records as JSON-ready dicts (control plane, CLI, UI)."""
        raise NotImplementedError

    def handle(self, owner: Any) -> Any:
        """The Python handle for ``owner`` (something with ``url``)."""
        raise NotImplementedError

    # -- optional ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Credentials, tenants and counts (health page, CLI banner)."""
        return {"title": self.title, "credentials": dict(self.credentials)}

    def delivery(self, create: bool = False) -> Any:
        """The provider's :class:`~.delivery.Delivery` (its outbox, outcomes, webhook
        queue), made if ``create``; None for a provider without a send path."""
        return None

    def catch_up(self) -> None:
        """Run the delivery work the running clock made due meanwhile (a retry, a
        complaint an hour after delivery), if a send made any: call under the lock
        before a request or a handle reads the lists."""
        delivery = self.delivery()
        if delivery is not None:
            delivery.tick()

    def control_actions(self) -> dict[str, Callable[[str, Any, dict[str, str]], Any]]:
        """Extra control-plane routes: ``/_mailblocks/<key>/<action>`` -> fn(method, payload, query)."""
        return {}

    # -- shared --------------------------------------------------------------------
    def seed(self, data: Any, where: str) -> int:
        """Seed all or nothing (see :meth:`plan_seed`); returns the items added."""
        with self.lock:
            return seed_all([(self, data, where)])[0]

    def core_error(self, kind: str) -> ProviderError:
        """The catalogue row the core answers ``kind`` with (see :attr:`core_errors`)."""
        return ProviderError(self.core_errors.get(kind) or self.core_errors["internal"])

    def fault_error(self, status: int) -> ProviderError:
        """An injected fault's answer: the row :attr:`fault_errors` names for
        ``status``, else :meth:`fault_entry`'s, sent with ``status``."""
        return ProviderError(self.fault_errors.get(status) or self.fault_entry(status), status=status)

    def fault_entry(self, status: int) -> ErrorEntry:
        """The row of a fault status :attr:`fault_errors` does not name."""
        return self.core_errors["internal"]

    def guard_error(self, refusal: Refusal) -> ProviderError:
        """The catalogue row for a refusal of the core's guard, ``{0}`` = what was sent."""
        return ProviderError(self.core_errors[refusal.kind], refusal.value)

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
        self._matches.keep((path, method), (str(endpoint), dict(args)))
        return str(endpoint), dict(args)


def __getattr__(name: str) -> Any:
    if name == "Exchange":
        warnings.warn(
            "pytest_mailblocks.core.provider.Exchange is now Notes (a request's journal notes)",
            DeprecationWarning,
            stacklevel=2,
        )
        return Notes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
