"""Shared test fixtures.

``http`` is the client every behaviour test uses: a ``requests.Session`` pointed
at the fake's ``url``. It is parametrized over the three ways the same app is
served (issue 8), so every behaviour test runs against each of them:

- ``socket``: the built-in HTTP/1.1 server;
- ``inprocess``: no socket, the in-process requests adapter (``fake.requests_session()``);
- ``httpserver``: mounted on pytest-httpserver (``fake.mount(httpserver)``), the
  session rewriting the fake's url to the httpserver's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

MODES = ("socket", "inprocess", "httpserver")


class _Rewrite(HTTPAdapter):
    """Sends requests for ``src`` to ``dst`` instead (same path and query)."""

    def __init__(self, src: str, dst: str) -> None:
        super().__init__()
        self.src, self.dst = src, dst

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = self.dst + request.url[len(self.src) :]
        return super().send(request, *args, **kwargs)


@pytest.fixture(params=MODES)
def serving(request: pytest.FixtureRequest) -> str:
    """How the app is served to this test's ``http`` session."""
    return str(request.param)


@pytest.fixture
def http(serving: str, mailblocks: Any, request: pytest.FixtureRequest) -> Iterator[requests.Session]:
    if serving == "socket":
        session = requests.Session()
    elif serving == "inprocess":
        session = mailblocks.requests_session()
    else:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        httpserver = request.getfixturevalue("httpserver")
        mounted = mailblocks.mount(httpserver)
        session = requests.Session()
        session.mount(mailblocks.url + "/", _Rewrite(mailblocks.url, mounted.url))
    with session:
        yield session
