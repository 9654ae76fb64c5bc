"""Every inspector page and action over plain HTTP: status, escaping, the token
guard, the CSRF guard, and that forms change state through the same code as the
API (checked through the providers' real APIs)."""

from __future__ import annotations

import html
from typing import Any

import pytest
import requests

from pytest_mailblocks import FakeServer
from pytest_mailblocks.cli import _banner

from .conftest import UI, XSS, XSS_ESCAPED, Browserish, cells

T0 = 1_714_000_000  # 2024-04-24 23:06:40 UTC


def test_every_page_renders_as_html_with_a_strict_policy(ui, mailblocks):
    requests.get(mailblocks.url + "/v3/suppression/blocks")  # one journal entry
    paths = ["/", "/journal", "/journal/rows?since=0", "/faults", "/static/inspector.css", "/static/inspector.js"]
    paths += [f"/providers/{key}" for key in mailblocks.providers]
    paths += [
        "/providers/sendgrid?list=bounces",
        "/providers/cmc?list=removed",
        "/providers/sendcloud?list=unsubscribes",
    ]
    paths += ["/providers/ncp?tenant=SGN", f"/journal/{mailblocks.sendgrid.requests.last.seq}"]
    for path in paths:
        r = ui.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        if not path.startswith("/static/"):
            assert r.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "<script>" not in r.text and "http://" not in r.text.replace(mailblocks.url, "")


