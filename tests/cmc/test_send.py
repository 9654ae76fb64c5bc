"""emails/send and emails/bulk (issue 21, ``shared/providers/delivery/cmc.md`` section 1):
auth as the block API checks it, the documented parameters and limits with every
problem reported at once in CMC's error format, the answer, and the three address
types as forms and as JSON bodies (the way the vendor's SDKs send them)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import examples
from .conftest import SENDER, SIM, error, errors, mail, xml_errors

ID = re.compile(r"[0-9a-f]{24}")


def test_a_send_answers_its_id_and_lands_in_the_outbox(cmc, cmc_fake):
    r = cmc.send(**mail("ann@example.com"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert list(body) == ["id"] and ID.fullmatch(body["id"])
    [send] = cmc_fake.sends()
    assert send["id"] == body["id"] and send["api"] == "send" and send["server_composition"] == "mailblocks"
    assert send["recipients"] == [
        {
            "email": "ann@example.com",
            "field": "to",
            "message_id": f"<{body['id']}@example.com>",
            "decision": "deliver",
        }
    ]
    assert [e["status"] for e in cmc_fake.events("deliveries")] == ["queued", "succeeded"]


def test_the_xml_suffix_answers_in_xml_and_v1_is_served_too(cmc):
    r = cmc.send("xml", **mail("ann@example.com"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/xml"
    root = ET.fromstring(r.content)
    assert root.tag == "result" and [c.tag for c in root] == ["id"] and ID.fullmatch(root[0].text or "")
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<result>')
    assert cmc.send(version="v1", **mail("ann@example.com")).status_code == 200


def test_all_three_address_types_as_a_form(cmc, cmc_fake):
    fields = mail(
        [{"name": "Ann", "address": "ann@example.com"}, {"name": "", "address": "bob@example.com"}],
        cc={"name": "Carol", "address": "carol@example.com"},
        bcc="dave@example.com",
        replyto={"name": "Help", "address": "help@example.com"},
        headers={"X-Order": "42"},
        charset="iso-2022-jp",
        html="<p>Thanks</p>",
        env_from="bounces@example.com",
    )
    r = cmc.send(**fields)
    assert r.status_code == 200, r.text
    rows = cmc_fake.sends()[-1]["recipients"]
    assert [(x["email"], x["field"]) for x in rows] == [
        ("ann@example.com", "to"),
        ("bob@example.com", "to"),
        ("carol@example.com", "cc"),
        ("dave@example.com", "bcc"),
    ]
    assert {e["returnPath"] for e in cmc_fake.events()} == {"bounces@example.com"}


@pytest.mark.parametrize("server", ["sandbox", "te", "pro-subdomain"])
def test_a_json_body_as_the_sdks_send_it(cmc_fake, server):
    """The TypeScript SDK posts objects as JSON; the PHP SDK posts JSON text in a JSON
    body, cc and bcc as ``[{"address": ...}]`` and headers as ``[{"name", "value"}]``.
    Whatever host the plan names (sandbox.smtps.jp, te.smtps.jp, SUBDOMAIN.smtps.jp),
    the fake's url stands in for it."""
    url = cmc_fake.url + "/api/v2/emails/send.json"
    creds = {"api_user": cmc_fake.api_user, "api_key": cmc_fake.api_key}
    ts = {**creds, "to": [{"name": "Ann", "address": "ann@example.com"}], "from": SENDER, "subject": server}
    assert requests.post(url, json={**ts, "text": "hi"}).status_code == 200
    php = {
        **creds,
        "to": json.dumps([{"address": "bob@example.com", "name": "Bob"}]),
        "from": json.dumps(SENDER),
        "subject": server,
        "text": "hi",
        "html": "",
        "charset": "UTF-8",
        "envfrom": "",
        "cc": json.dumps([{"address": "cc@example.com"}]),
        "headers": json.dumps([{"name": "X-Priority", "value": "1"}]),
    }
    r = requests.post(url, json=php)
    assert r.status_code == 200, r.text
    assert [x["email"] for x in cmc_fake.sends()[-1]["recipients"]] == ["bob@example.com", "cc@example.com"]


