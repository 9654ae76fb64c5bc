"""Fault injection: the hook every provider request passes through.

A :class:`Fault` matches requests by provider, endpoint (the provider's operation
name, e.g. ``list_blocks``), method and path glob, and then does one or more of:
wait (``latency``), answer with a status in the provider's own error format
(``status``), or drop the connection (``reset``). ``times`` limits it to the next n
matching calls; without it the fault stays until cleared.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ControlError

__all__ = ["Fault", "FaultSet"]

KINDS = ("status", "latency", "reset")


@dataclass
class Fault:
    """One injected fault. ``status`` and ``latency`` may be combined."""

    id: str
    provider: str | None = None
    endpoint: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    latency: float = 0.0
    reset: bool = False
    times: int | None = None
    hits: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.reset:
            return "reset"
        if self.status is not None:
            return "status"
        return "latency"

    def matches(self, provider: str, endpoint: str | None, method: str, path: str) -> bool:
        if self.provider is not None and self.provider != provider:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        if self.method is not None and self.method != method:
            return False
        return not (self.path is not None and not fnmatch.fnmatchcase(path, self.path))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind
        d["remaining"] = None if self.times is None else max(0, self.times - self.hits)
        return d


class FaultSet:
    """The faults of one fake server, thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next = 1
        self.fired = 0

    def add(
        self,
        *,
        provider: str | None = None,
        endpoint: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        latency: float = 0.0,
        reset: bool = False,
        times: int | None = None,
        **extra: Any,
    ) -> Fault:
        if status is None and not latency and not reset:
            raise ControlError("a fault needs status, latency or reset")
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise ControlError(f"status must be an integer from 400 to 599, got {status!r}")
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency <= 60:
            raise ControlError(f"latency must be seconds from 0 to 60, got {latency!r}")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ControlError(f"times must be a positive integer, got {times!r}")
        with self._lock:
            number, self._next = self._next, self._next + 1
        fault = Fault(
            id=f"f{number}",
            provider=provider,
            endpoint=endpoint,
            method=method.upper() if method else None,
            path=path,
            status=status,
            latency=float(latency),
            reset=bool(reset),
            times=times,
            extra=extra,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, provider: str, endpoint: str | None, method: str, path: str) -> Fault | None:
        """The first live fault matching this request, counting the hit."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(provider, endpoint, method, path):
                    fault.hits += 1
                    self.fired += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            for fault in self._faults:
                if fault.id == fault_id:
                    self._faults.remove(fault)
                    return True
        return False

    def clear(self, provider: str | None = None) -> int:
        with self._lock:
            keep = [f for f in self._faults if provider is not None and f.provider != provider]
            n = len(self._faults) - len(keep)
            self._faults = keep
        return n

    def replace(self, faults: list[Fault], provider: str | None = None) -> None:
        """Put ``faults`` (with their ids and hits, from a snapshot) in place of every
        fault, or, with ``provider``, of that provider's; later ids follow theirs (an id
        another provider's fault holds is given a new one)."""
        with self._lock:
            keep = [f for f in self._faults if provider is not None and f.provider != provider]
            taken = {f.id for f in keep}
            numbers = [int(f.id[1:]) for f in [*keep, *faults] if f.id[:1] == "f" and f.id[1:].isdigit()]
            following = max([0, *numbers]) + 1
            if provider is None:
                self._next = following
            else:
                self._next = max(self._next, following)
            for fault in faults:
                if fault.id in taken:
                    fault.id = f"f{self._next}"
                    self._next += 1
                taken.add(fault.id)
            self._faults = keep + list(faults)

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def to_list(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self]
