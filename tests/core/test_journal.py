"""The request journal: order, filters, bounds, redaction."""

from __future__ import annotations

import pytest

from pytest_mailblocks.core.journal import Journal, JournalEntry, JournalRecord, redact_text

SECRETS = frozenset({"authorization", "api_key"})


def _entry(seq, **kw):
    base = dict(seq=seq, provider="p", method="GET", path="/x", query_string="", raw_headers={}, body=b"", time=0.0)
    base.update(kw)
    return JournalEntry(**base)


def test_call_list_shape():
    j = Journal()
    assert not j.called and j.last is None
    j.append(_entry(1, status=200))
    j.append(_entry(2, method="POST", status=400))
    assert (len(j), j.call_count, j.last.seq, j[0].seq) == (2, 2, 2, 1)
    assert [e.seq for e in j.filter(method="post")] == [2]
    assert [e.seq for e in j.filter(status=200)] == [1]
    assert [e.seq for e in j.filter(since=1)] == [2]


def test_bounded_with_a_total():
    j = Journal(maxlen=3)
    for i in range(5):
        j.append(_entry(i))
    assert [e.seq for e in j] == [2, 3, 4]
    assert j.total == 5
    j.clear()
    assert (len(j), j.total) == (0, 0)


def test_to_dict_redacts_headers_query_and_bodies():
    e = _entry(
        1,
        raw_headers=[("Authorization", "Bearer SG.x"), ("Content-Type", "application/x-www-form-urlencoded")],
        query_string="api_key=zzz&limit=1",
        body=b"api_user=u&api_key=secret",
        secrets=SECRETS,
    )
    d = e.to_dict()
    assert d["headers"]["Authorization"] == "<redacted>"
    assert "zzz" not in d["query"] and "limit=1" in d["query"]
    assert "secret" not in d["body"] and "api_user=u" in d["body"]
    assert e.header("authorization") == "Bearer SG.x"  # Python side keeps it


def test_json_bodies_are_redacted_and_binary_kept_as_base64():
    assert "hunter2" not in redact_text('{"api_key": "hunter2", "x": 1}', "application/json", SECRETS)
    e = _entry(1, body=b"\xff\x00", response_body=b"PK\x03\x04\xff")
    d = e.to_dict()
    assert d["body_base64"] is True and d["response_body_base64"] is True


def test_multipart_secrets_are_redacted():
    body = (
        '--XyZ\r\nContent-Disposition: form-data; name="apiUser"\r\n\r\nshop\r\n'
        '--XyZ\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\nS3cret\r\n--XyZ--\r\n'
    )
    out = redact_text(body, "multipart/form-data; boundary=XyZ", frozenset({"apikey"}))
    assert "S3cret" not in out and "shop" in out and "<redacted>" in out


# -- bounds (issue 19, section 3) ------------------------------------------------------------


def _exchange(seq, body=b"", response_body=b"", headers=(("Host", "x"),)):
    return (JournalRecord(seq, "p", "POST", "/x", "", headers, body, 0.0, 200, (), response_body, 0.0, *(None,) * 6),)


def test_a_body_over_the_entry_cap_is_cut_and_says_so():
    j = Journal(max_body=1000)
    j.record(*_exchange(1, b"a" * 5000, b"PK" + b"z" * 3000))
    e = j.last
    assert (len(e.body), e.body_size, e.body_truncated) == (1000, 5000, True)
    assert (len(e.response_body), e.response_body_size, e.response_body_truncated) == (1000, 3002, True)
    d = e.to_dict()
    assert (d["body"], d["body_size"], d["body_truncated"]) == ("a" * 1000, 5000, True)
    assert (d["response_body_size"], d["response_body_truncated"]) == (3002, True)
    j.record(*_exchange(2, b"short"))
    d = j.last.to_dict()
    assert (d["body"], d["body_size"], d["body_truncated"], d["response_body_truncated"]) == ("short", 5, False, False)


