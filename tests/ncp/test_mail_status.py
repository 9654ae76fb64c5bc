"""The status lookups (issue 21): getMailRequestStatus, the request's mail list and
getMail answer from the records a send made; only the sending project (and region
path) finds them; labels per ``x-ncp-lang``; the store is bounded."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BAD_REQUEST, MAILS, SIM, T0, mail, mailer_error

REQUEST_NOT_FOUND = mailer_error("77103", "리소스가 존재하지 않음")
MS = T0 * 1000


@pytest.fixture
def ncp_fake(ncp_fake, mailblocks):
    mailblocks.clock.freeze(T0)
    return ncp_fake


def send(ncp, body: dict[str, Any], **kw: Any) -> str:
    r = ncp.post(MAILS, json=body, **kw)
    assert r.status_code == 201, r.text
    return str(r.json()["requestId"])


def status_of(ncp, request_id: str, **kw: Any) -> Any:
    return ncp.get(f"/api/v1/mails/requests/{request_id}/status", **kw)


def mails_of(ncp, request_id: str, query: str = "", **kw: Any) -> Any:
    return ncp.get(f"/api/v1/mails/requests/{request_id}/mails{query}", **kw)


def test_an_unknown_request_or_mail_is_77103(ncp):
    for path in (
        "/api/v1/mails/requests/20240501000000000999/status",
        "/api/v1/mails/requests/20240501000000000999/mails",
        "/api/v1/mails/20240501500000000999",
        "/api/v1/mails/requests",  # the request list is not served: no mail has that id
    ):
        r = ncp.get(path)
        assert (r.status_code, r.json()) == (400, REQUEST_NOT_FOUND), path
        assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"


def test_a_request_id_is_not_a_mail_id(ncp, ncp_fake):
    request_id = send(ncp, mail("a@example.com"))
    assert ncp.get(f"/api/v1/mails/{request_id}").json() == REQUEST_NOT_FOUND


def test_only_the_sending_project_and_region_find_a_request(ncp, ncp_fake):
    request_id = send(ncp, mail("a@example.com"))
    mail_id = ncp_fake.mail_ids(request_id)[0]
    other = ncp_fake.add_access_key(project="shop")
    keys = {"access_key": other["access_key"], "secret_key": other["secret_key"]}
    assert status_of(ncp, request_id, **keys).json() == REQUEST_NOT_FOUND
    assert ncp.get(f"/api/v1/mails/{mail_id}", **keys).json() == REQUEST_NOT_FOUND
    assert ncp.get(f"/api/v1-jpn/mails/requests/{request_id}/status").json() == REQUEST_NOT_FOUND
    assert status_of(ncp, request_id).status_code == 200


def test_a_lookup_needs_the_gateways_signature(ncp, ncp_fake):
    request_id = send(ncp, mail("a@example.com"))
    r = ncp.http.get(ncp.fake.url + f"/api/v1/mails/requests/{request_id}/status")
    assert r.status_code == 401 and r.json()["error"]["errorCode"] == "200"


def test_a_general_send_is_one_mail_with_a_status_for_the_whole(ncp, ncp_fake):
    ncp_fake.outcome("gone@example.com", "bounce")
    recipients = [
        {"address": "ann@example.com", "name": "Ann"},
        {"address": "gone@example.com", "type": "C"},
        {"address": "bcc@example.com", "type": "B"},
    ]
    request_id = send(ncp, mail(individual=False, recipients=recipients))
    status = status_of(ncp, request_id).json()
    assert (status["requestCount"], status["sentCount"], status["finishCount"]) == (1, 0, 1)
    assert status["countsByStatus"] == [{"status": {"label": "Partial failure", "code": "PF"}, "count": 1}]
    [item] = mails_of(ncp, request_id).json()["content"]
    assert item["representativeRecipient"] == "ann@example.com(2)"
    assert item["emailStatus"]["code"] == "PF"
    detail = ncp.get(f"/api/v1/mails/{item['mailId']}").json()
    assert [(r["address"], r.get("name"), r["type"]["code"], r["status"]["code"]) for r in detail["recipients"]] == [
        ("ann@example.com", "Ann", "R", "S"),
        ("gone@example.com", None, "C", "F"),
        ("bcc@example.com", None, "B", "S"),
    ]
    assert detail["recipients"][1]["type"] == {"label": "CC", "code": "C"}


def test_getmail_shows_the_mail_as_sent_with_its_parameters_substituted(ncp, ncp_fake):
    body = mail(
        title="Order ${order} for ${name}",
        body="<p>Hi ${name}, ${unknown} stays</p>",
        parameters={"order": "42", "name": "customer"},
        referencesHeader="<order-42@shop.example.com>",
        advertising=True,
        recipients=[{"address": "ann@example.com", "parameters": {"name": "Ann"}}],
    )
    request_id = send(ncp, body)
    detail = ncp.get(f"/api/v1/mails/{ncp_fake.mail_ids(request_id)[0]}").json()
    assert list(detail) == [
        "requestId",
        "requesterIp",
        "requestDate",
        "mailId",
        "title",
        "templateSid",
        "templateName",
        "emailStatus",
        "senderAddress",
        "senderName",
        "sendDate",
        "reservationDate",
        "advertising",
        "body",
        "referencesHeader",
        "attachFiles",
        "recipients",
    ]
    assert (detail["title"], detail["body"]) == ("Order 42 for Ann", "<p>Hi Ann, ${unknown} stays</p>")
    assert detail["requestDate"] == {
        "utc": MS,
        "formattedDate": "2024-05-01",
        "formattedDateTime": "2024-05-01 09:00:00 000",
    }
    assert detail["sendDate"] == detail["requestDate"]
    assert (detail["senderAddress"], detail["senderName"]) == ("shop@example.com", "Shop")
    assert detail["referencesHeader"] == "<order-42@shop.example.com>" and detail["advertising"] is True
    assert detail["requesterIp"]
    assert detail["recipients"] == [
        {
            "address": "ann@example.com",
            "type": {"label": "Recipient", "code": "R"},
            "received": False,
            "status": {"label": "Sent successfully", "code": "S"},
            "retryCount": 0,
            "sendResultMessage": "250 2.0.0 OK\n",
        }
    ]


def test_labels_follow_x_ncp_lang(ncp, ncp_fake):
    ncp_fake.add_block("blocked@example.com")
    request_id = send(ncp, mail("blocked@example.com", "ok@example.com"))
    status = status_of(ncp, request_id, lang="ko-KR").json()
    assert [s["status"]["label"] for s in status["countsByStatus"]] == ["발송 실패", "발송 성공"]
    mail_id = ncp_fake.mail_ids(request_id)[0]
    [recipient] = ncp.get(f"/api/v1/mails/{mail_id}", lang="ko-KR").json()["recipients"]
    assert recipient["type"]["label"] == "수신자"
    assert recipient["sendResultCode"] == "SEND_BLOCK_ADDRESS"
    assert recipient["sendResultCodeMessage"] == "발송 차단 목록에 등록된 주소여서 발송이 차단되었습니다."
    item = mails_of(ncp, request_id, lang="ko-KR").json()["content"][0]
    assert item["reservationStatus"] == {"label": "즉시발송", "code": "N"}


# -- the mail list -----------------------------------------------------------------------------------
@pytest.fixture
def twelve(ncp, ncp_fake) -> str:
    for i in (1, 5, 9):
        ncp_fake.outcome(f"u{i}@example.com", "bounce")
    recipients = [{"address": f"u{i}@example.com", "parameters": {"n": str(i)}} for i in range(12)]
    return send(ncp, mail(title="Mail ${n}", recipients=recipients))


def test_the_mail_list_is_a_spring_page_of_ten_in_mail_order(ncp, ncp_fake, twelve):
    body = mails_of(ncp, twelve).json()
    assert [m["representativeRecipient"] for m in body["content"]] == [f"u{i}@example.com" for i in range(10)]
    assert {k: body[k] for k in ("totalElements", "totalPages", "first", "last", "size", "number")} == {
        "totalElements": 12,
        "totalPages": 2,
        "first": True,
        "last": False,
        "size": 10,
        "number": 0,
    }
    first = body["content"][0]
    assert list(first) == [
        "requestId",
        "requestDate",
        "mailId",
        "templateSid",
        "templateName",
        "title",
        "emailStatus",
        "senderAddress",
        "senderName",
        "sendDate",
        "reservationStatus",
        "advertising",
        "representativeRecipient",
    ]
    assert first["title"] == "Mail 0" and first["mailId"] == ncp_fake.mail_ids(twelve)[0]
    page = mails_of(ncp, twelve, "?page=1&size=10").json()
    assert [m["representativeRecipient"] for m in page["content"]] == ["u10@example.com", "u11@example.com"]


def test_the_mail_list_filters(ncp, ncp_fake, twelve):
    def listed(query: str) -> list[str]:
        return [m["representativeRecipient"] for m in mails_of(ncp, twelve, query).json()["content"]]

    ids = ncp_fake.mail_ids(twelve)
    assert listed(f"?mailId={ids[3]}") == ["u3@example.com"]
    assert listed("?recipientAddress=U4@example.com") == ["u4@example.com"]
    assert listed("?title=Mail%201") == ["u1@example.com", "u10@example.com", "u11@example.com"]
    assert listed("?sendStatus=F") == ["u1@example.com", "u5@example.com", "u9@example.com"]
    assert len(listed("?sendStatus=F&sendStatus=S&size=20")) == 12
    assert listed("?sort=statusCode,asc&size=3") == ["u1@example.com", "u5@example.com", "u9@example.com"]
    assert listed("?sort=id,desc&size=2") == ["u11@example.com", "u10@example.com"]


@pytest.mark.parametrize("query", ["?sendStatus=X", "?size=0", "?page=-1", "?sort=title", "?recipientAddress=nobody"])
def test_bad_mail_list_parameters_are_77102(ncp, twelve, query):
    r = mails_of(ncp, twelve, query)
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)


def test_status_counts_follow_the_clock(ncp, ncp_fake, mailblocks):
    request_id = send(ncp, mail(f"defer@{SIM}", "ok@example.com"))
    first = status_of(ncp, request_id).json()
    assert (first["sentCount"], first["finishCount"], first["allSentSuccess"]) == (1, 1, False)
    ncp_fake.outcome(f"defer@{SIM}", "deliver")  # a later choice does not change a decided send
    mailblocks.clock.advance(hours=6)
    last = status_of(ncp, request_id).json()
    assert (last["sentCount"], last["finishCount"]) == (1, 2)
    assert [(s["status"]["code"], s["count"]) for s in last["countsByStatus"]] == [("F", 1), ("S", 1)]


def test_all_sent_is_all_sent_success(ncp):
    request_id = send(ncp, mail("a@example.com", "b@example.com"))
    assert status_of(ncp, request_id).json()["allSentSuccess"] is True


def test_head_on_a_lookup_answers_the_headers(ncp, ncp_fake):
    request_id = send(ncp, mail("a@example.com"))
    r = ncp.request("HEAD", f"/api/v1/mails/requests/{request_id}/status")
    assert r.status_code == 200 and r.content == b""


# -- the store's bounds ---------------------------------------------------------------------------
def test_the_store_drops_the_oldest_request_first(ncp, ncp_fake):
    ncp_fake.mail_store.maxlen = 2
    ids = [send(ncp, mail(f"u{i}@example.com")) for i in range(3)]
    assert status_of(ncp, ids[0]).json() == REQUEST_NOT_FOUND
    assert ncp.get(f"/api/v1/mails/{ncp_fake.mail_ids(ids[1])[0]}").status_code == 200
    assert [r["requestId"] for r in ncp_fake.mail_requests()] == ids[1:]
    store = ncp_fake.mail_store
    assert (len(store), store.total, store.dropped) == (2, 3, 1)


def test_the_store_is_bounded_by_bytes_too(ncp, ncp_fake):
    ncp_fake.mail_store.max_bytes = 300_000
    ids = [send(ncp, mail("a@example.com", body="x" * 200_000)) for _ in range(2)]
    assert status_of(ncp, ids[0]).json() == REQUEST_NOT_FOUND
    assert status_of(ncp, ids[1]).status_code == 200
    assert ncp_fake.mail_store.nbytes < 300_000
    ncp_fake.reset()
    assert ncp_fake.mail_store.max_bytes == 64 * 1024 * 1024


def test_a_request_the_store_cannot_hold_is_still_sent_and_answered(ncp, ncp_fake):
    ncp_fake.mail_store.max_bytes = 1_000
    r = ncp.post(MAILS, json=mail("a@example.com", "b@example.com", body="x" * 5_000))
    assert (r.status_code, r.json()["count"]) == (201, 2)
    assert [e["event"] for e in ncp_fake.events()] == ["sent", "sent"]
    assert status_of(ncp, r.json()["requestId"]).json() == REQUEST_NOT_FOUND


def test_work_scheduled_for_a_dropped_request_keeps_only_its_shell(ncp, ncp_fake, mailblocks):
    """A reservation dropped by the bounds before its time is never sent, and what the
    clock still holds for it is not the request's body and recipients."""
    later = send(ncp, mail(f"bounce@{SIM}", body="y" * 10_000, reservationUtc=MS + 3_600_000))
    dropped = ncp_fake.mail_store.requests[later]
    ncp_fake.mail_store.maxlen = 0
    assert (dropped.body, dropped.mails) == (None, [])
    mailblocks.clock.advance(hours=2)
    assert ncp_fake.events() == [] and ncp_fake.blocks() == []


