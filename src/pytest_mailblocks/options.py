"""Option values shared by the ``mailblocks`` command and the pytest plugin, parsed
without importing pytest (the standalone server stays small)."""

from __future__ import annotations

from .core.errors import ControlError

__all__ = ["JOURNAL_OPTIONS", "parse_credentials", "parse_size"]


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
