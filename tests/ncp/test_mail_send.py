"""``POST /api/v1/mails`` (createMailRequest, issue 21): the gateway's auth, the mailer's
415 and account checks, every documented constraint (77102 / 77103, each its own row),
the 201 ``{"requestId", "count"}``, the body read as Jackson reads it, and createConfig
/ getConfig (``SEND_BLOCK_TIME``). Real clients: requests with an independent signer
(conftest) and httpx-ncloud, unmodified."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from httpx_ncloud import NcloudClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks.providers.ncp import errors as E

from ..conftest import examples
from .conftest import AUTH_INVALID, AUTH_MISSING, BAD_REQUEST, CONFIG, MAILS, SIM, T0, mail, mailer_error

UNSUPPORTED = mailer_error("77002", "UNSUPPORTED_MEDIA_TYPE")
REQUEST_ID = re.compile(r"20240501\d{12}")


@pytest.fixture
def may(mailblocks):
    mailblocks.clock.freeze(T0)


def created(r) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    return r.json()


# -- success ------------------------------------------------------------------------------------------
def test_a_send_is_201_with_the_request_id_and_the_number_of_mails(ncp, ncp_fake, may):
    body = created(ncp.post(MAILS, json=mail("ann@example.com", "bob@example.com")))
    assert list(body) == ["requestId", "count"]
    assert REQUEST_ID.fullmatch(body["requestId"]) and body["count"] == 2
    [send] = ncp_fake.sends()
    assert send["requestId"] == body["requestId"] and send["count"] == 2
    assert [(r["address"], r["decision"]) for r in send["recipients"]] == [
        ("ann@example.com", "deliver"),
        ("bob@example.com", "deliver"),
    ]
    assert len({r["mailId"] for r in send["recipients"]}) == 2  # individual: a mail each
    assert ncp.fake.requests.last.endpoint == "create_mail_request"


def test_a_general_send_is_one_mail_for_every_recipient(ncp, ncp_fake, may):
    recipients = [
        {"address": "ann@example.com", "type": "R"},
        {"address": "cc@example.com", "type": "C"},
        {"address": "bcc@example.com", "type": "B"},
    ]
    body = created(ncp.post(MAILS, json=mail(individual=False, recipients=recipients)))
    assert body["count"] == 1
    assert len(ncp_fake.mail_ids(body["requestId"])) == 1


def test_request_ids_count_up_by_kst_day_and_mail_ids_never_equal_them(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T15:00:00Z")  # 2024-05-02 00:00 KST
    first = created(ncp.post(MAILS, json=mail("a@example.com")))["requestId"]
    second = created(ncp.post(MAILS, json=mail("b@example.com")))["requestId"]
    assert (first, second) == ("20240502000000000001", "20240502000000000002")
    assert ncp_fake.mail_ids(first) == ["20240502500000000001"]


def test_the_sdk_shaped_body_of_a_real_client_is_taken(ncp, may):
    """Jackson converts scalars: a string templateSid, booleans as strings; unknown
    fields (even with a stray tab in the name) are ignored."""
    body = {
        "templateSid": "2093",
        "recipients": [{"address": "a@example.com", "name": "김제우", "type": "R", "parameters": {"N": "1"}}],
        "useBasicUnsubscribeMsg\t": "true",
        "individual": "true",
        "advertising": "false",
    }
    assert created(ncp.post(MAILS, json=body))["count"] == 1


def test_a_template_send_needs_no_sender_title_or_body(ncp, ncp_fake, may):
    body = created(ncp.post(MAILS, json={"templateSid": 12, "recipients": [{"address": "a@example.com"}]}))
    detail = ncp_fake.mail(ncp_fake.mail_ids(body["requestId"])[0])
    assert (detail["templateSid"], detail["title"], detail["senderAddress"]) == (12, None, None)


# -- auth and the mailer's own checks -----------------------------------------------------------------
def test_an_unsigned_send_is_the_gateways_401(ncp):
    r = ncp.http.post(ncp.fake.url + MAILS, json=mail("a@example.com"))
    assert (r.status_code, r.json()) == (401, AUTH_MISSING)
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"


def test_a_send_signed_with_the_wrong_secret_is_401(ncp, ncp_fake):
    r = ncp.post(MAILS, json=mail("a@example.com"), secret_key="wrong")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert ncp_fake.sends() == []


def test_a_send_signed_over_another_path_is_401(ncp):
    r = ncp.post(MAILS, json=mail("a@example.com"), signed_target="/api/v1/mail")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_a_body_that_is_not_json_is_415(ncp, ncp_fake):
    r = ncp.post(MAILS, data=b"senderAddress=a@example.com", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (415, UNSUPPORTED)
    assert ncp_fake.sends() == []


def test_another_method_on_the_send_path_is_405_after_auth(ncp):
    r = ncp.get(MAILS)
    assert (r.status_code, r.json()) == (405, mailer_error("77001", "METHOD_NOT_ALLOWED"))
    assert r.headers["Allow"] == "POST"


def test_an_account_without_the_mail_service_is_77202(ncp, ncp_fake):
    ncp_fake.set_subscribed(False)
    r = ncp.post(MAILS, json=mail("a@example.com"))
    assert (r.status_code, r.json()) == (403, mailer_error("77202", "Email 상품 사용신청 하지 않음"))


def test_the_service_stage_flags_come_after_the_body_checks(ncp, ncp_fake):
    ncp_fake.set_account(internal_error=True)
    assert ncp.post(MAILS, json={}).json() == BAD_REQUEST
    r = ncp.post(MAILS, json=mail("a@example.com"))
    assert (r.status_code, r.json()["error"]["code"]) == (500, "77303")
    assert ncp_fake.sends() == []


def test_a_send_counts_against_the_gateway_quota(ncp, ncp_fake):
    ncp_fake.set_quota(1)
    assert ncp.post(MAILS, json=mail("a@example.com")).status_code == 201
    assert ncp.post(MAILS, json=mail("b@example.com")).status_code == 429


# -- every documented constraint -------------------------------------------------------------------
LONG = "x" * 70


def _recipients(*items: dict[str, Any]) -> dict[str, Any]:
    return {"recipients": list(items)}


#: (change to a valid body, the row it breaks); each names one documented constraint
INVALID = [
    ({"senderAddress": None}, E.NCP_SEND_SENDER_REQUIRED),
    ({"senderAddress": ""}, E.NCP_SEND_SENDER_REQUIRED),
    ({"senderAddress": "shop"}, E.NCP_SEND_SENDER_INVALID),
    ({"senderAddress": "a" * 250 + "@example.com"}, E.NCP_SEND_SENDER_INVALID),
    ({"senderAddress": "me@naver.com"}, E.NCP_SEND_SENDER_DOMAIN),
    ({"senderAddress": "me@NCloud.com"}, E.NCP_SEND_SENDER_DOMAIN),
    ({"senderName": "가" * 24}, E.NCP_SEND_SENDER_NAME_TOO_LONG),  # 72 bytes
    ({"title": None}, E.NCP_SEND_TITLE_REQUIRED),
    ({"title": "a" * 501}, E.NCP_SEND_TITLE_TOO_LONG),
    ({"title": "한" * 167}, E.NCP_SEND_TITLE_TOO_LONG),  # 501 bytes
    ({"body": None}, E.NCP_SEND_BODY_REQUIRED),
    ({"body": "a" * (500 * 1024 + 1)}, E.NCP_SEND_BODY_TOO_LARGE),
    (
        {"body": "a" * (500 * 1024 - 3), "advertising": True, "unsubscribeMessage": "stop"},
        E.NCP_SEND_BODY_TOO_LARGE,
    ),
    ({"referencesHeader": "unique@example.com"}, E.NCP_SEND_REFERENCES_HEADER),
    ({"referencesHeader": "<" + "a" * 90 + "@example.com>"}, E.NCP_SEND_REFERENCES_HEADER),
    ({"reservationUtc": (T0 - 60) * 1000}, E.NCP_SEND_RESERVATION_INVALID),
    ({"reservationUtc": T0 * 1000}, E.NCP_SEND_RESERVATION_INVALID),
    ({"reservationDateTime": "2024-05-01 08:59"}, E.NCP_SEND_RESERVATION_INVALID),  # KST: the past
    ({"reservationDateTime": "2024-05-01T10:00"}, E.NCP_SEND_RESERVATION_INVALID),
    ({"reservationDateTime": "2024-02-30 10:00"}, E.NCP_SEND_RESERVATION_INVALID),
    ({"recipients": []}, E.NCP_SEND_RECIPIENTS_REQUIRED),
    ({"recipients": None}, E.NCP_SEND_RECIPIENTS_REQUIRED),
    (_recipients(*[{"address": f"u{i}@example.com"} for i in range(100_001)]), E.NCP_SEND_TOO_MANY_RECIPIENTS),
    (_recipients({"address": "not an address"}), E.NCP_SEND_RECIPIENT_INVALID),
    (_recipients({"name": "no address"}), E.NCP_SEND_RECIPIENT_INVALID),
    (_recipients({"address": "a@example.com", "name": LONG}), E.NCP_SEND_RECIPIENT_NAME_TOO_LONG),
    (_recipients({"address": "a@example.com", "type": "X"}), E.NCP_SEND_RECIPIENT_TYPE),
    (_recipients({"address": "a@example.com"}, {"address": "c@example.com", "type": "C"}), E.NCP_SEND_CC_INDIVIDUAL),
    (
        {"individual": False, **_recipients({"address": "c@example.com", "type": "C"})},
        E.NCP_SEND_RECIPIENTS_REQUIRED,
    ),
    (
        {
            "individual": False,
            **_recipients(
                {"address": "a@example.com"}, *[{"address": f"c{i}@example.com", "type": "C"} for i in range(31)]
            ),
        },
        E.NCP_SEND_TOO_MANY_CC,
    ),
    (
        {
            "individual": False,
            **_recipients(
                {"address": "a@example.com"}, *[{"address": f"b{i}@example.com", "type": "B"} for i in range(31)]
            ),
        },
        E.NCP_SEND_TOO_MANY_CC,
    ),
    ({"attachFileIds": ["f-1"]}, E.NCP_SEND_FILE_NOT_FOUND),
    ({"recipientGroupFilter": {"andFilter": True, "groups": ["vip"]}}, E.NCP_SEND_GROUP_NOT_FOUND),
    ({"individual": "maybe"}, E.NCP_SEND_BODY_INVALID),
    ({"templateSid": "twelve"}, E.NCP_SEND_BODY_INVALID),
    ({"templateSid": 2**31}, E.NCP_SEND_BODY_INVALID),
    ({"title": {"a": 1}}, E.NCP_SEND_BODY_INVALID),
    ({"parameters": ["a"]}, E.NCP_SEND_BODY_INVALID),
    ({"recipients": "a@example.com"}, E.NCP_SEND_BODY_INVALID),
    ({"recipients": ["a@example.com"]}, E.NCP_SEND_BODY_INVALID),
    ({"attachFileIds": "f-1"}, E.NCP_SEND_BODY_INVALID),
]


@pytest.mark.parametrize(("change", "row"), INVALID, ids=[f"{i}-{row.key}" for i, (_, row) in enumerate(INVALID)])
def test_each_documented_constraint_is_the_mailers_error(ncp, ncp_fake, may, change, row):
    body = {**mail("ann@example.com"), **change}
    r = ncp.post(MAILS, json=body)
    assert r.status_code == 400
    assert r.json() == mailer_error(row.code, row.message)
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert ncp_fake.sends() == [] and ncp_fake.events() == []
    assert ncp.fake.requests.last.error_code == row.code


@pytest.mark.parametrize(
    "change",
    [
        {"senderName": "가" * 23},  # 69 bytes
        {"title": "a" * 500},
        {"title": ""},
        {"body": "a" * (500 * 1024)},
        {"body": "a" * (500 * 1024 - 4), "advertising": True, "unsubscribeMessage": "stop"},
        {"body": "a" * (500 * 1024), "advertising": False, "unsubscribeMessage": "stop"},
        {"referencesHeader": "<order-42@shop.example.com>"},
        {"reservationUtc": (T0 + 1) * 1000},
        {"reservationDateTime": "2024-05-01 09:01"},
        {"senderAddress": "me@mail.naver.com"},  # only the documented domains themselves
        {"recipients": [{"address": "a@example.com", "name": "x" * 69}]},
        {"recipients": [{"address": "a@example.com", "type": None}]},
    ],
)
def test_the_limits_themselves_are_accepted(ncp, may, change):
    created(ncp.post(MAILS, json={**mail("ann@example.com"), **change}))


def test_thirty_cc_and_thirty_bcc_are_accepted(ncp, may):
    recipients = [{"address": "a@example.com"}]
    recipients += [{"address": f"c{i}@example.com", "type": "C"} for i in range(30)]
    recipients += [{"address": f"b{i}@example.com", "type": "B"} for i in range(30)]
    assert created(ncp.post(MAILS, json=mail(individual=False, recipients=recipients)))["count"] == 1


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null", b'{"title": NaN}', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_77102(ncp, raw):
    r = ncp.post(MAILS, data=raw, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=10,
    ),
    field=st.sampled_from(
        [
            "senderAddress",
            "senderName",
            "templateSid",
            "title",
            "body",
            "individual",
            "confirmAndSend",
            "advertising",
            "parameters",
            "referencesHeader",
            "reservationUtc",
            "reservationDateTime",
            "attachFileIds",
            "recipients",
            "recipientGroupFilter",
            "useBasicUnsubscribeMsg",
            "unsubscribeMessage",
        ]
    ),
)
def test_no_value_in_any_field_gives_a_500(ncp_fake, body, field):
    """Any JSON in any field of a valid body: 201 or the mailer's own 400, never a 500."""
    ncp_fake.reset()
    with ncp_fake.requests_session() as http:
        payload = json.dumps({**mail("a@example.com"), field: body}, allow_nan=True)
        headers = {**ncp_fake.signed_headers("POST", MAILS), "Content-Type": "application/json"}
        r = http.post(ncp_fake.url + MAILS, data=payload, headers=headers)
    assert r.status_code in (201, 400), r.text
    error = r.json().get("error")
    assert error is None or error["code"] in ("77102", "77103")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=_JSON | st.deferred(lambda: _strategies().ncp_mail_send_bodies()),
    raw=st.booleans(),
    junk=st.binary(max_size=60),
    ctype=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", None]),
)
def test_no_body_a_client_could_send_gets_a_500(ncp_fake, body, raw, junk, ctype):
    """Whole bodies (any JSON, the strategy's valid ones, junk bytes) with any content
    type: 201, the mailer's 400 or 415, never a 500; nothing kept unless 201."""
    ncp_fake.reset()
    with ncp_fake.requests_session() as http:
        headers = ncp_fake.signed_headers("POST", MAILS)
        if ctype:
            headers["Content-Type"] = ctype
        r = http.post(ncp_fake.url + MAILS, data=junk if raw else json.dumps(body).encode(), headers=headers)
    assert r.status_code in (201, 400, 415), r.text
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert (r.status_code == 201) == bool(ncp_fake.sends())


