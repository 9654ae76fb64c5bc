from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from pytest_mailblocks.providers.sendcloud.handle import SendCloudHandle

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sendcloud"
PREFIXES = ("/api", "/apiv2")
OK = {"/api": "request was successful", "/apiv2": "请求成功"}
#: every operation: (module/action path, operation name)
ROUTES = [
    ("/block/list", "list_blocks"),
    ("/block/add", "add_blocks"),
    ("/block/delete", "delete_blocks"),
    ("/bounce/list", "list_bounces"),
    ("/bounce/delete", "delete_bounces"),
    ("/bounce/count", "count_bounces"),
    ("/unsubscribe/list", "list_unsubscribes"),
    ("/unsubscribe/add", "add_unsubscribe"),
    ("/unsubscribe/delete", "delete_unsubscribes"),
]
#: statusCode -> (English, Chinese), exactly as the fact sheet's table publishes them
MESSAGES = {
    40001: ("start cannot be empty", "start不能为空"),
    40002: ("invalid start", "start非法"),
    40003: ("limit cannot be empty", "limit不能为空"),
    40004: ("invalid limit", "limit非法"),
    40005: ("authentication failed", "认证失败"),
    40006: ("invalid days format, it must be an integer greater than zero", "days格式非法,必须是大于0的正整数"),
    40007: ("invalid startDate format (e.g. “2013-03-19”)", "startDate格式错误,应该类似'2013-03-19'"),
    40008: ("invalid endDate format (e.g. “2013-03-19”)", "endDate格式错误,应该类似'2013-03-19'"),
    40009: ("labelIdList cannot be empty", "labelIdList不能为空"),
    40010: ("apiUserList cannot be empty", "apiUserList不能为空"),
    40011: ("email cannot be empty", "email不能为空"),
    40012: ("invalid email format", "email格式非法"),
    40015: ("invalid label ID format", "标签ID格式错误"),
    40016: ("invalid apiUserList format", "apiUserList格式非法"),
    # assumed rows (docs/providers/sendcloud.md, Assumptions)
    40018: ("the time range cannot be longer than 3 months", "时间区间不能超过三个月"),
    40019: ("expireTime cannot be empty", "expireTime不能为空"),
    40020: ("invalid expireTime format (e.g. “2013-03-19”)", "expireTime格式错误,应该类似'2013-03-19'"),
    40021: ("domainName and email cannot both be empty", "domainName和email不能同时为空"),
    404: ("request path not found", "请求路径不存在"),
    405: ("request method not supported", "不支持的请求方式"),
    501: ("server exception", "服务器异常"),
    50000: ("interface frequency limited", "接口调用频率受限"),
}


def error(code: int, prefix: str = "/api") -> dict[str, Any]:
    """The whole error envelope for ``code`` in the language of ``prefix``."""
    en, zh = MESSAGES[code]
    return {"result": False, "statusCode": code, "message": zh if prefix == "/apiv2" else en, "info": {}}


def success(info: dict[str, Any], prefix: str = "/api", code: int = 200) -> dict[str, Any]:
    return {"result": True, "statusCode": code, "message": OK[prefix], "info": info}


def fixture_body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["response"]["body"]


class SC:
    """A little client over the shared ``http`` session: path and parameters in,
    response out. GET sends a query string, POST a form body."""

    def __init__(self, http: requests.Session, fake: SendCloudHandle) -> None:
        self.http = http
        self.fake = fake

    def auth(self, api_user: str | None = None, api_key: str | None = None) -> dict[str, str]:
        return {"apiUser": api_user or self.fake.api_user, "apiKey": api_key or self.fake.api_key}

    def call(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        prefix: str = "/api",
        method: str = "GET",
        auth: bool | dict[str, str] = True,
    ) -> requests.Response:
        data = dict(params or {})
        if auth is True:
            data = {**self.auth(), **data}
        elif isinstance(auth, dict):
            data = {**auth, **data}
        url = self.fake.url + prefix + path
        if method == "GET":
            return self.http.get(url, params=data)
        return self.http.request(method, url, data=data)

    def ok(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Call and return ``info`` of a success (asserting HTTP 200 and result true)."""
        r = self.call(path, params, **kw)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["result"] is True, body
        info: dict[str, Any] = body["info"]
        return info


@pytest.fixture
def sc(http: requests.Session, sendcloud_fake: SendCloudHandle) -> SC:
    return SC(http, sendcloud_fake)


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    """Both hosts: ``/api`` (English) and ``/apiv2`` (Chinese)."""
    return str(request.param)


@pytest.fixture(params=["GET", "POST"])
def method(request: pytest.FixtureRequest) -> str:
    """Both documented methods: query string (GET) and form body (POST)."""
    return str(request.param)


@pytest.fixture
def frozen(mailblocks):
    """The fake's clock at 2024-05-15 12:00:00 UTC+8 (04:00 UTC)."""
    mailblocks.clock.freeze("2024-05-15T04:00:00Z")
    return mailblocks.clock


# -- the send path (issue 21) ---------------------------------------------------------------
SIM = "simulator.mailblocks.test"
T0 = 1_715_745_600  # 2024-05-15 12:00:00 UTC+8 (04:00 UTC)
SEND = "/api/mail/send"


def mail(*to: str, **extra: Any) -> dict[str, Any]:
    """A valid ``mail/send`` form to ``to`` (one ``to`` parameter), with ``extra``."""
    return {"from": "Shop <shop@example.com>", "to": ";".join(to), "subject": "Your order", "plain": "Thanks", **extra}


def send(fake: SendCloudHandle, params: dict[str, Any], path: str = SEND) -> dict[str, Any]:
    """POST a send with the default credentials; the answer's ``info`` (a success asserted)."""
    r = requests.post(fake.url + path, data={"apiUser": fake.api_user, "apiKey": fake.api_key, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] is True and body["statusCode"] == 200, body
    info: dict[str, Any] = body["info"]
    return info


def verify(appkey: str, token: str, timestamp: str, signature: str) -> bool:
    """SendCloud's documented verification (webhook-code-examples.md, Python), in Python 3."""
    import hashlib
    import hmac

    return (
        signature
        == hmac.new(key=appkey.encode(), msg=f"{timestamp}{token}".encode(), digestmod=hashlib.sha256).hexdigest()
    )


class Receiver:
    """The user's webhook endpoint on loopback (pytest-httpserver): records every POST,
    answers from a script (then 200)."""

    def __init__(self, httpserver: Any, *statuses: int, path: str = "/sendcloud") -> None:
        import threading

        self.statuses = list(statuses)
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        httpserver.expect_request(path, method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for(path)

    def handle(self, request: Any) -> Any:
        from werkzeug.wrappers import Response

        with self.lock:
            self.posts.append((dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else 200
        return Response("", status=status)

    def forms(self) -> list[dict[str, str]]:
        """Each POST's form fields, as the receiver's framework would parse them."""
        from urllib.parse import parse_qsl

        return [dict(parse_qsl(body.decode(), keep_blank_values=True)) for _, body in self.posts]


def as_form(event: dict[str, Any]) -> dict[str, str]:
    """An outbox event as its form POST carries it: lists as JSON text, None empty."""
    return {
        k: json.dumps(v, separators=(",", ":"), ensure_ascii=False)
        if isinstance(v, (list, dict))
        else ("" if v is None else str(v))
        for k, v in event.items()
    }
