"""Every 77xxx code of seed 001 with its documented HTTP status, the order in which they
are checked, and injected faults in the gateway's or the mailer's format."""

from __future__ import annotations

import pytest

from pytest_mailblocks.core.errors import ControlError

from .conftest import BAD_REQUEST, SEND_BLOCK, UNSUBSCRIBERS, gateway_error, mailer_error

TARGET = SEND_BLOCK + "?targetAddress=a%40example.com"
BODY = {"blockedReceivers": ["a@example.com"]}

#: seed 001 status table; messages from the older docs' "응답 메시지" column
FLAGS = [
    ("login_error", True, 400, "77101", "로그인 정보 오류"),
    ("resource_missing", True, 400, "77103", "리소스가 존재하지 않음"),
    ("permission_denied", True, 403, "77201", "권한 없음"),
    ("subscribed", False, 403, "77202", "Email 상품 사용신청 하지 않음"),
    ("default_project", False, 500, "77301", "기본 프로젝트가 존재하지 않음"),
    ("external_system_error", True, 500, "77302", "외부 시스템 API 연동 오류"),
    ("internal_error", True, 500, "77303", "그외 INTERNAL_SERVER_ERROR"),
]


@pytest.mark.parametrize(("flag", "value", "status", "code", "message"), FLAGS)
@pytest.mark.parametrize("call", ["get_send_block", "get_unsubscribers", "register", "delete"])
def test_account_flag_gives_its_code_and_status_on_every_operation(
    ncp, ncp_fake, flag, value, status, code, message, call
):
    ncp_fake.set_account(**{flag: value})
    if call == "get_send_block":
        r = ncp.get(TARGET)
    elif call == "get_unsubscribers":
        r = ncp.get(UNSUBSCRIBERS + "?startUtc=0&endUtc=1")
    elif call == "register":
        r = ncp.post(UNSUBSCRIBERS, json=BODY)
    else:
        r = ncp.delete(UNSUBSCRIBERS, json=BODY)
    assert (r.status_code, r.json()) == (status, mailer_error(code, message))
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert ncp_fake.requests.last.error_code == code


def test_not_subscribed_is_403_77202(ncp, ncp_fake):
    ncp_fake.set_subscribed(False)
    r = ncp.get(TARGET)
    assert (r.status_code, r.json()) == (403, mailer_error("77202", "Email 상품 사용신청 하지 않음"))
    ncp_fake.set_subscribed(True)
    assert ncp.get(TARGET).status_code == 200


def test_flags_belong_to_one_project(ncp, ncp_fake):
    other = ncp_fake.add_access_key()
    ncp_fake.set_subscribed(False, project=other["project"])
    assert ncp.get(TARGET).status_code == 200
    r = ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"])
    assert r.status_code == 403


def test_other_methods_are_405_77001_after_auth(ncp):
    for method in ("PUT", "PATCH", "POST", "DELETE"):
        r = ncp.request(method, TARGET)
        assert (r.status_code, r.json()) == (405, mailer_error("77001", "METHOD_NOT_ALLOWED")), method
        assert r.headers["Allow"] == "GET, HEAD"
    r = ncp.request("PUT", UNSUBSCRIBERS, json=BODY)
    assert r.status_code == 405 and r.headers["Allow"] == "DELETE, GET, HEAD, POST"


def test_other_method_without_auth_is_the_gateways_401(ncp):
    r = ncp.http.put(ncp.fake.url + TARGET)
    assert r.status_code == 401 and r.json()["error"]["errorCode"] == "200"


def test_unsupported_media_type_is_415_77002(ncp):
    r = ncp.post(UNSUBSCRIBERS, data="blockedReceivers=a@example.com", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (415, mailer_error("77002", "UNSUPPORTED_MEDIA_TYPE"))


def test_bad_request_is_400_77102(ncp):
    r = ncp.get(SEND_BLOCK)
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)


# -- order of checks ------------------------------------------------------------------------------
def test_method_and_media_type_come_before_account_flags(ncp, ncp_fake):
    ncp_fake.set_subscribed(False)
    assert ncp.request("PUT", TARGET).json()["error"]["code"] == "77001"
    r = ncp.post(UNSUBSCRIBERS, data="x", headers={"Content-Type": "text/plain"})
    assert r.json()["error"]["code"] == "77002"