# -- createConfig / getConfig ------------------------------------------------------------------------
def test_send_block_time_defaults_to_168_hours(ncp):
    r = ncp.get(CONFIG + "?type=SEND_BLOCK_TIME")
    assert (r.status_code, r.json()) == (200, {"type": "SEND_BLOCK_TIME", "subType": None, "value": "168"})


def test_create_config_sets_the_projects_send_block_time_in_hours(ncp, ncp_fake):
    r = ncp.post(CONFIG, json={"type": "SEND_BLOCK_TIME", "value": "180", "unit": "HOUR"})
    assert (r.status_code, r.json()) == (200, {"type": "SEND_BLOCK_TIME", "subType": None, "value": "180"})
    r = ncp.post(CONFIG, json={"type": "SEND_BLOCK_TIME", "subType": None, "value": "8", "unit": "DAY"})
    assert r.json()["value"] == "192"
    assert ncp.get(CONFIG + "?type=SEND_BLOCK_TIME").json()["value"] == "192"
    assert ncp_fake.projects()[0]["block_hours"] == 192


@pytest.mark.parametrize(
    "body",
    [
        {"type": "SEND_BLOCK_TIME", "value": "167", "unit": "HOUR"},
        {"type": "SEND_BLOCK_TIME", "value": "6", "unit": "DAY"},
        {"type": "SEND_BLOCK_TIME", "value": "180", "unit": "MINUTE"},
        {"type": "SEND_BLOCK_TIME", "value": "180.5", "unit": "HOUR"},
        {"type": "SEND_BLOCK_TIME", "value": "", "unit": "HOUR"},
        {"type": "OTHER", "value": "180", "unit": "HOUR"},
        {"value": "180", "unit": "HOUR"},
        {"type": "SEND_BLOCK_TIME", "value": ["180"], "unit": "HOUR"},
        [],
    ],
)
def test_create_config_refuses_what_the_docs_rule_out(ncp, ncp_fake, body):
    r = ncp.post(CONFIG, json=body)
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)
    assert ncp_fake.projects()[0]["block_hours"] == 168


