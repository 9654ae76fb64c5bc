"""Option values shared by the ``mailblocks`` command and the pytest plugin, parsed
without importing pytest (the standalone server stays small)."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from .core.errors import ControlError

__all__ = [
    "JOURNAL_OPTIONS",
    "parse_bind_host",
    "parse_credentials",
    "parse_port",
    "parse_seconds",
    "parse_size",
    "parse_url",
]


#: journal bounds (issue 19): option name -> help; FakeServer takes them as journal_max_*
JOURNAL_OPTIONS = {
    "journal-max-bytes": "bytes each journal keeps, the oldest entries dropped first (default 2M)",
    "journal-max-body": "bytes of each request and response body a journal entry keeps (default 64K)",
}
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    """``"4194304"``, ``"64K"``, ``"8M"``, ``"1G"`` (binary units, an optional ``B`` or
    ``iB``) -> bytes."""
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = raw[-1:] if raw[-1:] in _UNITS else ""
    number = raw[: len(raw) - len(unit)].strip()
    if not number.isdigit():
        raise ControlError(f"{text!r} is not a size in bytes (e.g. 1048576, 64K, 8M)")
    return int(number) * _UNITS[unit]


def parse_credentials(items: list[str]) -> dict[str, dict[str, str]]:
    """``["sendgrid.api_key=SG.x", ...]`` -> ``{"sendgrid": {"api_key": "SG.x"}}``."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        provider, dot, name = target.strip().partition(".")
        if not sep or not dot or not provider or not name:
            raise ControlError(f"credential {item!r} is not PROVIDER.NAME=VALUE (e.g. sendgrid.api_key=SG.x)")
        out.setdefault(provider, {})[name] = value.strip()
    return out


def parse_port(text: object) -> int:
    """``"8025"`` -> 8025; 0 to 65535 (0: a free port)."""
    value = str(text).strip()
    if not (value.isascii() and value.isdigit()) or int(value) > 65535:
        raise ControlError(f"{text!r} is not a port number (0 to 65535; 0 picks a free port)")
    return int(value)


#: interfaces a plugin binds most often, taken without importing the host checks
_COMMON_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})


def parse_bind_host(text: str) -> str:
    """An interface to bind: an IP address or a host name (``0.0.0.0``: all)."""
    value = text.strip()
    if value not in _COMMON_HOSTS:
        from .core.hosts import is_host_name

        if not is_host_name(value):
            raise ControlError(f"{text!r} is not a host name or an IP address (e.g. 127.0.0.1, ::1, localhost)")
    return value[1:-1] if value.startswith("[") and value.endswith("]") else value


def parse_seconds(text: object) -> float:
    """A number of seconds, finite and not negative."""
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ControlError(f"{text!r} is not a number of seconds (0 or more, e.g. 30 or 0.5)")
    return value


def parse_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host and, if any, a valid port."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError as exc:
        raise ControlError(f"{text!r} is not a URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ControlError(f"{text!r} is not an http:// or https:// URL with a host (e.g. http://127.0.0.1:8025)")
    return value
