"""The fake's clock: the only source of time in the package.

Real time by default. ``freeze(at)`` stops it at an instant, ``advance(...)`` moves
it forward (a frozen clock jumps, a running clock gains an offset and keeps running),
``real()`` returns to wall-clock time. Every time-dependent behaviour of the fakes
(expiry, daily batches, signature windows, rate-limit windows) reads ``now()`` or
``time()`` lazily, so moving the clock is all a test has to do: nothing sleeps.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from .errors import ControlError

__all__ = ["ADVANCE_UNITS", "MAX_TIME", "MIN_TIME", "RANGE", "Clock", "in_range", "parse_instant"]

UTC = timezone.utc
#: the instants the clock may show (unix seconds): from the unix epoch to the year
#: 9000, so every provider's local time, and the expiry dates and windows it works
#: out from now, stay dates Python can represent (on every platform)
MIN_TIME = 0.0
MAX_TIME = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
RANGE = "1970-01-01T00:00:00Z to 9000-01-01T00:00:00Z"


def _reading(state: tuple[float | None, float]) -> float:
    """The instant a clock setting (frozen instant or None, offset) shows now."""
    frozen, offset = state
    return frozen if frozen is not None else _time.time() + offset


def in_range(seconds: float) -> bool:
    """Whether the clock could show ``seconds``; seeded times must be so too."""
    return math.isfinite(seconds) and MIN_TIME <= seconds <= MAX_TIME


def parse_instant(value: object, default_tz: tzinfo = UTC) -> float:
    """Turn a datetime, an ISO 8601 string or unix seconds into unix seconds.

    Naive datetimes and ISO strings without an offset are taken in ``default_tz``
    (UTC unless a provider's own local time applies).

    :raises ValueError: with a message naming what was expected.
    """
    if isinstance(value, bool):
        raise ValueError("expected a datetime, an ISO 8601 string or unix seconds, got a boolean")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"{str(value)[:24]}... is too large for unix seconds") from None
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=default_tz)
        try:
            return dt.timestamp()
        except (OverflowError, ValueError):
            raise ValueError(f"{value!r} is out of range") from None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date or datetime (e.g. '2024-05-01T12:00:00Z')") from None
        return parse_instant(dt, default_tz)
    raise ValueError(f"expected a datetime, an ISO 8601 string or unix seconds, got {type(value).__name__}")


class Clock:
    """Controllable time shared by every provider of one fake server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (frozen instant or None, offset from wall-clock time): one tuple, replaced
        #: whole, so a reader outside the lock never sees half of a move
        self._state: tuple[float | None, float] = (None, 0.0)
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every move (outside the clock's lock): work due
        at the new instant runs then (webhook retries, deferrals; see core.webhooks)."""
        self._listeners.append(listener)

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- reading -------------------------------------------------------------------
    def time(self) -> float:
        """Unix seconds, as a float."""
        return _reading(self._state)

    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._state[0] is not None

    @property
    def is_real(self) -> bool:
        """True when the clock is plain wall-clock time (not frozen, no offset)."""
        return self._state == (None, 0.0)

    # -- moving --------------------------------------------------------------------
    def snapshot(self) -> tuple[float | None, float]:
        """The clock's setting, for :meth:`restore` (a move that must be all or nothing)."""
        return self._state

    def restore(self, snapshot: tuple[float | None, float]) -> None:
        with self._lock:
            self._state = snapshot
        self._moved()

    @staticmethod
    def _checked(instant: float) -> float:
        """``instant`` if the clock may show it, else a ValueError (nothing changes)."""
        if not in_range(instant):
            raise ValueError(f"{instant!r} (unix seconds) is outside the fake clock's range, {RANGE}")
        return instant

    def freeze(self, at: datetime | str | float | None = None) -> datetime:
        """Stop the clock at ``at`` (default: the current fake time).

        :raises ValueError: ``at`` is not an instant or outside ``MIN_TIME``..``MAX_TIME``.
        """
        instant = self._checked(self.time() if at is None else parse_instant(at))
        with self._lock:
            self._state = (instant, 0.0)
        self._moved()
        return self.now()

    def advance(
        self,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
        milliseconds: float = 0,
        weeks: float = 0,
    ) -> datetime:
        """Move time forward; a frozen clock stays frozen at the new instant.

        :raises ValueError: a negative step, or one past ``MAX_TIME``.
        """
        try:
            delta = timedelta(
                weeks=weeks,
                days=days,
                hours=hours,
                minutes=minutes,
                seconds=seconds,
                milliseconds=milliseconds,
            ).total_seconds()
        except (OverflowError, ValueError):
            raise ValueError(f"cannot advance the clock that far; its range is {RANGE}") from None
        if delta < 0:
            raise ValueError("the clock only moves forward; use freeze(at) to set an instant")
        with self._lock:
            frozen, offset = self._state
            self._checked(_reading((frozen, offset)) + delta)
            self._state = (None, offset + delta) if frozen is None else (frozen + delta, 0.0)
        self._moved()
        return self.now()

    def set(self, at: datetime | str | float) -> datetime:
        """Jump to ``at`` and keep running from there.

        :raises ValueError: ``at`` is not an instant or outside ``MIN_TIME``..``MAX_TIME``.
        """
        instant = self._checked(parse_instant(at))
        with self._lock:
            self._state = (None, instant - _time.time())
        self._moved()
        return self.now()

    def real(self) -> datetime:
        """Back to wall-clock time."""
        with self._lock:
            self._state = (None, 0.0)
        self._moved()
        return self.now()

    def describe(self) -> dict[str, object]:
        state = self._state  # read once: the fields below describe one setting
        frozen, offset = state
        now = datetime.fromtimestamp(_reading(state), UTC)
        return {
            "now": now.isoformat().replace("+00:00", "Z"),
            "unix": round(now.timestamp(), 3),
            "mode": "frozen" if frozen is not None else ("real" if offset == 0.0 else "offset"),
            "offset_seconds": offset,
        }

    def apply(self, payload: Any) -> dict[str, object]:
        """Move the clock as the control plane, the CLI and the marker describe it,
        all or nothing; returns :meth:`describe`.

        ``{"advance": {"days": 1}}`` or ``{"advance": 3600}`` (seconds),
        ``{"freeze": true}`` (now) or ``{"freeze": "2024-05-01T00:00:00Z"}``,
        ``{"set": "..."}`` (jump and keep running), ``{"real": true}``.

        :raises ControlError: naming what is wrong; the clock is as it was.
        """
        _check_move(payload)
        before = self.snapshot()
        try:
            if payload.get("real"):
                self.real()
            if "set" in payload:
                self.set(payload["set"])
            if "freeze" in payload and payload["freeze"] is not False:
                self.freeze(None if payload["freeze"] is True else payload["freeze"])
            if "advance" in payload:
                adv = _advance_units(payload["advance"])
                self.advance(**adv)
        except ValueError as exc:  # ControlError included
            self.restore(before)
            raise ControlError(str(exc)) from None
        return self.describe()

    def __repr__(self) -> str:
        mode = self.describe()["mode"]
        return f"<Clock {mode} {self.now().isoformat()}>"


ADVANCE_UNITS = ("weeks", "days", "hours", "minutes", "seconds", "milliseconds")


def _check_move(payload: Any) -> None:
    """The shape of a :meth:`Clock.apply` payload, checked before anything moves."""
    if not isinstance(payload, dict) or not payload:
        raise ControlError(
            'expected a JSON object with one of "advance", "freeze", "set" or "real", e.g. {"advance": {"days": 1}}'
        )
    unknown = set(payload) - {"advance", "freeze", "set", "real"}
    if unknown:
        raise ControlError(f"unknown clock field(s) {sorted(unknown)}; use advance, freeze, set or real")


def _advance_units(adv: Any) -> dict[str, float]:
    """An ``advance`` value (seconds, or an object of units) as ``advance()``'s keywords."""
    if isinstance(adv, bool) or not isinstance(adv, (int, float, dict)):
        raise ControlError('"advance" must be seconds or an object like {"days": 1, "hours": 2}')
    if not isinstance(adv, dict):
        return {"seconds": adv}
    bad = [k for k in adv if k not in ADVANCE_UNITS]
    if bad:
        raise ControlError(f'unknown "advance" unit(s) {bad}; use {list(ADVANCE_UNITS)}')
    for k, v in adv.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ControlError(f'"advance.{k}" must be a number, got {v!r}')
    return adv
