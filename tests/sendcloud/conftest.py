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
    # the send path (issue 21): codes and zh from the code table, en the fake's (assumed)
    40000: ("duplicate request", "重复请求"),
    40022: ("the time range cannot be longer than 30 days", "时间区间不能超过30天"),
    40023: ("sendRequestId cannot be longer than 128 characters", "sendRequestId的长度不能超过128个字符"),
    40024: (
        "invalid sendTags: at most 5 tags separated by ';', each at most 50 characters",
        "sendTags格式错误: 最多5个标签, 以';'分隔, 每个不超过50个字符",
    ),
    40201: ("template invokeName cannot be empty", "模版调用名称invokeName不能为空"),
    40301: ("user does not exist", "用户不存在"),
    40703: ("event type cannot be empty", "事件类型不能为空"),
    40704: ("invalid event type format, no usable event type", "事件类型格式错误,没有可用的事件类型"),
    40705: ("url cannot be empty", "url不能为空"),
    40706: ("invalid url format", "url格式错误"),
    40708: ("url already exists", "url已存在"),
    40710: ("failed to create the webhook configuration", "webhook配置创建失败"),
    40801: ("from cannot be empty", "发信人地址from不能为空"),
    40802: ("invalid from format", "发信人地址from格式错误"),
    40805: ("recipient address cannot be empty", "收件人地址不能为空"),
    40806: ("the recipient addresses contain an invalid address", "收件人地址数组中, 存在非法地址"),
    40807: ("the number of recipient addresses cannot exceed 100", "收件人地址的数目不能超过100"),
    40808: ("subject cannot be empty", "邮件主题subject不能为空"),
    40811: ("invalid replyTo format", "回复地址replyto格式错误"),
    40812: ("xsmtpapi cannot be empty", "xsmtpapi不能为空"),
    40813: ("invalid xsmtpapi format", "xsmtpapi格式错误"),
    40814: ("the parsed xsmtpapi cannot be empty", "xsmtpapi解析值不能为空"),
    40815: ("xsmtpapi must contain a to field", "xsmtpapi必须含有to字段"),
    40816: ("the to field of xsmtpapi cannot be empty", "xsmtpapi中to字段的解析值不能为空"),
    40817: ("xsmtpapi cannot be parsed", "xsmtpapi解析错误"),
    40827: ("the to array of xsmtpapi cannot be longer than 100", "xsmtpapi中to数组长度不能超过100"),
    40853: ("invalid cc address format", "cc地址格式错误"),
    40854: ("the number of CC addresses cannot exceed 100", "CC地址的数目不能超过100"),
    40856: ("invalid bcc address format", "bcc地址格式错误"),
    40857: ("the number of BCC addresses cannot exceed 100", "BCC地址的数目不能超过100"),
    40859: ("invalid respEmailId format", "respEmailId格式错误"),
    40861: ("invalid gzipCompress format", "gzipCompress格式错误"),
    40862: ("to contains a malformed address list", "to中有格式错误的地址列表"),
    40864: ("the number of address lists cannot exceed 5", "地址列表的数目不能超过5"),
    40869: ("invalid headers format", "headers格式错误"),
    40870: ("html and plain cannot both be empty", "html和plain不能同时为空"),
    40874: ("invalid useAddressList format", "useAddressList格式错误"),
    40902: ("unknown exception in mail processing", "邮件处理发生未知异常"),
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
