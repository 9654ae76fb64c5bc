from __future__ import annotations

from typing import Any

import pytest
import requests

from pytest_mailblocks.providers.sendgrid.handle import SendGridHandle

BLOCKS = "/v3/suppression/blocks"
SEND = "/v3/mail/send"
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
T0 = 1_714_521_600  # 2024-05-01T00:00:00Z


def mail(*to: str, **extra: Any) -> dict[str, Any]:
    """A valid mail-send body to ``to`` (one personalization), with ``extra`` keys."""
    body: dict[str, Any] = {
        "personalizations": [{"to": [{"email": e} for e in to]}],
        "from": {"email": "shop@example.com", "name": "Shop"},
        "subject": "Your order",
        "content": [{"type": "text/plain", "value": "Thanks for your order."}],
    }
    body.update(extra)
    return body


class SG:
    """A little client over the shared ``http`` session: path in, response out."""

    def __init__(self, http: requests.Session, fake: SendGridHandle) -> None:
        self.http = http
        self.fake = fake
        self.key = fake.api_key

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}", **extra}

    def get(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(key), **kw.pop("headers", {})}
        return self.http.get(self.fake.url + path, headers=headers, **kw)

    def delete(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(key), **kw.pop("headers", {})}
        return self.http.delete(self.fake.url + path, headers=headers, **kw)

    def post(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(key), **kw.pop("headers", {})}
        return self.http.post(self.fake.url + path, headers=headers, **kw)

    def patch(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        headers = {**self.headers(key), **kw.pop("headers", {})}
        return self.http.patch(self.fake.url + path, headers=headers, **kw)

    def send(self, body: Any, key: str | None = None, **kw: Any) -> requests.Response:
        return self.post(SEND, key, json=body, **kw)


@pytest.fixture
def sg(http: requests.Session, sendgrid_fake: SendGridHandle) -> SG:
    return SG(http, sendgrid_fake)
