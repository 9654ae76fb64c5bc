"""Snapshots (issue 20): everything a fake holds, out and back in, all or nothing.

The provider-agnostic part. A snapshot is a JSON object::

    {"mailblocks_snapshot": 1,                       the format version (FORMAT)
     "clock": {"mode": "frozen", "now": "2024-05-01T00:00:00Z"},
     "faults": [{"id": "f1", "provider": ..., "status": 503, ...}],
     "providers": {"<key>": {...its state room's part...}},
     "without_state": ["<key>", ...]}                 providers that keep no snapshot

or, for one provider (``GET /_mailblocks/<key>/state``)::

    {"mailblocks_snapshot": 1, "provider": "<key>", "faults": [...], "state": {...}}

Each provider's part is its ``state`` room's (found through the registry):

- ``export(provider) -> data``: its state as JSON-ready data, called under the app's
  lock; a big list is a :class:`~.jsonstream.Rows` over a copy of its records (taken
  under the lock, formatted after it is released);
- ``ROWS``: ``{path pattern: make}``: the lists of its part (paths relative to it,
  ``"*"`` any key) read element by element, ``make(item)`` checking one element and
  returning its record (a :class:`~.errors.ControlError` naming the field refuses it);
  :func:`record` builds these makers;
- ``restore(provider, data, where) -> state``: a new state built from its part (the
  lists already made), never touching the live one; a ControlError names the JSON path.

A provider whose package has no ``state`` room is served as before: its state is
left out of an export (listed under ``without_state``), emptied by an import of the
whole fake, and a snapshot holding state for it is refused.

Importing parses and builds every new state outside the app's lock (a million
records take seconds), then swaps them in, with the faults and the clock, in one
step under the lock: a request sees the old state or the new one, never a mix; a
refusal anywhere changes nothing.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path as FilePath
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .clock import MAX_TIME, MIN_TIME, RANGE, in_range, parse_instant
from .errors import ControlError
from .faults import Fault, FaultSet
from .jsonstream import Make, Path, RowError, Rows, chunks, convert, json_path, load

if TYPE_CHECKING:
    from .app import App

__all__ = [
    "FORMAT",
    "KEY",
    "Check",
    "Imported",
    "Rows",
    "capture",
    "check",
    "export",
    "import_state",
    "is_snapshot",
    "plain",
    "prepare",
    "read_file",
    "record",
    "save",
    "text",
]

#: the key that marks a snapshot, and the format version this package writes and reads
KEY = "mailblocks_snapshot"
FORMAT = 1
_FULL_KEYS = (KEY, "clock", "faults", "providers", "without_state")
_ONE_KEYS = (KEY, "provider", "faults", "state")
CLOCK_MODES = ("real", "frozen", "offset")


def is_snapshot(data: Any) -> bool:
    """Whether ``data`` (a seed, a marker's keywords, a file's content) is a snapshot."""
    return isinstance(data, Mapping) and KEY in data


def _room(key: str) -> ModuleType | None:
    from ..providers import room

    return room(key, "state")


# -- out ---------------------------------------------------------------------------------------
def _clock(app: App) -> dict[str, Any]:
    described = app.clock.describe()
    mode = described["mode"]
    if mode == "real":
        return {"mode": "real"}
    return {"mode": mode, "now": app.clock.now().isoformat().replace("+00:00", "Z")}


def _faults(app: App, key: str | None) -> list[dict[str, Any]]:
    fields = ("id", "provider", "endpoint", "method", "path", "status", "latency", "reset", "times", "hits")
    return [{name: getattr(f, name) for name in fields} for f in app.faults if key is None or f.provider == key]


def capture(app: App, key: str | None = None) -> dict[str, Any]:
    """The snapshot of the whole fake (``key`` None) or of one provider, its big lists
    as :class:`Rows` over copies: consistent (taken under the app's lock) and cheap
    (the records are shared, not copied)."""
    if key is not None and key not in app.providers:
        raise ControlError(f"unknown provider {key!r}; known: {sorted(app.providers)}", status=404)
    with app.lock:
        if key is not None:
            room = _room(key)
            if room is None:
                raise ControlError(f"{key} keeps no snapshot: its package has no state room", status=404)
            part = room.export(app.providers[key])
            return {KEY: FORMAT, "provider": key, "faults": _faults(app, key), "state": part}
        parts: dict[str, Any] = {}
        without: list[str] = []
        for k in app.providers:
            room = _room(k)
            if room is None:
                without.append(k)
            else:
                parts[k] = room.export(app.providers[k])
        out = {KEY: FORMAT, "clock": _clock(app), "faults": _faults(app, None), "providers": parts}
        if without:
            out["without_state"] = without
        return out


def text(app: App, key: str | None = None) -> Iterator[str]:
    """The snapshot as JSON text in pieces: captured now, formatted as it is read."""
    return chunks(capture(app, key))


def plain(value: Any) -> Any:
    """``value`` with every :class:`Rows` as a list of dicts (what Python code reads)."""
    if isinstance(value, Rows):
        return value.dicts()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def export(app: App, key: str | None = None) -> dict[str, Any]:
    """The snapshot as plain JSON-ready data."""
    out: dict[str, Any] = plain(capture(app, key))
    return out


_SAVE_LOCKS: dict[str, threading.Lock] = {}
_SAVE_LOCKS_GUARD = threading.Lock()


def save(app: App, path: str | os.PathLike[str], key: str | None = None) -> int:
    """Write the snapshot to ``path`` atomically: to a temporary file beside it
    (``.<name>.<random>.tmp``), flushed to the disk, then renamed over it, so the file
    is always a whole snapshot, the old one or the new. Saves to one path run one at
    a time, so a later capture is never overwritten by an earlier one. The bytes written."""
    import tempfile

    target = FilePath(path)
    with _SAVE_LOCKS_GUARD:
        lock = _SAVE_LOCKS.setdefault(str(target.absolute()), threading.Lock())
    with lock:
        pieces = text(app, key)  # captured now, under the app's lock
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        written = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for piece in pieces:
                    data = piece.encode("utf-8")
                    out.write(data)
                    written += len(data)
                out.write(b"\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _sync_folder(target.parent)
    return written + 1


def _sync_folder(folder: FilePath) -> None:
    """Make the rename itself durable (where the system lets a folder be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def stale_temporaries(path: str | os.PathLike[str]) -> list[FilePath]:
    """Temporary files a save to ``path`` left behind when its process was killed."""
    target = FilePath(path)
    pattern = re.compile(re.escape(f".{target.name}.") + r"[A-Za-z0-9_]+\.tmp\Z")
    try:
        return sorted(p for p in target.parent.iterdir() if pattern.match(p.name))
    except OSError:
        return []


# -- making records ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """What one field of a record must be: ``ok(value)``, said as ``what``; ``many``
    checks a whole column at once in C where it can (default: ``ok`` on each)."""

    ok: Callable[[Any], bool]
    what: str
    many: Callable[[list[Any]], bool] | None = None

    def all(self, column: list[Any]) -> bool:
        return self.many(column) if self.many is not None else all(map(self.ok, column))


def _types(column: list[Any], *allowed: type) -> bool:
    return set(map(type, column)) <= set(allowed)


def _within(column: list[Any], low: float, high: float) -> bool:
    return not column or (low <= min(column) and max(column) <= high)


def _texts(column: list[Any]) -> bool:
    return _types(column, str) and all(column) and all(map(str.__eq__, column, map(str.strip, column)))


INT = Check(lambda v: type(v) is int, "an integer", lambda c: _types(c, int))
NATURAL = Check(
    lambda v: type(v) is int and v >= 0, "an integer >= 0", lambda c: _types(c, int) and _within(c, 0, math.inf)
)
POSITIVE = Check(
    lambda v: type(v) is int and v >= 1, "an integer >= 1", lambda c: _types(c, int) and _within(c, 1, math.inf)
)
STR = Check(lambda v: type(v) is str, "a string", lambda c: _types(c, str))
TEXT = Check(lambda v: _texts([v]), "a non-empty string without surrounding blanks", _texts)
OPT_STR = Check(lambda v: v is None or type(v) is str, "a string or null", lambda c: _types(c, str, type(None)))
BOOL = Check(lambda v: type(v) is bool, "true or false", lambda c: _types(c, bool))
NUMBER = Check(
    lambda v: type(v) in (int, float) and math.isfinite(v),
    "a finite number",
    lambda c: _types(c, int, float) and all(map(math.isfinite, c)),
)
INSTANT = Check(
    lambda v: type(v) in (int, float) and in_range(v),
    f"unix seconds ({RANGE})",
    lambda c: _types(c, int, float) and all(map(math.isfinite, c)) and _within(c, MIN_TIME, MAX_TIME),
)
INSTANT_MS = Check(
    lambda v: type(v) is int and in_range(v / 1000),
    f"unix milliseconds ({RANGE})",
    lambda c: _types(c, int) and _within(c, MIN_TIME * 1000, MAX_TIME * 1000),
)


def integers(low: int, high: float, what: str) -> Check:
    """Integers from ``low`` to ``high``."""
    return Check(
        lambda v: type(v) is int and low <= v <= high, what, lambda c: _types(c, int) and _within(c, low, high)
    )


def maybe(rule: Check) -> Check:
    """``rule`` or null."""
    return Check(lambda v: v is None or rule.ok(v), f"null or {rule.what}")


def one_of(values: Iterable[Any]) -> Check:
    allowed = frozenset(values)
    shown = sorted(allowed, key=repr)
    return Check(
        lambda v: type(v) in (str, int, type(None)) and v in allowed,
        f"one of {shown}",
        lambda c: _types(c, str, int, type(None)) and set(c) <= allowed,
    )


def record(cls: type, checks: Mapping[str, Check], fields: tuple[str, ...] | None = None) -> Make:
    """The maker of ``cls`` records (a NamedTuple; ``tuple`` for the values as they
    are) from ``{"field": value, ...}`` with exactly ``fields`` (default: the
    NamedTuple's own), each passing its check: a batch at a time, column by column in
    C when every item is a plain, valid record, else item by item (the first refused
    named by a :class:`~.jsonstream.RowError`)."""
    names: tuple[str, ...] = fields or cls._fields  # type: ignore[attr-defined]
    wanted = frozenset(names)
    get = itemgetter(*names)
    rules = [(name, checks[name]) for name in names]
    single = len(names) == 1
    columns = [itemgetter(i) for i in range(len(names))]

    def make(items: list[Any]) -> list[Any]:
        # plain records: dicts of the record's size that have every field (so no other)
        if set(map(type, items)) == {dict} and set(map(len, items)) == {len(names)}:
            try:
                values = map(tuple, map(get, items)) if single else map(get, items)
                made = list(values if cls is tuple else map(tuple.__new__, repeat(cls), values))
            except (KeyError, TypeError):
                made = None
            if made is not None and all(rule.all(list(map(column, made))) for (_, rule), column in zip(rules, columns)):
                return made
        return [one(item, i) for i, item in enumerate(items)]

    def one(item: Any, index: int) -> Any:
        if type(item) is not dict or item.keys() != wanted:
            raise RowError(index, _shape(item, names))
        values = (get(item),) if single else get(item)
        for (name, rule), value in zip(rules, values):
            if not rule.ok(value):
                raise RowError(index, f"must be {rule.what}, got {_shown(value)}", name)
        return values if cls is tuple else tuple.__new__(cls, values)

    return make


#: the maker of a list of counts per address, ``(email, count)`` tuples
EMAIL_COUNTS = record(tuple, {"email": TEXT, "count": POSITIVE}, ("email", "count"))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _shape(item: Any, names: tuple[str, ...]) -> str:
    if not isinstance(item, dict):
        return f"expected an object with {list(names)}, got {type(item).__name__}"
    missing = [n for n in names if n not in item]
    unknown = sorted(str(k) for k in item if k not in names)
    said = [f"missing {missing}"] if missing else []
    said += [f"unknown {unknown}"] if unknown else []
    return f"{', '.join(said)}; a record has {list(names)}"


def check(data: Any, where: str, required: Iterable[str] = (), optional: Iterable[str] = ()) -> dict[str, Any]:
    """``data`` when it is an object with every ``required`` key and no key besides
    ``optional`` ones (neither given: any keys), else the ControlError naming ``where``."""
    required, optional = tuple(required), tuple(optional)
    if not isinstance(data, dict):
        keys = f" with {list(required + optional)}" if required or optional else ""
        raise ControlError(f"expected an object{keys}", where=where)
    if not required and not optional:
        return data
    missing = [k for k in required if k not in data]
    unknown = sorted(str(k) for k in data if k not in required and k not in optional)
    if missing or unknown:
        said = [f"missing {missing}"] if missing else []
        said += [f"unknown {unknown}"] if unknown else []
        raise ControlError(f"{', '.join(said)}; known: {list(required + optional)}", where=where)
    return data


def field_of(data: dict[str, Any], name: str, rule: Check, where: str) -> Any:
    """``data[name]`` when it passes ``rule``, else the ControlError naming ``where.name``."""
    value = data.get(name)
    if not rule.ok(value):
        raise ControlError(f"must be {rule.what}, got {_shown(value)}", where=f"{where}.{name}")
    return value


def unique(records: list[Any], key: Callable[[Any], Any], where: str, what: str = "record") -> None:
    """Refuse the first record of ``records`` whose ``key`` an earlier one has."""
    seen: dict[Any, int] = {}
    for i, r in enumerate(records):
        k = key(r)
        if k in seen:
            raise ControlError(f"a second {what} for {k!r} (the first is [{seen[k]}])", where=f"{where}[{i}]")
        seen[k] = i


# -- in ----------------------------------------------------------------------------------------
class _Hooks:
    """The lists of a snapshot read element by element (see :mod:`.jsonstream`), by the
    state rooms' ``ROWS``; only in a document that says it is a snapshot of this format
    before its providers' part begins (else the lists are made once it is read)."""

    def __init__(self, app: App, only: str | None) -> None:
        self.app = app
        self.only = only
        #: whether the providers' lists were made while reading
        self.streamed = False

    def _table(self, path: Path, root: dict[str, Any]) -> tuple[dict[Path, Any], Path] | None:
        """The makers of the provider whose part ``path`` is in, and the path within it."""
        if root.get(KEY) != FORMAT or not path:
            return None
        if path[0] == "providers" and len(path) >= 2:
            key, rest = path[1], path[1 + 1 :]
        elif path[0] == "state" and isinstance(root.get("provider"), str):
            key, rest = root["provider"], path[1:]
        else:
            return None
        room = _room(key) if key in self.app.providers else None
        if room is None:
            return None
        table: dict[Path, Any] = getattr(room, "ROWS", {})
        if self.only is not None and key != self.only:  # read, not kept
            table = dict.fromkeys(table, _skip)
        return table, rest

    def rows(self, path: Path, root: dict[str, Any]) -> Any:
        found = self._table(path, root)
        if found is None:
            return None
        table, rest = found
        return next((make for pattern, make in table.items() if _matches(pattern, rest)), None)

    def descend(self, path: Path, root: dict[str, Any]) -> bool:
        if not path:
            return True
        if path in (("providers",), ("state",)):
            self.streamed = root.get(KEY) == FORMAT and (
                path[0] == "providers" or isinstance(root.get("provider"), str)
            )
            if path == ("providers",):
                return self.streamed
        found = self._table(path, root)
        return found is not None and any(
            len(p) > len(found[1]) and _matches(p[: len(found[1])], found[1]) for p in found[0]
        )


def _matches(pattern: Path, path: Path) -> bool:
    return len(pattern) == len(path) and all(p in ("*", q) for p, q in zip(pattern, path))


def _skip(items: list[Any]) -> list[Any]:
    """The elements of a list another provider's import does not need: not kept."""
    return []


@dataclass
class Imported:
    """A snapshot checked in full and built, not yet in place: :meth:`apply` swaps it
    in under the app's lock (it cannot be refused); :meth:`discard` drops it."""

    app: App
    #: provider key -> its new state (None: an empty one)
    states: dict[str, Any]
    faults: list[Fault]
    #: the provider whose faults are replaced (None: every fault)
    faults_of: str | None
    clock: Callable[[], Any] | None = None
    applied: bool = field(default=False)

    def apply(self) -> dict[str, Any]:
        app = self.app
        with app.lock:
            for key, state in self.states.items():
                provider = app.providers[key]
                if state is None:
                    provider.reset()
                else:
                    provider.replace_state(state)
            app.faults.replace(self.faults, self.faults_of)
            if self.clock is not None:
                self.clock()
            self.applied = True
            return {"imported": sorted(self.states), "faults": len(self.faults), "clock": app.clock.describe()}

    def discard(self) -> None:
        if not self.applied:
            for state in self.states.values():
                close = getattr(state, "close", None)
                if close is not None:
                    close()


def read(app: App, source: Callable[[int], bytes], only: str | None = None) -> Any:
    """A snapshot (or any JSON document) from ``source(n)``, the providers' lists made
    as they are read; pass the result to :func:`prepare`."""
    hooks = _Hooks(app, only)
    data = load(source, hooks)
    if is_snapshot(data) and not hooks.streamed:  # the version came after the lists
        data = convert(data, _Hooks(app, only))
    return _Parsed(data) if isinstance(data, dict) else data


class _Parsed(dict[str, Any]):
    """A document :func:`read` gave: its lists are made already."""


def prepare(app: App, data: Any, only: str | None = None, where: str = "$") -> Imported:
    """Check ``data`` (a snapshot) in full and build the states it holds: for the
    whole fake, or, with ``only``, for that provider alone (from a one-provider
    snapshot of it, or its part of a whole one).

    :raises ControlError: naming the JSON path of what is wrong; nothing changed.
    """
    if not is_snapshot(data):
        raise ControlError(f'expected a snapshot: a JSON object with "{KEY}": {FORMAT}', where=where)
    if not isinstance(data, _Parsed):
        data = convert(dict(data), _Hooks(app, only))
    version = data[KEY]
    if type(version) is not int or version != FORMAT:
        raise ControlError(
            f"unsupported snapshot format {version!r}; this version reads {FORMAT}", where=f"{where}.{KEY}"
        )
    if "provider" in data:
        return _prepare_one(app, data, only, where)
    check(data, where, (KEY, "providers"), ("clock", "faults", "without_state"))
    parts = check(data["providers"], f"{where}.providers")
    unknown = [k for k in parts if k not in app.providers]
    if unknown:
        raise ControlError(
            f"unknown provider(s) {unknown}; served: {sorted(app.providers)}", where=f"{where}.providers"
        )
    without = data.get("without_state", [])
    if not isinstance(without, list) or not all(isinstance(k, str) for k in without):
        raise ControlError("expected a list of provider keys", where=f"{where}.without_state")
    keys = [only] if only is not None else list(app.providers)
    if only is not None and only not in parts:
        raise ControlError(f"the snapshot holds no state for {only}", where=f"{where}.providers")
    faults = _parse_faults(app, data.get("faults", []), f"{where}.faults", None)
    if only is not None:  # its part of the whole fake's faults
        faults = [f for f in faults if f.provider == only]
    states = _build(
        app,
        {k: parts.get(k) for k in keys},
        lambda k: json_path(["providers", k]) if where == "$" else f"{where}.providers.{k}",
    )
    clock = None if only is not None or "clock" not in data else _parse_clock(app, data["clock"], f"{where}.clock")
    return Imported(app, states, faults, only, clock)


def _prepare_one(app: App, data: dict[str, Any], only: str | None, where: str) -> Imported:
    check(data, where, (KEY, "provider", "state"), ("faults",))
    key = data["provider"]
    if not isinstance(key, str) or key not in app.providers:
        raise ControlError(f"unknown provider {key!r}; served: {sorted(app.providers)}", where=f"{where}.provider")
    if only is not None and key != only:
        raise ControlError(f"a snapshot of {key}, not of {only}", where=f"{where}.provider")
    faults = _parse_faults(app, data.get("faults", []), f"{where}.faults", key)
    states = _build(app, {key: data["state"]}, lambda k: f"{where}.state")
    return Imported(app, states, faults, key)


def _build(app: App, parts: dict[str, Any], where_of: Callable[[str], str]) -> dict[str, Any]:
    """Each provider's new state from its part (None: left out, so empty)."""
    states: dict[str, Any] = {}
    try:
        for key, part in parts.items():
            if part is None:
                states[key] = None
                continue
            room = _room(key)
            if room is None:
                raise ControlError(f"{key} keeps no snapshot (its package has no state room)", where=where_of(key))
            states[key] = room.restore(app.providers[key], part, where_of(key))
    except BaseException:
        Imported(app, states, [], None).discard()
        raise
    return states


_FAULT_FIELDS = ("id", "provider", "endpoint", "method", "path", "status", "latency", "reset", "times", "hits")


def _parse_faults(app: App, items: Any, where: str, only: str | None) -> list[Fault]:
    if not isinstance(items, list):
        raise ControlError("expected a list of faults", where=where)
    out: list[Fault] = []
    ids: set[str] = set()
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        spec = dict(check(item, w, ("id",), _FAULT_FIELDS[1:]))
        fault_id, hits = spec.pop("id"), spec.pop("hits", 0)
        if not isinstance(fault_id, str) or not fault_id or fault_id in ids:
            raise ControlError("id must be a string not used by another fault", where=f"{w}.id")
        provider = spec.get("provider")
        if provider is not None and provider not in app.providers:
            raise ControlError(f"unknown provider {provider!r}", where=f"{w}.provider")
        if only is not None and provider != only:
            raise ControlError(f"a fault of {provider!r} in a snapshot of {only}", where=f"{w}.provider")
        for name in ("provider", "endpoint", "method", "path"):
            if spec.get(name) is not None and not isinstance(spec[name], str):
                raise ControlError("must be a string or null", where=f"{w}.{name}")
        if not isinstance(spec.get("reset", False), bool):
            raise ControlError("must be true or false", where=f"{w}.reset")
        try:
            fault = FaultSet().add(**spec)
        except ControlError as exc:
            raise ControlError(exc.detail, where=w) from None
        if type(hits) is not int or hits < 0 or (fault.times is not None and hits >= fault.times):
            raise ControlError("hits must be an integer >= 0, below times", where=f"{w}.hits")
        fault.id, fault.hits = fault_id, hits
        ids.add(fault_id)
        out.append(fault)
    return out


def _parse_clock(app: App, data: Any, where: str) -> Callable[[], Any]:
    data = check(data, where, ("mode",), ("now",))
    mode = data["mode"]
    if mode not in CLOCK_MODES:
        raise ControlError(f"mode must be one of {list(CLOCK_MODES)}", where=f"{where}.mode")
    if mode == "real":
        if "now" in data:
            raise ControlError("a real clock takes no now", where=f"{where}.now")
        return app.clock.real
    if "now" not in data:
        raise ControlError(f"a {mode} clock needs now (an ISO 8601 instant)", where=where)
    try:
        at = parse_instant(data["now"])
    except ValueError as exc:
        raise ControlError(str(exc), where=f"{where}.now") from None
    if not in_range(at):
        raise ControlError(f"outside the fake clock's range, {RANGE}", where=f"{where}.now")
    move = app.clock.freeze if mode == "frozen" else app.clock.set
    return lambda: move(at)


def import_state(app: App, data: Any, only: str | None = None) -> dict[str, Any]:
    """Replace the state with a snapshot's, all or nothing (see :func:`prepare`)."""
    imported = prepare(app, data, only)
    try:
        return imported.apply()
    finally:
        imported.discard()


def read_file(app: App, path: str | os.PathLike[str], only: str | None = None, what: str = "file") -> Any:
    """A JSON file (``what``: how messages name it) read as :func:`read` reads it: a
    snapshot, its lists made as they are read, or a seed.

    :raises ControlError: naming the file and what is wrong with it."""
    try:
        with open(path, "rb") as f:
            return read(app, f.read, only)
    except OSError as exc:
        raise ControlError(f"cannot read {what}: {exc.strerror or exc}", where=str(path)) from None
    except ControlError as exc:
        raise ControlError(exc.detail, where=f"{path}: {exc.where}" if exc.where else str(path)) from None


# -- delivery (a provider with a send path puts this in its part) ------------------------------
ENTRY_FIELDS = ("seq", "time", "type", "email", "tenant", "data")
_LOG_KEYS = ("maxlen", "max_bytes", "total", "next_seq", "entries")


def _entries(items: list[Any]) -> list[Any]:
    from .delivery import Entry, _estimate

    return [Entry._make((*made, _estimate(made[-1]))) for made in _ENTRY(items)]


_ENTRY = record(
    tuple,
    {
        "seq": POSITIVE,
        "time": NUMBER,
        "type": STR,
        "email": STR,
        "tenant": OPT_STR,
        "data": Check(lambda v: type(v) is dict, "an object"),
    },
    ENTRY_FIELDS,
)
#: the makers of a delivery part's lists, for a state room's ``ROWS`` (its paths
#: prefixed with where the room puts the part, e.g. ``("delivery", *path)``)
DELIVERY_ROWS: dict[Path, Make] = {("events", "entries"): _entries, ("sends", "entries"): _entries}


def delivery_part(delivery: Any) -> dict[str, Any] | None:
    """A provider's :class:`~.delivery.Delivery` as snapshot data (None: never made):
    the chosen outcomes, the events and the sends with their bounds. Work waiting
    on the fake clock (deferrals, scheduled sends, webhook posts) is not kept."""
    if delivery is None:
        return None
    from .delivery import COMPLAINT, UNSUBSCRIBE

    outcomes = [
        {
            k: v
            for k, v in chosen.items()
            if v is not None and (k != "after" or chosen["kind"] in (COMPLAINT, UNSUBSCRIBE))
        }
        for chosen in delivery.outcomes.chosen()
    ]
    out: dict[str, Any] = {"outcomes": outcomes}
    for name, log in (("events", delivery.outbox), ("sends", delivery.sends)):
        entries, total, following = log.snapshot()
        out[name] = {
            "maxlen": log.maxlen,
            "max_bytes": log.max_bytes,
            "total": total,
            "next_seq": following,
            "entries": Rows(ENTRY_FIELDS, entries),
        }
    return out


def restore_delivery(delivery: Any, data: Any, kinds: Iterable[str], where: str) -> None:
    """Fill a new :class:`~.delivery.Delivery` from a part :func:`delivery_part` wrote."""
    from .delivery import parse_outcome

    data = check(data, where, ("outcomes", "events", "sends"))
    outcomes = data["outcomes"]
    if not isinstance(outcomes, list):
        raise ControlError("expected a list of outcomes", where=f"{where}.outcomes")
    kinds = tuple(kinds)
    pairs = [parse_outcome(item, f"{where}.outcomes[{i}]", kinds) for i, item in enumerate(outcomes)]
    unique(pairs, lambda pair: pair[0].lower(), f"{where}.outcomes", "outcome")
    with located(f"{where}.outcomes"):
        delivery.outcomes.choose(pairs)
    for name, log in (("events", delivery.outbox), ("sends", delivery.sends)):
        w = f"{where}.{name}"
        part = check(data[name], w, _LOG_KEYS)
        restore_bounds(log, part, w)
        entries = part["entries"]
        if not isinstance(entries, list):
            raise ControlError("expected a list of entries", where=f"{w}.entries")
        total, following = field_of(part, "total", NATURAL, w), field_of(part, "next_seq", POSITIVE, w)
        seqs = [e.seq for e in entries]
        bad = next((i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]), None)
        if bad is not None:
            raise ControlError("entries must be in seq order, each seq once", where=f"{w}.entries[{bad}].seq")
        if total < len(entries) or (seqs and following <= seqs[-1]):
            raise ControlError("total must count every entry, next_seq follow the last one", where=w)
        log.restore(entries, total, following)


def restore_bounds(target: Any, part: dict[str, Any], where: str) -> None:
    """Set a bounded log's ``maxlen`` and ``max_bytes`` (each an integer >= 0 or null)
    from ``part``."""
    for bound in ("maxlen", "max_bytes"):
        value = part[bound]
        if value is not None and not NATURAL.ok(value):
            raise ControlError("must be an integer >= 0 or null", where=f"{where}.{bound}")
        setattr(target, bound, value)


def restore_delivery_part(data: Any, make: Callable[[], Any], kinds: Iterable[str], where: str) -> None:
    """A state room's ``restore`` of its delivery part ``data`` (None: none was made):
    ``make()`` gives the new state's :class:`~.delivery.Delivery` (made on first use,
    registered with the app), filled by :func:`restore_delivery`, closed again if that
    refuses. Call it last, once nothing else of the state can be refused."""
    if data is None:
        return
    delivery = make()
    try:
        restore_delivery(delivery, data, kinds, where)
    except BaseException:
        delivery.close()
        raise


@contextmanager
def located(where: str) -> Iterator[None]:
    """A :class:`~.errors.ControlError` raised inside (a provider's own check, which
    names no path) raised again naming ``where``."""
    try:
        yield
    except ControlError as exc:
        raise ControlError(exc.detail, where=where) from None
