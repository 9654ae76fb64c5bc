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
from itertools import chain, islice, repeat
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any, Protocol

from .errors import ControlError

__all__ = ["CHUNK", "Hooks", "Make", "RowError", "Rows", "chunks", "convert", "dumps", "json_path", "load"]

#: bytes read at a time
CHUNK = 1 << 20
#: records encoded at a time
BATCH = 4096

Path = tuple[str, ...]
#: a list's maker: its elements, a batch at a time, as parsed JSON -> their records
#: (a :class:`RowError` names an element it refuses)
Make = Callable[[list[Any]], list[Any]]


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
    """The records as JSON objects, one per line: each batch's columns encoded apart,
    then woven with the field names between them and joined (C code throughout)."""
    pad = " " * depth
    names = [_ENCODE(name) for name in rows.fields]
    heads = [f"{pad}{{{names[0]}:", *(f",{name}:" for name in names[1:])] if names else [pad + "{"]
    getters = [itemgetter(i) for i in range(len(names))]
    source = iter(rows.records)
    held: str | None = None  # the last batch's text waits: its last comma goes
    while batch := list(islice(source, BATCH)):
        parts: list[Iterable[str]] = []
        for head, get in zip(heads, getters):
            parts += [repeat(head), _column(list(map(get, batch)))]
        if not getters:
            parts = [repeat(pad + "{"), repeat("", len(batch))]
        parts.append(repeat("},\n"))
        text = "".join(chain.from_iterable(zip(*parts)))
        yield "[\n" if held is None else held
        held = text
    if held is None:
        yield "[]"
    else:
        yield held[:-2] + "\n" + " " * (depth - 1) + "]"


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


class RowError(ControlError):
    """A maker's refusal of element ``index`` of the batch it was given (``field``: the
    element's field at fault, if one is)."""

    def __init__(self, index: int, message: str, field: str | None = None) -> None:
        super().__init__(message, where=f"[{index}]" + (f".{field}" if field else ""))
        self.index = index
        self.field = field


def _made(make: Make, batch: list[Any], path: Path, offset: int) -> list[Any]:
    """``make(batch)``, a refusal naming the element's JSON path (``offset``: the
    index of the batch's first element in its array)."""
    if not batch:
        return []
    try:
        return make(batch)
    except RowError as exc:
        where = json_path([*path, offset + exc.index]) + (f".{exc.field}" if exc.field else "")
        raise ControlError(exc.detail, status=exc.status, where=where) from None
    except ControlError as exc:
        raise ControlError(exc.detail, status=exc.status, where=json_path(path)) from None


# -- in ------------------------------------------------------------------------------------------
class Hooks(Protocol):
    """Which arrays :func:`load` reads element by element, and how each element is made."""

    def rows(self, path: Path, root: dict[str, Any]) -> Make | None:
        """The maker of the array at ``path``, or None (decoded whole).
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
#: :meth:`_Reader._lines` decodes the elements of at least this many characters at once
_LINES_MIN = 4096


class _Reader:
    def __init__(self, read: Callable[[int], bytes], hooks: Hooks | None) -> None:
        self._read = read
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.hooks = hooks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped before buf[0]
        self._no_lines_before = 0  # :meth:`_lines` gives up before this position
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
            self.consumed += self.pos
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
                make = hooks.rows(path, self.root)
                if make is not None:
                    return self.rows(path, make)
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

    def rows(self, path: Path, make: Make) -> list[Any]:
        """The array at ``path``, its elements made by ``make`` a batch at a time as
        they are read (so no more than a batch of them is held as parsed JSON)."""
        self.expect("[", path)
        out: list[Any] = []
        if self.peek() == "]":
            self.pos += 1
            return out
        batch: list[Any] = []
        read = 0  # elements read so far
        while True:
            lines = self._lines()
            if lines is None:
                batch.append(self._element(path, read))
                read += 1
                after = "separator"
            else:
                batch += lines[0]
                read += len(lines[0])
                after = lines[1]
            if len(batch) >= BATCH or after == "closed":
                out += _made(make, batch, path, len(out))
                batch = []
            if after == "closed":
                return out
            if after == "comma":
                continue
            # the separator: most often right there, without a call
            buf, pos = self.buf, self.pos
            if pos < len(buf) and buf[pos] == ",":
                self.pos = pos + 1
                continue
            char = self.peek()
            if char == "]":
                self.pos += 1
                return out + _made(make, batch, path, len(out))
            if char != ",":
                raise self.error("expected ',' or ']'", self.pos, [*path, read - 1])
            self.pos += 1

    def _lines(self) -> tuple[list[Any], str] | None:
        """The elements from here to the last line break read so far, decoded at once
        by C code when that text holds whole elements (the layout :func:`chunks`
        writes, one per line), and what follows them: ``"comma"`` (taken),
        ``"closed"`` (the array's end, taken) or ``"separator"``; else None (read them
        one by one).

        A line break never falls inside a JSON string, so the text up to one, in
        brackets, decodes as a list exactly when it holds whole elements (an element
        it cuts leaves a bracket or a brace open, or a value missing); when the array
        ends inside it, its own closing bracket closes the list."""
        buf = self.buf
        start = _blank_end(buf, self.pos)
        cut = buf.rfind("\n", start)
        if cut - start < _LINES_MIN or self.consumed + start < self._no_lines_before:
            return None
        text = buf[start:cut].rstrip()
        comma = text.endswith(",")
        wrapped = f"[{text[:-1] if comma else text}]"
        try:
            value, end = _SCAN(wrapped, 0)
        except (StopIteration, ValueError, RecursionError):
            self._no_lines_before = self.consumed + cut  # not this layout: one by one up to there
            return None
        if end < len(wrapped):  # the array's own bracket closed it
            self.pos = start + end - 1
            return value, "closed"
        self.pos = start + len(text)
        return value, "comma" if comma else "separator"

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
        out: list[Any] = []
        for start in range(0, len(value), BATCH):
            out += _made(make, value[start : start + BATCH], path, start)
        return out
    if isinstance(value, dict) and hooks.descend(path, root):
        return {k: convert(v, hooks, (*path, k), root) for k, v in value.items()}
    return value
