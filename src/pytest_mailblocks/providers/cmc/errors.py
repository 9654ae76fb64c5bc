"""Customers Mail Cloud errors: the catalogue.

Wire shape (rendered by ``render.render_error``): JSON
``{"errors":[{"code":"10-002","field":"server_composition","message":"..."}]}`` or
XML ``<errors><error><code/><field/><message/></error></errors>`` by the URL suffix,
one entry per failed check, English or Japanese by ``Accept-Language``
(``shared/providers/cmc.md``: Errors). Rows with a code from seed 000 (blocks) or
seed 003 (unsubscribes) carry the documented texts verbatim, ``{0}`` filled with the
offending value, and the seed's ``({位置})`` (position) as a numbered placeholder.
HTTP statuses are the fact sheet's (no document states one). Rows in the ``01-``
family are invented (``assumed=True``): the documents name no code for them.
"""

from __future__ import annotations

from ...core.errors import ErrorEntry

_GUARD = "the fake's own guard (issue 19: DNS rebinding, cross-site pages); the provider has no such answer"

# -- documented (seed 000, seed 003) -----------------------------------------------------
CMC_NO_SUCH_COMPOSITION = ErrorEntry(
    "CMC_NO_SUCH_COMPOSITION",
    400,
    "Specified server configuration {0} does not exist.",
    code="10-002",
    field="server_composition",
    messages={"ja": "指定されたサーバ構成 {0} は存在しません。"},
    source="seed 000 (every blocks operation), seed 003 (both); status 400: cmc.md (validation)",
)
CMC_START_AFTER_END = ErrorEntry(
    "CMC_START_AFTER_END",
    400,
    "For the start_date please specify a date before the end_date.",
    code="10-003",
    field="start_date",
    messages={"ja": "開始日には終了日以前の日付を指定してください。"},
    source="seed 000 (list, download), seed 003 (download); status 400: cmc.md",
)
CMC_BLOCK_NOT_FOUND = ErrorEntry(
    "CMC_BLOCK_NOT_FOUND",
    404,
    "The data specified in the email does not exist.",
    code="12-001",
    field="email",
    messages={"ja": "emailで指定されたデータは存在しません。"},
    source="seed 000 (delete, cancel); status 404: cmc.md",
)
CMC_UNSUBSCRIBE_NOT_FOUND = ErrorEntry(
    "CMC_UNSUBSCRIBE_NOT_FOUND",
    404,
    "It does not exist the data specified in the email.",
    code="12-001",
    field="email",
    messages={"ja": "emailで指定されたデータは存在しません。"},
    source="seed 003 (cancel; its English text differs from seed 000's); status 404: cmc.md",
)
CMC_NO_PERMISSION = ErrorEntry(
    "CMC_NO_PERMISSION",
    403,
    "You do not have the permission to access the specified data.",
    code="12-002",
    field="",
    messages={"ja": "指定されたデータにアクセスする権限がありません。"},
    source="seed 000 (list, download), seed 003 (download, cancel); status 403: cmc.md",
)
CMC_INVALID_JSON = ErrorEntry(
    "CMC_INVALID_JSON",
    400,
    "Specified value has invalid (Invalid JSON format).",
    code="15-001",
    field="email",
    messages={"ja": "値の指定方法(JSONフォーマット)が不正です。"},
    source="seed 003 (cancel); field email: seed 003 Note; status 400: cmc.md",
)
CMC_NO_ADDRESSES = ErrorEntry(
    "CMC_NO_ADDRESSES",
    400,
    "Specified value has invalid (Invalid JSON format).",
    code="15-002",
    field="email",
    messages={"ja": "メールアドレスの指定がありません。"},
    source="seed 003 (cancel; the English text repeats 15-001's, kept verbatim); status 400: cmc.md",
)
CMC_ADDRESS_EMPTY = ErrorEntry(
    "CMC_ADDRESS_EMPTY",
    400,
    "No email address is specified.({0})",
    code="15-003",
    field="email",
    messages={"ja": "メールアドレスの指定がありません。({0})"},
    source="seed 003 (cancel; {0} and ({位置}) = 1-based position: cmc.md)",
)
CMC_ADDRESS_REQUIRED = ErrorEntry(
    "CMC_ADDRESS_REQUIRED",
    400,
    "{0} is required.({1})",
    code="15-004",
    field="email",
    messages={"ja": "email は必須項目です。({1})"},
    source="seed 003 (cancel; {0} = 'email' as the Japanese text names it, {1} = position)",
)
CMC_TOO_MANY_ADDRESSES = ErrorEntry(
    "CMC_TOO_MANY_ADDRESSES",
    400,
    "You have exceeded the maximum numbers of address.",
    code="15-005",
    field="email",
    messages={"ja": "指定可能なメールアドレス数を超えました。"},
    source="seed 003 (cancel; up to 1000 addresses)",
)
CMC_DUPLICATE_ADDRESS = ErrorEntry(
    "CMC_DUPLICATE_ADDRESS",
    400,
    "Duplicate email address.({0})",
    code="15-006",
    field="email",
    messages={"ja": "メールアドレスが重複しています。({0})"},
    source="seed 003 (cancel; {0} = position)",
)
CMC_ADDRESS_NOT_FOUND = ErrorEntry(
    "CMC_ADDRESS_NOT_FOUND",
    400,
    "It does not exist the data specified in the email.({0})",
    code="15-007",
    field="email",
    messages={"ja": "emailで指定されたデータは存在しません。({0})"},
    source="seed 003 (cancel; {0} = position; filter_name mismatches reported on email: seed 003 Note)",
)

