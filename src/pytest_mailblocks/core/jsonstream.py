"""JSON in and out in pieces, for documents too big to hold as one string (snapshots
of a million records, issue 20).

Out: :func:`chunks` writes JSON-ready data as a sequence of strings. A :class:`Rows`
anywhere in it is a list of records (tuples in ``fields`` order) written as objects,
one per line, a batch at a time, each column encoded by C code (``json``'s string
escaper, ``int.__repr__``); containers that hold a ``Rows`` are laid out one item per
line, the others written compactly on one line. So a snapshot is readable, diffs
line by line when committed, and never exists as one string.

In: :func:`load` reads a document from a byte stream (``read(n)``) in chunks. Arrays
at the paths a :class:`Hooks` names are read element by element, each element turned
into its final record by the hook as soon as it is parsed; objects on the way to them
are read key by key; everything else is decoded whole by ``json`` (C code). So the
text is never held whole and a record is never held twice. Errors are
:class:`~.errors.ControlError`\\ s naming the JSON path (``$.providers.x.blocks[3]``)
and, for a syntax error, the line and column.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any, Protocol

from .errors import ControlError

__all__ = ["CHUNK", "Hooks", "Rows", "chunks", "convert", "dumps", "json_path", "load"]

#: bytes read at a time
CHUNK = 1 << 20
#: records encoded at a time
BATCH = 4096

Path = tuple[str, ...]
Convert = Callable[[Any], Any]


class Rows:
    """A list of records in JSON-ready data: ``records`` are tuples in ``fields`` order
    (NamedTuples fit), written as ``{"field": value, ...}`` objects, one per line."""

    __slots__ = ("fields", "records")

    def __init__(self, fields: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
        self.fields = tuple(fields)
        self.records = records

    def dicts(self) -> list[dict[str, Any]]:
        fields = self.fields
        return [dict(zip(fields, r)) for r in self.records]

    def __repr__(self) -> str:
        n = len(self.records) if isinstance(self.records, Sequence) else "?"
        return f"<Rows {list(self.fields)} x {n}>"


# -- out ------------------------------------------------------------------------------------------
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), allow_nan=False).encode
_BOOL = {True: "true", False: "false"}


def dumps(value: Any) -> str:
    """``value`` (JSON-ready, no :class:`Rows`) as compact JSON text."""
    return str(_ENCODE(value))


def _has_rows(value: Any) -> bool:
    if isinstance(value, Rows):
        return True
    if isinstance(value, dict):
        return any(_has_rows(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_rows(v) for v in value)
    return False


def chunks(value: Any, depth: int = 0) -> Iterator[str]:
    """``value`` as JSON text, in pieces (their concatenation is the document)."""
    if isinstance(value, Rows):
        yield from _rows_text(value, depth + 1)
    elif not _has_rows(value):
        yield _COMPACT(value)
    elif isinstance(value, dict):
        pad = "\n" + " " * (depth + 1)
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + pad + _ENCODE(str(key)) + ": "
            yield from chunks(item, depth + 1)
        yield "\n" + " " * depth + "}"
    else:
        pad = "\n" + " " * (depth + 1)
        yield "["
        for i, item in enumerate(value):
            yield ("," if i else "") + pad
            yield from chunks(item, depth + 1)
        yield "\n" + " " * depth + "]"


def _rows_text(rows: Rows, depth: int) -> Iterator[str]:
    pad = " " * depth
    names = [_ENCODE(name).replace("%", "%%") for name in rows.fields]
    template = pad + "{" + ",".join(f"{name}:%s" for name in names) + "}"
    getters = [itemgetter(i) for i in range(len(names))]
    source = iter(rows.records)
    first = True
    while batch := list(islice(source, BATCH)):
        columns = [_column(list(map(get, batch))) for get in getters]
        text = ",\n".join(map(template.__mod__, zip(*columns)))
        yield ("[\n" if first else ",\n") + text
        first = False
    yield "[]" if first else "\n" + " " * (depth - 1) + "]"


def _column(values: list[Any]) -> Iterable[str]:
    """One field of a batch of records as JSON texts, by C code where the field has
    one plain type in the whole batch."""
    types = set(map(type, values))
    if types == {str}:
        return map(encode_basestring, values)
    if types <= {int} or (types <= {int, float} and all(map(math.isfinite, values))):
        return map(repr, values)
    if types == {bool}:
        return map(_BOOL.__getitem__, values)
    return map(_ENCODE, values)


# -- paths ---------------------------------------------------------------------------------------
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def json_path(path: Iterable[str | int]) -> str:
    """``$.providers.x["a b"].blocks[3]``: keys that are plain names after a dot,
    others quoted in brackets, indexes in brackets."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif isinstance(part, str) and _NAME.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{_ENCODE(str(part))}]")
    return "".join(out)


