"""SendCloud wire format: the one envelope, for successes and errors alike.

``{"result":<bool>,"statusCode":<int>,"message":"...","info":{...}}``, compact JSON
(the live 40005 body in recordings ``auth_failed_40005_recorded`` is compact), UTF-8
with the Chinese left unescaped, HTTP 200 (``shared/providers/sendcloud.md``:
Envelope). ``message`` is English under ``/api/`` and Chinese under ``/apiv2/``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.errors import ProviderError
from ...core.provider import Notes, json_response

__all__ = ["CONTENT_TYPE", "SUCCESS", "lang_of", "ok", "render_error"]

#: assumed: no capture shows the live Content-Type
CONTENT_TYPE = "application/json;charset=UTF-8"
#: the success message by language (seed 004; sendcloud_docs index.md; block_list_200_apiv2_zh)
SUCCESS = {"en": "request was successful", "zh": "请求成功"}


def lang_of(path: str) -> str:
    """``zh`` for the mainland ``/apiv2`` prefix, ``en`` for ``/api``."""
    return "zh" if path == "/apiv2" or path.startswith("/apiv2/") else "en"


def envelope(result: bool, code: int, message: str, info: dict[str, Any]) -> dict[str, Any]:
    return {"result": result, "statusCode": code, "message": message, "info": info}


def ok(info: dict[str, Any], lang: str, code: int = 200) -> Response:
    """A success: ``result: true``. ``code`` is 200 except where the docs show
    otherwise (``unsubscribe/add``: 40401 with the success message)."""
    return json_response(envelope(True, code, SUCCESS[lang], info), 200, content_type=CONTENT_TYPE)


def render_error(error: ProviderError, lang: str, notes: Notes) -> Response:
    """The one error renderer: ``result: false``, the entry's code and message, ``info: {}``."""
    notes.error_code = error.entry.key
    code = error.entry.code
    body = envelope(False, int(code) if code is not None else 501, error.message(lang), {})
    return json_response(body, error.status, error.headers or None, content_type=CONTENT_TYPE)
