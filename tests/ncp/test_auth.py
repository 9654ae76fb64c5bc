"""API Gateway authentication (ncp.md: Authentication; recordings apigw_401_*, apigw_404_*)."""

from __future__ import annotations

import pytest

from .conftest import AUTH_INVALID, AUTH_MISSING, NOT_FOUND, SEND_BLOCK, UNSUBSCRIBERS, gateway_error, sign

TARGET = SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"
EMPTY_PAGE_KEYS = {"content", "registerStatus", "expectedDeleteDate", "last", "totalElements"}


def test_correctly_signed_request_is_answered_by_the_endpoint(ncp):
    r = ncp.get(TARGET)
    assert r.status_code == 200
    assert set(r.json()) >= EMPTY_PAGE_KEYS
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert ncp.fake.requests.last.auth == "ok"


@pytest.mark.parametrize("header", ["x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2"])
def test_any_missing_header_is_401_authentication_information_are_missing(ncp, header):
    headers = ncp.headers("GET", TARGET)
    del headers[header]
    r = ncp.http.get(ncp.fake.url + TARGET, headers=headers)
    assert r.status_code == 401
    assert r.json() == AUTH_MISSING
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"
    assert ncp.fake.requests.last.auth == "missing"


def test_no_headers_at_all_is_401_missing(ncp):
    r = ncp.http.get(ncp.fake.url + TARGET)
    assert (r.status_code, r.json()) == (401, AUTH_MISSING)


def test_empty_header_values_count_as_missing(ncp):
    headers = {k: "" for k in ncp.headers("GET", TARGET)}
    r = ncp.http.get(ncp.fake.url + TARGET, headers=headers)
    assert (r.status_code, r.json()) == (401, AUTH_MISSING)


def test_unknown_access_key_is_401_invalid_authentication_information(ncp):
    r = ncp.get(TARGET, access_key="NOSUCHKEY00000000000")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert ncp.fake.requests.last.auth == "invalid"


def test_wrong_secret_is_401_invalid(ncp):
    r = ncp.get(TARGET, secret_key="not-the-secret")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_signature_over_another_query_is_401_invalid(ncp):
    r = ncp.get(TARGET, signed_target=SEND_BLOCK + "?targetAddress=other%40ncp-mail.com")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_signature_over_another_method_is_401_invalid(ncp):
    headers = ncp.headers("POST", TARGET)
    r = ncp.http.get(ncp.fake.url + TARGET, headers=headers)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_signature_is_over_the_query_exactly_as_sent(ncp):
    """``%40`` and a literal ``@`` are the same parameter but different signed text."""
    raw = SEND_BLOCK + "?targetAddress=test01@ncp-mail.com"
    assert ncp.get(raw).status_code == 200
    assert ncp.fake.requests.last.query["targetAddress"] == "test01@ncp-mail.com"
    r = ncp.get(raw, signed_target=TARGET)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    r = ncp.get(TARGET, signed_target=raw)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_signature_covers_the_query_parameter_order(ncp):
    sent = SEND_BLOCK + "?size=5&targetAddress=a%40example.com"
    assert ncp.get(sent).status_code == 200
    r = ncp.get(sent, signed_target=SEND_BLOCK + "?targetAddress=a%40example.com&size=5")
    assert r.status_code == 401


def test_signature_without_the_query_is_invalid_for_a_request_with_one(ncp):
    r = ncp.get(TARGET, signed_target=SEND_BLOCK)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_non_numeric_timestamp_is_401_invalid(ncp):
    r = ncp.get(TARGET, timestamp="yesterday")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


@pytest.mark.parametrize("offset_ms", [-300_000, 300_000, -1, 0])
def test_timestamp_within_5_minutes_either_way_is_accepted(ncp, mailblocks, offset_ms):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    r = ncp.get(TARGET, timestamp=ncp.now_ms() + offset_ms)
    assert r.status_code == 200


@pytest.mark.parametrize("offset_ms", [-300_001, 300_001, -86_400_000])
def test_timestamp_more_than_5_minutes_off_is_401_authentication_failed(ncp, mailblocks, offset_ms):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    r = ncp.get(TARGET, timestamp=ncp.now_ms() + offset_ms)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert ncp.fake.requests.last.auth == "expired"


