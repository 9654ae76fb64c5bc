"""Twilio SendGrid v3: suppression lists (seed 002, ``shared/providers/sendgrid.md``)
and the send path with its Event Webhook (issue 21): the wiring of the package's rooms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from ...core.delivery import KINDS, Delivery
from ...core.errors import ErrorEntry, ProviderError
from ...core.provider import Call, Notes, status_phrase
from . import delivery, endpoints, errors, render, webhooks
from .control import SendGridControl
from .endpoints import SendGridCall
from .handle import SendGridHandle
from .models import SendGridState

__all__ = ["SendGrid", "SendGridHandle"]


class SendGrid(SendGridControl):
    key = "sendgrid"
    title = "Twilio SendGrid v3 (suppressions)"
    real_host = "https://api.sendgrid.com"
    prefixes = ("/v3/",)
    secrets = frozenset({"authorization"})
    default_credentials: ClassVar[dict[str, str]] = {"api_key": "SG.mailblocks.default-full-access-key"}
    rules = endpoints.RULES + delivery.RULES + webhooks.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS
    outcome_kinds = KINDS

    def new_state(self) -> SendGridState:
        return SendGridState(self.credentials["api_key"])

    def handle(self, owner: Any) -> SendGridHandle:
        return SendGridHandle(self, owner)

    def call(self, call: Call) -> Response:
        self.catch_up()
        handler = _OWN_CHECKS.get(call.endpoint)
        return handler(call.extended(SendGridCall)) if handler is not None else endpoints.dispatch(call)

    def delivery(self, create: bool = False) -> Delivery | None:
        return delivery.delivery_of(self, create)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        return render.render_error(error, self.clock.time(), notes)

    def fault_error(self, status: int) -> ProviderError:
        """A known row, or one made from ``FAULT_MESSAGES``; a 429 with the live 429's
        headers: the limit, nothing remaining, the next minute."""
        entry = self.fault_errors.get(status) or ErrorEntry(
            f"SG_FAULT_{status}", status, errors.FAULT_MESSAGES.get(status) or status_phrase(status)
        )
        headers = {}
        if status == 429:
            reset_at = (int(self.clock.time()) // 60 + 1) * 60
            headers = {
                "X-RateLimit-Limit": str(self.state.rate_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset_at),
            }
        return ProviderError(entry, status=status, headers=headers)


#: the routes that make their own checks (mail send's auth answers, the webhook
#: settings' scopes); every other route is a suppression list's (``endpoints.dispatch``)
_OWN_CHECKS: dict[str, Callable[[SendGridCall], Response]] = {**delivery.HANDLERS, **webhooks.HANDLERS}
