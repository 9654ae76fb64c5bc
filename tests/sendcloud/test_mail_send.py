"""``mail/send`` and ``mail/sendtemplate`` (issue 21): auth as the block APIs check it,
every parameter error with SendCloud's own code (408xx, sendcloud_docs ``email_v2/
index.md``) in each host's language, the success envelope with ``emailIdList``, and no
request a client could send answered with a 500."""

from __future__ import annotations

import json
import re

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import examples
from .conftest import MESSAGES, SEND, SIM, T0, error, mail, send


@pytest.fixture
def fake(sendcloud_fake, mailblocks):
    mailblocks.clock.freeze(T0)
    return sendcloud_fake


def post(fake, params, path=SEND, prefix="/api", **kw):
    return requests.post(fake.url + prefix + path.removeprefix("/api"), data=params, **kw)


def authed(fake, params):
    return {"apiUser": fake.api_user, "apiKey": fake.api_key, **params}


# -- success ------------------------------------------------------------------------------------------
def test_a_send_answers_the_envelope_with_one_email_id_per_recipient(sc, prefix, sendcloud_fake):
    r = sc.call("/mail/send", mail("ann@example.com", "bob@example.com"), prefix=prefix, method="POST")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = r.json()
    assert list(body) == ["result", "statusCode", "message", "info"]
    assert (body["result"], body["statusCode"]) == (True, 200)
    assert body["message"] == ("请求成功" if prefix == "/apiv2" else "request was successful")
    ids = body["info"]["emailIdList"]
    assert [re.fullmatch(r"\d{13}_\d+_\d+_\d+\.sc-127_0_0_1-inbound(\d+)\$(.+)", i).groups() for i in ids] == [
        ("0", "ann@example.com"),
        ("1", "bob@example.com"),
    ]
    [send_log] = sendcloud_fake.sends()
    assert send_log["recipients"] == [
        {"email": "ann@example.com", "emailId": ids[0], "decision": "deliver"},
        {"email": "bob@example.com", "emailId": ids[1], "decision": "deliver"},
    ]


def test_parameters_may_come_in_the_query_string_or_a_multipart_body_with_attachments(fake):
    r = requests.post(fake.url + SEND, params=authed(fake, mail("a@example.com")))
    assert r.json()["result"] is True
    files = {"attachments": ("a.txt", b"hello", "text/plain")}
    r = requests.post(fake.url + SEND, data=authed(fake, mail("b@example.com", html="<p>x</p>")), files=files)
    assert r.json()["result"] is True
    assert [s["recipients"][0]["email"] for s in fake.sends()] == ["a@example.com", "b@example.com"]


def test_the_from_display_name_is_the_from_name_unless_given(fake):
    send(fake, mail("a@example.com", **{"from": "爱发信支持<support@ifaxin.com>"}))
    send(fake, mail("a@example.com", fromName="Desk"))
    assert [(s["from"], s["fromName"]) for s in fake.sends()] == [
        ("support@ifaxin.com", "爱发信支持"),
        ("shop@example.com", "Desk"),
    ]


def test_the_official_python_example_sends_unmodified(fake):
    """sendcloud_docs ``email_v2/downloads/python/python_common.py`` in substance:
    requests.post with a dict of parameters (and html) to ``/apiv2/mail/send``."""
    params = {
        "apiUser": fake.api_user,
        "apiKey": fake.api_key,
        "from": "sendcloud@sendcloud.org",
        "fromName": "SendCloud",
        "to": "test1@ifaxin.com;test2@ifaxin.com",
        "subject": "来自SendCloud的第一封邮件！",
        "html": "你太棒了！你已成功的从SendCloud发送了一封测试邮件，接下来快登录前台去完善账户信息吧！",
    }
    r = requests.post(fake.url + "/apiv2/mail/send", files={}, data=params)
    assert r.json()["message"] == "请求成功" and len(r.json()["info"]["emailIdList"]) == 2


