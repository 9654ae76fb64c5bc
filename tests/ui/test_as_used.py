"""The inspector as a person uses it (issue 20), over plain HTTP: the journal's
count and numbering, UTC times in every time field, redacted values shown as the
marker, refusals in a 2xx answer shown as failures, where to point a client, the
per-list search with each list's own filter. The browser side is in
``test_browser_as_used.py``."""

from __future__ import annotations

import re

import requests

from pytest_mailblocks import FakeServer

from .conftest import Browserish, element, visible


def _journal_line(page: str) -> str:
    return visible(element(page, "journal-count"))


def test_the_journal_count_and_numbers_agree_whatever_the_inspector_did():
    """The inspector's own pages and the control plane's calls take no number, so
    the providers' requests are numbered 1, 2, 3 ... and the count says so; after a
    clear the numbers go on and the line says which they are."""
    with FakeServer() as server:
        ui = Browserish(server.url)
        for _ in range(3):
            ui.get("/journal")
            ui.get("/journal/rows?since=0")
            requests.get(server.url + "/_mailblocks/health")
        api = {"Authorization": f"Bearer {server.sendgrid.api_key}"}
        for _ in range(2):
            requests.get(server.url + "/v3/suppression/blocks", headers=api)
        ui.get("/")
        requests.get(server.url + "/api/block/list", params={"apiUser": "x", "apiKey": "y"})
        assert [e.seq for e in server.requests] == [1, 2, 3]
        page = ui.get("/journal").text
        assert re.findall(r'class="open">(\d+)</a>', page) == ["3", "2", "1"]
        assert _journal_line(page).startswith("3 requests since the last clear, numbered #1 to #3")
        ui.post("/journal/clear", {})
        for _ in range(2):
            requests.get(server.url + "/v3/suppression/bounces", headers=api)
        page = ui.get("/journal").text
        assert re.findall(r'class="open">(\d+)</a>', page) == ["5", "4"]
        assert _journal_line(page).startswith("2 requests since the last clear, numbered #4 to #5")
        r = ui.get("/journal/rows?since=4")
        assert (r.headers["X-Journal-Last"], r.headers["X-Journal-Count-Total"]) == ("5", "2")
        # the overview counts the same requests
        assert re.search(r'journal\?provider=sendgrid">2<', ui.get("/").text)