# -- auth ---------------------------------------------------------------------------------------
def test_credentials_are_checked_as_the_block_api_checks_them(cmc, cmc_fake):
    r = cmc.send(api_user=None, api_key=None, **mail("a@example.com"))
    assert r.status_code == 400
    assert r.json() == errors(
        error("01-002", "api_user", "api_user is required."), error("01-002", "api_key", "api_key is required.")
    )
    r = cmc.send(api_key="wrong", **mail("a@example.com"))
    assert (r.status_code, r.json()) == (401, errors(error("01-001", "api_user", "Authentication failed.")))
    assert cmc_fake.sends() == []
    assert cmc_fake.requests.last.auth == "invalid"


def test_any_user_of_the_account_may_send(cmc, cmc_fake):
    cmc_fake.add_user("clerk", "clerk-key", role="user", reference=False, download=False)
    assert cmc.send(api_user="clerk", api_key="clerk-key", **mail("a@example.com")).status_code == 200
    assert cmc_fake.sends()[-1]["api_user"] == "clerk"


# -- parameters ------------------------------------------------------------------------------------
BAD = [
    (
        {"to": None, "from": None, "subject": None, "text": None},
        [
            error("01-002", "to", "to is required."),
            error("01-002", "from", "from is required."),
            error("01-002", "subject", "subject is required."),
            error("01-002", "text", "text is required."),
        ],
    ),
    ({"to": "not an address"}, [error("01-016", "to", "to has an invalid email address.")]),
    ({"to": "[{"}, [error("01-016", "to", "to has an invalid email address.")]),
    ({"to": [{"name": "no address"}]}, [error("01-016", "to", "to has an invalid email address.")]),
    (
        {"to": [f"u{i}@example.com" for i in range(11)]},
        [error("01-017", "to", "to can have at most 10 email addresses.")],
    ),
    ({"cc": "carol@"}, [error("11-006", "cc", "cc has an invalid email address.")]),
    (
        {"bcc": [f"b{i}@example.com" for i in range(11)]},
        [error("01-017", "bcc", "bcc can have at most 10 email addresses.")],
    ),
    ({"from": "shop@example.com"}, [error("01-016", "from", "from has an invalid email address.")]),
    ({"replyto": [SENDER, SENDER]}, [error("01-016", "replyto", "replyto has an invalid email address.")]),
    ({"env_from": "nobody"}, [error("01-016", "env_from", "env_from has an invalid email address.")]),
    ({"subject": "x" * 513}, [error("01-018", "subject", "subject can be at most 512 characters.")]),
    ({"charset": "Shift_JIS"}, [error("01-019", "charset", "charset must be ISO-2022-JP or UTF-8.")]),
    ({"headers": "X-Order: 42"}, [error("01-007", "headers", "headers has an invalid value.")]),
    ({"attachments": "two"}, [error("01-004", "attachments", "attachments must be an integer.")]),
    ({"attachments": "11"}, [error("01-005", "attachments", "attachments must be between 0 and 10.")]),
    (
        {"server_composition": "elsewhere"},
        [error("10-002", "server_composition", "Specified server configuration elsewhere does not exist.")],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BAD, ids=[str(sorted(c)) for c, _ in BAD])
def test_each_problem_is_answered_in_cmcs_format_and_nothing_is_sent(cmc, cmc_fake, changes, expected):
    r = cmc.send(**{**mail("ann@example.com"), **changes})
    assert (r.status_code, r.json()) == (400, errors(*expected))
    assert cmc_fake.sends() == [] and cmc_fake.events() == []


def test_every_problem_at_once_in_xml_and_in_japanese(cmc):
    fields = {**mail("bad"), "subject": "x" * 600, "cc": "nope", "charset": "EUC-JP"}
    r = cmc.send("xml", **fields)
    assert r.status_code == 400
    assert [e["code"] for e in xml_errors(r)] == ["01-016", "11-006", "01-018", "01-019"]
    url = cmc.fake.url + "/api/v2/emails/send.json"
    ja = cmc.http.post(url, data={**cmc.fake.auth, "to": "x"}, headers={"Accept-Language": "ja"}).json()["errors"]
    assert ja[0] == error("01-016", "to", "to のメールアドレスの形式が不正です。")
    assert ja[1] == error("01-002", "from", "from は必須項目です。")


def test_the_limits_themselves_are_accepted(cmc):
    ten = [f"u{i}@example.com" for i in range(10)]
    assert cmc.send(**mail(*ten, cc=ten, bcc=ten, subject="件" * 512, attachments="10")).status_code == 200


def test_v2_takes_html_without_text_v1_needs_text(cmc):
    fields = {**mail("a@example.com"), "text": None, "html": "<p>hi</p>"}
    assert cmc.send(**fields).status_code == 200
    r = cmc.send(version="v1", **fields)
    assert (r.status_code, r.json()) == (400, errors(error("01-002", "text", "text is required.")))


def test_a_json_value_where_text_is_expected_is_01_007(cmc_fake):
    body = {**cmc_fake.auth, **mail("a@example.com"), "subject": {"not": "text"}}
    r = requests.post(cmc_fake.url + "/api/v2/emails/send.json", json=body)
    assert (r.status_code, r.json()) == (400, errors(error("01-007", "subject", "subject has an invalid value.")))


def test_paths_and_methods_answer_in_cmcs_format(cmc_fake):
    base = cmc_fake.url + "/api/v2/emails"
    r = requests.get(base + "/send.json")
    assert (r.status_code, r.headers["Allow"]) == (405, "POST")
    assert r.json()["errors"][0]["code"] == "01-010"
    r = requests.post(base + "/send.txt", data=cmc_fake.auth)
    assert (r.status_code, r.json()["errors"][0]["code"]) == (404, "01-009")
    r = requests.post(cmc_fake.url + "/api/v1/emails/bulk.json", data=cmc_fake.auth)
    assert r.status_code == 404  # bulk is a v2 operation


# -- emails/bulk ---------------------------------------------------------------------------------
def test_bulk_sends_one_mail_to_each_recipient_with_its_properties(cmc, cmc_fake):
    to = [{"name": f"User {i}", "address": f"u{i}@example.com", "order": str(i)} for i in range(3)]
    r = cmc.send(op="bulk", **mail(*to))
    assert r.status_code == 200
    mail_id = r.json()["id"]
    rows = cmc_fake.sends()[-1]["recipients"]
    assert [x["message_id"] for x in rows] == [f"<{mail_id}.{n}@example.com>" for n in (1, 2, 3)]
    assert cmc_fake.sends()[-1]["api"] == "bulk"


def test_bulk_takes_1000_recipients_and_refuses_more(cmc):
    to = [{"address": f"u{i}@example.com"} for i in range(1000)]
    assert cmc.send(op="bulk", **mail(*to)).status_code == 200
    r = cmc.send(op="bulk", **mail(*to, {"address": "one-more@example.com"}))
    assert r.json() == errors(error("01-017", "to", "to can have at most 1000 email addresses."))


def test_bulk_recipients_are_objects_with_at_most_100_properties_of_5_kb(cmc):
    r = cmc.send(op="bulk", **mail("bare@example.com"))
    assert r.json() == errors(error("01-016", "to", "to has an invalid email address."))
    props = {f"p{i}": "x" for i in range(98)}  # with name and address: 100
    fine = {"name": "A", "address": "a@example.com", **props}
    assert cmc.send(op="bulk", **mail(fine, {"address": "b@example.com", "big": "x" * 5120})).status_code == 200
    crowded = {**fine, "p98": "x"}
    big = {"address": "c@example.com", "big": "あ" * 1707}  # 5,121 bytes
    r = cmc.send(op="bulk", **mail(fine, crowded, big))
    assert r.json() == errors(
        error("01-020", "to", "A recipient of to can have at most 100 properties.(2)"),
        error("01-021", "to", "A property value of to can be at most 5 KB.(3)"),
    )


# -- the server composition -------------------------------------------------------------------------
def test_a_send_lands_in_the_accounts_first_composition_or_the_one_named(cmc, cmc_fake):
    cmc_fake.add_composition("second")
    cmc.send(**mail(f"bounce@{SIM}"))
    cmc.send(server_composition="second", **mail(f"bounce+2@{SIM}"))
    assert [b["email"] for b in cmc_fake.blocks()] == [f"bounce@{SIM}"]
    assert [b["email"] for b in cmc_fake.blocks(server_composition="second")] == [f"bounce+2@{SIM}"]
    assert [e["to"] for e in cmc_fake.events("bounces", server_composition="second")] == [f"bounce+2@{SIM}"]
    assert cmc_fake.requests.last.tenant == "mailblocks/second"
    cmc_fake.add_account("other")
    cmc_fake.add_composition("theirs", account="other")
    cmc_fake.add_user("them", "their-key", account="other")
    r = cmc.send(api_user="them", api_key="their-key", **mail("a@example.com"))
    assert r.status_code == 200 and cmc_fake.sends()[-1]["server_composition"] == "theirs"
    r = cmc.send(api_user="them", api_key="their-key", server_composition="second", **mail("a@example.com"))
    assert r.json()["errors"][0]["code"] == "10-002"  # not their account's


# -- the strategies a user's suite can draw from -------------------------------------------------------
def _strategies():
    from pytest_mailblocks import strategies

    return strategies


def _post(mailblocks, op, params):
    with mailblocks.requests_session() as s:
        return s.post(f"{mailblocks.url}/api/v2/emails/{op}.json", data={**mailblocks.cmc.auth, **params})


def _addresses(value):
    value = json.loads(value) if value[:1] in "[{" else value
    items = value if isinstance(value, list) else [value]
    return [i if isinstance(i, str) else i["address"] for i in items]


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().cmc_send_cases(valid=True)))
def test_valid_send_cases_are_accepted_with_their_recipients(mailblocks, case):
    mailblocks.reset()
    r = _post(mailblocks, "send", case.params)
    assert r.status_code == 200, r.text
    wanted = [a for k in ("to", "cc", "bcc") if k in case.params for a in _addresses(case.params[k])]
    assert [row["email"] for row in mailblocks.cmc.sends()[-1]["recipients"]] == wanted


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().cmc_send_cases(valid=False)))
def test_invalid_send_cases_get_their_one_error(mailblocks, case):
    mailblocks.reset()
    r = _post(mailblocks, "send", case.params)
    assert r.status_code == case.error.status
    [got] = r.json()["errors"]
    assert (got["code"], got["field"]) == (case.error.code, case.error.field)
    assert mailblocks.cmc.sends() == []


@settings(max_examples=examples(20), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.deferred(lambda: _strategies().cmc_bulk_params()))
def test_bulk_params_are_accepted(mailblocks, params):
    mailblocks.reset()
    assert _post(mailblocks, "bulk", params).status_code == 200
    assert len(mailblocks.cmc.sends()[-1]["recipients"]) == len(json.loads(params["to"]))


def test_every_send_row_is_named_exactly_by_a_test():
    """Each send-path row's English text, up to its first placeholder, is a string
    these tests name, so none goes unnamed."""
    import ast
    from pathlib import Path

    from pytest_mailblocks.providers.cmc import errors as catalogue

    here = Path(__file__).parent
    strings = [
        node.value
        for path in (here / "test_send.py", here / "test_delivery.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    for row in catalogue.CATALOGUE:
        if row.key.startswith("CMC_SEND_"):
            stem = row.message.split("{")[0] or row.message.split("}")[1].split("{")[0]
            assert any(stem in s for s in strings), row.key
