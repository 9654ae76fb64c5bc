"""The inspector as a person uses it (issue 20), in headless Chromium: UTC time
fields whatever the browser's zone and locale, the journal's count and numbers,
redacted values, refusals shown as failures, where to point a client (and the
snippets run), the per-list search, the snapshot download and upload. The HTTP
side is in ``test_as_used.py``; the screenshots in ``docs/img/`` are taken here
and in ``test_browser.py``."""

from __future__ import annotations

import requests

from .browser import submit, texts
from .conftest import UI


def test_the_freeze_field_is_utc_text_in_any_browser_zone_and_locale(browser, mailblocks):
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    mailblocks.clock.freeze("2024-04-01T18:05:00Z")
    page.goto(mailblocks.url + UI + "/")
    field = page.locator("#freeze input[name=at]")
    assert field.evaluate("e => e.type") == "text"
    assert field.get_attribute("placeholder") == "2024-04-01 18:05:00"  # the fake's now, in UTC
    assert "UTC" in page.inner_text("#freeze")
    field.fill("05/01/2024 09:30 AM")  # the local format a date picker would show
    page.click("#freeze button")
    assert field.evaluate("e => e.validity.patternMismatch") is True  # the browser says so; nothing sent
    assert mailblocks.clock.now().isoformat() == "2024-04-01T18:05:00+00:00"
    field.fill("2024-05-01 09:30:00")
    submit(page, "#freeze button")
    assert mailblocks.clock.now().isoformat() == "2024-05-01T09:30:00+00:00"  # not New York's 09:30
    assert texts(page, ".now strong") == ["2024-05-01 09:30:00 UTC"]
    assert page.locator("#freeze input[name=at]").get_attribute("placeholder") == "2024-05-01 09:30:00"
    context.close()