def test_the_store_counts_parameters_and_names(ncp, ncp_fake):
    """What a client sends besides the body and title (substitution parameters, per
    request and per recipient, and names) counts against the byte bound too."""
    ncp_fake.mail_store.max_bytes = 1_000_000
    big = {f"key{i}": f"value{i}" for i in range(3_000)}  # ~55 KB of JSON, ~490 KB in memory
    ids = [send(ncp, mail("a@example.com", parameters=big)) for _ in range(3)]
    body = mail("b@example.com")
    body["recipients"][0].update(name="n" * 60, parameters=big)
    ids.append(send(ncp, body))
    kept = [r["requestId"] for r in ncp_fake.mail_requests()]
    assert kept[-1] == ids[-1] and len(kept) < 4
    assert ncp_fake.mail_store.nbytes <= 1_000_000


@pytest.mark.parametrize("individual", [True, False])
@pytest.mark.parametrize("extras", [False, True])
def test_a_requests_estimate_is_at_least_what_its_records_hold(individual, extras):
    """The byte bound is a real bound: the estimate of a request's records (the request,
    its mails with their ids, the recipients, the store's index entries) is at least the
    memory they take, measured with tracemalloc, and not more than twice it."""
    import gc
    import json
    import tracemalloc

    from pytest_mailblocks.providers.ncp.delivery import new_request, parse_mail
    from pytest_mailblocks.providers.ncp.status import MailStore

    store = MailStore(maxlen=None, max_bytes=None)
    recipients = [{"address": f"user{i:05d}@mail{i % 7}.example.com"} for i in range(500)]
    if extras:
        for i, r in enumerate(recipients):
            r.update(name=f"User {i}", parameters={"name": f"User {i}", "order": str(i)})
    text = json.dumps(mail(individual=individual, parameters={"shop": "Shop"} if extras else None))
    text = text.replace('"recipients": []', '"recipients": ' + json.dumps(recipients))
    for _ in range(2):  # warm: the store's dicts and the id sequences exist
        store.add(new_request(store, "default", "KR", parse_mail(json.loads(text), MS), None, MS))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]  # a count, not a snapshot of a test process's heap
    estimate = 0
    for _ in range(10):
        request = new_request(store, "default", "KR", parse_mail(json.loads(text), MS), None, MS)
        store.add(request)
        estimate += request.size
    del request
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert held <= estimate <= 2 * held, (held, estimate)
