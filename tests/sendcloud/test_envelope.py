"""Transport and envelope (sendcloud.md: Transport, Envelope): GET or POST, query
string or form body, both prefixes in their own language, HTTP 200 throughout."""

from __future__ import annotations

import pytest

from .conftest import PREFIXES, ROUTES, error, success


def test_get_query_string_and_post_form_body_answer_alike(sc, sendcloud_fake, frozen, prefix, method):
    sendcloud_fake.add_block("a@example.com", expire_time="2030-01-01")
    r = sc.call("/block/list", {"days": 1}, prefix=prefix, method=method)
    assert r.status_code == 200
    assert r.json() == success(
        {
            "dataList": [
                {
                    "apiUserBlock": "all",
                    "domain": "",
                    "email": "a@example.com",
                    "createTime": "2024-05-15 12:00:00",
                    "expireTime": "2030-01-01 00:00:00",
                }
            ],
            "count": 1,
        },
        prefix,
    )


def test_post_multipart_form_body_is_read_too(sc, sendcloud_fake, frozen):
    fields = {**sc.auth(), "email": "m@example.com", "expireTime": "2030-01-01"}
    r = sc.http.post(sendcloud_fake.url + "/api/block/add", files={k: (None, v) for k, v in fields.items()})
    assert r.json()["result"] is True
    assert [b["email"] for b in sendcloud_fake.blocks()] == ["m@example.com"]


def test_query_string_wins_over_the_form_body_for_the_same_name(sc, sendcloud_fake):
    """Assumed (servlet order): a name in both places takes the query string's value."""
    r = sc.http.post(
        sendcloud_fake.url + "/api/block/list",
        params={**sc.auth(), "days": "1"},
        data={"days": "x", "apiKey": "wrong"},
    )
    assert r.json() == success({"dataList": [], "count": 0})


def test_a_repeated_parameter_takes_its_first_value(sc, sendcloud_fake):
    r = sc.http.get(sendcloud_fake.url + "/api/block/list", params=[*sc.auth().items(), ("days", "1"), ("days", "x")])
    assert r.json() == success({"dataList": [], "count": 0})


@pytest.mark.parametrize("prefix", PREFIXES)
def test_errors_are_http_200_envelopes_in_the_prefix_language(sc, prefix):
    r = sc.call("/block/list", {"days": "0"}, prefix=prefix)
    assert r.status_code == 200
    assert r.json() == error(40006, prefix)


def test_api_answers_in_english_and_apiv2_in_chinese_with_the_same_codes(sc):
    bad = {"apiUser": "x", "apiKey": "y"}
    en = sc.call("/block/list", {"days": 1}, auth=bad).json()
    zh = sc.call("/block/list", {"days": 1}, prefix="/apiv2", auth=bad).json()
    assert (en["statusCode"], zh["statusCode"]) == (40005, 40005)
    assert (en["message"], zh["message"]) == ("authentication failed", "认证失败")
    assert sc.call("/block/list", {"days": 1}).json()["message"] == "request was successful"
    assert sc.call("/block/list", {"days": 1}, prefix="/apiv2").json()["message"] == "请求成功"


def test_body_is_compact_utf8_json_with_chinese_unescaped(sc):
    """The live 40005 body was compact (recordings auth_failed_40005_recorded)."""
    r = sc.call("/block/list", {"days": 1}, prefix="/apiv2", auth={"apiUser": "x", "apiKey": "y"})
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert r.content == '{"result":false,"statusCode":40005,"message":"认证失败","info":{}}'.encode()


@pytest.mark.parametrize("path", ["/block/lists", "/block", "/blocks/list", "/Block/list", "/mail/sends", ""])
def test_unknown_path_under_a_prefix_is_an_envelope_404(sc, prefix, path):
    r = sc.call(path, {"days": 1}, prefix=prefix)
    assert r.status_code == 200
    assert r.json() == error(404, prefix)


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize(("path", "_op"), ROUTES)
def test_methods_other_than_get_and_post_are_an_envelope_405(sc, sendcloud_fake, verb, path, _op):
    r = sc.http.request(verb, sendcloud_fake.url + "/apiv2" + path, params=sc.auth())
    assert r.status_code == 200
    assert r.json() == error(405, "/apiv2")
    assert r.headers["Allow"] == "GET, HEAD, POST"


def test_head_answers_like_get_without_a_body(sc, sendcloud_fake):
    r = sc.http.head(sendcloud_fake.url + "/api/block/list", params={**sc.auth(), "days": 1})
    assert (r.status_code, r.content) == (200, b"")
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"


def test_trailing_slash_is_the_same_route(sc):
    assert sc.call("/block/list/", {"days": 1}).json() == success({"dataList": [], "count": 0})


def test_both_prefixes_share_one_state(sc, sendcloud_fake):
    """Assumed: one fake account behind both hosts."""
    sc.ok("/block/add", {"email": "x@example.com", "expireTime": "2030-01-01"}, prefix="/apiv2", method="POST")
    assert [b["email"] for b in sc.ok("/block/list", {"days": 1})["dataList"]] == ["x@example.com"]


def test_journal_names_operation_tenant_and_error(sc, sendcloud_fake):
    sc.call("/block/list", {"days": "0"}, prefix="/apiv2")
    entry = sendcloud_fake.requests.last
    assert (entry.endpoint, entry.tenant, entry.auth, entry.error_code) == (
        "list_blocks",
        sendcloud_fake.api_user,
        "ok",
        "SC_DAYS_INVALID",
    )
