"""The inspector as a person uses it (issue 20), over plain HTTP: the journal's
count and numbering, UTC times in every time field, redacted values shown as the
marker, refusals in a 2xx answer shown as failures, where to point a client, the
per-list search with each list's own filter. The browser side is in
``test_browser_as_used.py``."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests

from pytest_mailblocks import FakeServer

from .conftest import UI, Browserish, element, visible


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
        # the live rows follow from the newest provider request, whatever the inspector's own calls
        for _ in range(8):
            ui.get("/")
        assert 'data-since="5"' in ui.get("/journal").text
        r = ui.get("/journal/rows?since=4")
        assert (r.headers["X-Journal-Last"], r.headers["X-Journal-Count-Total"]) == ("5", "2")
        # the overview counts the same requests
        assert re.search(r'journal\?provider=sendgrid">2<', ui.get("/").text)


def test_every_time_field_takes_and_shows_utc_text_not_a_local_picker(ui, mailblocks):
    """A browser's date pickers show the local format (mm/dd/yyyy, a 12-hour clock);
    the inspector's time fields are text in UTC, as the notes beside them say."""
    pages = ["/", "/providers/sendgrid", "/providers/cmc", "/providers/sendcloud", "/providers/ncp"]
    for path in pages:
        page = ui.get(path).text
        assert 'type="datetime-local"' not in page and 'type="date"' not in page, path
    mailblocks.clock.freeze("2024-04-01T18:05:00Z")
    overview = ui.get("/").text
    freeze = re.search(r'<input[^>]*name="at"[^>]*>', overview).group()
    assert 'type="text"' in freeze and 'placeholder="2024-04-01 18:05:00"' in freeze  # the clock's now, as typed
    assert visible(element(overview, "freeze")) == "freeze at UTC Freeze YYYY-MM-DD HH:MM:SS in UTC; empty: now"
    for typed in ("2024-05-01 09:30:00", "2024-05-01T09:30:00Z", "2024-05-01 09:30 UTC", "2024-05-01 09:30:00Z"):
        mailblocks.clock.real()
        assert ui.post("/clock", {"action": "freeze", "at": typed}).status_code == 303, typed
        assert mailblocks.clock.now().isoformat() == "2024-05-01T09:30:00+00:00", typed
    ui.post("/clock", {"action": "freeze", "at": "2024-05-01"})
    assert mailblocks.clock.now().isoformat() == "2024-05-01T00:00:00+00:00"
    r = ui.post("/clock", {"action": "freeze", "at": "05/01/2024 09:30 AM"})
    assert r.status_code == 400 and "YYYY-MM-DD HH:MM:SS" in r.text
    assert mailblocks.clock.now().isoformat() == "2024-05-01T00:00:00+00:00"  # unchanged
    # the add forms take UTC too: SendGrid's created and CMC's (whose API shows JST)
    ui.post("/providers/sendgrid/add", {"list": "blocks", "email": "a@example.com", "created": "2024-04-30 23:00:00"})
    assert mailblocks.sendgrid.blocks()[0]["created"] == 1_714_518_000
    ui.post("/providers/cmc/add", {"list": "blocks", "email": "b@example.com", "created": "2024-04-30 23:00 UTC"})
    assert mailblocks.cmc.blocks()[0]["created"] == "2024-05-01 08:00:00"  # JST, as the API shows it


MARK = '<span class="redacted">&lt;redacted&gt;</span>'