def _element_error(exc: ControlError, path: Path, index: int) -> ControlError:
    """A hook's refusal of element ``index`` of the array at ``path`` (its ``where``,
    if any, a field of the element), naming the element's JSON path."""
    where = json_path([*path, index])
    if exc.where:
        where += exc.where if exc.where.startswith("[") else f".{exc.where}"
    return ControlError(exc.detail, status=exc.status, where=where)


# -- in ------------------------------------------------------------------------------------------
class Hooks(Protocol):
    """Which arrays :func:`load` reads element by element, and how each element is made."""

    def rows(self, path: Path, root: dict[str, Any]) -> Convert | None:
        """The element maker of the array at ``path``, or None (decoded whole).
        ``root``: the top-level object as read so far."""

    def descend(self, path: Path, root: dict[str, Any]) -> bool:
        """Whether an array below the object at ``path`` may have a maker (so that
        object is read key by key)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_RAW = _DECODER.raw_decode
#: the C scanner raw_decode wraps (StopIteration where no value starts)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_BLANKS = re.compile(r"[ \t\n\r]*")


def _blank_end(text: str, pos: int) -> int:
    """Where the white space at ``pos`` ends."""
    found = _BLANKS.match(text, pos)
    return pos if found is None else found.end()


#: decoded values ending this close to the end of what was read are decoded again
#: after reading more (a number cut in two, ``1e`` | ``5``, would decode as ``1``)
_MARGIN = 32


class _Reader:
    def __init__(self, read: Callable[[int], bytes], hooks: Hooks | None) -> None:
        self._read = read
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.hooks = hooks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # the line of buf[0]
        self.column = 0  # characters before buf[0] on its line
        self.bytes = 0
        self.root: dict[str, Any] = {}

    # -- the text --------------------------------------------------------------------------------
    def more(self, at_least: int = 0) -> bool:
        """Read on (keeping what is not consumed); False at the end of the input."""
        if self.eof:
            return False
        if self.pos:
            newline = self.buf.rfind("\n", 0, self.pos)
            if newline < 0:
                self.column += self.pos
            else:
                self.line += self.buf.count("\n", 0, self.pos)
                self.column = self.pos - newline - 1
            self.buf = self.buf[self.pos :]
            self.pos = 0
        data = self._read(max(at_least, CHUNK))
        try:
            text = self._utf8.decode(data or b"", final=not data)
        except UnicodeDecodeError as exc:
            raise ControlError(f"not UTF-8 (byte {self.bytes + exc.start})") from None
        self.bytes += len(data or b"")
        self.eof = not data
        self.buf += text
        return True

    def error(self, message: str, pos: int, path: Sequence[str | int]) -> ControlError:
        newline = self.buf.rfind("\n", 0, pos)
        line = self.line + self.buf.count("\n", 0, pos)
        column = pos - newline if newline >= 0 else self.column + pos + 1
        return ControlError(f"invalid JSON at line {line}, column {column}: {message}", where=json_path(path))

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = _blank_end(self.buf, self.pos)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, path: Sequence[str | int]) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}", self.pos, path)
        self.pos += 1

    def decode(self, path: Sequence[str | int]) -> Any:
        """The value at the position, whole."""
        self.peek()
        need = CHUNK
        while True:
            buf, pos = self.buf, self.pos
            try:
                value, end = _RAW(buf, pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(buf) - _MARGIN or exc.msg.startswith("Unterminated string")
                if self.eof or not cut:
                    raise self.error(exc.msg, exc.pos, path) from None
                self.more(need)
                need *= 2
                continue
            except ValueError as exc:  # NaN, Infinity
                raise self.error(str(exc), pos, path) from None
            except RecursionError:
                raise self.error("nested too deeply", pos, path) from None
            if len(buf) - end < _MARGIN and not self.eof:
                self.more(need)
                need *= 2
                continue
            self.pos = end
            return value

    # -- the structure ---------------------------------------------------------------------------
    def value(self, path: Path) -> Any:
        hooks = self.hooks
        char = self.peek()
        if hooks is not None:
            if char == "[":
                convert = hooks.rows(path, self.root)
                if convert is not None:
                    return self.rows(path, convert)
            elif char == "{" and hooks.descend(path, self.root):
                return self.object(path)
        return self.decode(path)

    def object(self, path: Path) -> dict[str, Any]:
        self.expect("{", path)
        out: dict[str, Any] = {}
        if not path:
            self.root = out  # the hooks see the top level as it is read
        if self.peek() == "}":
            self.pos += 1
            return out
        while True:
            if self.peek() != '"':
                raise self.error("expected a key in double quotes", self.pos, path)
            key = self.decode(path)
            self.expect(":", [*path, key])
            out[key] = self.value((*path, key))
            char = self.peek()
            self.pos += 1
            if char == "}":
                return out
            if char != ",":
                self.pos -= 1
                raise self.error("expected ',' or '}'", self.pos, path)

    def rows(self, path: Path, convert: Convert) -> list[Any]:
        """The array at ``path``, each element made by ``convert`` as soon as it is read."""
        self.expect("[", path)
        out: list[Any] = []
        append = out.append
        if self.peek() == "]":
            self.pos += 1
            return out
        index = 0
        while True:
            item = self._element(path, index)
            try:
                append(convert(item))
            except ControlError as exc:
                raise _element_error(exc, path, index) from None
            # the separator: most often right there, without a call
            buf, pos = self.buf, self.pos
            if pos < len(buf) and buf[pos] == ",":
                self.pos = pos + 1
            else:
                char = self.peek()
                if char == "]":
                    self.pos += 1
                    return out
                if char != ",":
                    raise self.error("expected ',' or ']'", self.pos, [*path, index])
                self.pos += 1
            index += 1

    def _element(self, path: Path, index: int) -> Any:
        """One element of an array read by :meth:`rows`: decoded in place when it lies
        well inside what was read (the usual case), else by :meth:`decode`."""
        buf = self.buf
        pos = _blank_end(buf, self.pos)
        try:
            value, end = _SCAN(buf, pos)
        except (StopIteration, ValueError, RecursionError):
            pass  # cut by the end of what was read, or not JSON: said by decode()
        else:
            if len(buf) - end >= _MARGIN or self.eof:
                self.pos = end
                return value
        self.pos = pos
        return self.decode([*path, index])


def load(read: Callable[[int], bytes], hooks: Hooks | None = None) -> Any:
    """The JSON document ``read(n)`` gives (bytes, ``b""`` at the end), read in
    chunks; the arrays ``hooks`` names are made element by element.

    :raises ControlError: naming the JSON path (and the line, for a syntax error).
    """
    reader = _Reader(read, hooks)
    if reader.peek() == "":
        raise ControlError("empty document: expected a JSON object")
    value = reader.value(())
    if reader.peek() != "":
        raise reader.error("extra data after the document", reader.pos, [])
    return value


def convert(value: Any, hooks: Hooks, path: Path = (), root: dict[str, Any] | None = None) -> Any:
    """``value`` (data already parsed) with the arrays ``hooks`` names made element by
    element, as :func:`load` makes them; the containers on the way are copied, the
    rest is shared."""
    if root is None:
        root = value if isinstance(value, dict) else {}
    if isinstance(value, list):
        make = hooks.rows(path, root)
        if make is None:
            return value
        out = []
        for i, item in enumerate(value):
            try:
                out.append(make(item))
            except ControlError as exc:
                raise _element_error(exc, path, i) from None
        return out
    if isinstance(value, dict) and hooks.descend(path, root):
        return {k: convert(v, hooks, (*path, k), root) for k, v in value.items()}
    return value
