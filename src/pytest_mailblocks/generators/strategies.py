"""The provider-agnostic part of the Hypothesis strategies: addresses with their edge
cases, times, the :class:`Case` a request strategy draws, and the way invalid cases
are made (a valid request with exactly one documented problem). Each provider's
``strategies`` room builds its own on these; ``pytest_mailblocks.strategies`` exports
them all. Needs Hypothesis: ``pip install 'pytest-mailblocks[generators]'``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from ..core.delivery import SIMULATOR_ADDRESSES, SIMULATOR_DOMAIN
from ..core.errors import ErrorEntry
from ..extras import missing_extra

try:
    from hypothesis import strategies as st
except ImportError as exc:  # Hypothesis comes with the 'generators' extra
    raise missing_extra("Hypothesis", "pytest_mailblocks.strategies") from exc

__all__ = [
    "IDN_LABEL",
    "LABEL",
    "LOCAL_CHARS",
    "TLD",
    "Case",
    "Expected",
    "as_cases",
    "ascii_swapcase",
    "broken",
    "date_strings",
    "digit_strings",
    "emails",
    "entry_on",
    "local_times",
    "merged",
    "one_value",
    "other_address",
    "params_of",
    "respelled",
    "simulator_emails",
    "smtp_statuses",
    "some_days",
    "spoil",
    "spoiled",
    "unix_times",
]

LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
LABEL = st.text(LOCAL_CHARS, min_size=1, max_size=12)
IDN_LABEL = st.sampled_from(["例え", "münchen", "παράδειγμα", "пример", "테스트", "测试", "bücher"])
TLD = st.sampled_from(["com", "net", "org", "jp", "co.jp", "kr", "cn", "de", "io", "example"])


@st.composite
def emails(draw: Any, *, idn: bool = True) -> str:
    """Addresses with the edge cases real lists hold: plus tags, dots, uppercase,
    long local parts (up to 64), subdomains and internationalized domains."""
    atoms = draw(st.lists(LABEL, min_size=1, max_size=4))
    local = ".".join(atoms)
    if draw(st.booleans()):
        local += "+" + draw(LABEL)
    if draw(st.integers(0, 9)) == 0:
        local = ((local + ".") * 8)[:64].rstrip(".")  # a long local part, still well formed
    if draw(st.integers(0, 4)) == 0:
        local = "".join(c.upper() if draw(st.booleans()) else c for c in local)
    labels = draw(st.lists(IDN_LABEL if idn and draw(st.integers(0, 5)) == 0 else LABEL, min_size=1, max_size=3))
    domain = ".".join(labels) + "." + draw(TLD)
    if draw(st.integers(0, 9)) == 0:
        domain = domain.upper()
    return f"{local}@{domain}"


def simulator_emails() -> st.SearchStrategy[str]:
    """Addresses of the delivery simulator's domain (issue 21): ``bounce@``,
    ``defer+a@``, ``success+order-42@simulator.mailblocks.test`` ..."""
    return st.builds(
        lambda local, tag: f"{local}{'+' + tag if tag else ''}@{SIMULATOR_DOMAIN}",
        st.sampled_from(sorted(SIMULATOR_ADDRESSES)),
        st.sampled_from(["", "a", "order-42"]),
    )


def unix_times(start: int = 1_400_000_000, end: int = 1_900_000_000) -> st.SearchStrategy[int]:
    return st.integers(start, end)


smtp_statuses = st.sampled_from(["5.1.1", "5.1.2", "5.2.2", "4.2.2", "5.7.1", "4.4.1", "4.0.0", "4.7.0", ""])


# -- requests: the case, and how invalid cases are made ---------------------------------------
class Case(NamedTuple):
    """One request to one endpoint, and what the fake answers.

    ``params``: what the endpoint reads, never credentials: query parameters, form
    fields, a JSON body, or the address of a route with ``{email}`` in its path (the
    provider's strategies say which; a form's value that is not a string is meant for
    a JSON body, ``json=...``).

    ``error``: the row of the provider's catalogue (``providers/<name>/errors.py``)
    the fake answers with: ``error.status`` and ``error.code`` (or ``message``;
    ``field`` set to the field the wire names where the parameter decides it); ``None``
    for success.

    ``seed``: what the provider must hold first, in its ``handle.seed()`` shape, on a
    freshly reset fake (``{}``: nothing).
    """

    params: Any
    error: ErrorEntry | None
    seed: dict[str, Any]

    @property
    def valid(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:  # the catalogue key, not the whole row, in falsifying examples
        error = None if self.error is None else f"{self.error.key}(field={self.error.field!r})"
        return f"Case(params={self.params!r}, error={error}, seed={self.seed!r})"


def entry_on(entry: ErrorEntry, field: str) -> ErrorEntry:
    """The row as the wire shows it for ``field``."""
    return replace(entry, field=field)


class Expected:
    """An error row, shown by its key in falsifying examples (not as the whole row)."""

    __slots__ = ("entry",)

    def __init__(self, entry: ErrorEntry) -> None:
        self.entry = entry

    def __repr__(self) -> str:
        return f"{self.entry.key}(field={self.entry.field!r})"


def spoiled(base: dict[str, Any], changes: dict[str, Any], expected: Expected) -> Case:
    return Case({k: v for k, v in {**base, **changes}.items() if v is not None}, expected.entry, {})


def spoil(
    valid: st.SearchStrategy[dict[str, Any]], *defects: tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]
) -> st.SearchStrategy[Case]:
    """Valid parameters with one defect: each ``(changes, error)`` replaces keys (a
    ``None`` value removes the key) and names the error that answers it."""
    return st.one_of([st.builds(spoiled, valid, changes, st.just(Expected(error))) for changes, error in defects])


def broken(mutate: Callable[[dict[str, Any]], Any], error: ErrorEntry) -> Callable[[dict[str, Any]], Case]:
    """A JSON body's defect: ``broken(mutate, error)(body)`` is the case of a copy of
    ``body`` that ``mutate`` changed in place, answered with ``error``."""

    def apply(body: dict[str, Any]) -> Case:
        copied = copy.deepcopy(body)
        mutate(copied)
        return Case(copied, error, {})

    return apply


def one_value(name: str, values: list[Any], **also: Any) -> st.SearchStrategy[dict[str, Any]]:
    """``{name: one of values}``, plus fixed ``also`` changes (``None`` removes)."""
    return st.sampled_from(values).map(lambda v: {**also, name: v})


def as_cases(params: st.SearchStrategy[Any], error: ErrorEntry | None = None) -> st.SearchStrategy[Case]:
    return params.map(lambda p: Case(p, error, {}))


def params_of(cases: st.SearchStrategy[Case]) -> st.SearchStrategy[Any]:
    return cases.map(lambda c: c.params)


def ascii_swapcase(text: str) -> str:
    return "".join(c.swapcase() if c.isascii() else c for c in text)


def respelled(address: str, *, pad: bool) -> st.SearchStrategy[str]:
    """The same address as a case-insensitive, trimming lookup sees it: ASCII letters
    in the other case, and (``pad``) surrounding blanks."""
    blanks = st.sampled_from(["", " ", "\t "]) if pad else st.just("")
    return st.builds(
        lambda swap, left, right: left + (ascii_swapcase(address) if swap else address) + right,
        st.booleans(),
        blanks,
        blanks,
    )


def other_address(address: str) -> str:
    """An address that is certainly not ``address`` (in any case)."""
    return "kept." + address


def digit_strings(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(str)


def local_times(offset_hours: int) -> st.SearchStrategy[str]:
    tz = timezone(timedelta(hours=offset_hours))
    return unix_times(1_400_000_000, 1_700_000_000).map(
        lambda t: datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S")
    )


def some_days() -> st.SearchStrategy[date]:
    return st.integers(0, 3650).map(lambda d: date(2015, 1, 1) + timedelta(days=d))


def date_strings() -> st.SearchStrategy[str]:
    return some_days().map(date.isoformat)


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out
