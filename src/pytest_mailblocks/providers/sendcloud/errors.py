"""SendCloud errors: the catalogue.

Wire shape (rendered by ``render.render_error``): the envelope every SendCloud
answer uses, ``{"result":false,"statusCode":<code>,"message":"...","info":{}}``,
with HTTP 200 (``shared/providers/sendcloud.md``: Envelope). ``message`` is English
under ``/api/`` and Chinese under ``/apiv2/`` (``messages["zh"]``), same codes.

Sources: the code table of aurorasendcloud.com/docs/API/index (English) and
sendcloud2013/sendcloud_docs ``sources/email_v2/index.md`` @6d8cd47 (Chinese), as
quoted in the fact sheet. Rows no document backs carry ``assumed=True`` and are
listed in ``docs/providers/sendcloud.md``; their codes 40018-40021 are invented
(the published tables jump from 40017 to 40100).
"""

from __future__ import annotations

from ...core.errors import ErrorEntry

_GUARD = "the fake's own guard (issue 19: DNS rebinding, cross-site pages); the provider has no such answer"
_TABLE = "code table: aurorasendcloud.com/docs/API/index; sendcloud_docs sources/email_v2/index.md @6d8cd47"

SC_START_EMPTY = ErrorEntry(
    "SC_START_EMPTY", 200, "start cannot be empty", code=40001, messages={"zh": "start不能为空"}, source=_TABLE
)
SC_START_INVALID = ErrorEntry(
    "SC_START_INVALID", 200, "invalid start", code=40002, messages={"zh": "start非法"}, source=_TABLE
)
SC_LIMIT_EMPTY = ErrorEntry(
    "SC_LIMIT_EMPTY", 200, "limit cannot be empty", code=40003, messages={"zh": "limit不能为空"}, source=_TABLE
)
SC_LIMIT_INVALID = ErrorEntry(
    "SC_LIMIT_INVALID", 200, "invalid limit", code=40004, messages={"zh": "limit非法"}, source=_TABLE
)
SC_AUTH_FAILED = ErrorEntry(
    "SC_AUTH_FAILED",
    200,
    "authentication failed",
    code=40005,
    messages={"zh": "认证失败"},
    source=_TABLE + "; live body: recordings auth_failed_40005_recorded",
)
SC_DAYS_INVALID = ErrorEntry(
    "SC_DAYS_INVALID",
    200,
    "invalid days format, it must be an integer greater than zero",
    code=40006,
    messages={"zh": "days格式非法,必须是大于0的正整数"},
    source=_TABLE,
)
SC_START_DATE_INVALID = ErrorEntry(
    "SC_START_DATE_INVALID",
    200,
    "invalid startDate format (e.g. “2013-03-19”)",
    code=40007,
    messages={"zh": "startDate格式错误,应该类似'2013-03-19'"},
    source=_TABLE,
)
SC_END_DATE_INVALID = ErrorEntry(
    "SC_END_DATE_INVALID",
    200,
    "invalid endDate format (e.g. “2013-03-19”)",
    code=40008,
    messages={"zh": "endDate格式错误,应该类似'2013-03-19'"},
    source=_TABLE,
)
SC_LABEL_ID_LIST_EMPTY = ErrorEntry(
    "SC_LABEL_ID_LIST_EMPTY",
    200,
    "labelIdList cannot be empty",
    code=40009,
    messages={"zh": "labelIdList不能为空"},
    source=_TABLE,
)
SC_API_USER_LIST_EMPTY = ErrorEntry(
    "SC_API_USER_LIST_EMPTY",
    200,
    "apiUserList cannot be empty",
    code=40010,
    messages={"zh": "apiUserList不能为空"},
    source=_TABLE,
)
SC_EMAIL_EMPTY = ErrorEntry(
    "SC_EMAIL_EMPTY", 200, "email cannot be empty", code=40011, messages={"zh": "email不能为空"}, source=_TABLE
)
SC_EMAIL_INVALID = ErrorEntry(
    "SC_EMAIL_INVALID", 200, "invalid email format", code=40012, messages={"zh": "email格式非法"}, source=_TABLE
)
SC_LABEL_ID_INVALID = ErrorEntry(
    "SC_LABEL_ID_INVALID",
    200,
    "invalid label ID format",
    code=40015,
    messages={"zh": "标签ID格式错误"},
    source=_TABLE,
)
SC_API_USER_LIST_INVALID = ErrorEntry(
    "SC_API_USER_LIST_INVALID",
    200,
    "invalid apiUserList format",
    code=40016,
    messages={"zh": "apiUserList格式非法"},
    source=_TABLE,
)
SC_RANGE_TOO_LONG = ErrorEntry(
    "SC_RANGE_TOO_LONG",
    200,
    "the time range cannot be longer than 3 months",
    code=40018,
    messages={"zh": "时间区间不能超过三个月"},
    assumed=True,
    source="the rule is documented (seed 004 tips; bounce_do.md); no code or message is (sendcloud.md)",
)
SC_EXPIRE_TIME_EMPTY = ErrorEntry(
    "SC_EXPIRE_TIME_EMPTY",
    200,
    "expireTime cannot be empty",
    code=40019,
    messages={"zh": "expireTime不能为空"},
    assumed=True,
    source="seed 004: expireTime required; no code documented (sendcloud.md); wording after 40011",
)
SC_EXPIRE_TIME_INVALID = ErrorEntry(
    "SC_EXPIRE_TIME_INVALID",
    200,
    "invalid expireTime format (e.g. “2013-03-19”)",
    code=40020,
    messages={"zh": "expireTime格式错误,应该类似'2013-03-19'"},
    assumed=True,
    source="seed 004: expireTime is yyyy-MM-dd; no code documented; wording after 40007",
)
SC_DOMAIN_OR_EMAIL_REQUIRED = ErrorEntry(
    "SC_DOMAIN_OR_EMAIL_REQUIRED",
    200,
    "domainName and email cannot both be empty",
    code=40021,
    messages={"zh": "domainName和email不能同时为空"},
    assumed=True,
    source="seed 004 tips: 'domainName and email cannot be empty at the same time'; no code documented",
)
SC_NOT_FOUND = ErrorEntry(
    "SC_NOT_FOUND",
    200,
    "request path not found",
    code=404,
    messages={"zh": "请求路径不存在"},
    assumed=True,
    source="no document; an unknown path under /api/ or /apiv2/",
)
SC_METHOD_NOT_ALLOWED = ErrorEntry(
    "SC_METHOD_NOT_ALLOWED",
    200,
    "request method not supported",
    code=405,
    messages={"zh": "不支持的请求方式"},
    assumed=True,
    source="no document; the APIs are documented for GET and POST only",
)
SC_REQUEST_TOO_LARGE = ErrorEntry(
    "SC_REQUEST_TOO_LARGE",
    200,
    "request entity too large",
    code=413,
    messages={"zh": "请求体过大"},
    assumed=True,
    source="no document; bodies over the server's cap",
)
SC_HOST_NOT_ALLOWED = ErrorEntry(
    "SC_HOST_NOT_ALLOWED",
    403,
    "host {0} is not allowed: the fake answers only loopback names, the address it is bound to "
    "and names given with --allow-host",
    code=403,
    messages={"zh": "不允许的主机 {0}:仅接受回环地址的主机名、服务器绑定的地址和 --allow-host 指定的名称"},
    assumed=True,
    source=_GUARD + "; HTTP 403 (not the envelope's usual 200) so that the refusal is plain",
)
SC_CROSS_SITE = ErrorEntry(
    "SC_CROSS_SITE",
    403,
    "cross-site request refused ({0}): browser pages may call the fake only from its own origin "
    "or from a name given with --allow-host",
    code=403,
    messages={"zh": "拒绝跨站请求({0}):浏览器页面只能从本服务器自身的源或 --allow-host 指定的名称调用"},
    assumed=True,
    source=_GUARD + "; HTTP 403 (not the envelope's usual 200) so that the refusal is plain",
)
SC_SERVER_ERROR = ErrorEntry(
    "SC_SERVER_ERROR",
    200,
    "server exception",
    code=501,
    messages={"zh": "服务器异常"},
    assumed=True,
    source=_TABLE + " (501 服务器异常); the English text is not published",
)
SC_FREQUENCY_LIMITED = ErrorEntry(
    "SC_FREQUENCY_LIMITED",
    429,
    "interface frequency limited",
    code=50000,
    messages={"zh": "接口调用频率受限"},
    assumed=True,
    source="docs.aurorasendcloud.com/reference/get-emails-status (data API, key spelled 'statuscode'); "
    "used for injected 429 faults only; the Chinese text is not published",
)