def test_a_send_request_id_is_processed_once_an_hour(fake):
    first = send(fake, mail("a@example.com", sendRequestId="order-42"))
    r = post(fake, authed(fake, mail("a@example.com", sendRequestId="order-42")))
    assert r.json() == error(40000)
    assert len(fake.sends()) == 1 and len(fake.events(type="request")) == 1
    fake.clock.advance(hours=1)
    assert send(fake, mail("a@example.com", sendRequestId="order-42")) != first


def test_other_methods_are_the_envelope_405(sc, prefix):
    r = sc.call("/mail/send", mail("a@example.com"), prefix=prefix, method="GET")
    assert r.json() == error(405, prefix)
    r = sc.call("/mail/sendtemplate", mail("a@example.com"), prefix=prefix, method="PUT")
    assert r.json() == error(405, prefix)


# -- auth ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("auth", [{}, {"apiUser": "mailblocks_default"}, {"apiUser": "x", "apiKey": "y"}])
def test_auth_is_checked_first_as_the_block_apis_check_it(sc, prefix, auth):
    r = sc.call("/mail/send", {}, prefix=prefix, method="POST", auth=auth)
    assert r.json() == error(40005, prefix)
    assert sc.fake.sends() == []


# -- validation ----------------------------------------------------------------------------------------
OK = mail("a@example.com")
MANY = ";".join(f"u{i}@example.com" for i in range(101))
XS = lambda to: json.dumps({"to": to})  # noqa: E731
LISTS = ";".join(f"l{i}@maillist.sendcloud.org" for i in range(6))
CASES = {
    "no from": ({**OK, "from": ""}, 40801),
    "from not an address": ({**OK, "from": "shop"}, 40802),
    "from with a name, not an address": ({**OK, "from": "Shop <shop>"}, 40802),
    "gzipCompress not a boolean": ({**OK, "gzipCompress": "1"}, 40861),
    "respEmailId not a boolean": ({**OK, "respEmailId": "yes"}, 40859),
    "useAddressList not a boolean": ({**OK, "useAddressList": "maybe"}, 40874),
    "no to": ({**OK, "to": " ; "}, 40805),
    "to with a bad address": ({**OK, "to": "a@example.com;nope"}, 40806),
    "to of 101": ({**OK, "to": MANY}, 40807),
    "cc with a bad address": ({**OK, "cc": "nope"}, 40853),
    "cc of 101": ({**OK, "cc": MANY}, 40854),
    "bcc with a bad address": ({**OK, "bcc": "a@b"}, 40856),
    "bcc of 101": ({**OK, "bcc": MANY}, 40857),
    "xsmtpapi not JSON": ({**OK, "xsmtpapi": "{"}, 40817),
    "xsmtpapi NaN": ({**OK, "xsmtpapi": '{"to": NaN}'}, 40817),
    "xsmtpapi empty object": ({**OK, "xsmtpapi": "{}"}, 40814),
    "xsmtpapi an array": ({**OK, "xsmtpapi": "[1]"}, 40813),
    "xsmtpapi without to": ({**OK, "xsmtpapi": '{"sub": {}}'}, 40815),
    "xsmtpapi to a string": ({**OK, "xsmtpapi": '{"to": "a@example.com"}'}, 40813),
    "xsmtpapi to empty": ({**OK, "xsmtpapi": XS([])}, 40816),
    "xsmtpapi to of 101": ({**OK, "xsmtpapi": XS(MANY.split(";"))}, 40827),
    "xsmtpapi to a bad address": ({**OK, "xsmtpapi": XS(["a@example.com", 7])}, 40806),
    "address lists, none given": ({**OK, "useAddressList": "true", "to": ""}, 40805),
    "six address lists": ({**OK, "useAddressList": "TRUE", "to": LISTS}, 40864),
    "an address list that is not an address": ({**OK, "useAddressList": "true", "to": "users"}, 40862),
    "no subject": ({**OK, "subject": ""}, 40808),
    "no html or plain": ({**OK, "plain": "", "html": " "}, 40870),
    "four reply-to addresses": ({**OK, "replyTo": "a@x.io;b@x.io;c@x.io;d@x.io"}, 40811),
    "a bad reply-to": ({**OK, "replyTo": "desk"}, 40811),
    "labelId not an integer": ({**OK, "labelId": "12a"}, 40015),
    "headers not JSON": ({**OK, "headers": "X-A: 1"}, 40869),
    "headers an array": ({**OK, "headers": '["a"]'}, 40869),
    "a header value not a string": ({**OK, "headers": '{"X-Order": 42}'}, 40902),
    "a header name with a space": ({**OK, "headers": '{"X Order": "42"}'}, 40902),
    "a header value with a line break": ({**OK, "headers": '{"X-Order": "4\\r\\nBcc: x@y.z"}'}, 40902),
    "six send tags": ({**OK, "sendTags": "a;b;c;d;e;f"}, 40024),
    "a send tag of 51": ({**OK, "sendTags": "x" * 51}, 40024),
    "sendRequestId of 129": ({**OK, "sendRequestId": "r" * 129}, 40023),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_is_answered_with_its_code(fake, case, prefix):
    params, code = CASES[case]
    r = post(fake, authed(fake, params), prefix=prefix)
    assert (r.status_code, r.json()) == (200, error(code, prefix))
    assert fake.sends() == [] and fake.events() == []


def test_an_address_list_the_fake_does_not_have_is_the_documented_40863(fake, prefix):
    params = {**OK, "useAddressList": "true", "to": "noexist@maillist.sendcloud.org"}
    r = post(fake, authed(fake, params), prefix=prefix)
    en = "to contains an address list that does not exist. parameter to: noexist@maillist.sendcloud.org"
    zh = "to中有不存在的地址列表. 参数to: noexist@maillist.sendcloud.org"  # send_email.md's example answer
    assert r.json() == {"result": False, "statusCode": 40863, "message": zh if prefix == "/apiv2" else en, "info": {}}


TEMPLATE_CASES = {
    "no templateInvokeName": ({"from": "a@example.com", "xsmtpapi": XS(["b@example.com"])}, 40201),
    "no xsmtpapi": ({"from": "a@example.com", "templateInvokeName": "bill", "to": "b@example.com"}, 40812),
}


@pytest.mark.parametrize("case", list(TEMPLATE_CASES))
def test_a_template_send_takes_its_recipients_from_xsmtpapi(fake, case):
    params, code = TEMPLATE_CASES[case]
    assert post(fake, authed(fake, params), "/api/mail/sendtemplate").json() == error(code)


def test_a_template_send_needs_no_subject_or_content(fake):
    params = {"from": "a@example.com", "templateInvokeName": "bill", "xsmtpapi": XS(["b@example.com"])}
    info = send(fake, params, "/api/mail/sendtemplate")
    assert len(info["emailIdList"]) == 1


def test_blank_optional_parameters_are_absent(fake):
    blank = dict.fromkeys(("cc", "bcc", "replyTo", "headers", "labelId", "respEmailId", "xsmtpapi", "sendTags"), "")
    info = send(fake, mail("a@example.com", **blank))
    assert len(info["emailIdList"]) == 1


def test_exactly_100_recipients_in_each_of_to_cc_and_bcc_are_taken(fake):
    hundred = lambda tag: ";".join(f"{tag}{i}@example.com" for i in range(100))  # noqa: E731
    info = send(fake, mail(hundred("t"), cc=hundred("c"), bcc=hundred("b")))
    assert len(info["emailIdList"]) == 300 and len(fake.events(type="deliver")) == 300


# -- no request breaks it ------------------------------------------------------------------------------
_TEXT = st.text(max_size=12) | st.sampled_from(["", "true", "false", "a@b.co", f"bounce@{SIM}", "{}", '{"to": []}'])
_ADDRESSES = st.lists(st.sampled_from(["a@example.com", "B@example.com", f"defer@{SIM}", "x", ""]), max_size=4).map(
    ";".join
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
).map(json.dumps)
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "apiUser": st.just("mailblocks_default") | _TEXT,
        "apiKey": st.just("MailblocksSendCloudDefaultKey001") | _TEXT,
        "from": _ADDRESSES | _TEXT,
        "to": _ADDRESSES | _TEXT,
        "cc": _ADDRESSES,
        "bcc": _ADDRESSES,
        "subject": _TEXT,
        "html": _TEXT,
        "plain": _TEXT,
        "xsmtpapi": _JSONISH | st.builds(lambda to: json.dumps({"to": to.split(";")}), _ADDRESSES),
        "headers": _JSONISH,
        "replyTo": _ADDRESSES,
        "labelId": _TEXT,
        "sendTags": _TEXT,
        "sendRequestId": _TEXT,
        "respEmailId": _TEXT,
        "useAddressList": _TEXT,
        "templateInvokeName": _TEXT,
    },
)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=PARAMS,
    path=st.sampled_from(["/api/mail/send", "/apiv2/mail/send", "/api/mail/sendtemplate", "/apiv2/data/emailStatus"]),
    raw=st.none() | st.binary(max_size=60),
)
def test_no_request_a_client_could_send_gets_a_500(mailblocks, params, path, raw):
    mailblocks.reset()
    with mailblocks.requests_session() as s:
        if raw is None:
            r = s.post(mailblocks.url + path, data=params)
        else:
            r = s.post(mailblocks.url + path, params=params, data=raw, headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["result", "statusCode", "message", "info"] and isinstance(body["info"], dict)
    mailblocks.check()


# -- the strategies a user's suite can draw from -------------------------------------------------------
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().sendcloud_mail_send_cases(valid=True)))
def test_valid_mail_send_cases_are_accepted(mailblocks, case):
    mailblocks.reset()
    sc = mailblocks.sendcloud
    with mailblocks.requests_session() as s:
        r = s.post(mailblocks.url + SEND, data={"apiUser": sc.api_user, "apiKey": sc.api_key, **case.params})
    assert r.json()["result"] is True, r.text
    if "xsmtpapi" in case.params:
        recipients = json.loads(case.params["xsmtpapi"])["to"]
    else:
        recipients = [a for k in ("to", "cc", "bcc") for a in case.params.get(k, "").split(";") if a]
    assert [i.partition("$")[2] for i in r.json()["info"]["emailIdList"]] == recipients
    assert [row["email"] for row in sc.sends()[-1]["recipients"]] == recipients


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().sendcloud_mail_send_cases(valid=False)))
def test_invalid_mail_send_cases_get_their_one_error(mailblocks, case):
    mailblocks.reset()
    sc = mailblocks.sendcloud
    with mailblocks.requests_session() as s:
        r = s.post(mailblocks.url + SEND, data={"apiUser": sc.api_user, "apiKey": sc.api_key, **case.params})
    body = r.json()
    assert (r.status_code, body["result"], body["statusCode"]) == (200, False, case.error.code), r.text
    assert sc.requests.last.error_code == case.error.key and sc.sends() == []