def test_the_byte_bound_drops_the_oldest_first_and_counts_what_is_kept():
    j = Journal(max_bytes=100_000, max_body=None)
    for seq in range(1, 41):
        j.record(*_exchange(seq, b"b" * 9_000, b"r" * 1_000))
    kept = [e.seq for e in j]
    per_entry = j.nbytes // len(kept)
    # bodies, headers and the entry's fixed cost are all counted
    assert per_entry > 10_000 and j.nbytes <= 100_000 < j.nbytes + per_entry
    assert kept == list(range(41 - len(kept), 41))  # the newest, in order
    assert (j.total, j.dropped, len(j)) == (40, 40 - len(kept), len(kept))
    # paging forward with since still sees every kept entry once, in order
    seen, since = [], 0
    while page := j.filter(since=since)[:3]:
        seen += [e.seq for e in page]
        since = page[-1].seq
    assert seen == kept
    j.clear()
    assert (j.nbytes, j.total, j.dropped) == (0, 0, 0)


def test_headers_count_toward_the_bound():
    small, many = Journal(max_bytes=None), Journal(max_bytes=None)
    small.record(*_exchange(1))
    many.record(*_exchange(1, headers=tuple((f"X-H{i}", "v" * 100) for i in range(50))))
    assert many.nbytes - small.nbytes >= 50 * 100


def test_bounds_change_at_run_time():
    j = Journal(max_bytes=None, max_body=None)
    for seq in range(1, 11):
        j.record(*_exchange(seq, b"x" * 10_000))
    assert len(j) == 10 and j.last.body_size == 10_000 and not j.last.body_truncated
    j.max_bytes = 35_000  # lowering it drops at once
    assert len(j) == 3 and j.nbytes <= 35_000 and j.dropped == 7
    j.maxlen = 2
    assert [e.seq for e in j] == [9, 10]
    j.max_body = 100  # applies to what is recorded from now on
    j.record(*_exchange(11, b"y" * 500))
    assert (len(j.last.body), j.last.body_truncated, len(j[0].body)) == (100, True, 10_000)
    with pytest.raises(ValueError, match="max_bytes must be a non-negative integer"):
        j.max_bytes = -1


def test_the_server_keeps_its_defaults_and_reset_restores_them():
    from pytest_mailblocks import FakeServer
    from pytest_mailblocks.core.journal import DEFAULT_JOURNAL_MAX_BODY, DEFAULT_JOURNAL_MAX_BYTES

    server = FakeServer(journal_max_bytes=123_456, journal_max_body=789)
    assert {(j.max_bytes, j.max_body) for j in server.app.journals.values()} == {(123_456, 789)}
    server.sendgrid.requests.max_body = 5
    server.reset()
    assert server.sendgrid.requests.max_body == 789
    default = FakeServer()
    assert {(j.max_bytes, j.max_body, j.maxlen) for j in default.app.journals.values()} == {
        (DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_JOURNAL_MAX_BODY, 10_000)
    }


def _held(records) -> int:
    """Bytes of the objects a journal holds (each object once: shared ones count once)."""
    import sys

    seen, total, stack = set(), sys.getsizeof(records), list(records)
    while stack:
        obj = stack.pop()
        if id(obj) not in seen:
            seen.add(id(obj))
            total += sys.getsizeof(obj)
            if isinstance(obj, tuple):
                stack.extend(obj)
    return total