# -- the send path (issue 21): mail/send, mail/sendtemplate, data/emailStatus, webhook/* --------
# Codes and Chinese texts: the code table of sendcloud_docs ``sources/email_v2/index.md``
# (408xx mail, 407xx webhook, 40201 template, 40301 user, 40902 mail processing). The English
# texts of these rows are not published (the English table quoted in the fact sheet stops at
# 40012): they are the fake's translations, listed as assumptions.
_SEND = "sendcloud_docs sources/email_v2/index.md (code, zh); English translated (assumed)"


def _send_row(key: str, code: int, en: str, zh: str, source: str = _SEND, assumed: bool = False) -> ErrorEntry:
    return ErrorEntry(key, 200, en, code=code, messages={"zh": zh}, source=source, assumed=assumed)


SC_SEND_FROM_EMPTY = _send_row("SC_SEND_FROM_EMPTY", 40801, "from cannot be empty", "发信人地址from不能为空")
SC_SEND_FROM_INVALID = _send_row("SC_SEND_FROM_INVALID", 40802, "invalid from format", "发信人地址from格式错误")
SC_SEND_TO_EMPTY = _send_row("SC_SEND_TO_EMPTY", 40805, "recipient address cannot be empty", "收件人地址不能为空")
SC_SEND_TO_INVALID = _send_row(
    "SC_SEND_TO_INVALID", 40806, "the recipient addresses contain an invalid address", "收件人地址数组中, 存在非法地址"
)
SC_SEND_TO_TOO_MANY = _send_row(
    "SC_SEND_TO_TOO_MANY", 40807, "the number of recipient addresses cannot exceed 100", "收件人地址的数目不能超过100"
)
SC_SEND_SUBJECT_EMPTY = _send_row("SC_SEND_SUBJECT_EMPTY", 40808, "subject cannot be empty", "邮件主题subject不能为空")
SC_SEND_REPLY_TO_INVALID = _send_row(
    "SC_SEND_REPLY_TO_INVALID", 40811, "invalid replyTo format", "回复地址replyto格式错误"
)
SC_SEND_XSMTPAPI_EMPTY = _send_row("SC_SEND_XSMTPAPI_EMPTY", 40812, "xsmtpapi cannot be empty", "xsmtpapi不能为空")
SC_SEND_XSMTPAPI_INVALID = _send_row("SC_SEND_XSMTPAPI_INVALID", 40813, "invalid xsmtpapi format", "xsmtpapi格式错误")
SC_SEND_XSMTPAPI_NOTHING = _send_row(
    "SC_SEND_XSMTPAPI_NOTHING", 40814, "the parsed xsmtpapi cannot be empty", "xsmtpapi解析值不能为空"
)
SC_SEND_XSMTPAPI_NO_TO = _send_row(
    "SC_SEND_XSMTPAPI_NO_TO", 40815, "xsmtpapi must contain a to field", "xsmtpapi必须含有to字段"
)
SC_SEND_XSMTPAPI_TO_EMPTY = _send_row(
    "SC_SEND_XSMTPAPI_TO_EMPTY", 40816, "the to field of xsmtpapi cannot be empty", "xsmtpapi中to字段的解析值不能为空"
)
SC_SEND_XSMTPAPI_UNPARSABLE = _send_row(
    "SC_SEND_XSMTPAPI_UNPARSABLE", 40817, "xsmtpapi cannot be parsed", "xsmtpapi解析错误"
)
SC_SEND_XSMTPAPI_TOO_MANY = _send_row(
    "SC_SEND_XSMTPAPI_TOO_MANY",
    40827,
    "the to array of xsmtpapi cannot be longer than 100",
    "xsmtpapi中to数组长度不能超过100",
)
SC_SEND_CC_INVALID = _send_row("SC_SEND_CC_INVALID", 40853, "invalid cc address format", "cc地址格式错误")
SC_SEND_CC_TOO_MANY = _send_row(
    "SC_SEND_CC_TOO_MANY", 40854, "the number of CC addresses cannot exceed 100", "CC地址的数目不能超过100"
)
SC_SEND_BCC_INVALID = _send_row("SC_SEND_BCC_INVALID", 40856, "invalid bcc address format", "bcc地址格式错误")
SC_SEND_BCC_TOO_MANY = _send_row(
    "SC_SEND_BCC_TOO_MANY", 40857, "the number of BCC addresses cannot exceed 100", "BCC地址的数目不能超过100"
)
SC_SEND_RESP_EMAIL_ID_INVALID = _send_row(
    "SC_SEND_RESP_EMAIL_ID_INVALID", 40859, "invalid respEmailId format", "respEmailId格式错误"
)
SC_SEND_GZIP_INVALID = _send_row("SC_SEND_GZIP_INVALID", 40861, "invalid gzipCompress format", "gzipCompress格式错误")
SC_SEND_ADDRESS_LIST_INVALID = _send_row(
    "SC_SEND_ADDRESS_LIST_INVALID",
    40862,
    "to contains a malformed address list",
    "to中有格式错误的地址列表",
)
SC_SEND_ADDRESS_LIST_UNKNOWN = _send_row(
    "SC_SEND_ADDRESS_LIST_UNKNOWN",
    40863,
    "to contains an address list that does not exist. parameter to: {0}",
    "to中有不存在的地址列表. 参数to: {0}",
    source=_SEND + "; the zh text with its detail: send_email.md's example answer",
)
SC_SEND_ADDRESS_LISTS_TOO_MANY = _send_row(
    "SC_SEND_ADDRESS_LISTS_TOO_MANY",
    40864,
    "the number of address lists cannot exceed 5",
    "地址列表的数目不能超过5",
)
SC_SEND_HEADERS_INVALID = _send_row("SC_SEND_HEADERS_INVALID", 40869, "invalid headers format", "headers格式错误")
SC_SEND_CONTENT_EMPTY = _send_row(
    "SC_SEND_CONTENT_EMPTY", 40870, "html and plain cannot both be empty", "html和plain不能同时为空"
)
SC_SEND_USE_ADDRESS_LIST_INVALID = _send_row(
    "SC_SEND_USE_ADDRESS_LIST_INVALID", 40874, "invalid useAddressList format", "useAddressList格式错误"
)
SC_SEND_PROCESSING = _send_row(
    "SC_SEND_PROCESSING",
    40902,
    "unknown exception in mail processing",
    "邮件处理发生未知异常",
    source=_SEND + "; Aurora test.yaml: 'Unknown exception occurred in mail processing (invalid headers Key/Value)'",
)
SC_SEND_TEMPLATE_NAME_EMPTY = _send_row(
    "SC_SEND_TEMPLATE_NAME_EMPTY",
    40201,
    "template invokeName cannot be empty",
    "模版调用名称invokeName不能为空",
)
SC_SEND_DUPLICATE = ErrorEntry(
    "SC_SEND_DUPLICATE",
    200,
    "duplicate request",
    code=40000,
    messages={"zh": "重复请求"},
    assumed=True,
    source="www.sendcloud.net/doc/en/email_v2 lists 40000 'duplicate request' (sendcloud.md); its use for a "
    "sendRequestId seen within the hour and the Chinese text are the fake's",
)
SC_SEND_REQUEST_ID_TOO_LONG = _send_row(
    "SC_SEND_REQUEST_ID_TOO_LONG",
    40023,
    "sendRequestId cannot be longer than 128 characters",
    "sendRequestId的长度不能超过128个字符",
    source="test.yaml: sendRequestId at most 128 characters; no code documented",
    assumed=True,
)
SC_SEND_TAGS_INVALID = _send_row(
    "SC_SEND_TAGS_INVALID",
    40024,
    "invalid sendTags: at most 5 tags separated by ';', each at most 50 characters",
    "sendTags格式错误: 最多5个标签, 以';'分隔, 每个不超过50个字符",
    source="test.yaml: sendTags at most 5, each at most 50 characters; no code documented",
    assumed=True,
)
SC_STATUS_RANGE_TOO_LONG = _send_row(
    "SC_STATUS_RANGE_TOO_LONG",
    40022,
    "the time range cannot be longer than 30 days",
    "时间区间不能超过30天",
    source="deliver_response.md: days and startDate/endDate at most 30 days; no code documented",
    assumed=True,
)
SC_WEBHOOK_EVENT_EMPTY = _send_row("SC_WEBHOOK_EVENT_EMPTY", 40703, "event type cannot be empty", "事件类型不能为空")
SC_WEBHOOK_EVENT_INVALID = _send_row(
    "SC_WEBHOOK_EVENT_INVALID",
    40704,
    "invalid event type format, no usable event type",
    "事件类型格式错误,没有可用的事件类型",
)
SC_WEBHOOK_URL_EMPTY = _send_row("SC_WEBHOOK_URL_EMPTY", 40705, "url cannot be empty", "url不能为空")
SC_WEBHOOK_URL_INVALID = _send_row("SC_WEBHOOK_URL_INVALID", 40706, "invalid url format", "url格式错误")
SC_WEBHOOK_URL_EXISTS = _send_row("SC_WEBHOOK_URL_EXISTS", 40708, "url already exists", "url已存在")
SC_WEBHOOK_CREATE_FAILED = _send_row(
    "SC_WEBHOOK_CREATE_FAILED",
    40710,
    "failed to create the webhook configuration",
    "webhook配置创建失败",
    source=_SEND + "; answered when an account holds 100 webhooks (the fake's bound, assumed)",
)
SC_WEBHOOK_USER_UNKNOWN = _send_row("SC_WEBHOOK_USER_UNKNOWN", 40301, "user does not exist", "用户不存在")

#: the rows of the core's own answers, by kind (``Provider.core_errors``): each an
#: envelope with HTTP 200, as SendCloud answers
CORE_ERRORS: dict[str, ErrorEntry] = {
    "not_found": SC_NOT_FOUND,
    "method_not_allowed": SC_METHOD_NOT_ALLOWED,
    "too_large": SC_REQUEST_TOO_LARGE,
    "internal": SC_SERVER_ERROR,
    "host": SC_HOST_NOT_ALLOWED,
    "cross_site": SC_CROSS_SITE,
}
#: an injected fault keeps its status, with the matching envelope (``SC_SERVER_ERROR``
#: for any other status)
FAULT_ERRORS: dict[int, ErrorEntry] = {
    401: SC_AUTH_FAILED,
    403: SC_AUTH_FAILED,
    404: SC_NOT_FOUND,
    405: SC_METHOD_NOT_ALLOWED,
    413: SC_REQUEST_TOO_LARGE,
    429: SC_FREQUENCY_LIMITED,
}

CATALOGUE = [v for v in list(globals().values()) if isinstance(v, ErrorEntry)]