def test_the_bare_prefix_redirects_and_unknown_pages_are_404(ui):
    r = ui.session.get(ui.url + UI, allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (303, UI + "/")
    assert ui.get("/nope").status_code == 404
    assert ui.get("/providers/mailgun").status_code == 404
    assert ui.get("/static/../inspector.py").status_code == 404
    assert ui.get("/static/inspector.py").status_code == 404
    assert ui.post("/reset", csrf=False, allow_redirects=False).status_code in (403,)
    assert ui.session.delete(ui.url + UI + "/").status_code == 405


def test_the_overview_lists_tenants_counts_clock_and_credentials(ui, mailblocks):
    mailblocks.sendgrid.add_subuser("shop")
    mailblocks.sendgrid.add_block("a@example.com", subuser="shop")
    mailblocks.cmc.add_composition("second")
    mailblocks.ncp.add_access_key(access_key="SECONDKEY00000000001", project="marketing")
    mailblocks.sendcloud.add_api_user("trigger_user")
    mailblocks.clock.freeze("2024-05-01T12:00:00Z")
    page = ui.get("/").text
    for text in (
        "shop (subuser)",
        "second",
        "marketing",
        "SECONDKEY00000000001 (marketing)",
        "trigger_user",
        "2024-05-01 12:00:00 UTC",
        "frozen",
    ):
        assert text in page
    for key in mailblocks.providers:
        for value in mailblocks.handle(key).credentials.values():
            assert html.escape(value) in page


@pytest.mark.parametrize(
    "key, seed",
    [
        ("sendgrid", {"blocks": [{"email": XSS, "reason": "<img src=x onerror=alert(2)>"}]}),
        ("cmc", {"blocks": [XSS], "unsubscribes": [XSS]}),
        ("sendcloud", {"blocks": [{"email": XSS}], "bounces": [{"email": XSS, "reason": "<b>x</b>"}]}),
    ],
)
def test_addresses_and_reasons_render_as_text(ui, mailblocks, key, seed):
    mailblocks.handle(key).seed(seed)
    for path in (f"/providers/{key}", f"/providers/{key}?list=bounces" if key == "sendcloud" else "/"):
        page = ui.get(path).text
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    page = ui.get(f"/providers/{key}").text
    assert XSS_ESCAPED in page
    assert XSS in cells(page)


def test_a_script_in_a_request_renders_as_text_in_the_journal(ui, mailblocks):
    requests.post(
        mailblocks.url + "/api/block/add",
        params={"q": "<script>alert(3)</script>"},
        data={"apiUser": "<script>alert(4)</script>", "apiKey": "k", "email": XSS},
        headers={"X-Evil": "<script>alert(5)</script>"},
    )
    seq = mailblocks.sendcloud.requests.last.seq
    for path in ("/journal", "/journal/rows?since=0", f"/journal/{seq}", f"/journal/{seq}?fragment=1"):
        page = ui.get(path).text
        assert "<script>alert" not in page, path
    detail = ui.get(f"/journal/{seq}").text
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in detail
    assert "apiUser=%3Cscript%3Ealert%284%29%3C%2Fscript%3E" in detail or "&lt;script&gt;alert(4)" in detail


def test_an_error_message_echoing_input_is_escaped(ui):
    r = ui.get("/providers/sendgrid", params={"tenant": "<script>alert(6)</script>"})
    assert r.status_code == 404 and "&lt;script&gt;alert(6)" in r.text and "<script>alert(6)" not in r.text
    r = ui.post("/providers/sendgrid/add", {"list": "blocks", "email": "", "reason": "<script>alert(7)</script>"})
    assert r.status_code == 400 and "email is required" in r.text


# -- the guards -----------------------------------------------------------------------------
def test_the_inspector_is_off_when_the_control_plane_is(tmp_path):
    with FakeServer(control=False) as server:
        for path in ("/", "/journal", "/static/inspector.css"):
            assert requests.get(server.url + UI + path).status_code == 404
        assert "inspector" not in _banner(server, quiet=False)


def test_the_token_opens_a_cookie_session_and_nothing_else_does():
    with FakeServer(control_token="s3cret-token") as server:
        server.sendgrid.add_block("hidden@example.com")
        ui = Browserish(server.url)
        r = ui.get("/")
        assert r.status_code == 401 and "hidden@example.com" not in r.text and "Token required" in r.text
        assert "SG.mailblocks" not in r.text
        assert ui.get("/providers/sendgrid", params={"token": "wrong"}).status_code == 401
        assert ui.get("/journal/rows").status_code == 401
        assert ui.session.post(server.url + UI + "/reset", data={"csrf": "x"}).status_code == 401
        assert ui.get("/static/inspector.css").status_code == 200  # the login page is styled

        r = ui.get("/providers/sendgrid", params={"token": "s3cret-token", "list": "blocks"}, allow_redirects=False)
        assert r.status_code == 303 and r.headers["Location"] == UI + "/providers/sendgrid?list=blocks"
        cookie = next(c for c in ui.session.cookies if c.name == "mailblocks_ui_auth")
        assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == UI
        assert "s3cret-token" not in cookie.value
        assert "s3cret-token" not in r.headers.get("Set-Cookie", "").split("mailblocks_ui_auth=")[1]
        assert "hidden@example.com" in ui.get("/providers/sendgrid").text
        assert ui.post("/reset").status_code == 303
        assert server.sendgrid.blocks() == []
        # the header works too; the cookie does not open the JSON control plane
        r = requests.get(server.url + UI + "/", headers={"X-Mailblocks-Token": "s3cret-token"})
        assert r.status_code == 200
        assert ui.session.get(server.url + "/_mailblocks/health").status_code == 401
        assert f"{server.url}{UI}/" in _banner(server, quiet=False)


def test_deleting_under_an_unknown_sendgrid_subuser_is_a_page_not_a_500(ui, mailblocks):
    """Found by fuzzing the inspector's forms: the handle raised a bare KeyError."""
    mailblocks.sendgrid.add_block("keep@example.com")
    r = ui.post("/providers/sendgrid/delete", {"list": "blocks", "tenant": "ghost", "key_email": "keep@example.com"})
    assert r.status_code == 400 and "unknown subuser &#39;ghost&#39;" in r.text
    assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["keep@example.com"]


def test_a_post_without_the_csrf_token_changes_nothing(ui, mailblocks):
    mailblocks.sendgrid.add_block("keep@example.com")
    data = {"list": "blocks", "tenant": "", "key_email": "keep@example.com"}
    r = ui.post("/providers/sendgrid/delete", data, csrf=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = ui.post("/providers/sendgrid/delete", {**data, "csrf": "0" * 64})
    assert r.status_code == 403
    r = ui.post("/providers/sendgrid/delete", data, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = ui.post("/providers/sendgrid/delete", data, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    fresh = Browserish(ui.url)  # a token from another browser's session
    fresh.csrf = ui.csrf
    assert fresh.post("/providers/sendgrid/delete", data).status_code == 403
    assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["keep@example.com"]
    for path, form in (("/reset", {}), ("/clock", {"action": "real"}), ("/faults/add", {"status": "503"})):
        assert ui.post(path, form, csrf=False).status_code == 403
    assert len(mailblocks.faults) == 0
    r = ui.post("/providers/sendgrid/delete", data, headers={"Origin": ui.url})
    assert r.status_code == 303 and mailblocks.sendgrid.blocks() == []


def test_a_form_goes_back_only_to_an_inspector_page(ui, mailblocks):
    for bad in ("https://evil.example/", "//evil.example/_mailblocks/ui/", "/elsewhere", "/_mailblocks/ui/..//x"):
        r = ui.post("/clock", {"action": "real", "next": bad})
        assert r.headers["Location"] == UI + "/", bad
    r = ui.post("/clock", {"action": "real", "next": UI + "/providers/cmc?list=removed"})
    assert r.headers["Location"] == UI + "/providers/cmc?list=removed"


# -- blocks: add and delete through the state code, checked through the real APIs ---------
def test_sendgrid_add_and_delete_agree_with_the_api(ui, mailblocks):
    sg = mailblocks.sendgrid
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {sg.api_key}"
    r = ui.post(
        "/providers/sendgrid/add",
        {"list": "blocks", "email": "new@example.com", "reason": "550 no", "created": "2024-04-24T23:06:40"},
    )
    assert r.status_code == 303
    assert api.get(mailblocks.url + "/v3/suppression/blocks/new@example.com").json() == [
        {"created": T0, "email": "new@example.com", "reason": "550 no", "status": "5.7.1"}
    ]
    r = ui.post("/providers/sendgrid/delete", {"list": "blocks", "tenant": "", "key_email": "new@example.com"})
    assert r.status_code == 303
    assert api.get(mailblocks.url + "/v3/suppression/blocks/new@example.com").json() == []
    r = ui.post("/providers/sendgrid/delete", {"list": "blocks", "tenant": "", "key_email": "new@example.com"})
    assert r.status_code == 404 and "not listed" in r.text


def test_sendgrid_subuser_lists_are_their_own(ui, mailblocks):
    mailblocks.sendgrid.add_subuser("shop")
    ui.post("/providers/sendgrid/add", {"list": "bounces", "tenant": "shop", "email": "b@example.com"})
    assert [b["email"] for b in mailblocks.sendgrid.bounces(subuser="shop")] == ["b@example.com"]
    assert mailblocks.sendgrid.bounces() == []
    assert "b@example.com" in cells(ui.get("/providers/sendgrid?tenant=shop&list=bounces").text)


def test_sendcloud_add_and_delete_agree_with_the_api(ui, mailblocks):
    sc = mailblocks.sendcloud
    auth = {"apiUser": sc.api_user, "apiKey": sc.api_key}

    def listed() -> list[str]:
        body = requests.post(mailblocks.url + "/api/block/list", data={**auth, "days": 1}).json()
        return [row["email"] or row["domain"] for row in body["info"]["dataList"]]

    ui.post("/providers/sendcloud/add", {"list": "blocks", "email": "a@example.com", "expire_time": "2030-01-01"})
    ui.post("/providers/sendcloud/add", {"list": "blocks", "domain": "blocked.example", "api_user_block": sc.api_user})
    assert sorted(listed()) == ["a@example.com", "blocked.example"]
    page = ui.get("/providers/sendcloud").text
    assert "2030-01-01 00:00:00" in page
    r = ui.post(
        "/providers/sendcloud/delete",
        {"list": "blocks", "key_domain": "blocked.example", "key_api_user_block": sc.api_user},
    )
    assert r.status_code == 303 and listed() == ["a@example.com"]


def test_cmc_add_cancel_and_the_pending_batch(ui, mailblocks):
    cmc = mailblocks.cmc
    ui.post(
        "/providers/cmc/add", {"list": "blocks", "email": "c@example.com", "status": "4 Rejection", "occurred": "3"}
    )
    assert cmc.block("c@example.com")["status"] == "4" and cmc.block("c@example.com")["occurred"] == "3"
    ui.post("/providers/cmc/delete", {"list": "blocks", "key_email": "c@example.com"})
    assert cmc.block("c@example.com") is None
    # a cancellation waits for the daily batch; the page shows it, the button runs it
    cmc.add_unsubscribe("u@example.com")
    r = requests.post(
        mailblocks.url + "/transaction/v2/unsubscribes/cancel.json",
        json={**cmc.auth, "email": "u@example.com"},
    )
    assert r.status_code == 200, r.text
    page = ui.get("/providers/cmc").text
    assert "Pending batch" in page and "u@example.com" in cells(page)
    assert '<h2>Unsubscribes <span class="muted">(1; newest first)</span></h2>' in page
    assert len(cmc.pending_cancellations()) == 1
    ui.post("/providers/cmc/batch", {})
    assert cmc.pending_cancellations() == [] and cmc.unsubscribes() == []


def test_ncp_add_and_delete_agree_with_the_api(ui, mailblocks):
    ncp = mailblocks.ncp
    target = "/api/v1/send-block?targetAddress=n%40example.com"

    def history() -> list[tuple[str, str]]:
        body = requests.get(mailblocks.url + target, headers=ncp.signed_headers("GET", target)).json()
        return [(i["actionType"]["code"], i["actionRequesterType"]["code"]) for i in body["content"]]

    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ui.post("/providers/ncp/add", {"tenant": "KR", "list": "blocks", "email": "n@example.com", "requester": "ADMIN"})
    assert history() == [("C", "ADMIN")]
    mailblocks.clock.advance(seconds=1)
    ui.post("/providers/ncp/delete", {"tenant": "KR", "list": "blocks", "key_email": "n@example.com"})
    assert history() == [("D", "CUSTOMER"), ("C", "ADMIN")]  # newest first


def test_the_block_table_filters_and_pages(ui, mailblocks):
    mailblocks.sendgrid.add_blocks([{"email": f"u{i:03d}@example.com", "created": T0 + i} for i in range(120)])
    page = ui.get("/providers/sendgrid").text
    assert "u119@example.com" in page and "u070@example.com" in page and "u069@example.com" not in page
    assert "rows 1–50 of 120" in page and 'rel="next"' in page
    page = ui.get("/providers/sendgrid?page=3").text
    assert "rows 101–120 of 120" in page and "u000@example.com" in page and 'rel="next"' not in page
    page = ui.get("/providers/sendgrid?email=u00").text
    assert [c for c in cells(page) if c.startswith("u0")] == [f"u00{i}@example.com" for i in range(9, -1, -1)]
    page = ui.get("/providers/sendgrid?start_time=2024-04-24 23:08:00&end_time=2024-04-24T23:08:04").text
    assert [c for c in cells(page) if c.endswith("example.com")] == [
        f"u{i:03d}@example.com" for i in (84, 83, 82, 81, 80)
    ]
    assert "(filtered; 120 in all)" in page


def test_a_page_of_a_big_list_is_read_from_the_index_not_the_whole_list(ui, mailblocks, monkeypatch):
    """How fast a page of a million blocks renders is a benchmark's business
    (docs/performance.md); here: every page, filter and window reads its rows through
    the list's index, never the whole list, and shows the right rows."""
    from pytest_mailblocks.providers.sendgrid.models import Block

    n = 50_000
    lst = mailblocks.app.providers["sendgrid"].state.parent.lists["blocks"]
    lst.bulk_add(Block(T0 + i, f"user{i:07d}@example.com", "550", "5.1.1") for i in range(n))

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("the inspector read the whole list")

    monkeypatch.setattr(lst, "records", whole)
    monkeypatch.setattr(lst.store, "newest_first", whole)
    expected = {
        "": [f"user{i:07d}@example.com" for i in range(n - 1, n - 51, -1)],
        "?page=1000&size=50": [f"user{i:07d}@example.com" for i in range(49, -1, -1)],
        "?email=user000999": [f"user000999{d}@example.com" for d in range(9, -1, -1)],
        f"?start_time={T0 + 100}&end_time={T0 + 104}": [f"user{i:07d}@example.com" for i in range(104, 99, -1)],
    }
    for query, emails in expected.items():
        r = ui.get("/providers/sendgrid" + query)
        assert r.status_code == 200, query
        assert [c for c in cells(r.text) if c.endswith("@example.com")] == emails, query


# -- clock, reset, faults, journal ---------------------------------------------------------------
def test_the_clock_forms_move_the_fake_clock(ui, mailblocks):
    ui.post("/clock", {"action": "freeze", "at": "2024-05-01T12:00:00"})
    assert mailblocks.clock.frozen and mailblocks.clock.now().isoformat() == "2024-05-01T12:00:00+00:00"
    ui.post("/clock", {"action": "advance", "amount": "2", "unit": "days"})
    assert mailblocks.clock.now().isoformat() == "2024-05-03T12:00:00+00:00"
    ui.post("/clock", {"action": "freeze", "at": ""})
    assert mailblocks.clock.now().isoformat() == "2024-05-03T12:00:00+00:00"
    r = ui.post("/clock", {"action": "advance", "amount": "-1", "unit": "hours"})
    assert r.status_code == 400 and "only moves forward" in r.text
    r = ui.post("/clock", {"action": "advance", "amount": "1", "unit": "fortnights"})
    assert r.status_code == 400
    ui.post("/clock", {"action": "real"})
    assert mailblocks.clock.is_real


def test_an_expiry_shows_after_advancing_the_clock(ui, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    mailblocks.sendcloud.add_block("soon@example.com", expire_time="2024-05-02")
    mailblocks.ncp.add_block("ncp@example.com")
    assert "soon@example.com" in ui.get("/providers/sendcloud").text
    assert "ncp@example.com" in ui.get("/providers/ncp").text
    ui.post("/clock", {"action": "advance", "amount": "169", "unit": "hours"})
    assert "soon@example.com" not in ui.get("/providers/sendcloud").text
    assert "ncp@example.com" not in ui.get("/providers/ncp").text
    last = mailblocks.ncp.history("ncp@example.com")[-1]
    assert (last["actionType"]["code"], last["actionRequesterType"]["code"]) == ("D", "SYSTEM")


def test_reset_empties_everything(ui, mailblocks):
    mailblocks.sendgrid.add_block("a@example.com")
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ui.post("/providers/cmc/reset", {})
    assert mailblocks.sendgrid.blocks() != []
    ui.post("/reset", {})
    assert mailblocks.sendgrid.blocks() == [] and mailblocks.clock.is_real


def test_faults_are_listed_injected_and_cleared(ui, mailblocks):
    r = ui.post("/faults/add", {"provider": "sendgrid", "endpoint": "list_blocks", "status": "503", "times": "1"})
    assert r.status_code == 303
    page = ui.get("/faults").text
    assert "list_blocks" in page and "status 503" in page
    api = {"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    assert requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api).status_code == 503
    assert len(mailblocks.faults) == 0  # times=1 ran out
    ui.post("/faults/add", {"path": "/v3/<script>*", "latency": "0.01"})
    assert "&lt;script&gt;" in ui.get("/faults").text
    fault_id = mailblocks.faults.to_list()[0]["id"]
    assert ui.post("/faults/clear", {"id": fault_id}).status_code == 303 and len(mailblocks.faults) == 0
    assert ui.post("/faults/clear", {"id": fault_id}).status_code == 404
    ui.post("/faults/add", {"status": "500"})
    ui.post("/faults/add", {"reset": "1", "provider": "ncp"})
    ui.post("/faults/clear", {})
    assert len(mailblocks.faults) == 0
    r = ui.post("/faults/add", {"status": "200"})
    assert r.status_code == 400 and "400 to 599" in r.text
    assert ui.post("/faults/add", {"provider": "mailgun", "status": "500"}).status_code == 404


def test_journal_rows_come_newest_first_after_a_sequence_number(ui, mailblocks):
    api = {"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    requests.get(mailblocks.url + "/v3/suppression/blocks", headers=api)
    first = mailblocks.sendgrid.requests.last.seq
    r = ui.get(f"/journal/rows?since={first}")
    assert r.text.strip() == "" and r.headers["X-Journal-Last"] == str(first)
    requests.get(mailblocks.url + "/v3/suppression/bounces", headers=api)
    bounces = mailblocks.sendgrid.requests.last.seq
    requests.get(mailblocks.url + "/v3/suppression/nope", headers={"Authorization": "Bearer wrong"})
    nope = mailblocks.sendgrid.requests.last.seq
    r = ui.get(f"/journal/rows?since={first}")
    assert r.headers["X-Journal-Last"] == str(nope)
    assert r.text.index(f'data-seq="{nope}"') < r.text.index(f'data-seq="{bounces}"')
    assert "/v3/suppression/bounces" in r.text and "/v3/suppression/blocks<" not in r.text
    assert "SG_" in ui.get("/journal?status=4xx").text
    assert "/v3/suppression/bounces" not in ui.get("/journal?status=4xx").text
    assert "/v3/suppression/bounces" not in ui.get("/journal?provider=cmc").text
    detail = ui.get(f"/journal/{bounces}").text
    assert "&lt;redacted&gt;" in detail and mailblocks.sendgrid.api_key not in detail
    assert "list_bounces" in detail and "took" in detail
    assert ui.get("/journal/999999").status_code == 404
    ui.post("/journal/clear", {})
    assert len(mailblocks.sendgrid.requests) == 0


def test_the_banner_prints_the_inspector_url(mailblocks):
    assert f"inspector: {mailblocks.url}/_mailblocks/ui/" in _banner(mailblocks, quiet=False)


def test_templates_and_static_files_ship_in_the_package():
    from importlib import resources

    root = resources.files("pytest_mailblocks.ui")
    names = {p.name for p in root.joinpath("templates").iterdir()} | {p.name for p in root.joinpath("static").iterdir()}
    assert {
        "base.html",
        "overview.html",
        "provider.html",
        "journal.html",
        "faults.html",
        "connect.html",
        "macros.html",
        "upload.html",
        "inspector.css",
        "inspector.js",
    } <= names


def test_odd_tokens_and_cookies_are_refused_not_crashed_on(ui, mailblocks):
    ui.get("/")
    r = ui.post("/reset", {"csrf": "ünïcode"})
    assert r.status_code == 403
    ui.session.cookies.set("mailblocks_ui_csrf", "é" * 64, path=UI)
    assert ui.get("/").status_code == 200
    with FakeServer(control_token="t0ken") as server:
        odd = Browserish(server.url)
        odd.session.cookies.set("mailblocks_ui_auth", "ü", path=UI)
        assert odd.get("/", params={"token": "tökén"}).status_code == 401
        assert odd.get("/", headers={"X-Mailblocks-Token": "x"}).status_code == 401


def test_a_journal_filter_finds_entries_older_than_the_newest_page(ui, mailblocks):
    api = {"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}
    with requests.Session() as s:
        s.get(mailblocks.url + "/v3/suppression/blocks", headers={"Authorization": "Bearer wrong"})
        for _ in range(210):
            s.get(mailblocks.url + "/v3/suppression/blocks", headers=api)
    page = ui.get("/journal?status=401").text
    assert page.count('class="entry ') == 1 and "SG_AUTH_REQUIRED" in page
    assert ui.get("/journal").text.count('class="entry ') == 200


def test_without_the_token_even_a_missing_page_shows_nothing():
    with FakeServer(control_token="t0ken") as server:
        r = requests.get(server.url + UI + "/nope")
        assert r.status_code == 401 and "sendgrid" not in r.text and "UTC" not in r.text
        r = requests.get(server.url + UI + "/nope", headers={"X-Mailblocks-Token": "t0ken"})
        assert r.status_code == 404


def test_a_provider_without_a_view_of_its_own_is_shown_read_only(ui, mailblocks, monkeypatch):
    from pytest_mailblocks.ui import views

    monkeypatch.delitem(views.VIEWS, "sendcloud")
    mailblocks.sendcloud.add_block("plain@example.com")
    page = ui.get("/providers/sendcloud").text
    assert "plain@example.com" in cells(page) and "Delete" not in page and "Add to" not in page
    r = ui.post("/providers/sendcloud/delete", {"list": "blocks", "key_email": "plain@example.com"})
    assert r.status_code == 400 and len(mailblocks.sendcloud.blocks()) == 1


def shows_delivery(page: str, sends: int, events: int, newest: str, tenant: str) -> list[str]:
    """The Sends and Events headings with their counts, the newest event's row (for the
    simulator's bounce, at the frozen clock), the title escaped; the page's cells."""
    assert f'<h2>Sends <span class="muted">({sends} since the reset; {sends} kept; newest first)' in page
    assert f'<h2>Events <span class="muted">({events} since the reset; {events} kept; newest first)' in page
    text = cells(page)
    at = text.index(newest)
    assert text[at - 1 : at + 3] == ["2024-05-01 00:00:00 UTC", newest, "bounce@simulator.mailblocks.test", tenant]
    assert "<script>alert(1)</script>" not in page and XSS_ESCAPED in page
    return text


def test_a_provider_with_delivery_shows_its_sends_and_events(ui, mailblocks):
    """Issue 21: the provider page lists the newest sends and events, escaped, and says
    so when there are none (a provider without a send path shows neither: every built-in
    one has one now, so tests/test_fifth_provider.py checks that)."""
    sg = mailblocks.sendgrid
    page = ui.get("/providers/sendgrid").text
    assert "<h2>Sends" in page and "None yet." in page
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    body = {
        "personalizations": [{"to": [{"email": "bounce@simulator.mailblocks.test"}, {"email": "ann@example.com"}]}],
        "from": {"email": "shop@example.com"},
        "subject": XSS,
        "content": [{"type": "text/plain", "value": "x"}],
        "custom_args": {"note": XSS},
    }
    r = requests.post(sg.url + "/v3/mail/send", json=body, headers={"Authorization": f"Bearer {sg.api_key}"})
    assert r.status_code == 202
    # the newest event: the simulator address bounced
    text = shows_delivery(ui.get("/providers/sendgrid").text, 1, 4, "bounce", "mailblocks")
    assert any(r["x_message_id"] in c for c in text for r in sg.sends())


def test_cmc_shows_its_sends_events_and_event_webhook(ui, mailblocks, httpserver):
    """Issue 21: CMC's page has the core's Sends and Events tables and, from its view,
    the Event Webhook's settings and post attempts."""
    cmc = mailblocks.cmc
    page = ui.get("/providers/cmc").text
    assert "<h2>Sends" in page and "No Event Webhook set up" in page
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    httpserver.expect_request("/cmc", method="POST").respond_with_data("", status=500)
    cmc.set_event_webhook(httpserver.url_for("/cmc"), events=["bounces"], json=False, api_key="k")
    form = {**cmc.auth, "to": "bounce@simulator.mailblocks.test", "subject": XSS, "text": "x"}
    form["from"] = '{"name": "Shop", "address": "shop@example.com"}'
    assert requests.post(cmc.url + "/api/v2/emails/send.json", data=form).status_code == 200
    mailblocks.clock.advance(seconds=1)
    cmc.flush_events()
    # the newest event: the bounce blocked the address
    text = shows_delivery(ui.get("/providers/cmc").text, 1, 4, "blocks", "mailblocks")
    assert [httpserver.url_for("/cmc"), "bounces", "form", "100 events or 1 s", "+09:00", "set"] == text[
        text.index("mailblocks") + 1 : text.index("mailblocks") + 7
    ]
    at = text.index("2024-05-01 09:00:01")  # the attempt, in JST
    assert text[at - 2 : at + 5] == ["1", "1", "2024-05-01 09:00:01", httpserver.url_for("/cmc"), "1", "500", "retry"]


def test_ncp_sends_and_events_are_shown(ui, mailblocks):
    """Issue 21: NCP's send path fills the same tables (core supplies them)."""
    ncp = mailblocks.ncp
    assert "<h2>Sends" in ui.get("/providers/ncp").text
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    body = {
        "senderAddress": "shop@example.com",
        "title": XSS,
        "body": "x",
        "recipients": [{"address": "bounce@simulator.mailblocks.test"}, {"address": "ann@example.com"}],
    }
    r = requests.post(ncp.url + "/api/v1/mails", json=body, headers=ncp.signed_headers("POST", "/api/v1/mails"))
    assert r.status_code == 201
    # the newest event: the bounce put the address on the send-block list
    text = shows_delivery(ui.get("/providers/ncp").text, 1, 3, "send_block", "default")
    assert any(r.json()["requestId"] in c for c in text)


def test_ncp_shows_the_mail_requests_of_the_regions_path(ui, mailblocks):
    """Issue 21: NCP's page (its views room) lists the requests sent through the region's
    path, newest first, each with its mails by status; one waiting for confirmation says so."""
    ncp = mailblocks.ncp
    assert "No mail sent through KR&#39;s path since the reset." in ui.get("/providers/ncp").text
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")

    def send(path: str, **extra: Any) -> str:
        body = {"senderAddress": "shop@example.com", "title": "t", "body": "x", **extra}
        r = requests.post(ncp.url + path, json=body, headers=ncp.signed_headers("POST", path))
        assert r.status_code == 201, r.text
        return str(r.json()["requestId"])

    to = [{"address": "bounce@simulator.mailblocks.test"}, {"address": "ann@example.com"}]
    first = send("/api/v1/mails", recipients=to)
    held = send("/api/v1/mails", recipients=to[1:], confirmAndSend=True)
    elsewhere = send("/api/v1-sgn/mails", recipients=to[1:])
    text = cells(ui.get("/providers/ncp").text)
    at = text.index(held)
    assert text[at : at + 7] == [held, "default", "waiting for confirmation", "1", "0", "0", ""]
    assert text[at + 7 : at + 14] == [first, "default", "F 1, S 1", "2", "1", "2", ""]
    assert elsewhere not in text
    assert elsewhere in cells(ui.get("/providers/ncp?tenant=SGN").text)


def test_sendcloud_shows_its_sends_and_events(ui, mailblocks):
    """Issue 21: SendCloud's sends and events in the core's tables, escaped."""
    sc = mailblocks.sendcloud
    assert "<h2>Sends" in ui.get("/providers/sendcloud").text
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    form = {"apiUser": sc.api_user, "apiKey": sc.api_key, "from": "shop@example.com", "subject": XSS, "plain": "x"}
    form["to"] = "ann@example.com;bounce@simulator.mailblocks.test"
    assert requests.post(sc.url + "/apiv2/mail/send", data=form).json()["result"] is True
    # the newest event: the simulator address bounced (an invalid event)
    text = shows_delivery(ui.get("/providers/sendcloud").text, 1, 3, "invalid", sc.api_user)
    assert any(sc.sends()[0]["messageId"] in c for c in text)


def test_sendcloud_complaints_are_a_list_of_the_inspector(ui, mailblocks):
    sc = mailblocks.sendcloud
    ui.post("/providers/sendcloud/add", {"list": "complaints", "email": "c@example.com", "expire_time": "2030-01-01"})
    assert [(c["email"], c["expireTime"]) for c in sc.complaints()] == [("c@example.com", "2030-01-01 00:00:00")]
    assert "c@example.com" in cells(ui.get("/providers/sendcloud?list=complaints").text)
    r = ui.post("/providers/sendcloud/delete", {"list": "complaints", "key_email": "c@example.com"})
    assert r.status_code == 303 and sc.complaints() == []
