"""An NCP client for the tests, with its own signer (not the fake's).

``sign`` is the API Gateway signature v2 written from the docs (ncp.md:
Authentication): base64(HMAC-SHA256(secret, "METHOD URI\\ntimestamp\\naccessKey")).
Timestamps come from the fake's clock, so a frozen clock signs in its own time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
import requests

from pytest_mailblocks.providers.ncp.handle import NcpHandle

SEND_BLOCK = "/api/v1/send-block"
UNSUBSCRIBERS = "/api/v1/unsubscribers"
MAILS = "/api/v1/mails"
CONFIG = "/api/v1/config"
SIM = "simulator.mailblocks.test"
T0 = 1_714_521_600  # 2024-05-01T00:00:00Z (09:00 KST)


def mail(*to: str, **extra: Any) -> dict[str, Any]:
    """A valid createMailRequest body to ``to`` (type R), with ``extra`` fields."""
    body: dict[str, Any] = {
        "senderAddress": "shop@example.com",
        "senderName": "Shop",
        "title": "Your order",
        "body": "<p>Thanks for your order.</p>",
        "recipients": [{"address": a, "type": "R"} for a in to],
    }
    body.update(extra)
    return body


def sign(secret: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    message = f"{method} {uri}\n{timestamp}\n{access_key}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class NCP:
    """Requests signed over the target exactly as it is sent."""

    def __init__(self, http: requests.Session, fake: NcpHandle, clock: Any) -> None:
        self.http = http
        self.fake = fake
        self.clock = clock
        self.access_key = fake.access_key
        self.secret_key = fake.secret_key

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def headers(
        self,
        method: str,
        target: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        timestamp: int | str | None = None,
        signed_target: str | None = None,
        lang: str | None = None,
    ) -> dict[str, str]:
        ak = access_key or self.access_key
        ts = str(self.now_ms() if timestamp is None else timestamp)
        out = {
            "x-ncp-apigw-timestamp": ts,
            "x-ncp-iam-access-key": ak,
            "x-ncp-apigw-signature-v2": sign(secret_key or self.secret_key, method, signed_target or target, ts, ak),
        }
        if lang is not None:
            out["x-ncp-lang"] = lang
        return out

    def request(
        self, method: str, target: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> requests.Response:
        sign_kw = {k: kw.pop(k) for k in ("access_key", "secret_key", "timestamp", "signed_target", "lang") if k in kw}
        h = {**self.headers(method, target, **sign_kw), **(headers or {})}
        # a prepared request keeps the target exactly as written (no re-quoting)
        req = requests.Request(method, self.fake.url + target, headers=h, **kw).prepare()
        req.url = self.fake.url + target
        return self.http.send(req)

    def get(self, target: str, **kw: Any) -> requests.Response:
        return self.request("GET", target, **kw)

    def post(self, target: str, **kw: Any) -> requests.Response:
        return self.request("POST", target, **kw)

    def delete(self, target: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", target, **kw)


@pytest.fixture
def ncp(http: requests.Session, ncp_fake: NcpHandle, mailblocks: Any) -> NCP:
    return NCP(http, ncp_fake, mailblocks.clock)


def gateway_error(code: str, message: str, details: str) -> dict[str, Any]:
    return {"error": {"errorCode": code, "message": message, "details": details}}


def mailer_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


AUTH_MISSING = gateway_error("200", "Authentication Failed", "Authentication information are missing.")
AUTH_INVALID = gateway_error("200", "Authentication Failed", "Invalid authentication information.")
NOT_FOUND = gateway_error("300", "Not Found Exception", "URL not found.")
BAD_REQUEST = mailer_error("77102", "BAD_REQUEST")
