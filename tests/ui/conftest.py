"""Helpers for the inspector's tests: a browser-like session that keeps the
inspector's cookies and posts its forms with their CSRF token."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
import requests

from .browser import browser_fixture, page_fixture

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


#: headless Chromium (module-scoped: Playwright's sync API keeps an event loop running
#: in this thread while it is open, and tests elsewhere call ``asyncio.run``)
browser = pytest.fixture(scope="module", name="browser")(browser_fixture)
#: a fresh browser context and page (1280x860), dialogs accepted, fetched URLs kept
page = pytest.fixture(name="page")(page_fixture)


@pytest.fixture
def ui(mailblocks: Any) -> Browserish:
    return Browserish(mailblocks.url)


def cells(page: str) -> list[str]:
    """The text of every table cell of a page, unescaped."""
    return [html.unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


class _Visible(HTMLParser):
    """Text outside elements marked ``hidden`` (and outside script and style)."""

    VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "wbr"})
    #: tags a browser shows apart from their neighbours
    APART = frozenset({"td", "th", "tr", "p", "div", "li", "dt", "dd", "br", "h1", "h2", "h3", "h4", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0  # depth inside a hidden element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.APART:
            self.parts.append(" ")
        if tag in self.VOID:
            return
        if self.skip or any(name == "hidden" for name, _ in attrs) or tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.APART:
            self.parts.append(" ")
        if self.skip and tag not in self.VOID:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible(fragment: str) -> str:
    """The text a browser shows of an HTML fragment, whitespace collapsed."""
    parser = _Visible()
    parser.feed(fragment)
    return " ".join("".join(parser.parts).split())


def element(page: str, ident: str) -> str:
    """The HTML of the element with ``id=ident`` (its tag not nested in itself)."""
    m = re.search(rf'<(\w+)[^>]*\bid="{re.escape(ident)}"[^>]*>', page)
    assert m, f"no element #{ident}"
    tag = m.group(1)
    depth, pos = 1, m.end()
    for t in re.finditer(rf"<(/?){tag}\b[^>]*>", page[pos:]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return page[m.start() : pos + t.end()]
    raise AssertionError(f"#{ident} is not closed")