def test_get_config_needs_the_type(ncp):
    assert ncp.get(CONFIG).json() == BAD_REQUEST
    assert ncp.get(CONFIG + "?type=OTHER").status_code == 400


def test_create_config_needs_json(ncp):
    r = ncp.post(CONFIG, data="type=SEND_BLOCK_TIME", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()) == (415, UNSUPPORTED)


def test_the_block_time_is_per_project(ncp, ncp_fake):
    other = ncp_fake.add_access_key(project="shop")
    ncp.post(CONFIG, json={"type": "SEND_BLOCK_TIME", "value": "200", "unit": "HOUR"})
    target = CONFIG + "?type=SEND_BLOCK_TIME"
    r = ncp.get(target, access_key=other["access_key"], secret_key=other["secret_key"])
    assert r.json()["value"] == "168"


# -- a real client, unmodified ------------------------------------------------------------------------
def test_httpx_ncloud_sends_and_reads_the_status(ncp_fake, mailblocks):
    """httpx-ncloud signs with the real time.time() (so the clock stays real) and
    ``path?`` for the query-less POST (accepted by default, see the docs)."""
    assert mailblocks.clock.is_real
    ncp_fake.outcome("gone@example.com", "bounce", reply="550 5.1.1 user unknown")
    with NcloudClient(base_url=ncp_fake.url, access_key=ncp_fake.access_key, secret_key=ncp_fake.secret_key) as c:
        r = c.post(MAILS, json=mail("ann@example.com", "gone@example.com"))
        assert r.status_code == 201
        request_id = r.json()["requestId"]
        status = c.get(f"/api/v1/mails/requests/{request_id}/status").json()
        r = c.get("/api/v1/send-block", params={"targetAddress": "gone@example.com"})
    assert (status["requestCount"], status["sentCount"], status["allSentSuccess"]) == (2, 1, False)
    assert [(s["status"]["code"], s["count"]) for s in status["countsByStatus"]] == [("F", 1), ("S", 1)]
    body = r.json()
    assert body["registerStatus"] == "Blocked"
    assert body["content"][0]["actionRequesterType"]["code"] == "CUSTOMER"
    assert body["content"][0]["sendResultMessage"] == "550 5.1.1 user unknown\n"


