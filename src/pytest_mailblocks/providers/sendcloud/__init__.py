"""SendCloud (sendcloud.net) block, bounce and unsubscribe lists (seed 004,
``shared/providers/sendcloud.md``, sendcloud2013/sendcloud_docs @6d8cd47) and the send
path with its webhooks (issue 21, ``shared/providers/delivery/sendcloud.md``): the
wiring of the package's rooms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from ...core.delivery import KINDS, Delivery
from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import delivery, endpoints, errors, render, webhooks
from .control import SendCloudControl
from .endpoints import SendCloudCall
from .handle import SendCloudHandle
from .models import SendCloudState

__all__ = ["SendCloud", "SendCloudHandle"]


class SendCloud(SendCloudControl):
    key = "sendcloud"
    title = "SendCloud (block, bounce and unsubscribe lists)"
    real_host = "https://api2.sendcloud.net"
    # /api/v1/ belongs to NCP: the core's mount table prefers the longer prefix
    prefixes = ("/api/", "/apiv2/")
    secrets = frozenset({"apikey"})
    default_credentials: ClassVar[dict[str, str]] = {
        "api_user": "mailblocks_default",
        "api_key": "MailblocksSendCloudDefaultKey001",
    }
    rules = endpoints.RULES + delivery.RULES + webhooks.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS
    outcome_kinds = KINDS

    def new_state(self) -> SendCloudState:
        return SendCloudState(self.credentials["api_user"], self.credentials["api_key"], self.clock.time)

    def handle(self, owner: Any) -> SendCloudHandle:
        return SendCloudHandle(self, owner)

    def call(self, call: Call) -> Response:
        self.catch_up()
        return endpoints.dispatch(call, _SEND_PATH)

    def delivery(self, create: bool = False) -> Delivery | None:
        return delivery.delivery_of(self, create)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        lang = notes.lang = render.lang_of(request.path)
        return render.render_error(error, lang, notes)


#: the send path's and the Webhook API's operations: they make the block APIs' checks
#: (the prefix's language, the parameters, apiUser/apiKey) first
_SEND_PATH: dict[str, Callable[[SendCloudCall], Response]] = {**delivery.HANDLERS, **webhooks.HANDLERS}
