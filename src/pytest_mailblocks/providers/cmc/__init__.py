"""Customers Mail Cloud (smtps.jp) blocks and unsubscribes (seed 000, seed 003,
``shared/providers/cmc.md``) and the send path with its Event Webhook (issue 21,
``shared/providers/delivery/cmc.md``): the wiring of the package's rooms."""

from __future__ import annotations

from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from ...core.delivery import KINDS, Delivery
from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import delivery, endpoints, errors, render
from .control import CmcControl
from .handle import CmcHandle
from .models import CmcState

__all__ = ["CmcHandle", "CustomersMailCloud"]


class CustomersMailCloud(CmcControl):
    key = "cmc"
    title = "Customers Mail Cloud (blocks, unsubscribes, emails/send)"
    real_host = "https://api.smtps.jp"
    #: the block API's paths, and the send API's (on the plan's host: sandbox.smtps.jp ...)
    prefixes = ("/transaction/", "/api/v1/emails/", "/api/v2/emails/")
    secrets = frozenset({"api_key"})
    default_credentials: ClassVar[dict[str, str]] = {
        "api_user": "mailblocks",
        "api_key": "mailblocks-api-key",
        "server_composition": "mailblocks",
    }
    rules = endpoints.RULES + delivery.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS
    outcome_kinds = KINDS

    def new_state(self) -> CmcState:
        return CmcState(self.credentials)

    def handle(self, owner: Any) -> CmcHandle:
        return CmcHandle(self, owner)

    def call(self, call: Call) -> Response:
        self.catch_up()
        return endpoints.dispatch(call, delivery.HANDLERS, delivery.ACCESS)

    def delivery(self, create: bool = False) -> Delivery | None:
        return delivery.delivery_of(self, create)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        return render.render_error(error, request, notes)
