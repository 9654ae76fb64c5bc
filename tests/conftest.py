"""Shared test fixtures.

``http`` is the client every behaviour test uses: a ``requests.Session``. It
talks to the fake over its real socket; the in-process adapter and the
pytest-httpserver mount are exercised by the same tests through the
``MAILBLOCKS_SERVE`` switch in ``tests/core/test_serving_modes.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
