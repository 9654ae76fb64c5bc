from __future__ import annotations

from typing import Any

import pytest
import requests

from pytest_mailblocks.providers.sendgrid.handle import SendGridHandle

BLOCKS = "/v3/suppression/blocks"


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


@pytest.fixture
def sg(http: requests.Session, sendgrid_fake: SendGridHandle) -> SG:
    return SG(http, sendgrid_fake)