def test_signed_request_expires_when_the_fake_clock_moves(ncp, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    headers = ncp.headers("GET", TARGET)
    assert ncp.http.get(ncp.fake.url + TARGET, headers=headers).status_code == 200
    mailblocks.clock.advance(minutes=5, milliseconds=1)
    r = ncp.http.get(ncp.fake.url + TARGET, headers=headers)
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_timestamp_in_seconds_is_far_outside_the_window(ncp):
    r = ncp.get(TARGET, timestamp=ncp.now_ms() // 1000)
    assert r.status_code == 401 and ncp.fake.requests.last.auth == "expired"


def test_key_without_permission_is_401_errorcode_210_permission_denied(ncp, ncp_fake):
    key = ncp_fake.add_access_key(permitted=False)
    r = ncp.get(TARGET, access_key=key["access_key"], secret_key=key["secret_key"])
    assert r.status_code == 401
    assert r.json() == gateway_error("210", "Permission Denied", "A subscription to the API is required.")
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"


def test_forbidden_key_is_403_errorcode_230(ncp, ncp_fake):
    key = ncp_fake.add_access_key(forbidden=True)
    r = ncp.get(TARGET, access_key=key["access_key"], secret_key=key["secret_key"])
    assert (r.status_code, r.json()) == (403, gateway_error("230", "Forbidden", "Forbidden."))


def test_permission_is_checked_after_the_signature(ncp, ncp_fake):
    key = ncp_fake.add_access_key(permitted=False)
    r = ncp.get(TARGET, access_key=key["access_key"], secret_key="wrong")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


def test_second_access_key_works_in_its_own_project(ncp, ncp_fake):
    key = ncp_fake.add_access_key()
    assert key["project"] != ncp_fake.project
    r = ncp.get(TARGET, access_key=key["access_key"], secret_key=key["secret_key"])
    assert r.status_code == 200
    assert ncp_fake.requests.last.tenant == key["project"]


def test_revoked_key_is_401_invalid(ncp, ncp_fake):
    key = ncp_fake.add_access_key()
    ncp_fake.revoke_access_key(key["access_key"])
    r = ncp.get(TARGET, access_key=key["access_key"], secret_key=key["secret_key"])
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/send-blocks", "/api/v1/nothing", "/api/v1", "/api/v1/", "/api/v1/send-block/extra", "/api/v1-sgn/x"],
)
def test_unknown_path_under_the_prefix_is_gateway_404_url_not_found(ncp, path):
    r = ncp.http.get(ncp.fake.url + path)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"


def test_unknown_path_is_404_even_when_signed(ncp):
    r = ncp.get("/api/v1/templates")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


def test_every_response_carries_a_trace_id(ncp):
    ids = set()
    for r in (ncp.get(TARGET), ncp.http.get(ncp.fake.url + TARGET), ncp.http.get(ncp.fake.url + "/api/v1/x")):
        assert len(r.headers["x-ncp-trace-id"]) == 32
        ids.add(r.headers["x-ncp-trace-id"])
    assert len(ids) == 3


def test_query_that_is_not_utf8_is_gateway_400_errorcode_100(ncp):
    r = ncp.get(SEND_BLOCK + "?targetAddress=%ff%fe")
    assert r.status_code == 400
    assert r.json() == gateway_error("100", "Bad Request Exception", "Bad request.")
    assert r.headers["x-ncp-apigw-response-origin"] == "APIGW"


# -- a request without a query ---------------------------------------------------------------
def test_query_less_request_signed_over_the_path_is_accepted(ncp):
    r = ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["a@example.com"]})
    assert r.status_code == 201


def test_query_less_request_signed_over_path_and_bare_question_mark_is_accepted(ncp):
    """What httpx-ncloud sends (docs/providers/ncp.md: the trailing ``?``)."""
    r = ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["a@example.com"]}, signed_target=UNSUBSCRIBERS + "?")
    assert r.status_code == 201


def test_bare_question_mark_sent_is_accepted_with_either_signature(ncp):
    body = {"blockedReceivers": ["a@example.com"]}
    assert ncp.post(UNSUBSCRIBERS + "?", json=body).status_code == 201
    assert ncp.delete(UNSUBSCRIBERS + "?", json=body, signed_target=UNSUBSCRIBERS).status_code == 200


def test_strict_signing_refuses_the_bare_question_mark_variant(ncp, ncp_fake):
    ncp_fake.set_strict_signing()
    body = {"blockedReceivers": ["a@example.com"]}
    r = ncp.post(UNSUBSCRIBERS, json=body, signed_target=UNSUBSCRIBERS + "?")
    assert (r.status_code, r.json()) == (401, AUTH_INVALID)
    assert ncp.post(UNSUBSCRIBERS, json=body).status_code == 201
    ncp_fake.set_strict_signing(False)
    assert ncp.delete(UNSUBSCRIBERS, json=body, signed_target=UNSUBSCRIBERS + "?").status_code == 200


def test_a_request_with_a_query_never_takes_the_variant(ncp):
    r = ncp.get(TARGET, signed_target=TARGET + "?")
    assert r.status_code == 401


# -- regions -----------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1-sgn", "v1-jpn"])
def test_regional_prefixes_are_served_and_signed_over_their_own_path(ncp, version):
    target = f"/api/{version}/send-block?targetAddress=a%40example.com"
    assert ncp.get(target).status_code == 200
    r = ncp.get(target, signed_target=target.replace(version, "v1"))
    assert r.status_code == 401


def test_signature_helper_matches_the_independent_signer(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    h = ncp_fake.signed_headers("GET", TARGET)
    assert h["x-ncp-apigw-timestamp"] == "1714521600000"
    assert h["x-ncp-apigw-signature-v2"] == sign(
        ncp_fake.secret_key, "GET", TARGET, "1714521600000", ncp_fake.access_key
    )


def test_journal_redacts_the_signature_and_access_key(ncp):
    ncp.get(TARGET)
    headers = {k.lower(): v for k, v in ncp.fake.requests.last.to_dict()["headers"].items()}
    assert headers["x-ncp-apigw-signature-v2"] == "<redacted>"
    assert headers["x-ncp-iam-access-key"] == "<redacted>"
    assert headers["x-ncp-apigw-timestamp"].isdigit()
