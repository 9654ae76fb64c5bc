"""Building a WSGI environ from a request's parts.

Shared by the built-in server and the in-process transports, so every way of
serving hands the app the same environ: ``PATH_INFO`` decoded as WSGI requires,
``QUERY_STRING`` and ``RAW_URI`` exactly as the client sent them (NCP signs the
raw path and query).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = ["make_environ", "split_target"]


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
    body: bytes,
    *,
    server_name: str = "127.0.0.1",
    server_port: int | str = 80,
    remote: tuple[str, int] = ("127.0.0.1", 0),
    protocol: str = "HTTP/1.1",
    url_scheme: str = "http",
) -> dict[str, Any]:
    target = split_target(target)
    path, _, query = target.partition("?")
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
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url_scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in headers:
        if "_" in name:
            continue  # as most servers do: HTTP_X_Y must not be spoofable by X_Y
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ[key] = value
            continue
        if key == "CONTENT_LENGTH":
            continue  # the body we hold is the truth
        key = "HTTP_" + key
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return environ
