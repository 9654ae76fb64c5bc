"""Customers Mail Cloud (smtps.jp) blocks and unsubscribes (seed 000, seed 003,
``shared/providers/cmc.md``): the wiring of the package's rooms."""

from __future__ import annotations

from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import endpoints, errors, render
from .control import CmcControl
from .handle import CmcHandle
from .models import CmcState

__all__ = ["CmcHandle", "CustomersMailCloud"]


class CustomersMailCloud(CmcControl):
    key = "cmc"
    title = "Customers Mail Cloud (blocks, unsubscribes)"
    real_host = "https://api.smtps.jp"
    prefixes = ("/transaction/",)
    secrets = frozenset({"api_key"})
    default_credentials: ClassVar[dict[str, str]] = {
        "api_user": "mailblocks",
        "api_key": "mailblocks-api-key",
        "server_composition": "mailblocks",
    }
    rules = endpoints.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS

    def new_state(self) -> CmcState:
        return CmcState(self.credentials)

    def handle(self, owner: Any) -> CmcHandle:
        return CmcHandle(self, owner)

    def call(self, call: Call) -> Response:
        return endpoints.dispatch(call)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        return render.render_error(error, request, notes)