def test_nbytes_is_close_to_what_python_really_holds(mailblocks):
    """The accounting's fixed costs were fitted to what Python holds (tracemalloc
    agrees with this walk within 1%): ``nbytes`` is within a fifth of the objects a
    journal holds, for every provider's exchanges and for large bodies."""
    import requests

    server = mailblocks
    for j in server.app.journals.values():
        j.maxlen = j.max_bytes = None  # until the next reset
    session = requests.Session()
    sg, cmc = server.sendgrid, server.cmc
    auth = {"Authorization": f"Bearer {sg.api_key}"}
    form = {"api_user": cmc.api_user, "api_key": cmc.api_key, "server_composition": cmc.server_composition}
    calls = {
        "sendgrid": lambda: session.get(server.url + "/v3/suppression/blocks?limit=1", headers=auth),
        "cmc": lambda: session.post(server.url + "/transaction/v2/blocks/list.json", data=form),
        "ncp": lambda: session.get(server.url + "/api/v1/send-block"),
        "sendcloud": lambda: session.get(server.url + "/api/block/list?apiUser=u&apiKey=k"),
        "_mailblocks": lambda: session.post(server.url + "/_mailblocks/clock", data=b"x" * 20_000),
    }
    for key, call in calls.items():
        journal = server.app.journals[key]
        for _ in range(100):
            call()
        assert len(journal) == 100
        assert 0.8 < journal.nbytes / _held(journal._records) < 1.2, key


def test_big_bodies_sent_to_the_server_are_bounded_by_byte_accounting(mailblocks):
    """The issue's load in small: bulk DELETEs far over the entry cap and in all over
    the journal's bound keep the journal within it, cut bodies saying so everywhere."""
    import json

    import requests

    sg = mailblocks.sendgrid
    journal = sg.requests
    journal.max_bytes = 500_000
    emails = [f"user{i}@bulk.example" for i in range(12_000)]
    body = json.dumps({"emails": emails}).encode()
    assert len(body) > 250_000
    session = requests.Session()
    auth = {"Authorization": f"Bearer {sg.api_key}", "Content-Type": "application/json"}
    for _ in range(40):
        assert session.delete(sg.url + "/v3/suppression/blocks", data=body, headers=auth).status_code == 204
    assert journal.nbytes <= 500_000 and journal.total == 40
    assert len(journal) == 7 == 40 - journal.dropped  # 64 KiB + headers + fixed cost each
    last = journal.last
    assert (len(last.body), last.body_size, last.body_truncated) == (64 * 1024, len(body), True)
    listing = session.get(mailblocks.url + "/_mailblocks/sendgrid/requests").json()
    assert (listing["count"], listing["total"], listing["dropped"]) == (7, 40, 33)
    shown = listing["requests"][-1]
    assert (shown["body_size"], shown["body_truncated"], len(shown["body"])) == (len(body), True, 64 * 1024)
    page = session.get(f"{mailblocks.url}/_mailblocks/ui/journal/{last.seq}").text
    assert f"{len(body):,} bytes were sent" in page


def test_paging_with_since_stays_in_order_while_entries_are_dropped(mailblocks):
    import requests

    journal = mailblocks.ncp.requests
    journal.maxlen = 5
    session = requests.Session()
    url = mailblocks.url + "/_mailblocks/ncp/requests"
    seen: list[int] = []
    since = 0
    for _ in range(6):
        for _ in range(3):
            session.get(mailblocks.url + "/api/v1/send-block")
        while True:
            page = session.get(url, params={"since": since, "limit": 2}).json()
            if not page["count"]:
                break
            seqs = [e["seq"] for e in page["requests"]]
            assert seqs == sorted(seqs) and seqs[0] > since
            seen += seqs
            since = seqs[-1]
    assert seen == sorted(set(seen)) and len(seen) == 18  # nothing missed: polled before the bound
    for _ in range(8):
        session.get(mailblocks.url + "/api/v1/send-block")
    page = session.get(url, params={"since": since}).json()
    assert [e["seq"] for e in page["requests"]] == [e.seq for e in journal]  # the 5 kept, 3 gone
    assert (page["total"], page["dropped"]) == (26, 21)


def test_a_body_refused_unread_is_journaled_with_its_declared_size():
    import requests

    from pytest_mailblocks import FakeServer

    with FakeServer(max_body=1000) as server:
        r = requests.post(server.url + "/api/block/list", data=b"a" * 5000)
        assert r.status_code == 200 and r.json()["statusCode"] != 200
        e = server.sendcloud.requests.last
        assert (e.body, e.body_size, e.body_truncated) == (b"", 5000, True)
