"""Acme Mail, a fifth provider made for the tests from the same rooms as the four:
one list of blocked addresses behind ``X-Acme-Key`` at ``/acme/v1/blocks``. It lives in
the test tree and is served once ``tests/test_fifth_provider.py`` registers it: no
file of the package under ``src/`` knows it."""

from __future__ import annotations

from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from pytest_mailblocks.core.errors import ProviderError
from pytest_mailblocks.core.provider import Call, Notes

from . import endpoints, errors, render
from .control import AcmeControl
from .handle import AcmeHandle
from .models import AcmeState

__all__ = ["Acme", "AcmeHandle"]


class Acme(AcmeControl):
    key = "acme"
    title = "Acme Mail (blocks)"
    real_host = "https://api.acme.example"
    prefixes = ("/acme/",)
    secrets = frozenset({"x-acme-key"})
    default_credentials: ClassVar[dict[str, str]] = {"api_key": "acme-default-key"}
    rules = endpoints.RULES
    core_errors = errors.CORE_ERRORS
    fault_errors = errors.FAULT_ERRORS

    def new_state(self) -> AcmeState:
        return AcmeState(self.credentials["api_key"])

    def handle(self, owner: Any) -> AcmeHandle:
        return AcmeHandle(self, owner)

    def call(self, call: Call) -> Response:
        return endpoints.dispatch(call)

    def render_error(self, error: ProviderError, request: Request, notes: Notes) -> Response:
        return render.render_error(error, notes)