# -- invented: no document names a code for these (cmc.md: "unknown") ---------------------
CMC_AUTH_FAILED = ErrorEntry(
    "CMC_AUTH_FAILED",
    401,
    "Authentication failed.",
    code="01-001",
    field="api_user",
    messages={"ja": "認証に失敗しました。"},
    assumed=True,
    source="cmc.md: authentication failure code unknown; code, text and 401 invented",
)
CMC_REQUIRED = ErrorEntry(
    "CMC_REQUIRED",
    400,
    "{0} is required.",
    code="01-002",
    messages={"ja": "{0} は必須項目です。"},
    assumed=True,
    source="cmc.md: missing-parameter code unknown; text after 15-004 '{0} is required.'",
)
CMC_BAD_DATE = ErrorEntry(
    "CMC_BAD_DATE",
    400,
    "{0} must be a valid date in yyyy-mm-dd format.",
    code="01-003",
    messages={"ja": "{0} には yyyy-mm-dd 形式の正しい日付を指定してください。"},
    assumed=True,
    source="cmc.md: bad-date code unknown (seeds: DATE, yyyy-mm-dd)",
)
CMC_NOT_INTEGER = ErrorEntry(
    "CMC_NOT_INTEGER",
    400,
    "{0} must be an integer.",
    code="01-004",
    messages={"ja": "{0} には整数を指定してください。"},
    assumed=True,
    source="cmc.md: code for non-integer p/r unknown (seed 000: INTEGER)",
)
CMC_OUT_OF_RANGE = ErrorEntry(
    "CMC_OUT_OF_RANGE",
    400,
    "{0} must be between {1} and {2}.",
    code="01-005",
    messages={"ja": "{0} には {1} 以上 {2} 以下の値を指定してください。"},
    assumed=True,
    source="cmc.md: code for r over 100 unknown (seed 000: max 100)",
)
CMC_NOT_BOOLEAN = ErrorEntry(
    "CMC_NOT_BOOLEAN",
    400,
    "{0} must be true or false.",
    code="01-006",
    messages={"ja": "{0} には true または false を指定してください。"},
    assumed=True,
    source="seed 000: removed is BOOLEAN; the answer to anything else is unknown",
)
CMC_INVALID_VALUE = ErrorEntry(
    "CMC_INVALID_VALUE",
    400,
    "{0} has an invalid value.",
    code="01-007",
    messages={"ja": "{0} の値が不正です。"},
    assumed=True,
    source="no document: a JSON body giving an object or array where a string is expected",
)
CMC_BAD_BODY = ErrorEntry(
    "CMC_BAD_BODY",
    400,
    "The request body could not be read.",
    code="01-008",
    field="",
    messages={"ja": "リクエストの内容を読み取れません。"},
    assumed=True,
    source="no document: a malformed JSON body, a JSON body that is not an object, invalid UTF-8",
)
CMC_NOT_FOUND = ErrorEntry(
    "CMC_NOT_FOUND",
    404,
    "The requested API does not exist.",
    code="01-009",
    field="",
    messages={"ja": "指定されたAPIは存在しません。"},
    assumed=True,
    source="cmc.md: an unknown suffix is 404 (the fake's choice); text and code invented",
)
CMC_METHOD_NOT_ALLOWED = ErrorEntry(
    "CMC_METHOD_NOT_ALLOWED",
    405,
    "This API accepts only POST requests.",
    code="01-010",
    field="",
    messages={"ja": "このAPIはPOSTリクエストのみ受け付けます。"},
    assumed=True,
    source="cmc.md: POST only; the answer to other methods is unknown",
)
CMC_TOO_LARGE = ErrorEntry(
    "CMC_TOO_LARGE",
    413,
    "The request is too large.",
    code="01-011",
    field="",
    messages={"ja": "リクエストが大きすぎます。"},
    assumed=True,
    source="no document: bodies over the fake server's cap",
)
CMC_TOO_MANY_REQUESTS = ErrorEntry(
    "CMC_TOO_MANY_REQUESTS",
    429,
    "Too many requests.",
    code="01-012",
    field="",
    messages={"ja": "リクエストが多すぎます。"},
    assumed=True,
    source="cmc.md: no enforced limit is documented; used only for injected 429 faults",
)
CMC_HOST_NOT_ALLOWED = ErrorEntry(
    "CMC_HOST_NOT_ALLOWED",
    403,
    "Host {0} is not allowed. The fake answers only loopback names, the address it is bound to "
    "and names given with --allow-host.",
    code="01-014",
    field="",
    messages={
        "ja": "ホスト {0} は許可されていません。ループバックのホスト名、サーバーが待ち受けるアドレス、"
        "--allow-host で指定した名前のみ受け付けます。"
    },
    assumed=True,
    source=_GUARD,
)
CMC_CROSS_SITE = ErrorEntry(
    "CMC_CROSS_SITE",
    403,
    "Cross-site request refused ({0}). Browser pages may call the fake only from its own origin "
    "or from a name given with --allow-host.",
    code="01-015",
    field="",
    messages={
        "ja": "クロスサイトのリクエストは拒否されました({0})。ブラウザーのページからは、このサーバー自身の"
        "オリジンか --allow-host で指定した名前からのみ呼び出せます。"
    },
    assumed=True,
    source=_GUARD,
)
CMC_INTERNAL = ErrorEntry(
    "CMC_INTERNAL",
    500,
    "An internal error occurred.",
    code="01-013",
    field="",
    messages={"ja": "内部エラーが発生しました。"},
    assumed=True,
    source="no document: the last-resort guard and injected 5xx faults",
)

