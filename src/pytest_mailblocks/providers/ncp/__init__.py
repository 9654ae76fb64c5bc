"""NAVER Cloud Platform Cloud Outbound Mailer: send-block history and unsubscribers
behind the API Gateway (seed 001, ``shared/providers/ncp.md``), and the send path with
its status lookups (issue 21): the wiring of the package's rooms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from ...core.delivery import Delivery
from ...core.errors import ErrorEntry, ProviderError
from ...core.provider import Call, Notes
from . import delivery, endpoints, errors, render, status
from .control import NcpControl
from .endpoints import NcpCall
from .handle import NcpHandle
from .models import NcpState

__all__ = ["Ncp", "NcpHandle"]


class Ncp(NcpControl):
    key = "ncp"
    title = "NAVER Cloud Outbound Mailer (send blocks, unsubscribers)"
    real_host = "https://mail.apigw.ntruss.com"
    prefixes = ("/api/v1/", "/api/v1-sgn/", "/api/v1-jpn/")
    # the signed headers, and the API key header older NCP gateways took (clients still send it)
    secrets = frozenset({"x-ncp-apigw-signature-v2", "x-ncp-iam-access-key", "x-ncp-apigw-api-key"})
    default_credentials: ClassVar[dict[str, str]] = {
        "access_key": "MAILBLOCKSNCPACCESS1",
        "secret_key": "mailblocksNcpSecretKeyForTheFakeGateway0",
    }
    rules = endpoints.RULES + delivery.RULES + status.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS
    outcome_kinds = delivery.OUTCOME_KINDS

    def new_state(self) -> NcpState:
        return NcpState(self.credentials["access_key"], self.credentials["secret_key"])

    def handle(self, owner: Any) -> NcpHandle:
        return NcpHandle(self, owner)

    def match(self, request: Request) -> tuple[str, dict[str, Any]]:
        """Unknown paths are the gateway's 404 (before auth); another method on a known
        path reaches the backend (after auth), which answers 405/77001."""
        try:
            endpoint, args = self._adapter.match(request.path, method=request.method)
        except MethodNotAllowed as exc:
            return "method_not_allowed", {"allowed": sorted(exc.valid_methods or [])}
        except (NotFound, RequestRedirect):
            raise self.core_error("not_found") from None
        return str(endpoint), dict(args)

    def call(self, call: Call) -> Response:
        self.catch_up()
        return endpoints.dispatch(call, _HANDLERS, _BODY_OPERATIONS)

    def delivery(self, create: bool = False) -> Delivery | None:
        return delivery.delivery_of(self, create)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        return render.render_error(error, notes)

    def fault_entry(self, status: int) -> ErrorEntry:
        return errors.NCP_GW_BAD_REQUEST if status < 500 else errors.NCP_GW_UNEXPECTED


#: every route's operation: the block lists', the send path's, the status lookups'; all
#: pass the gateway's and the backend's shared checks first (``endpoints.dispatch``)
_HANDLERS: dict[str, Callable[[NcpCall], Response]] = {**endpoints.HANDLERS, **delivery.HANDLERS, **status.HANDLERS}
_BODY_OPERATIONS = endpoints.BODY_OPERATIONS + delivery.BODY_OPERATIONS
