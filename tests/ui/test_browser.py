"""The inspector in a real browser: headless Chromium from the OS packages, driven
by Playwright (no browser download). Skipped, with the reason, where Playwright or
Chromium is missing; ``MAILBLOCKS_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once it
has installed Chromium) turns that skip into a failure.

The screenshots in ``docs/img/`` come from :func:`test_screenshots_of_each_page`:
``MAILBLOCKS_SCREENSHOTS=docs/img python -m pytest tests/ui/test_browser.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import requests

from pytest_mailblocks import FakeServer

from .browser import only_local, submit, texts
from .conftest import UI

PWNED = "<script>window.__pwned = 1</script>@x.io"
PWNED_IMG = '<img src=x onerror="window.__pwned = 2">'


def test_seeded_blocks_appear_filter_and_delete_agreeing_with_the_api(page, mailblocks):
    sg = mailblocks.sendgrid
    seeded = [
        {"email": f"user{i}@example.com", "created": 1_714_000_000 + i, "reason": "550 5.1.1 unknown"} for i in range(5)
    ]
    r = requests.post(mailblocks.url + "/_mailblocks/sendgrid/blocks", json=seeded)
    assert r.status_code == 201
    page.goto(mailblocks.url + UI + "/")
    submit(page, "text=Twilio SendGrid v3")
    assert page.locator("table.blocks tbody tr").count() == 5

    page.fill("input[name=email]", "user3")
    submit(page, "form.filter button")
    assert texts(page, "table.blocks td[data-label=email]") == ["user3@example.com"]

    submit(page, "table.blocks tbody tr >> text=Delete")
    assert page.locator("table.blocks td[data-label=email]").count() == 0
    api = {"Authorization": f"Bearer {sg.api_key}"}
    assert requests.get(mailblocks.url + "/v3/suppression/blocks/user3@example.com", headers=api).json() == []
    assert len(requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api).json()) == 4
    only_local(page, mailblocks.url)


def test_sendcloud_blocks_added_over_its_api_show_and_delete(page, mailblocks):
    sc = mailblocks.sendcloud
    auth = {"apiUser": sc.api_user, "apiKey": sc.api_key}
    r = requests.post(
        mailblocks.url + "/api/block/add", data={**auth, "email": "a@example.com", "expireTime": "2030-01-01"}
    )
    assert r.json()["statusCode"] == 200
    page.goto(mailblocks.url + UI + "/providers/sendcloud")
    assert texts(page, "table.blocks td[data-label=email]") == ["a@example.com"]
    assert texts(page, "table.blocks td[data-label=expireTime]") == ["2030-01-01 00:00:00"]

    page.fill("form.add input[name=email]", "b@example.com")
    submit(page, "form.add button")
    assert texts(page, "table.blocks td[data-label=email]") == ["a@example.com", "b@example.com"]
    submit(page, "table.blocks tbody tr:first-child >> text=Delete")
    listed = requests.post(mailblocks.url + "/api/block/list", data={**auth, "days": 1}).json()["info"]["dataList"]
    assert [row["email"] for row in listed] == ["b@example.com"]


def test_advancing_the_clock_shows_the_expiries(page, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    mailblocks.sendcloud.add_block("soon@example.com", expire_time="2024-05-03")
    requests.post(mailblocks.url + "/_mailblocks/ncp/blocks", json=[{"email": "ncp@example.com"}])
    page.goto(mailblocks.url + UI + "/providers/ncp")
    assert texts(page, "table.blocks td[data-label=email]") == ["ncp@example.com"]

    submit(page, "text=Overview")
    page.fill("input[name=amount]", "169")
    page.select_option("select[name=unit]", "hours")
    submit(page, 'button:text-is("Advance")')
    assert "2024-05-08 01:00:00 UTC" in page.inner_text(".now")
    submit(page, "header >> text=ncp")
    assert page.locator("table.blocks td[data-label=email]").count() == 0
    submit(page, "header >> text=sendcloud")
    assert page.locator("table.blocks td[data-label=email]").count() == 0
    target = "/api/v1/send-block?targetAddress=ncp%40example.com"
    body = requests.get(mailblocks.url + target, headers=mailblocks.ncp.signed_headers("GET", target)).json()
    last = body["content"][0]  # newest first
    assert (last["actionType"]["code"], last["actionRequesterType"]["code"]) == ("D", "SYSTEM")

    submit(page, "text=Overview")
    submit(page, 'button:text-is("Back to real time")')
    assert mailblocks.clock.is_real


def test_the_journal_follows_live_opens_a_row_and_pauses(page, mailblocks):
    sg = mailblocks.sendgrid
    api = {"Authorization": f"Bearer {sg.api_key}"}
    requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api)
    page.goto(mailblocks.url + UI + "/journal")
    assert page.locator("tr.entry").count() == 1

    requests.delete(mailblocks.url + "/v3/suppression/blocks/nobody@example.com", headers=api)
    row = page.locator("tr.entry", has_text="/v3/suppression/blocks/nobody@example.com")
    row.wait_for()  # arrived without a reload
    assert row.locator(".status").inner_text() == "404"
    assert "SG_NOT_FOUND" in row.inner_text() or "resource not found" in sg.requests.last.response_text
    row.click()
    detail = page.locator("tr.detail .entry-detail")
    detail.wait_for()
    assert "<redacted>" in detail.inner_text() and sg.api_key not in detail.inner_text()
    assert "resource not found" in detail.inner_text()

    page.click("#pause")
    assert page.inner_text("#live-label") == "paused"
    requests.get(mailblocks.url + "/v3/suppression/bounces", headers=api)
    turns = int(page.get_attribute("#journal", "data-turns") or 0)
    # two turns of the poll while paused (each would have fetched the new row when live)
    page.wait_for_function("n => Number(document.getElementById('journal').dataset.turns) >= n", arg=turns + 2)
    assert page.locator("tr.entry", has_text="/v3/suppression/bounces").count() == 0
    page.click("#pause")
    page.locator("tr.entry", has_text="/v3/suppression/bounces").wait_for()
    only_local(page, mailblocks.url)


def test_a_script_address_renders_as_text_everywhere(page, mailblocks):
    requests.post(mailblocks.url + "/_mailblocks/sendgrid/blocks", json=[{"email": PWNED, "reason": PWNED_IMG}])
    sc = mailblocks.sendcloud
    requests.post(
        mailblocks.url + "/api/block/add",
        data={"apiUser": sc.api_user, "apiKey": sc.api_key, "email": PWNED},
        headers={"X-Note": PWNED_IMG},
    )
    page.goto(mailblocks.url + UI + "/providers/sendgrid")
    assert texts(page, "table.blocks td[data-label=email]") == [PWNED]
    assert texts(page, "table.blocks td[data-label=reason]") == [PWNED_IMG]
    page.goto(mailblocks.url + UI + "/journal")
    page.locator("tr.entry", has_text="/api/block/add").click()
    page.locator("tr.detail .entry-detail").wait_for()
    assert PWNED_IMG in page.inner_text("tr.detail")
    page.goto(mailblocks.url + UI + "/")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 1  # only the inspector's own file


def test_faults_are_injected_and_cleared_from_the_form(page, mailblocks):
    page.goto(mailblocks.url + UI + "/faults")
    page.select_option("select[name=provider]", "sendgrid")
    page.fill("input[name=endpoint]", "list_blocks")
    page.fill("input[name=status]", "503")
    submit(page, 'button:text-is("Inject")')
    assert "status 503" in page.inner_text("table")
    api = {"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    assert requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api).status_code == 503
    page.reload()
    assert page.locator("table tbody td.num").first.inner_text() == "1"  # one hit
    submit(page, 'button:text-is("Clear all")')
    assert "None." in page.inner_text("main")
    assert requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api).status_code == 200


def test_the_token_is_asked_once_then_kept_in_a_cookie(browser):
    with FakeServer(control_token="let-me-in") as server:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(server.url + UI + "/")
        assert "Token required" in pg.inner_text("main")
        pg.fill("input[name=token]", "let-me-in")
        submit(pg, 'button:text-is("Open")')
        assert pg.url == server.url + UI + "/" and "Overview" in pg.inner_text("h1")
        submit(pg, "text=Faults")
        pg.fill("input[name=status]", "500")
        submit(pg, 'button:text-is("Inject")')
        assert len(server.faults) == 1
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["mailblocks_ui_auth"]["httpOnly"] and "let-me-in" not in cookies["mailblocks_ui_auth"]["value"]
        context.close()


def _arrange(mailblocks: Any) -> None:
    """The state the screenshots show: a frozen clock, blocks in every provider, a
    journal with a redacted form, a refusal in a 200 and a 401, two faults."""
    mailblocks.clock.freeze("2024-05-01T09:30:00Z")
    sg, sc = mailblocks.sendgrid, mailblocks.sendcloud
    sg.add_subuser("shop")
    for i, reason in enumerate(
        ("550 5.1.1 The email account that you tried to reach does not exist", "550 5.7.1 Rejected")
    ):
        for j in range(4):
            sg.add_block(f"customer{i * 4 + j}@example.com", reason=reason, created=1_714_500_000 - 3600 * (i * 4 + j))
    sg.add_block("<script>alert(1)</script>@x.io", reason="shown as text")
    mailblocks.cmc.add_block("to1@example.com", created="2024-04-30 18:00:00")
    mailblocks.cmc.add_unsubscribe("news@example.com")
    mailblocks.ncp.add_block("test01@ncp-mail.com", requester="OTHER_CUSTOMER")
    api = {"Authorization": f"Bearer {sg.api_key}"}
    requests.get(mailblocks.url + "/v3/suppression/blocks?limit=2", headers=api)
    requests.delete(mailblocks.url + "/v3/suppression/blocks/customer7@example.com", headers=api)
    requests.get(mailblocks.url + "/v3/suppression/blocks", headers={"Authorization": "Bearer SG.wrong"})
    requests.post(
        mailblocks.url + "/api/block/add",
        data={"apiUser": sc.api_user, "apiKey": sc.api_key, "email": "shop@example.com", "expireTime": "2025-05-01"},
    )
    requests.post(mailblocks.url + "/api/block/list", data={"apiUser": sc.api_user, "apiKey": "wrong", "days": "1"})
    mailblocks.ncp.add_access_key(project="marketing")
    mailblocks.faults.add(provider="sendgrid", endpoint="list_blocks", status=503, times=3)
    mailblocks.faults.add(provider="cmc", path="/transaction/v2/blocks/*", latency=1.5)


#: (name, path) of each page shot: the whole page on a desktop, the first screen on a phone
PAGES = (
    ("overview", "/"),
    ("provider", "/providers/sendgrid?email=customer1"),
    ("journal", "/journal"),
    ("faults", "/faults"),
)


def test_screenshots_of_each_page(browser, mailblocks, tmp_path):
    """Desktop and phone shots of the overview, a provider page with a search, the
    journal with a row open and the faults page, and of a provider's client snippets;
    copied to ``$MAILBLOCKS_SCREENSHOTS`` when set."""
    _arrange(mailblocks)
    shots = []
    for label, viewport in (("desktop", {"width": 1280, "height": 860}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        pg = context.new_page()
        for name, path in PAGES:
            pg.goto(mailblocks.url + UI + path)
            if name == "journal":
                pg.locator("tr.entry", has_text="/api/block/add").click()
                pg.locator("tr.detail .entry-detail").wait_for()
            file = tmp_path / f"{name}-{label}.png"
            pg.screenshot(path=str(file), full_page=label == "desktop")
            assert file.stat().st_size > 10_000
            shots.append(file)
        if label == "desktop":
            pg.goto(mailblocks.url + UI + "/providers/sendgrid")
            pg.locator("#connect summary").click()
            file = tmp_path / "connect-desktop.png"
            pg.locator("#connect").screenshot(path=str(file))
            shots.append(file)
        context.close()
    target = os.environ.get("MAILBLOCKS_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for file in shots:
            shutil.copy(file, Path(target) / file.name)