@pytest.mark.parametrize("base", [mail("a@example.com", cc="c@example.com"), {**OK, "xsmtpapi": XS(["x@example.com"])}])
def test_every_problem_the_strategy_draws_gets_its_code(fake, base):
    from pytest_mailblocks.providers.sendcloud.strategies import _SEND_PROBLEMS

    for changes, entry in _SEND_PROBLEMS:  # a None removes the parameter
        r = post(fake, authed(fake, {k: v for k, v in {**base, **changes}.items() if v is not None}))
        assert (r.json()["statusCode"], fake.requests.last.error_code) == (entry.code, entry.key), entry.key


def _strategies():
    from pytest_mailblocks import strategies

    return strategies


def test_every_new_catalogue_row_is_named_by_a_test():
    """Issue 21: each send-path row's code is one these tests' messages table names and
    the table's texts are the catalogue's (so none goes unnamed or drifts)."""
    from pytest_mailblocks.core.errors import ErrorEntry
    from pytest_mailblocks.providers.sendcloud import errors as catalogue

    rows = [e for e in vars(catalogue).values() if isinstance(e, ErrorEntry) and e.key[:8] in ("SC_SEND_", "SC_WEBHO")]
    rows += [catalogue.SC_STATUS_RANGE_TOO_LONG]
    named = {
        **MESSAGES,
        40863: (
            "to contains an address list that does not exist. parameter to: {0}",
            "to中有不存在的地址列表. 参数to: {0}",
        ),
    }
    assert len(rows) == 39
    assert [row.key for row in rows if named.get(row.code) != (row.message, row.messages["zh"])] == []
