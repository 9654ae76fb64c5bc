"""Errors in the provider's format for anything a client can send: the catalogue
against the seeds, languages, XML, methods, paths, malformed bodies (cmc.md: Errors)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from pytest_mailblocks.providers.cmc import errors as E

from .conftest import error, errors, xml_errors

OPS = [
    "blocks/list",
    "blocks/download",
    "blocks/delete",
    "blocks/cancel",
    "unsubscribes/download",
    "unsubscribes/cancel",
]

#: every code of both seeds with its documented English and Japanese text
SEED_MESSAGES = [
    ("10-002", "Specified server configuration {0} does not exist.", "指定されたサーバ構成 {0} は存在しません。"),
    (
        "10-003",
        "For the start_date please specify a date before the end_date.",
        "開始日には終了日以前の日付を指定してください。",
    ),
    ("12-001", "The data specified in the email does not exist.", "emailで指定されたデータは存在しません。"),
    ("12-001", "It does not exist the data specified in the email.", "emailで指定されたデータは存在しません。"),
    (
        "12-002",
        "You do not have the permission to access the specified data.",
        "指定されたデータにアクセスする権限がありません。",
    ),
    ("15-001", "Specified value has invalid (Invalid JSON format).", "値の指定方法(JSONフォーマット)が不正です。"),
    ("15-002", "Specified value has invalid (Invalid JSON format).", "メールアドレスの指定がありません。"),
    ("15-003", "No email address is specified.({0})", "メールアドレスの指定がありません。({位置})"),
    ("15-004", "{0} is required.({1})", "email は必須項目です。({位置})"),
    ("15-005", "You have exceeded the maximum numbers of address.", "指定可能なメールアドレス数を超えました。"),
    ("15-006", "Duplicate email address.({0})", "メールアドレスが重複しています。({位置})"),
    (
        "15-007",
        "It does not exist the data specified in the email.({0})",
        "emailで指定されたデータは存在しません。({位置})",
    ),
]


@pytest.mark.parametrize(("code", "en", "ja"), SEED_MESSAGES)
def test_every_seed_code_is_in_the_catalogue_with_its_documented_texts(code, en, ja):
    rows = [e for e in E.CATALOGUE if e.code == code and e.message == en]
    assert len(rows) == 1, (code, en)
    row = rows[0]
    position = "{1}" if code == "15-004" else "{0}"
    assert row.messages["ja"] == ja.replace("({位置})", f"({position})")
    assert not row.assumed


#: rows whose code has a source but whose texts are invented (assumed all the same)
CODE_ONLY = {"CMC_SEND_CC_BCC_INVALID"}  # 11-006: a client SDK's test of cc/bcc (delivery/cmc.md)


def test_invented_rows_are_marked_assumed_and_documented_codes_are_not():
    for row in E.CATALOGUE:
        assert row.assumed == (str(row.code).startswith("01-") or row.key in CODE_ONLY), row.key
        assert row.messages.get("ja"), row.key


# -- language -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("JA-jp,en;q=0.5", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("en-US,ja;q=0.5", "en"),
        ("fr", "en"),
        ("*", "en"),
        ("", "en"),
        ("ja;q=0", "en"),
        ("en;q=0.1, ja;q=0.9", "ja"),
    ],
)
def test_accept_language_ja_picks_japanese_anything_else_english(cmc, header, lang):
    r = cmc.post("blocks/list", server_composition="x", headers={"Accept-Language": header})
    message = r.json()["errors"][0]["message"]
    expected = (
        "指定されたサーバ構成 x は存在しません。"
        if lang == "ja"
        else "Specified server configuration x does not exist."
    )
    assert message == expected


def test_xml_errors_have_the_json_shape_as_elements(cmc):
    r = cmc.post("blocks/delete", "xml", email="a@example.com")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/xml"
    assert r.content == (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<errors>\n    <error>\n'
        b"        <code>12-001</code>\n        <field>email</field>\n"
        b"        <message>The data specified in the email does not exist.</message>\n"
        b"    </error>\n</errors>"
    )


def test_json_errors_are_compact_utf8(cmc):
    r = cmc.ja("blocks/list", server_composition="テスト")
    assert r.headers["Content-Type"] == "application/json"
    assert (
        r.content
        == (
            '{"errors":[{"code":"10-002","field":"server_composition",'
            '"message":"指定されたサーバ構成 テスト は存在しません。"}]}'
        ).encode()
    )


# -- methods and paths -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("op", OPS)
def test_other_methods_are_405_in_the_providers_format(cmc, op, method):
    r = cmc.http.request(method, cmc.url(op), data=cmc.params({}))
    assert (r.status_code, r.headers["Allow"]) == (405, "POST")
    assert r.json() == errors(error("01-010", "", "This API accepts only POST requests."))
    r = cmc.http.request(method, cmc.url(op, "xml"), headers={"Accept-Language": "ja"})
    assert xml_errors(r) == [error("01-010", "", "このAPIはPOSTリクエストのみ受け付けます。")]


@pytest.mark.parametrize(
    "path",
    [
        "/transaction/v2/blocks/list.csv",
        "/transaction/v2/blocks/list",
        "/transaction/v2/blocks/list.JSON",
        "/transaction/v3/blocks/list.json",
        "/transaction/v2/blocks/add.json",
        "/transaction/v2/statistics/list.json",
        "/transaction/v2/unsubscribes/list.json",
        "/api/v2/emails/send",
        "/api/v2/emails/queue.json",
        "/transaction/",
        "/transaction",
    ],
)
def test_unknown_paths_and_suffixes_are_404(cmc, cmc_fake, path):
    r = cmc.http.post(cmc_fake.url + path, data=cmc.params({}))
    assert (r.status_code, r.json()) == (404, errors(error("01-009", "", "The requested API does not exist.")))


def test_unknown_xml_path_answers_in_xml(cmc, cmc_fake):
    r = cmc.http.post(cmc_fake.url + "/transaction/v2/blocks/add.xml")
    assert (r.status_code, xml_errors(r)) == (404, [error("01-009", "", "The requested API does not exist.")])


def test_multipart_form_posts_are_read_too(cmc, cmc_fake):
    cmc_fake.add_block("a@example.com")
    r = cmc.http.post(cmc.url("blocks/list"), files={k: (None, v) for k, v in cmc_fake.auth.items()})
    assert [b["email"] for b in r.json()["blocks"]] == ["a@example.com"]


def test_a_repeated_form_field_takes_its_first_value(cmc, cmc_fake):
    cmc_fake.add_block("a@example.com")
    body = [*cmc_fake.auth.items(), ("r", "1"), ("r", "500")]
    assert len(cmc.http.post(cmc.url("blocks/list"), data=body).json()["blocks"]) == 1


def test_unknown_parameters_are_ignored(cmc):
    assert cmc.post("blocks/list", colour="blue").json() == {"blocks": []}


# -- malformed bodies ---------------------------------------------------------------------------
BAD_BODY = errors(error("01-008", "", "The request body could not be read."))


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b'{"api_user": ', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"api_user=\xff\xfe", "application/x-www-form-urlencoded"),
        (b"api_user=%ff%fe", "application/x-www-form-urlencoded"),
        (b"{not json", "text/plain"),
        (b"[" * 100000, "application/json"),
        (b'{"api_user": "\\ud800"}', "application/json"),
    ],
)
def test_an_unreadable_body_is_01_008(cmc, body, ctype):
    r = cmc.http.post(cmc.url("blocks/list"), data=body, headers={"Content-Type": ctype})
    assert (r.status_code, r.json()) == (400, BAD_BODY)


def test_an_empty_body_is_no_parameters(cmc):
    r = cmc.http.post(cmc.url("blocks/list"), headers={"Content-Type": "application/json"})
    assert r.json() == errors(
        error("01-002", "api_user", "api_user is required."),
        error("01-002", "api_key", "api_key is required."),
    )


@pytest.mark.parametrize("value", [["a"], {"x": 1}])
def test_a_json_object_or_array_where_text_is_expected_is_01_007(cmc, value):
    r = cmc.post_json("blocks/list", server_composition=value, email=value)
    assert r.json() == errors(
        error("01-007", "server_composition", "server_composition has an invalid value."),
        error("01-007", "email", "email has an invalid value."),
    )


def test_a_body_over_the_servers_cap_is_413(cmc):
    r = cmc.http.post(cmc.url("blocks/list", "xml"), data=b"a" * (10 * 1024 * 1024 + 1))
    assert (r.status_code, xml_errors(r)) == (413, [error("01-011", "", "The request is too large.")])


MALFORMED = [
    {"data": b"\x00\x01\x02"},
    {"data": b"%%%%"},
    {"data": b"api_user=" + "é".encode("latin-1")},
    {"data": b"=&&==&"},
    {"json": None},
    {"json": []},
    {"json": {"api_user": None, "api_key": 1}},
    {"json": {"api_user": "mailblocks", "api_key": "mailblocks-api-key", "server_composition": 7}},
    {"json": {"api_user": ["x"], "api_key": {"y": 1}}},
    {
        "json": {
            "api_user": "mailblocks",
            "api_key": "mailblocks-api-key",
            "server_composition": "mailblocks",
            "email": {"address": ["x"]},
            "p": -1,
            "r": 1e300,
            "removed": None,
            "start_date": 20240101,
            "end_date": "9999-99-99",
            "filter_name": [],
        }
    },
    {
        "json": {
            "api_user": "mailblocks",
            "api_key": "mailblocks-api-key",
            "server_composition": "mailblocks",
            "email": "[" * 50 + "]" * 50,
            "p": "9" * 5000,
            "r": "0x10",
            "start_date": "0000-00-00",
        }
    },
    {
        "json": {
            "api_user": "mailblocks",
            "api_key": "mailblocks-api-key",
            "server_composition": "\ud800",
            "email": "\x00",
        }
    },
    {
        "data": {
            "api_user": "mailblocks",
            "api_key": "mailblocks-api-key",
            "server_composition": "mailblocks",
            "email": '{"address": null}',
            "start_date": "2024-02-30",
            "end_date": "2024-02-29",
        }
    },
    {
        "data": {
            "api_user": "mailblocks",
            "api_key": "mailblocks-api-key",
            "server_composition": "mailblocks",
            "email": "a" * 100000,
            "filter_name": "\u3000",
            "removed": "TRUE",
            "p": "00000000000000000001",
        }
    },
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("op", OPS)
def test_a_battery_of_malformed_requests_never_gets_a_5xx(cmc, cmc_fake, mailblocks, op, fmt):
    cmc_fake.add_block("a@example.com")
    cmc_fake.add_unsubscribe("a@example.com")
    for kwargs in MALFORMED:
        if "json" in kwargs and kwargs["json"] is None:
            r = cmc.http.post(cmc.url(op, fmt), data=b"null", headers={"Content-Type": "application/json"})
        else:
            r = cmc.http.post(cmc.url(op, fmt), **kwargs)
        assert r.status_code < 500, (kwargs, r.status_code, r.text)
        if r.status_code >= 400:
            items = xml_errors(r) if fmt == "xml" else r.json()["errors"]
            assert items and all(set(i) == {"code", "field", "message"} for i in items), r.text
        elif r.headers["Content-Type"] != "application/octet-stream":
            if fmt == "xml":
                ET.fromstring(r.content)
            else:
                json.loads(r.content)
    mailblocks.check()


def test_an_injected_fault_answers_in_the_providers_format(cmc, cmc_fake):
    cmc_fake.inject_fault("list_blocks", status=503, times=1)
    r = cmc.post("blocks/list")
    assert (r.status_code, r.json()) == (503, errors(error("01-013", "", "An internal error occurred.")))
    assert cmc.post("blocks/list").status_code == 200
    cmc_fake.inject_fault("delete_blocks", status=429, times=1)
    r = cmc.post("blocks/delete", "xml", email="a@example.com")
    assert (r.status_code, xml_errors(r)) == (429, [error("01-012", "", "Too many requests.")])


def test_a_bug_in_an_endpoint_is_the_providers_500(cmc, cmc_fake, mailblocks, monkeypatch):
    from pytest_mailblocks.providers.cmc import endpoints

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(endpoints.HANDLERS, "list_blocks", boom)
    r = cmc.post("blocks/list", "xml")
    assert (r.status_code, xml_errors(r)) == (500, [error("01-013", "", "An internal error occurred.")])
    assert "RuntimeError: kaboom" in cmc_fake.requests.last.traceback
    mailblocks.app.errors.clear()
