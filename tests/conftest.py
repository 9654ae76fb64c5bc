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
from hypothesis import HealthCheck, settings
from requests.adapters import HTTPAdapter

MODES = ("socket", "inprocess", "httpserver")

# Hypothesis profiles (issue 19). "ci" is the default, so the README's test command
# (`python -m pytest -n 2`, what CI runs) draws the same examples on every run: a
# submission cannot fail on a draw the previous one never made, and nothing depends on
# the machine's speed (no deadline, no too_slow health check) or on a local example
# database. "explore" draws fresh examples, 20 times as many and longer state-machine
# runs: `python -m pytest -p no:randomly --hypothesis-profile=explore tests/...`
# (README.md, "Exploring with fresh seeds"); a failure it finds becomes a pinned
# regression test.
CI_EXAMPLES = 30
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=CI_EXAMPLES,
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "explore",
    derandomize=False,
    deadline=None,
    max_examples=20 * CI_EXAMPLES,
    stateful_step_count=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci")  # `--hypothesis-profile=...` loads another one after this


def examples(n: int) -> int:
    """A test's own example budget ``n`` under the ci profile, scaled as the loaded
    profile scales ``max_examples`` (so exploration runs each test longer too).
    Read when a test module is imported, after the profile is loaded."""
    return max(1, n * settings.default.max_examples // CI_EXAMPLES)


def health_checks(*checks: HealthCheck) -> list[HealthCheck]:
    """``checks`` plus the profile's own (an explicit list replaces the profile's)."""
    return sorted({*checks, *settings.default.suppress_health_check}, key=lambda c: c.value)


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
