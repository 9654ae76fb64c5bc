"""The app's short paths (issue 18) give exactly what werkzeug's general ones give."""

from __future__ import annotations

import pytest
from werkzeug.wrappers import Response

from pytest_mailblocks.core.app import wsgi_response
from pytest_mailblocks.core.provider import make_response
from pytest_mailblocks.core.wsgi import make_environ

HEADERS = {"X-A": "1", "Date": "Sun, 06 Dec 2026 13:00:00 GMT"}


@pytest.mark.parametrize("content_type", ["application/json", "text/csv; charset=utf-8", None])
@pytest.mark.parametrize("body", ["[]", b"x\x00y", "日本語", ""])
def test_make_response_builds_what_werkzeug_builds(content_type, body):
    ours = make_response(body, 201, HEADERS, content_type=content_type)
    theirs = Response(body, status=201, content_type=content_type)
    if content_type is None:
        del theirs.headers["Content-Type"]
    theirs.headers._list.extend(HEADERS.items())
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()
    assert (ours.status, ours.get_data()) == (theirs.status, theirs.get_data())


def test_make_response_refuses_a_header_value_with_a_line_break():
    with pytest.raises(ValueError, match="bad header value for 'X-A'"):
        make_response("[]", 200, {"X-A": "1\r\nSet-Cookie: x=1"})


def _responses() -> list[Response]:
    plain = make_response('{"a":1}', 200, HEADERS)
    no_length = Response(b"abc", status=200)
    del no_length.headers["Content-Length"]
    moved = Response(b"", status=302, headers={"Location": "/x y"})
    placed = Response(b"{}", status=201, headers={"Content-Location": "/ü"})
    streamed = Response(iter([b"a", b"b"]), status=200)
    text = Response(["a", "b"], status=200)
    return [
        plain,
        make_response("[]", 404, HEADERS),
        make_response(b"", 204, HEADERS, content_type=None),
        Response(b"", status=204),
        Response(b"x", status=304, headers={"ETag": "1", "Content-Type": "text/plain"}),
        Response(b"", status=101),
        no_length,
        moved,
        placed,
        streamed,
        text,
    ]


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
@pytest.mark.parametrize("index", range(len(_responses())))
def test_wsgi_response_sends_what_werkzeug_sends(method, index):
    def run(call):
        started = []
        environ = make_environ(method, "/v3/x?y=1", [("Host", "127.0.0.1:1")], b"")
        body = b"".join(call(environ, lambda status, headers, exc_info=None: started.append((status, headers))))
        return started, body

    ours = run(lambda env, sr: wsgi_response(_responses()[index], env, sr))
    theirs = run(lambda env, sr: _responses()[index](env, sr))
    assert ours == theirs