def test_interceptor_flags_come_before_parameters_and_service_flags_after(ncp, ncp_fake):
    ncp_fake.set_account(subscribed=False, internal_error=True)
    assert ncp.get(SEND_BLOCK).json()["error"]["code"] == "77202"
    ncp_fake.set_account(subscribed=True)
    assert ncp.get(SEND_BLOCK).json()["error"]["code"] == "77102"
    assert ncp.get(TARGET).json()["error"]["code"] == "77303"


def test_interceptor_flags_are_checked_in_a_fixed_order(ncp, ncp_fake):
    ncp_fake.set_account(login_error=True, subscribed=False, permission_denied=True, default_project=False)
    seen = []
    for flag, value in (("login_error", False), ("subscribed", True), ("permission_denied", False)):
        seen.append(ncp.get(TARGET).json()["error"]["code"])
        ncp_fake.set_account(**{flag: value})
    seen.append(ncp.get(TARGET).json()["error"]["code"])
    assert seen == ["77101", "77202", "77201", "77301"]


def test_gateway_errors_come_before_every_mailer_error(ncp, ncp_fake):
    ncp_fake.set_subscribed(False)
    r = ncp.get(SEND_BLOCK, secret_key="wrong")
    assert r.status_code == 401 and r.headers["x-ncp-apigw-response-origin"] == "APIGW"


def test_failed_service_call_changes_nothing(ncp, ncp_fake):
    ncp_fake.set_account(external_system_error=True)
    assert ncp.post(UNSUBSCRIBERS, json=BODY).status_code == 500
    assert ncp_fake.unsubscribers() == []


@pytest.mark.parametrize("flag", ["subscribed", "nonsense"])
def test_set_account_validates_flags(ncp_fake, flag):
    with pytest.raises(ControlError):
        ncp_fake.set_account(**{flag: "no" if flag == "subscribed" else True})


# -- injected faults ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "body", "origin"),
    [
        (400, mailer_error("77102", "BAD_REQUEST"), "ENDPOINT"),
        (403, mailer_error("77201", "권한 없음"), "ENDPOINT"),
        (405, mailer_error("77001", "METHOD_NOT_ALLOWED"), "ENDPOINT"),
        (415, mailer_error("77002", "UNSUPPORTED_MEDIA_TYPE"), "ENDPOINT"),
        (500, mailer_error("77303", "그외 INTERNAL_SERVER_ERROR"), "ENDPOINT"),
        (401, gateway_error("200", "Authentication Failed", "Invalid authentication information."), "APIGW"),
        (404, gateway_error("300", "Not Found Exception", "URL not found."), "APIGW"),
        (413, gateway_error("430", "Request Entity Too Large", "Request entity too large."), "APIGW"),
        (429, gateway_error("400", "Quota Exceeded", "Quota exceeded."), "APIGW"),
        (503, gateway_error("500", "Endpoint Error", "Endpoint error."), "APIGW"),
        (504, gateway_error("510", "Endpoint Timeout", "Endpoint timeout."), "APIGW"),
        (502, gateway_error("900", "Unexpected Error", "Unexpected error."), "APIGW"),
        (409, gateway_error("100", "Bad Request Exception", "Bad request."), "APIGW"),
    ],
)
def test_injected_fault_status_in_the_format_of_who_would_send_it(ncp, ncp_fake, status, body, origin):
    ncp_fake.inject_fault("get_send_block_list", status=status, times=1)
    r = ncp.get(TARGET)
    assert (r.status_code, r.json()) == (status, body)
    assert r.headers["x-ncp-apigw-response-origin"] == origin
    assert ncp.get(TARGET).status_code == 200


def test_fault_targets_one_operation(ncp, ncp_fake):
    ncp_fake.inject_fault("register_unsubscribers", status=500)
    assert ncp.get(TARGET).status_code == 200
    assert ncp.post(UNSUBSCRIBERS, json=BODY).status_code == 500
    assert ncp.delete(UNSUBSCRIBERS, json=BODY).status_code == 200


def test_body_over_the_servers_cap_is_gateway_413(ncp, mailblocks):
    big = b'{"blockedReceivers": ["' + b"a" * (mailblocks.app.max_body + 1) + b'"]}'
    r = ncp.post(UNSUBSCRIBERS, data=big, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]["errorCode"]) == (413, "430")
