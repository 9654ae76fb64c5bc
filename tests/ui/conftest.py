"""Helpers for the inspector's tests: a browser-like session that keeps the
inspector's cookies and posts its forms with their CSRF token."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import requests

UI = "/_mailblocks/ui"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
XSS = "<script>alert(1)</script>@x.io"
XSS_ESCAPED = html.escape(XSS)


class Browserish:
    """A requests session against one server's inspector."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.csrf = ""

    def get(self, path: str = "/", **kwargs: Any) -> requests.Response:
        r = self.session.get(self.url + UI + path, **kwargs)
        m = CSRF.search(r.text)
        if m:
            self.csrf = m.group(1)
        return r

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> requests.Response:
        if csrf and not self.csrf:
            self.get("/")
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        kwargs.setdefault("allow_redirects", False)
        return self.session.post(self.url + UI + path, data=form, **kwargs)


@pytest.fixture
def ui(mailblocks: Any) -> Browserish:
    return Browserish(mailblocks.url)


def cells(page: str) -> list[str]:
    """The text of every table cell of a page, unescaped."""
    return [html.unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