def test_the_journal_count_follows_the_rows_and_agrees_with_their_numbers(page, mailblocks):
    api = {"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api)
    page.goto(mailblocks.url + UI + "/journal")
    first = mailblocks.sendgrid.requests.last.seq
    line = page.inner_text("#journal-count")
    assert line.startswith(f"1 request since the last clear, numbered #{first} to #{first}.")
    for _ in range(2):  # the page polls meanwhile: its calls take no numbers
        with page.expect_request(lambda r: "/journal/rows?" in r.url):
            pass
    for _ in range(2):
        requests.get(mailblocks.url + "/v3/suppression/bounces", headers=api)
    page.locator("tr.entry").nth(2).wait_for()  # arrived without a reload
    assert texts(page, "tr.entry td.c-seq") == [str(first + 2), str(first + 1), str(first)]
    count = page.locator("#journal-count")
    assert count.inner_text().startswith(f"3 requests since the last clear, numbered #{first} to #{first + 2}.")


def test_redacted_values_read_as_the_marker_in_an_opened_row(page, mailblocks):
    sc, cmc = mailblocks.sendcloud, mailblocks.cmc
    requests.post(
        mailblocks.url + "/api/block/add?apiUser=" + sc.api_user,
        data={"apiKey": sc.api_key, "email": "a+b@c.io", "expireTime": "2030-01-01"},
        headers={"X-Api-Key": "leaked"},
    )
    requests.post(
        mailblocks.url + "/transaction/v2/blocks/list.json", json={"api_user": cmc.api_user, "api_key": cmc.api_key}
    )
    page.goto(mailblocks.url + UI + "/journal")
    page.locator("tr.entry", has_text="/api/block/add").click()
    detail = page.locator("tr.detail .entry-detail")
    detail.wait_for()
    assert texts(page, "#form-fields tr") == ["apiKey\t<redacted>", "email\ta+b@c.io", "expireTime\t2030-01-01"]
    assert texts(page, "#query-fields tr") == ["apiUser\tmailblocks_default"]
    assert "X-Api-Key\t<redacted>" in texts(page, "tr.detail table.headers tr")
    assert page.locator("tr.detail .redacted").count() == 3  # header, form field, the body as sent
    text = detail.inner_text()
    assert "apiKey=<redacted>&email=a%2Bb%40c.io" in text and "%3C" not in text and sc.api_key not in text
    page.locator("tr.entry", has_text="/transaction/v2/blocks/list.json").click()
    page.locator("tr.detail .entry-detail").nth(1).wait_for()  # both loaded
    assert '"api_key": "<redacted>"' in page.locator("tr.detail").nth(0).inner_text()


RED, GREEN = "rgb(179, 38, 30)", "rgb(29, 122, 62)"  # --bad, --ok in inspector.css


def test_a_refusal_in_a_200_is_red_with_the_providers_message(page, mailblocks):
    sc = mailblocks.sendcloud
    url = mailblocks.url + "/api/block/list"
    requests.get(url, params={"apiUser": sc.api_user, "apiKey": sc.api_key, "days": 1})
    refused = requests.get(url, params={"apiUser": sc.api_user, "apiKey": "wrong", "days": 1})
    assert refused.status_code == 200 and refused.json()["result"] is False
    page.goto(mailblocks.url + UI + "/journal")
    rows = page.locator("tr.entry")
    status = rows.nth(0).locator(".status")
    assert status.inner_text() == "200" and status.evaluate("e => getComputedStyle(e).color") == RED
    assert f"refused: {refused.json()['message']} (statusCode 40005)" in rows.nth(0).inner_text()
    ok = rows.nth(1).locator(".status")
    assert ok.inner_text() == "200" and ok.evaluate("e => getComputedStyle(e).color") == GREEN
    rows.nth(0).click()
    detail = page.locator("tr.detail #status")
    detail.wait_for()
    assert detail.evaluate("e => getComputedStyle(e).color") == RED and "refused" in detail.inner_text()
    page.fill("input[name=status]", "failed")
    submit(page, "#journal-filter button:text-is('Filter')")
    assert rows.count() == 1 and "refused" in rows.nth(0).inner_text()


def test_the_base_url_and_each_snippet_copy_to_the_clipboard(browser, mailblocks):
    from playwright.sync_api import expect  # the copy is done when the button says so

    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(mailblocks.url + UI + "/")
    card = page.locator("#provider-sendgrid")
    assert card.locator(".base-url").inner_text() == mailblocks.url
    card.locator(".connect .base button.copy").click()
    expect(card.locator(".connect .base button.copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == mailblocks.url
    assert not card.locator("figure.snippet").first.is_visible()  # folded until asked for
    card.locator("summary", has_text="Call it from a client").click()
    sdk = card.locator("figure.snippet", has_text="sendgrid, the official SDK")
    sdk.locator("button.copy").click()
    expect(sdk.locator("button.copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == sdk.locator("pre").inner_text() and "SendGridAPIClient(" in copied
    assert f'host="{mailblocks.url}"' in copied
    page.goto(mailblocks.url + UI + "/providers/ncp")
    page.locator("#connect summary").click()
    curl = page.locator("#connect figure.snippet").first
    assert "openssl dgst -sha256 -hmac" in curl.inner_text()
    curl.locator("button.copy").click()
    expect(curl.locator("button.copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("ACCESS_KEY=")
    context.close()


def test_each_list_searches_with_its_own_filter(page, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    for email, created in (("ann@a.io", 1_714_500_000), ("anna@b.io", 1_714_500_060), ("bob@a.io", 1_714_500_120)):
        mailblocks.sendgrid.add("bounces", email, created=created)
    page.goto(mailblocks.url + UI + "/providers/sendgrid?list=bounces")
    assert [t.split("\n")[0] for t in texts(page, "#search label")] == ["email", "start_time", "end_time", "per page"]
    page.fill("#search input[name=email]", "%@a.io")  # SendGrid's wildcard
    page.fill("#search input[name=end_time]", "2024-04-30 18:01:59")
    submit(page, "#search button")
    assert texts(page, "#blocks td[data-label=email]") == ["ann@a.io"]
    assert page.inner_text("#search-call") == ("GET /v3/suppression/bounces?email=%25%40a.io&end_time=1714500119")
    page.fill("#search input[name=end_time]", "")
    submit(page, "#search button")
    assert texts(page, "#blocks td[data-label=email]") == ["bob@a.io", "ann@a.io"]
    mailblocks.cmc.add_block("xannx@b.io", created="2024-04-30 09:00:00")
    page.goto(mailblocks.url + UI + "/providers/cmc")
    assert [t.split("\n")[0] for t in texts(page, "#search label")] == ["email", "start_date", "end_date", "per page"]
    page.fill("#search input[name=email]", "ann")  # CMC's partial match
    page.fill("#search input[name=start_date]", "2024-04-30")
    submit(page, "#search button")
    assert texts(page, "#blocks td[data-label=email]") == ["xannx@b.io"]
    assert '"start_date": "2024-04-30"' in page.inner_text("#search-call")
    submit(page, "#search >> text=clear")
    assert page.input_value("#search input[name=email]") == ""


def test_a_snapshot_downloads_and_uploads_back_from_the_overview(browser, mailblocks, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Replace everything with this snapshot?"
    mailblocks.clock.freeze("2024-05-01T09:30:00Z")
    mailblocks.sendgrid.add_block("kept@example.com")
    mailblocks.faults.add(provider="cmc", status=503)
    page.goto(mailblocks.url + UI + "/")
    with page.expect_download() as info:
        page.click("#snapshot >> text=Download the state")
    download = info.value
    assert download.suggested_filename == "mailblocks-20240501T093000Z.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    mailblocks.sendgrid.add_block("later@example.com")
    mailblocks.faults.clear()
    mailblocks.clock.real()
    page.set_input_files("#snapshot input[name=snapshot]", str(saved))
    submit(page, "#snapshot button")
    assert page.url == mailblocks.url + UI + "/"
    assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["kept@example.com"]
    assert len(mailblocks.faults) == 1 and texts(page, ".now strong") == ["2024-05-01 09:30:00 UTC"]
    bad = tmp_path / "bad.json"
    bad.write_text(saved.read_text().replace('"mailblocks_snapshot": 1', '"mailblocks_snapshot": 7', 1))
    page.set_input_files("#snapshot input[name=snapshot]", str(bad))
    submit(page, "#snapshot button")
    assert page.inner_text("h1") == "Not done"
    assert page.inner_text("#message").startswith("$.mailblocks_snapshot: ")  # the JSON path of what is wrong
    assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["kept@example.com"]
    context.close()