def test_a_regional_prefix_sends_against_that_regions_lists(ncp, ncp_fake, may):
    ncp_fake.add_block("blocked@example.com", region="SGN")
    path = "/api/v1-sgn/mails"
    created(ncp.post(path, json=mail("blocked@example.com")))
    created(ncp.post(MAILS, json=mail("blocked@example.com")))
    assert [r["recipients"][0]["decision"] for r in ncp_fake.sends()] == ["failed: SEND_BLOCK_ADDRESS", "deliver"]
    assert [s["region"] for s in ncp_fake.sends()] == ["SGN", "KR"]
    assert f"bounce@{SIM}" not in {b["email"] for b in ncp_fake.blocks()}


# -- the strategies a user's suite can draw from -------------------------------------------------------
def _send_case(fake, case) -> Any:
    with fake.requests_session() as http:
        headers = fake.signed_headers("POST", MAILS)
        return http.post(fake.url + MAILS, json=case.params, headers=headers)


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().ncp_mail_send_cases(valid=True)))
def test_valid_mail_send_cases_are_accepted(ncp_fake, case):
    ncp_fake.reset()
    r = _send_case(ncp_fake, case)
    assert r.status_code == 201, r.text
    recipients = [item["address"] for item in case.params["recipients"]]
    assert [row["address"] for row in ncp_fake.sends()[-1]["recipients"]] == recipients
    assert r.json()["count"] == (len(recipients) if case.params["individual"] else 1)


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().ncp_mail_send_cases(valid=False)))
def test_invalid_mail_send_cases_get_their_one_error(ncp_fake, case):
    ncp_fake.reset()
    r = _send_case(ncp_fake, case)
    assert (r.status_code, r.json()) == (case.error.status, mailer_error(case.error.code, case.error.message))
    assert ncp_fake.sends() == []


def test_every_problem_the_strategy_draws_is_its_rows_answer(ncp_fake):
    """Each problem of ``ncp_mail_send_cases(valid=False)`` on one valid body: the row."""
    from pytest_mailblocks.providers.ncp import strategies

    body = {**mail("ann@example.com", "bob@example.com"), "individual": False}
    rows = []
    for problem in strategies._PROBLEMS:
        case = problem(body)
        r = _send_case(ncp_fake, case)
        assert (r.status_code, r.json()["error"]["code"]) == (400, case.error.code), case.error.key
        rows.append(case.error.key)
    assert len(set(rows)) == len(rows) == 17


def _strategies():
    from pytest_mailblocks import strategies

    return strategies
