"""The request journal: order, filters, bounds, redaction."""

from __future__ import annotations

from pytest_mailblocks.core.journal import Journal, JournalEntry, redact_text

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
