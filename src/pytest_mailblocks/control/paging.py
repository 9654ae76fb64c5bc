"""Query parameters of the control plane: integers, and one page of a block list.

A provider's ``control_blocks(query)`` pages its list from the list's index when the
query names any of :data:`PAGE_KEYS` (the web inspector pages this way, issue 11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..core.clock import parse_instant
from ..core.errors import ControlError

__all__ = ["PAGE_KEYS", "BlockPage", "block_page", "int_arg"]

#: query keys every provider's ``control_blocks`` takes to return one page of its list
PAGE_KEYS = frozenset({"email", "start", "end", "offset", "limit"})


class BlockPage(NamedTuple):
    """One page of a block list: ``email`` in the provider's own filter sense (the
    list API's), ``start <= time < end`` in unix seconds on the list's index time."""

    email: str | None
    start: int | None
    end: int | None
    offset: int
    limit: int | None


def int_arg(args: Any, name: str) -> int | None:
    """A non-negative integer query parameter, or None when absent or empty."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"query parameter {name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise ControlError(f"query parameter {name} must be >= 0, got {value}")
    return value


def _instant(query: Mapping[str, str], name: str) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw) if raw.lstrip("-").isdigit() else int(parse_instant(raw))
    except (ValueError, OverflowError) as exc:
        raise ControlError(f"query parameter {name}: {exc}") from None


def block_page(query: Mapping[str, str]) -> BlockPage | None:
    """The page a ``control_blocks`` query asks for, or None when it names none of
    :data:`PAGE_KEYS` (then the whole list). Times are unix seconds or ISO 8601; a
    bad value is a :class:`ControlError` naming the parameter."""
    if not PAGE_KEYS & query.keys():
        return None
    return BlockPage(
        (query.get("email") or "").strip() or None,
        _instant(query, "start"),
        _instant(query, "end"),
        int_arg(query, "offset") or 0,
        int_arg(query, "limit"),
    )
