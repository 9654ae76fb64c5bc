"""Building a WSGI environ from a request's parts.

Shared by the built-in server and the in-process transports, so every way of
serving hands the app the same environ: ``PATH_INFO`` decoded as WSGI requires,
``QUERY_STRING`` and ``RAW_URI`` exactly as the client sent them (a provider may
sign the raw path and query).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import unquote_to_bytes

__all__ = ["BODY_STREAMED_KEY", "HEADERS_KEY", "URI_TOO_LONG_KEY", "make_environ", "split_target"]


def split_target(target: str) -> str:
    """Origin-form of a request target (drops ``scheme://host`` if present)."""
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        qmark = rest.find("?")
        if slash < 0 or (0 <= qmark < slash):
            return "/" + (rest[qmark:] if qmark >= 0 else "")
        return rest[slash:]
    return target


def make_environ(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | IO[bytes],
    *,
    server_name: str = "127.0.0.1",
    server_port: int | str = 80,
    remote: tuple[str, int] = ("127.0.0.1", 0),
    protocol: str = "HTTP/1.1",
    url_scheme: str = "http",
) -> dict[str, Any]:
    target = split_target(target)
    path, _, query = target.partition("?")
    if isinstance(body, bytes):
        stream: IO[bytes] = io.BytesIO(body)
        length = len(body)
    else:  # a body kept in a file (the server spools a big one): read from where it is
        stream = body
        length = body.seek(0, io.SEEK_END) - body.seek(0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "RAW_URI": target,
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": protocol,
        "REMOTE_ADDR": str(remote[0]),
        "REMOTE_PORT": str(remote[1]),
        "CONTENT_LENGTH": str(length),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url_scheme,
        "wsgi.input": stream,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    pairs = headers if isinstance(headers, tuple) else tuple(headers)
    environ[HEADERS_KEY] = pairs
    keys = _ENV_KEYS
    for name, value in pairs:
        key = keys.get(name)
        if key is None:
            key = _env_key(name)
        if not key:
            continue
        if key in environ:
            if key == "CONTENT_TYPE":
                continue
            environ[key] = f"{environ[key]}, {value}"
        else:
            environ[key] = value
    return environ


#: environ key holding the request's headers exactly as received: (name, value) pairs
HEADERS_KEY = "mailblocks.headers"
#: environ key set by the built-in server when the request line was too long to keep
URI_TOO_LONG_KEY = "mailblocks.uri_too_long"
#: environ key set by whatever read the request's body as a stream (a state import):
#: the journal keeps its size, not its bytes
BODY_STREAMED_KEY = "mailblocks.body_streamed"
_ENV_KEYS: dict[str, str] = {}


def _env_key(name: str) -> str:
    """The environ key for a header name ("" for names never passed on)."""
    if "_" in name:
        key = ""  # as most servers do: HTTP_X_Y must not be spoofable by X_Y
    else:
        upper = name.upper().replace("-", "_")
        if upper == "CONTENT_LENGTH":
            key = ""  # the body we hold is the truth
        elif upper == "CONTENT_TYPE":
            key = upper
        else:
            key = "HTTP_" + upper
    if len(_ENV_KEYS) < 4096:
        _ENV_KEYS[name] = key
    return key