def test_a_redacted_value_shows_as_the_marker_in_the_query_a_form_json_and_headers(ui, mailblocks):
    sc, sg, cmc = mailblocks.sendcloud, mailblocks.sendgrid, mailblocks.cmc
    u = mailblocks.url
    requests.get(u + "/api/block/list", params={"apiUser": sc.api_user, "apiKey": sc.api_key, "days": "1"})
    query = sc.requests.last.seq
    requests.post(u + "/api/block/add", data={"apiUser": sc.api_user, "apiKey": sc.api_key, "email": "a+b@c.io"})
    form = sc.requests.last.seq
    requests.post(
        u + "/transaction/v2/blocks/list.json", json={"api_user": cmc.api_user, "api_key": cmc.api_key, "r": 1}
    )
    body = cmc.requests.last.seq
    requests.get(u + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {sg.api_key}"})
    header = sg.requests.last.seq
    rows = ui.get("/journal").text
    assert f"apiKey={MARK}" in rows and "%3Credacted%3E" not in rows
    for seq in (query, form, body, header):
        page = ui.get(f"/journal/{seq}").text
        assert "%3Credacted%3E" not in page and "%3C" not in page, seq
        for secret in (sc.api_key, cmc.api_key, sg.api_key):
            assert secret not in page
    page = ui.get(f"/journal/{query}?fragment=1").text
    assert visible(element(page, "query-fields")) == "apiUser mailblocks_default apiKey <redacted> days 1"
    assert f"<td>{MARK}</td>" in element(page, "query-fields")
    page = ui.get(f"/journal/{form}?fragment=1").text
    # the form's fields decoded (a+b@c.io, not a%2Bb%40c.io), the marker as it is
    assert visible(element(page, "form-fields")) == "apiUser mailblocks_default apiKey <redacted> email a+b@c.io"
    assert f"apiKey={MARK}" in page  # the body as sent, below
    page = ui.get(f"/journal/{body}?fragment=1").text
    assert f"&#34;api_key&#34;: &#34;{MARK}&#34;" in page and "form-fields" not in page
    page = ui.get(f"/journal/{header}?fragment=1").text
    assert f"<th>Authorization</th><td>{MARK}</td>" in page and "query-fields" not in page


def test_a_refusal_in_a_200_is_shown_as_a_failure_with_the_providers_message(ui, mailblocks):
    """SendCloud refuses with HTTP 200 and ``result: false``: its view says so."""
    sc = mailblocks.sendcloud
    ok = requests.get(mailblocks.url + "/api/block/list", params={"apiUser": sc.api_user, "apiKey": sc.api_key})
    assert ok.json()["result"] is False  # no window: 40007, still a 200
    refused_window = sc.requests.last.seq
    wrong = {"apiUser": sc.api_user, "apiKey": "wrong", "days": 1}
    message = requests.get(mailblocks.url + "/apiv2/block/list", params=wrong).json()["message"]
    refused_auth = sc.requests.last.seq
    requests.get(mailblocks.url + "/apiv2/block/list", params={"apiUser": sc.api_user, "apiKey": sc.api_key, "days": 1})
    fine = sc.requests.last.seq
    page = ui.get("/journal").text
    found = re.finditer(r'<tr class="[^"]*" data-seq="(\d+)">.*?</tr>', page, re.S)
    rows = {int(m.group(1)): m.group(0) for m in found}
    assert 'class="entry s2"' in rows[fine] and "refused" not in rows[fine]
    for seq in (refused_window, refused_auth):
        assert 'class="entry s2 refused"' in rows[seq]
    assert f"refused: {message} (statusCode 40005)" in visible(rows[refused_auth])
    assert "SC_AUTH_FAILED" in rows[refused_auth]
    detail = visible(element(ui.get(f"/journal/{refused_auth}").text, "status"))
    assert detail == f"200 · refused: {message} (statusCode 40005) · error code SC_AUTH_FAILED"
    # "failed" finds refusals and error statuses, not the answers that succeeded
    requests.get(mailblocks.url + "/v3/suppression/blocks")  # a 401
    failed = ui.get("/journal?status=failed").text
    assert re.findall(r'data-seq="(\d+)"', failed) == [
        str(mailblocks.sendgrid.requests.last.seq),
        str(refused_auth),
        str(refused_window),
    ]


CONFIGURED = {
    "sendgrid": {"api_key": "SG.configured-$key 'quoted'"},
    "cmc": {"api_user": "team user", "api_key": "k&y=1\\2", "server_composition": "shop"},
    "ncp": {"access_key": "CONFIGUREDACCESSKEY1", "secret_key": "configured secret $(not run)"},
    "sendcloud": {"api_user": "sc_user", "api_key": "a+b&c=d %x"},
}


def snippets(page: str, key: str) -> list[tuple[str, str]]:
    """(language, code) of every snippet in the card or panel of provider ``key``."""
    card = element(page, f"provider-{key}") if f'id="provider-{key}"' in page else element(page, "connect")
    found = re.findall(r'<code data-language="(\w+)">(.*?)</code>', card, re.S)
    return [(language, html.unescape(code)) for language, code in found]


def run(language: str, code: str) -> subprocess.CompletedProcess[str]:
    command = ["bash", "-c", code] if language == "sh" else [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_each_provider_shows_its_base_url_and_snippets_that_run(ui, mailblocks):
    """The snippets are real calls: run as shown, each lists the provider's blocks with
    the credentials the fake holds (here configured ones, quoted for the shell and
    Python) and, for NCP's signed call, a timestamp on the fake's frozen clock."""
    with FakeServer(credentials=CONFIGURED) as server:
        server.clock.freeze("2024-05-01T09:30:00Z")
        page = Browserish(server.url).get("/").text
        for key in CONFIGURED:
            card = element(page, f"provider-{key}")
            assert f'<code class="base-url">{server.url}</code>' in card
            found = snippets(page, key)
            assert [language for language, _ in found] == ["sh", "python"], key
            for language, code in found:
                before = len(server.journal(key))
                done = run(language, code)
                assert done.returncode == 0, (key, language, done.stderr[-2000:])
                entries = server.journal(key)[before:]
                assert [(e.status, e.auth, e.error_code) for e in entries] == [(200, "ok", None)], (key, code)
                if language == "python":
                    assert done.stdout.startswith("200 "), done.stdout
    # the real clock, and the defaults: NCP's timestamp from the shell's and Python's clocks
    page = ui.get("/providers/ncp").text
    assert "base URL " + mailblocks.url in visible(element(page, "connect"))
    for language, code in snippets(page, "ncp"):
        done = run(language, code)
        assert done.returncode == 0 and mailblocks.ncp.requests.last.status == 200, done.stderr
    sdk = snippets(ui.get("/providers/sendgrid").text, "sendgrid")[1][1]
    assert f'SendGridAPIClient(api_key="{mailblocks.sendgrid.api_key}", host="{mailblocks.url}")' in sdk


def _seed_lists(fake: FakeServer) -> None:
    """Addresses and times around the edges of the searches below (clock frozen)."""
    fake.clock.freeze("2024-05-01T00:00:00Z")
    t = 1_714_500_000  # 2024-04-30 18:00:00 UTC
    sendgrid = [("ann@a.io", t), ("anna@b.io", t + 60), ("bob@a.io", t + 120), ("Ann.Lee@c.io", t + 180)]
    cmc = [
        ("ann@a.io", "2024-04-30 08:59:59"),
        ("xannx@b.io", "2024-04-30 09:00:00"),
        ("bob@a.io", "2024-05-01 00:00:00"),
    ]
    fake.seed(
        {
            "sendgrid": {"bounces": [{"email": e, "created": c} for e, c in sendgrid]},
            "cmc": {"blocks": [{"email": e, "created": c} for e, c in cmc]},
            "sendcloud": {
                "blocks": [
                    {"email": "ann@a.io", "create_time": "2024-04-29 23:59:59"},
                    {"domain": "a.io", "create_time": "2024-04-30 00:00:00"},
                    {"email": "bob@a.io", "create_time": "2024-04-30 12:00:00"},
                ],
                "bounces": [
                    {"email": "ann@a.io", "bounce_time": "2024-04-20 10:00:00"},
                    {"email": "bob@a.io", "bounce_time": "2024-04-30 10:00:00"},
                ],
                "unsubscribes": [{"email": "ann@a.io", "unsubscribe_time": "2024-04-30 10:00:00"}],
            },
            "ncp": {"blocks": [{"email": "ann@a.io"}]},
        }
    )


def _api(fake: FakeServer, key: str, call: str) -> list[str]:
    """The addresses the provider's own list API gives for a call the search shows."""
    _, _, rest = call.partition(" ")
    target, _, data = rest.partition(" ")
    url = fake.url + target
    if key == "sendgrid":
        return [
            r["email"] for r in requests.get(url, headers={"Authorization": f"Bearer {fake.sendgrid.api_key}"}).json()
        ]
    if key == "cmc":
        body = {**json.loads(data), "api_user": fake.cmc.api_user, "api_key": fake.cmc.api_key}
        return [r["email"] for r in requests.post(url, json=body).json()["blocks"]]
    if key == "sendcloud":
        form = {**dict(parse_qsl(data)), "apiUser": fake.sendcloud.api_user, "apiKey": fake.sendcloud.api_key}
        rows = requests.post(url, data=form).json()["info"]["dataList"]
        return [r["email"] or r["domain"] for r in rows]
    body = requests.get(url, headers=fake.ncp.signed_headers("GET", target)).json()
    return [parse_qsl(target.partition("?")[2])[0][1]] if body["registerStatus"] == "Blocked" else []


SEARCHES = [
    ("sendgrid", "bounces", {"email": "ann"}, ["ann@a.io", "anna@b.io", "Ann.Lee@c.io"]),
    ("sendgrid", "bounces", {"email": "%@a.io"}, ["ann@a.io", "bob@a.io"]),
    ("sendgrid", "bounces", {"start_time": "1714500060", "end_time": "2024-04-30 18:02:00"}, ["anna@b.io", "bob@a.io"]),
    ("cmc", "blocks", {"email": "ann"}, ["ann@a.io", "xannx@b.io"]),
    ("cmc", "blocks", {"start_date": "2024-04-30", "end_date": "2024-04-30"}, ["ann@a.io", "xannx@b.io"]),
    ("cmc", "blocks", {"start_date": "2024-05-01", "end_date": "2024-05-01"}, ["bob@a.io"]),
    ("sendcloud", "blocks", {"email": "ann@a.io", "startDate": "2024-04-29", "endDate": "2024-04-30"}, ["ann@a.io"]),
    ("sendcloud", "blocks", {"domainName": "a.io", "startDate": "2024-04-30", "endDate": "2024-04-30"}, ["a.io"]),
    ("sendcloud", "blocks", {"startDate": "2024-04-30", "endDate": "2024-04-30"}, ["a.io", "bob@a.io"]),
    ("sendcloud", "bounces", {"email": "ann@a.io"}, ["ann@a.io"]),
    ("sendcloud", "bounces", {"startDate": "2024-04-30", "endDate": "2024-05-01"}, ["bob@a.io"]),
    (
        "sendcloud",
        "unsubscribes",
        {"email": "ann@a.io", "startDate": "2024-04-30", "endDate": "2024-04-30"},
        ["ann@a.io"],
    ),
    ("ncp", "blocks", {"targetAddress": "ann@a.io"}, ["ann@a.io"]),
    ("ncp", "blocks", {"targetAddress": "bob@a.io"}, []),
]


@pytest.mark.parametrize(("key", "list_name", "values", "expected"), SEARCHES)
def test_a_lists_search_finds_what_the_providers_own_filter_finds(ui, mailblocks, key, list_name, values, expected):
    """Each list's search box takes its list API's own parameters, means what they
    mean there, and shows the API request that finds the same rows: made, it does."""
    _seed_lists(mailblocks)
    page = ui.get(f"/providers/{key}", params={"list": list_name, **values}).text
    box = element(page, "search")
    for name, value in values.items():
        assert re.search(rf'name="{name}" value="{re.escape(html.escape(value))}"', box), name
    shown = []
    for row in re.findall(r"<tr>(.*?)</tr>", element(page, "blocks").partition("<tbody>")[2], re.S):
        cell = dict(re.findall(r'<td data-label="(\w+)"><div>([^<]*)<', row))
        shown.append(html.unescape(cell.get("email") or cell.get("domain", "")))
    assert sorted(set(shown)) == sorted(expected)
    call = html.unescape(re.search(r'<code id="search-call">(.*?)</code>', box).group(1))
    assert sorted(set(_api(mailblocks, key, call))) == sorted(expected), call


def test_a_search_value_the_filter_cannot_take_is_said_beside_the_box(ui, mailblocks):
    page = ui.get("/providers/cmc", params={"start_date": "30/04/2024"}).text
    assert visible(element(page, "search-wrong")) == "start_date: '30/04/2024' is not a date; write YYYY-MM-DD"
    assert "search-call" not in page and 'name="start_date" value="30/04/2024"' in page
    page = ui.get("/providers/sendcloud", params={"email": "a@b.io", "domainName": "b.io"}).text
    assert "give email or domainName, not both" in visible(element(page, "search-wrong"))
    page = ui.get("/providers/sendgrid", params={"end_time": "yesterday"}).text
    assert "end_time: 'yesterday' is not a UTC time" in visible(element(page, "search-wrong"))


# -- the snapshot download and upload -------------------------------------------------------------
def _upload(ui: Browserish, content: bytes, path: str = "/state", **kwargs: Any) -> requests.Response:
    if not ui.csrf:
        ui.get("/")
    data = {"csrf": ui.csrf, "next": kwargs.pop("next", UI + "/")}
    files = {"snapshot": ("account.json", content, "application/json")}
    return ui.session.post(ui.url + UI + path, data=data, files=files, allow_redirects=False, **kwargs)


def test_the_snapshot_downloads_as_a_file_named_for_the_fakes_time(ui, mailblocks):
    mailblocks.clock.freeze("2024-05-01T09:30:00Z")
    mailblocks.sendgrid.add_block("kept@example.com")
    page = ui.get("/").text
    link = element(page, "snapshot")
    assert f'href="{UI}/state"' in link and "download" in link
    r = ui.get("/state")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Content-Disposition"] == 'attachment; filename="mailblocks-20240501T093000Z.json"'
    assert r.json() == requests.get(mailblocks.url + "/_mailblocks/state").json() == mailblocks.export_state()
    r = ui.get("/providers/sendgrid/state")
    assert r.headers["Content-Disposition"] == 'attachment; filename="mailblocks-sendgrid-20240501T093000Z.json"'
    assert r.json() == mailblocks.export_state("sendgrid")
    assert f'href="{UI}/providers/sendgrid/state"' in ui.get("/providers/sendgrid").text


def test_an_uploaded_snapshot_replaces_the_state_all_or_nothing(ui, mailblocks):
    mailblocks.clock.freeze("2024-05-01T09:30:00Z")
    mailblocks.sendgrid.add_block("kept@example.com")
    saved = ui.get("/state").content
    mailblocks.sendgrid.add_block("later@example.com")
    mailblocks.clock.real()
    r = _upload(ui, saved)
    assert (r.status_code, r.headers["Location"]) == (303, UI + "/")
    assert [b["email"] for b in mailblocks.sendgrid.blocks()] == ["kept@example.com"]
    entry = mailblocks.app.journals["_mailblocks"].last  # journaled by its size, as a PUT of a snapshot is
    assert entry.path == UI + "/state" and entry.body == b"" and entry.body_size > len(saved)
    assert mailblocks.clock.frozen and mailblocks.clock.now().isoformat() == "2024-05-01T09:30:00+00:00"
    # a bad file: a 400 naming the JSON path, and nothing changed
    mailblocks.sendgrid.add_block("since@example.com")
    before = mailblocks.export_state()
    bad = json.loads(saved)
    bad["faults"] = [{"id": "f1", "status": 200}]
    r = _upload(ui, json.dumps(bad).encode())
    assert r.status_code == 400
    assert visible(element(r.text, "message")) == "$.faults[0]: status must be an integer from 400 to 599, got 200"
    for content, message in (
        (b'{"mailblocks_snapshot": 1, "providers": {', "invalid JSON at line 1, column"),
        (b'{"sendgrid": []}', 'expected a snapshot: a JSON object with "mailblocks_snapshot": 1'),
        (b"", "choose a snapshot file"),
    ):
        r = _upload(ui, content)
        assert r.status_code == 400 and message in visible(element(r.text, "message")), r.text[-800:]
    assert mailblocks.export_state() == before
    # one provider's snapshot at its page replaces that provider only
    mailblocks.cmc.add_block("cmc@example.com")
    part = ui.get("/providers/sendgrid/state").content
    mailblocks.sendgrid.add_block("gone@example.com")
    r = _upload(ui, part, "/providers/sendgrid/state", next=UI + "/providers/sendgrid")
    assert (r.status_code, r.headers["Location"]) == (303, UI + "/providers/sendgrid")
    assert "gone@example.com" not in {b["email"] for b in mailblocks.sendgrid.blocks()}
    assert [b["email"] for b in mailblocks.cmc.blocks()] == ["cmc@example.com"]


def test_an_upload_keeps_the_csrf_and_host_rules(ui, mailblocks):
    mailblocks.sendgrid.add_block("kept@example.com")
    saved = ui.get("/state").content
    mailblocks.sendgrid.add_block("later@example.com")
    before = mailblocks.export_state()
    files = {"snapshot": ("account.json", saved, "application/json")}
    r = ui.session.post(ui.url + UI + "/state", files=files, allow_redirects=False)  # no token
    assert r.status_code == 403 and "CSRF" in r.text
    r = _upload(ui, saved, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = _upload(ui, saved, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = _upload(ui, saved, headers={"Host": "evil.example"})
    assert r.status_code == 403 and "Refused" in r.text
    assert mailblocks.export_state() == before
    # behind a token the upload needs the session the token opened
    with FakeServer(control_token="let-me-in") as server:
        guest = Browserish(server.url)
        r = guest.session.post(server.url + UI + "/state", files=files, allow_redirects=False)
        assert r.status_code == 401
        assert guest.get("/state").status_code == 401
        guest.get("/?token=let-me-in")
        assert _upload(guest, saved).status_code == 303


def test_an_upload_over_the_state_body_cap_is_a_413_page():
    with FakeServer(max_body=1_000, max_state_body=50_000) as server:
        ui = Browserish(server.url)
        snapshot = ui.get("/state").content
        assert _upload(ui, snapshot).status_code == 303  # over max_body, under the state cap
        r = _upload(ui, snapshot + b" " * 60_000)
        assert r.status_code == 413 and "at most 50000 bytes" in r.text
