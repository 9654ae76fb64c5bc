"""``POST /v3/mail/send`` (issue 21): auth, every validation error SendGrid names, the
202 with ``X-Message-Id``, sandbox mode, and the official SDK's ``send``.

Messages are the live ones quoted in SDK issues where those exist, else the errors
page's (``shared/providers/delivery/sendgrid.md``); every one is named here exactly."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import examples
from .conftest import HELP, SEND, T0, mail

FROM_REQUIRED = (
    "The from object must be provided for every email send. It is an object that requires the email parameter, "
    'but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : '
    '"example@example.com", "name" : "Example Recipient"}.'
)
CONTENT_REQUIRED = (
    "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined "
    "content block. We typically suggest both text/plain and text/html blocks are included, but only one block is "
    "required."
)
TO_REQUIRED = (
    "The to array is required for all personalization objects, and must have at least one email object with a valid "
    "email address."
)
SUBJECT_REQUIRED = (
    "The subject is required. You can get around this requirement if you use a template with a subject defined or "
    "if every personalization has a subject defined."
)


def errors(r):
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert list(body) == ["errors"] and all(list(e) == ["message", "field", "help"] for e in body["errors"])
    return [(e["message"], e["field"], e["help"]) for e in body["errors"]]


# -- success ---------------------------------------------------------------------------------------
def test_a_send_is_accepted_with_202_an_empty_body_and_an_x_message_id(sg):
    r = sg.send(mail("ann@example.com"))
    assert r.status_code == 202 and r.content == b""
    assert r.headers["Content-Length"] == "0"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", r.headers["X-Message-Id"])
    assert r.headers["Access-Control-Allow-Origin"] == "https://sendgrid.api-docs.io"
    assert r.headers["Access-Control-Allow-Methods"] == "POST"
    assert r.headers["X-No-CORS-Reason"] == "https://sendgrid.com/docs/Classroom/Basics/API/cors.html"
    assert not any(h.lower().startswith("x-ratelimit") for h in r.headers)  # mail/send is not rate limited
    [send] = sg.fake.sends()
    assert send["x_message_id"] == r.headers["X-Message-Id"] and send["from"] == "shop@example.com"
    assert send["recipients"] == [{"email": "ann@example.com", "personalization": 0, "decision": "deliver"}]


def test_mail_send_is_not_counted_against_the_per_minute_limit(sg):
    sg.fake.set_rate_limit(1)
    assert [sg.send(mail("a@example.com")).status_code for _ in range(3)] == [202, 202, 202]
    assert sg.get("/v3/suppression/blocks").status_code == 200


def test_the_official_sdk_sends_with_its_mail_helper(sendgrid_fake):
    from sendgrid.helpers.mail import Category, CustomArg, Mail

    from sendgrid import SendGridAPIClient

    message = Mail(
        from_email="shop@example.com",
        to_emails=["ann@example.com", "bob@example.com"],
        subject="Your order",
        html_content="<p>Thanks</p>",
    )
    message.category = Category("orders")
    message.custom_arg = CustomArg("order_id", "42")
    client = SendGridAPIClient(api_key=sendgrid_fake.api_key, host=sendgrid_fake.url)
    response = client.send(message)
    assert response.status_code == 202 and response.body == b""
    message_id = response.headers["X-Message-Id"]
    delivered = sendgrid_fake.events(type="delivered")
    assert [e["email"] for e in delivered] == ["ann@example.com", "bob@example.com"]
    assert all(e["sg_message_id"].startswith(message_id + ".") for e in delivered)
    assert all(e["category"] == ["orders"] and e["order_id"] == "42" for e in delivered)


def test_sandbox_mode_answers_200_and_nothing_happens(sg):
    sg.fake.add_bounce("bounced@example.com")
    body = mail("bounced@example.com", "bounce@simulator.mailblocks.test")
    body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    r = sg.send(body)
    assert (r.status_code, r.content) == (200, b"")
    assert "X-Message-Id" not in r.headers
    assert sg.fake.events() == []
    assert [b["email"] for b in sg.fake.bounces()] == ["bounced@example.com"]
    assert sg.fake.sends()[-1]["sandbox"] is True


def test_sandbox_mode_still_validates(sg):
    body = mail("a@example.com", mail_settings={"sandbox_mode": {"enable": True}})
    del body["from"]
    r = sg.send(body)
    assert r.status_code == 400 and errors(r) == [(FROM_REQUIRED, "from.email", HELP + "#message.from")]


def test_a_quoted_sandbox_boolean_is_the_documented_400(sg):
    r = sg.send(mail("a@example.com", mail_settings={"sandbox_mode": {"enable": "true"}}))
    assert r.status_code == 400
    assert errors(r) == [
        (
            "The sandbox mode enable param should be a boolean value.",
            "mail_settings.sandbox_mode.enable",
            HELP + "#message.mail_settings.sandbox_mode.enable",
        )
    ]
    assert sg.fake.events() == []


# -- auth ------------------------------------------------------------------------------------------
def test_a_missing_or_malformed_key_is_permission_denied(sg):
    r = sg.http.post(sg.fake.url + SEND, json=mail("a@example.com"))
    assert r.status_code == 401
    assert r.content == b'{"errors":[{"message":"Permission denied, wrong credentials","field":null,"help":null}]}'
    assert sg.send(mail("a@example.com"), key="not-a-sendgrid-key").status_code == 401


def test_an_unknown_well_formed_key_is_the_revoked_grant_answer(sg):
    r = sg.send(mail("a@example.com"), key="SG.unknownkey.0123456789")
    assert r.status_code == 401
    # 116 bytes, as the live answer quoted in sendgrid-php#793
    assert r.content == (
        b'{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked",'
        b'"field":null,"help":null}]}'
    )
    assert len(r.content) == 116


def test_a_key_without_mail_send_is_forbidden_and_one_with_it_sends(sg):
    read_only = sg.fake.add_api_key(["suppression.blocks.read"])
    r = sg.send(mail("a@example.com"), key=read_only)
    assert r.status_code == 403 and errors(r) == [("access forbidden", None, None)]
    assert sg.send(mail("a@example.com"), key=sg.fake.add_api_key(["mail.send"])).status_code == 202
    assert len(sg.fake.sends()) == 1


def test_a_subuser_sends_on_behalf_of_with_its_own_lists(sg):
    sg.fake.add_subuser("shop")
    sg.fake.add_bounce("x@example.com", subuser="shop")
    r = sg.send(mail("x@example.com"), headers={"On-Behalf-Of": "shop"})
    assert r.status_code == 202
    assert [e["event"] for e in sg.fake.events(subuser="shop")] == ["processed", "dropped"]
    assert sg.fake.events(subuser="mailblocks") == []
    assert sg.send(mail("x@example.com"), headers={"On-Behalf-Of": "nobody"}).status_code == 403


# -- validation ------------------------------------------------------------------------------------
def test_an_empty_object_lists_every_missing_part_as_live(sg):
    """The exact body quoted in sendgrid-ruby#438 (980 bytes) for a body without
    from, personalizations and content."""
    r = sg.send({"subject": "hi"})
    assert r.status_code == 400
    assert errors(r) == [
        (FROM_REQUIRED, "from.email", HELP + "#message.from"),
        (
            "The personalizations field is required and must have at least one personalization.",
            "personalizations",
            HELP + "#-Personalizations-Errors",
        ),
        (CONTENT_REQUIRED, "content", HELP + "#message.content"),
    ]
    assert len(r.content) == 980


def test_a_body_that_is_not_json_is_a_bare_bad_request(sg):
    r = sg.post(SEND, data=b'{"personalizations":[{"to":[{"email":FALSE}]}]}')
    assert (r.status_code, r.content) == (400, b'{"errors":[{"message":"Bad Request","field":null,"help":null}]}')
    assert sg.post(SEND, data=b'{"send_at": NaN}').status_code == 400
    assert sg.post(SEND, data=b"").status_code == 400


def test_a_body_that_is_not_utf8_is_the_documented_415(sg):
    r = sg.post(SEND, data=b'{"subject": "\xff"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and errors(r) == [("Invalid UTF8 in request", None, None)]


def _broken(mutate):
    body = mail("ann@example.com")
    mutate(body)
    return body


P0 = "personalizations.0"
PERS_HELP = HELP + "#-Personalizations-Errors"
TO_HELP = HELP + "#message.personalizations.to"
CASES = {
    "body not an object": ([1], [("Invalid type. Expected: object, given: array.", None, None)]),
    "from not an object": (
        _broken(lambda b: b.update({"from": "shop@example.com"})),
        [("Invalid type. Expected: object, given: string.", "from", HELP + "#message.from")],
    ),
    "from without an email": (
        _broken(lambda b: b.update({"from": {"name": "Shop"}})),
        [(FROM_REQUIRED, "from.email", HELP + "#message.from")],
    ),
    "from not an address": (
        _broken(lambda b: b.update({"from": {"email": "shop"}})),
        [("Does not contain a valid address.", "from.email", HELP + "#message.from")],
    ),
    "from too long": (
        _broken(lambda b: b.update({"from": {"email": "a" * 310 + "@example.com"}})),
        [("The From email exceeds the maximum total length of 320 characters", "from.email", HELP + "#message.from")],
    ),
    "empty personalizations": (
        _broken(lambda b: b.update({"personalizations": []})),
        [
            (
                "The personalizations field is required and must have at least one personalization.",
                "personalizations",
                PERS_HELP,
            )
        ],
    ),
    "1001 personalizations": (
        _broken(lambda b: b.update({"personalizations": [{"to": [{"email": f"u{i}@x.io"}]} for i in range(1001)]})),
        [
            (
                "The personalization block is limited to 1000 personalizations per API request. You have provided "
                "1001 personalizations. Please consider splitting this into multiple requests and resending your "
                "request.",
                "personalizations",
                PERS_HELP,
            )
        ],
    ),
    "1001 recipients": (
        _broken(
            lambda b: b["personalizations"][0].update(
                {
                    "to": [{"email": f"t{i}@x.io"} for i in range(500)],
                    "cc": [{"email": f"c{i}@x.io"} for i in range(501)],
                }
            )
        ),
        [("There is a limit of 1000 total recipients (to + cc + bcc) per request.", "personalizations", PERS_HELP)],
    ),
    "a personalization not an object": (
        _broken(lambda b: b.update({"personalizations": [None]})),
        [("Invalid type. Expected: object, given: null.", P0, None)],
    ),
    "no to": (
        _broken(lambda b: b["personalizations"][0].pop("to")),
        [(TO_REQUIRED, P0 + ".to", TO_HELP)],
    ),
    "to an object": (
        _broken(lambda b: b["personalizations"][0].update({"to": {"email": "a@x.io"}})),
        [("Invalid type. Expected: array, given: object.", P0 + ".to", TO_HELP)],
    ),
    "to of strings": (
        _broken(lambda b: b["personalizations"][0].update({"to": ["a@x.io"]})),
        [("Invalid type. Expected: object, given: string.", P0 + ".to.0", TO_HELP)],
    ),
    "to without an email": (
        _broken(lambda b: b["personalizations"][0].update({"to": [{"name": "Ann"}]})),
        [("The to email parameter is required.", P0 + ".to.0.email", TO_HELP)],
    ),
    "to email an array": (
        _broken(lambda b: b["personalizations"][0].update({"to": [{"email": ["a@x.io"]}]})),
        [("Invalid type. Expected: string, given: array.", P0 + ".to.0.email", TO_HELP)],
    ),
    "to not an address": (
        _broken(lambda b: b["personalizations"][0].update({"to": [{"email": "Ann <ann@x.io>"}]})),
        [("Does not contain a valid address.", P0 + ".to.0.email", TO_HELP)],
    ),
    "cc without an email": (
        _broken(lambda b: b["personalizations"][0].update({"cc": [{}]})),
        [("The cc email parameter is required.", P0 + ".cc.0.email", HELP + "#message.personalizations.cc")],
    ),
    "bcc too long": (
        _broken(lambda b: b["personalizations"][0].update({"bcc": [{"email": "b" * 320 + "@x.io"}]})),
        [
            (
                "The BCC email exceeds the maximum total length of 320 characters",
                P0 + ".bcc.0.email",
                HELP + "#message.personalizations.bcc",
            )
        ],
    ),
    "a duplicate within a personalization": (
        _broken(lambda b: b["personalizations"][0].update({"bcc": [{"email": "ANN@example.com"}]})),
        [
            (
                "Each email address in the personalization block should be unique between to, cc, and bcc. We found "
                "the first duplicate instance of [ANN@example.com] in the personalizations.0.bcc field.",
                P0,
                None,
            )
        ],
    ),
    "a duplicate across personalizations": (
        _broken(lambda b: b["personalizations"].append({"to": [{"email": "Ann@Example.com"}]})),
        [
            (
                "Each unique email address in the personalizations array should only be included once. You have "
                "included Ann@Example.com more than once.",
                "personalizations",
                PERS_HELP,
            )
        ],
    ),
    "no subject anywhere": (
        _broken(lambda b: b.pop("subject")),
        [(SUBJECT_REQUIRED, "subject", HELP + "#message.subject")],
    ),
    "an empty subject": (
        _broken(lambda b: b.update({"subject": ""})),
        [
            (
                "The subject of your email must be a string at least one character in length.",
                "subject",
                HELP + "#message.subject",
            )
        ],
    ),
    "an empty personalization subject": (
        _broken(lambda b: b["personalizations"][0].update({"subject": ""})),
        [
            (
                "The subject of your email must be a string at least one character in length.",
                P0 + ".subject",
                HELP + "#message.personalizations.subject",
            )
        ],
    ),
    "no content": (_broken(lambda b: b.pop("content")), [(CONTENT_REQUIRED, "content", HELP + "#message.content")]),
    "an empty content value": (
        _broken(lambda b: b["content"][0].update({"value": ""})),
        [
            (
                "The content value must be a string at least one character in length.",
                "content.0.value",
                HELP + "#message.content.value",
            )
        ],
    ),
    "a content block without a type": (
        _broken(lambda b: b["content"][0].pop("type")),
        [
            (
                "A content type is required, this tells email clients how to display the email.",
                "content.0.type",
                HELP + "#message.content.type",
            )
        ],
    ),
    "html before plain text": (
        _broken(lambda b: b["content"].insert(0, {"type": "text/html", "value": "<p>x</p>"})),
        [
            (
                "Following RFC 1341, section 7.2, if either text/html or text/plain are to be sent in your email: "
                "text/plain needs to be first, followed by text/html, followed by any other content.",
                "content",
                HELP + "#message.content",
            )
        ],
    ),
    "eleven categories": (
        _broken(lambda b: b.update({"categories": [f"c{i}" for i in range(11)]})),
        [
            (
                "There is a limit of 10 categories for each email that is sent. You provided 11 categories.",
                "categories",
                HELP + "#message.categories",
            )
        ],
    ),
    "a long category": (
        _broken(lambda b: b.update({"categories": ["x" * 256]})),
        [
            (
                f"Each category must not be longer than 255 characters. {'x' * 256} exceeds this limit",
                "categories",
                HELP + "#message.categories",
            )
        ],
    ),
    "a repeated category": (
        _broken(lambda b: b.update({"categories": ["a", "a"]})),
        [
            (
                "The categories must be a unique list, and you have included a more than once.",
                "categories",
                HELP + "#message.categories",
            )
        ],
    ),
    "a non-ascii category": (
        _broken(lambda b: b.update({"categories": ["café"]})),
        [("Categories can not contain non-ASCII characters.", "categories", HELP + "#message.categories")],
    ),
    "custom args not strings": (
        _broken(lambda b: b.update({"custom_args": {"n": 1}})),
        [("All values of custom arguments object must be strings", "custom_args", None)],
    ),
    "empty personalization custom args": (
        _broken(lambda b: b["personalizations"][0].update({"custom_args": {}})),
        [("custom_args cannot be empty.", P0 + ".custom_args", HELP + "#message.personalizations.custom_args")],
    ),
    "custom args over 10,000 bytes": (
        _broken(lambda b: b["personalizations"][0].update({"custom_args": {"x": "y" * 10_000}})),
        [
            (
                "The combined size of both global and personalization custom arguments may not exceed 10,000 bytes "
                "per personalization.",
                P0 + ".custom_args",
                HELP + "#message.personalizations.custom_args",
            )
        ],
    ),
    "a reserved header": (
        _broken(lambda b: b.update({"headers": {"Subject": "x"}})),
        [("Header can not be one of the reserved keys.", "headers", HELP + "#message.headers")],
    ),
    "a header that is not a string": (
        _broken(lambda b: b["personalizations"][0].update({"headers": {"X-Order": 42}})),
        [
            (
                "All values of the headers object must be strings.",
                P0 + ".headers",
                HELP + "#message.personalizations.headers",
            )
        ],
    ),
    "a top-level header that is not a string": (
        _broken(lambda b: b.update({"headers": {"X-Order": 42}})),
        [("The header values must be strings.", "headers", HELP + "#message.headers")],
    ),
    "a reserved personalization header": (
        _broken(lambda b: b["personalizations"][0].update({"headers": {"dkim-signature": "x"}})),
        [
            (
                "Header cannot be one of the reserved keys.",
                P0 + ".headers",
                HELP + "#message.personalizations.headers",
            )
        ],
    ),
    "substitutions that are not strings": (
        _broken(lambda b: b["personalizations"][0].update({"substitutions": {"-name-": ["Ann"]}})),
        [
            (
                "The substitution values must be an object of key/value pairs, where the values are all strings.",
                P0 + ".substitutions",
                HELP + "#message.personalizations.substitutions",
            )
        ],
    ),
    "a batch id that is not a string": (
        _broken(lambda b: b.update({"batch_id": 12})),
        [("The batch_id must be a string.", "batch_id", HELP + "#message.batch_id")],
    ),
    "reply_to without an email": (
        _broken(lambda b: b.update({"reply_to": {"name": "Desk"}})),
        [
            (
                "The reply_to object, when used, must at least have an email parameter with a valid email address "
                'and it may also contain a name parameter. e.g. {"email": "example@example.com"} or {"email": '
                '"example@example.com", "name": "Example Recipient"}',
                "reply_to.email",
                HELP + "#message.reply_to",
            )
        ],
    ),
    "an attachment without content": (
        _broken(lambda b: b.update({"attachments": [{"content": "", "filename": "a.txt"}]})),
        [
            (
                "The attachment content must be a string at least one character in length.",
                "attachments.0.content",
                HELP + "#message.attachments.content",
            )
        ],
    ),
    "send_at a string": (
        _broken(lambda b: b.update({"send_at": "tomorrow"})),
        [
            (
                "The send_at parameter is expecting a Unix timestamp as an integer. We will send immediately if you "
                "include a send_at timestamp that is in the past.",
                "send_at",
                HELP + "#message.send_at",
            )
        ],
    ),
    "send_at past 72 hours": (
        _broken(lambda b: b["personalizations"][0].update({"send_at": T0 + 72 * 3600 + 1})),
        [
            (
                "Scheduling more than 72 hours in advance is forbidden.",
                P0 + ".send_at",
                HELP + "#message.personalizations.send_at",
            )
        ],
    ),
    "an asm group that is not an integer": (
        _broken(lambda b: b.update({"asm": {"group_id": "12"}})),
        [("The ASM group ID must be an integer.", "asm.group_id", HELP + "#message.asm.group_id")],
    ),
    "a template id that is not a string": (
        _broken(lambda b: b.update({"template_id": 7})),
        [("The template ID must be a string, you provided 7.", "template_id", HELP + "#message.template_id")],
    ),
    "reply_to not an address": (
        _broken(lambda b: b.update({"reply_to": {"email": "nope"}})),
        [("Does not contain a valid address.", "reply_to.email", HELP + "#message.reply_to")],
    ),
    "an attachment without a filename": (
        _broken(lambda b: b.update({"attachments": [{"content": "aGVsbG8="}]})),
        [("filename is required.", "attachments.0.filename", HELP + "#message.attachments.filename")],
    ),
    "an attachment not base64": (
        _broken(lambda b: b.update({"attachments": [{"content": "hello!", "filename": "a.txt"}]})),
        [
            (
                "The attachment content must be base64 encoded.",
                "attachments.0.content",
                HELP + "#message.attachments.content",
            )
        ],
    ),
    "a bypass flag quoted": (
        _broken(lambda b: b.update({"mail_settings": {"bypass_list_management": {"enable": "yes"}}})),
        [
            (
                "The bypass list management enable param should be a boolean value.",
                "mail_settings.bypass_list_management.enable",
                HELP + "#message.mail_settings.bypass_list_management.enable",
            )
        ],
    ),
    "click tracking quoted": (
        _broken(lambda b: b.update({"tracking_settings": {"click_tracking": {"enable": 1}}})),
        [
            (
                "The click tracking enable param should be a boolean value.",
                "tracking_settings.click_tracking.enable",
                HELP + "#message.tracking_settings.click_tracking.enable",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_is_named_exactly(sendgrid_fake, case):
    import requests

    sendgrid_fake.clock.freeze(T0)
    body, expected = CASES[case]
    r = requests.post(sendgrid_fake.url + SEND, json=body, headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"})
    assert r.status_code == 400
    assert errors(r) == expected
    assert sendgrid_fake.events() == [] and sendgrid_fake.sends() == []


def test_several_problems_are_listed_together_in_order(sg):
    body = mail("nope", subject="")
    body["personalizations"].append({"to": [{"email": "ok@example.com"}], "subject": ""})
    r = sg.send(body)
    assert [field for _, field, _ in errors(r)] == [
        "personalizations.0.to.0.email",
        "personalizations.1.subject",
        "subject",
    ]


def test_a_template_stands_in_for_subject_and_content(sg):
    body = mail("a@example.com", template_id="d-0123456789abcdef")
    del body["subject"], body["content"]
    body["personalizations"][0]["dynamic_template_data"] = {"name": "Ann", "items": [1, 2]}
    assert sg.send(body).status_code == 202


def test_every_personalization_with_a_subject_needs_no_global_one(sg):
    body = mail("a@example.com")
    del body["subject"]
    body["personalizations"][0]["subject"] = "Per person"
    assert sg.send(body).status_code == 202
    assert sg.fake.sends()[-1]["subject"] == "Per person"


def test_exactly_1000_recipients_are_taken(sendgrid_fake):
    import requests

    body = mail(*(f"user{i}@example.com" for i in range(1000)))
    r = requests.post(sendgrid_fake.url + SEND, json=body, headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"})
    assert r.status_code == 202
    assert len(sendgrid_fake.events(type="delivered")) == 1000


# -- methods ---------------------------------------------------------------------------------------
def test_other_methods_are_405_in_mail_sends_envelope(sg):
    r = sg.get(SEND)
    assert r.status_code == 405 and errors(r) == [("method not allowed", None, None)]
    assert set(r.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    pre = sg.http.options(sg.fake.url + SEND)
    assert pre.status_code == 200 and pre.headers["Access-Control-Allow-Methods"] == "POST"


# -- no body breaks it ------------------------------------------------------------------------------
_TEXT = st.text(max_size=12) | st.sampled_from(["", "a@b.co", "ANN@example.com", "text/plain", "text/html"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=10,
)
_ADDRESS = st.sampled_from(["a@example.com", "B@example.com", "bounce@simulator.mailblocks.test", "x", ""]) | _JSON
_EMAIL_OBJ = st.fixed_dictionaries({"email": _ADDRESS}, optional={"name": _JSON}) | _JSON
_PERSONALIZATION = st.fixed_dictionaries(
    {"to": st.lists(_EMAIL_OBJ, max_size=3) | _JSON},
    optional={
        "cc": st.lists(_EMAIL_OBJ, max_size=2) | _JSON,
        "bcc": st.lists(_EMAIL_OBJ, max_size=2) | _JSON,
        "subject": _JSON,
        "custom_args": st.dictionaries(_TEXT, _TEXT | _JSON, max_size=3) | _JSON,
        "headers": st.dictionaries(_TEXT, _TEXT | _JSON, max_size=2) | _JSON,
        "send_at": st.integers() | _JSON,
        "substitutions": _JSON,
    },
)
BODIES = st.fixed_dictionaries(
    {},
    optional={
        "personalizations": st.lists(_PERSONALIZATION | _JSON, max_size=3) | _JSON,
        "from": _EMAIL_OBJ,
        "subject": _TEXT | _JSON,
        "content": st.lists(st.fixed_dictionaries({}, optional={"type": _TEXT, "value": _TEXT | _JSON}), max_size=3)
        | _JSON,
        "categories": st.lists(_TEXT | _JSON, max_size=4) | _JSON,
        "custom_args": _JSON,
        "mail_settings": st.dictionaries(
            st.sampled_from(["sandbox_mode", "bypass_list_management", "footer"]),
            st.fixed_dictionaries({}, optional={"enable": _JSON}) | _JSON,
            max_size=2,
        )
        | _JSON,
        "template_id": _TEXT | _JSON,
        "attachments": _JSON,
        "reply_to": _EMAIL_OBJ,
        "asm": _JSON,
        "send_at": _JSON,
    },
)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES | _JSON, raw=st.booleans(), junk=st.binary(max_size=40))
def test_no_body_a_client_could_send_gets_a_500(mailblocks, body, raw, junk):
    mailblocks.reset()
    sg = mailblocks.sendgrid
    data = junk if raw else json.dumps(body).encode()
    with mailblocks.requests_session() as s:
        r = s.post(mailblocks.url + SEND, data=data, headers={"Authorization": f"Bearer {sg.api_key}"})
    assert r.status_code in (200, 202, 400, 415), r.text
    if r.status_code >= 400:
        errors(r)
    else:
        assert r.content == b""
    mailblocks.check()


# -- the strategies a user's suite can draw from -------------------------------------------------------
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().sendgrid_mail_send_cases(valid=True)))
def test_valid_mail_send_cases_are_accepted(mailblocks, case):
    mailblocks.reset()
    sg = mailblocks.sendgrid
    with mailblocks.requests_session() as s:
        r = s.post(mailblocks.url + SEND, json=case.params, headers={"Authorization": f"Bearer {sg.api_key}"})
    assert r.status_code == 202, r.text
    recipients = [
        a["email"] for p in case.params["personalizations"] for k in ("to", "cc", "bcc") for a in p.get(k, [])
    ]
    assert [row["email"] for row in sg.sends()[-1]["recipients"]] == recipients


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.deferred(lambda: _strategies().sendgrid_mail_send_cases(valid=False)))
def test_invalid_mail_send_cases_get_their_one_error(mailblocks, case):
    mailblocks.reset()
    sg = mailblocks.sendgrid
    with mailblocks.requests_session() as s:
        r = s.post(mailblocks.url + SEND, json=case.params, headers={"Authorization": f"Bearer {sg.api_key}"})
    assert r.status_code == case.error.status
    [(message, field, _)] = errors(r)
    assert sg.requests.last.error_code == case.error.key and field == case.error.field
    if not re.search(r"\{\w*\}", case.error.message):  # a row without placeholders: its text exactly
        assert message == case.error.message


def _strategies():
    from pytest_mailblocks import strategies

    return strategies


def test_every_new_catalogue_row_is_named_exactly_by_a_test():
    """Issue 21: each mail-send and webhook row's text, up to its first placeholder,
    is a string (or bytes) these tests name, so none goes unnamed."""
    import ast
    from pathlib import Path

    from pytest_mailblocks.core.errors import ErrorEntry
    from pytest_mailblocks.providers.sendgrid import errors as catalogue

    strings = [
        node.value.decode("utf-8", "replace") if isinstance(node.value, bytes) else node.value
        for path in sorted(Path(__file__).parent.glob("test_*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
    ]
    rows = [e for e in vars(catalogue).values() if isinstance(e, ErrorEntry) and e.key[:8] in ("SG_SEND_", "SG_WEBHO")]
    assert len(rows) == 52
    named = lambda text: any(text in s for s in strings)  # noqa: E731
    assert [e.key for e in rows if not named(re.split(r"\{\w*\}", e.message)[0])] == []