# -- the send path (issue 21; ``shared/providers/delivery/cmc.md``) --------------------------
CMC_SEND_CC_BCC_INVALID = ErrorEntry(
    "CMC_SEND_CC_BCC_INVALID",
    400,
    "{0} has an invalid email address.",
    code="11-006",
    messages={"ja": "{0} のメールアドレスの形式が不正です。"},
    assumed=True,
    source="code 11-006 for a cc/bcc format problem: a client SDK's test (delivery/cmc.md: likely); text invented",
)
CMC_SEND_ADDRESS_INVALID = ErrorEntry(
    "CMC_SEND_ADDRESS_INVALID",
    400,
    "{0} has an invalid email address.",
    code="01-016",
    messages={"ja": "{0} のメールアドレスの形式が不正です。"},
    assumed=True,
    source="delivery/cmc.md: the send errors are unknown; to/from/replyto/env_from, code and text invented "
    "(cc and bcc: 11-006)",
)
CMC_SEND_TOO_MANY_ADDRESSES = ErrorEntry(
    "CMC_SEND_TOO_MANY_ADDRESSES",
    400,
    "{0} can have at most {1} email addresses.",
    code="01-017",
    messages={"ja": "{0} に指定できるメールアドレスは {1} 件までです。"},
    assumed=True,
    source="limits documented (emails/send: 10 in each of to, cc, bcc; emails/bulk: 1000 in to); the answer invented",
)
CMC_SEND_TOO_LONG = ErrorEntry(
    "CMC_SEND_TOO_LONG",
    400,
    "{0} can be at most {1} characters.",
    code="01-018",
    messages={"ja": "{0} は {1} 文字まで入力可能です。"},
    assumed=True,
    source="documented: subject up to 512 characters (v1 emails page); the answer invented",
)
CMC_SEND_BAD_CHARSET = ErrorEntry(
    "CMC_SEND_BAD_CHARSET",
    400,
    "charset must be ISO-2022-JP or UTF-8.",
    code="01-019",
    field="charset",
    messages={"ja": "charset には ISO-2022-JP、UTF-8 のいずれかを指定してください。"},
    assumed=True,
    source="documented: charset ISO-2022-JP or UTF-8, default UTF-8 (v1 emails page); the answer invented",
)
CMC_SEND_TOO_MANY_PROPERTIES = ErrorEntry(
    "CMC_SEND_TOO_MANY_PROPERTIES",
    400,
    "A recipient of {0} can have at most {1} properties.({2})",
    code="01-020",
    messages={"ja": "{0} の宛先に指定できるプロパティは {1} 個までです。({2})"},
    assumed=True,
    source="documented: emails/bulk, at most 100 JSON properties per recipient; the answer invented",
)
CMC_SEND_PROPERTY_TOO_LONG = ErrorEntry(
    "CMC_SEND_PROPERTY_TOO_LONG",
    400,
    "A property value of {0} can be at most 5 KB.({1})",
    code="01-021",
    messages={"ja": "{0} のプロパティの値は 5KB までです。({1})"},
    assumed=True,
    source="documented: emails/bulk, each property value up to 5 Kbytes; the answer invented",
)

#: the rows of the core's own answers, by kind (``Provider.core_errors``)
CORE_ERRORS: dict[str, ErrorEntry] = {
    "not_found": CMC_NOT_FOUND,
    "method_not_allowed": CMC_METHOD_NOT_ALLOWED,
    "too_large": CMC_TOO_LARGE,
    "internal": CMC_INTERNAL,
    "host": CMC_HOST_NOT_ALLOWED,
    "cross_site": CMC_CROSS_SITE,
}
#: an injected fault's row by its status; any other status: ``CMC_INTERNAL``
FAULT_ERRORS: dict[int, ErrorEntry] = {
    e.status: e
    for e in (
        CMC_BAD_BODY,
        CMC_AUTH_FAILED,
        CMC_NO_PERMISSION,
        CMC_NOT_FOUND,
        CMC_METHOD_NOT_ALLOWED,
        CMC_TOO_LARGE,
        CMC_TOO_MANY_REQUESTS,
    )
}

CATALOGUE = [v for v in list(globals().values()) if isinstance(v, ErrorEntry)]
