"""core.jsonstream: JSON written in pieces and read in chunks, whatever the chunk
boundaries cut (a number, a string, an escape, a multi-byte character)."""

from __future__ import annotations

import io
import json
import math
from typing import Any, NamedTuple
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_mailblocks.core import jsonstream
from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.jsonstream import RowError, Rows, chunks, convert, json_path, load
from pytest_mailblocks.core.snapshot import INT, STR, record

from ..conftest import examples


class Pair(NamedTuple):
    n: int
    s: str


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
FIELDS = st.dictionaries(st.text(max_size=8), JSON, max_size=4)


class ToTuples:
    """Arrays under ``rows`` keys are made into tuples of their items' values."""

    def rows(self, path: tuple[str, ...], root: dict[str, Any]) -> Any:
        if path[-1:] != ("rows",):
            return None
        return lambda items: [tuple(item.values()) if isinstance(item, dict) else item for item in items]

    def descend(self, path: tuple[str, ...], root: dict[str, Any]) -> bool:
        return True


def _read(text: str | bytes, hooks: Any = None) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return load(io.BytesIO(data).read, hooks)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Read a few bytes at a time, so every value is cut somewhere."""
    monkeypatch.setattr(jsonstream, "CHUNK", 3)


@settings(max_examples=examples(40))
@given(value=JSON, rows=st.lists(FIELDS, max_size=5))
def test_written_in_pieces_it_is_the_json_of_the_data(value, rows):
    records = [tuple(r.values()) for r in rows if len(r) == 2]
    doc = {"value": value, "rows": Rows(("a", "b"), records), "nested": {"more": Rows(("n", "s"), [Pair(1, "x")])}}
    text = "".join(chunks(doc))
    assert json.loads(text) == {
        "value": value,
        "rows": [{"a": a, "b": b} for a, b in records],
        "nested": {"more": [{"n": 1, "s": "x"}]},
    }


def test_rows_are_one_per_line_each_column_encoded_as_json():
    rows = Rows(
        ("n", "f", "s", "b", "none", "obj", 'q"%s'),
        [(1, 1.5, 'quote " back \\ nl \n é', True, None, {"k": [1]}, "x"), (2**70, -0.0, "", False, None, [], "y")],
    )
    lines = "".join(chunks({"rows": rows})).splitlines()
    assert lines == [
        "{",
        ' "rows": [',
        '  {"n":1,"f":1.5,"s":"quote \\" back \\\\ nl \\n é","b":true,"none":null,"obj":{"k":[1]},"q\\"%s":"x"},',
        f'  {{"n":{2**70},"f":-0.0,"s":"","b":false,"none":null,"obj":[],"q\\"%s":"y"}}',
        " ]",
        "}",
    ]
    assert "".join(chunks({"rows": Rows(("n",), [])})) == '{\n "rows": []\n}'


def test_a_float_column_that_is_not_finite_is_refused():
    with pytest.raises(ValueError):
        "".join(chunks({"rows": Rows(("f",), [(math.nan,)])}))


@settings(max_examples=examples(40))
@given(value=JSON, rows=st.lists(FIELDS, max_size=6), indent=st.sampled_from([None, 0, 2]))
def test_read_in_chunks_of_three_bytes_it_is_what_json_reads(value, rows, indent):
    text = json.dumps({"value": value, "rows": rows, "deep": {"rows": rows}}, indent=indent, ensure_ascii=False)
    with patch.object(jsonstream, "CHUNK", 3):
        assert _read(text) == json.loads(text)
        made = _read(text, ToTuples())
    assert made["value"] == value
    assert made["rows"] == made["deep"]["rows"] == [tuple(r.values()) for r in rows]
    assert convert(json.loads(text), ToTuples()) == made


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_a_number_cut_by_a_chunk_is_read_whole(monkeypatch, size):
    monkeypatch.setattr(jsonstream, "CHUNK", size)
    text = '{"rows": [1e5, 123456789012345678901234567890, -0.25e-3, 7], "x": 1.5E+2}'
    assert _read(text, ToTuples()) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"a": [1, 2,]}', "$.a", "line 1, column 13: Expecting value"),
        ('{"a": 1\n, "b": }', "$.b", "line 2, column 8: Expecting value"),
        ('{"rows": [{"x": 1}, {"x": 2} {"x": 3}]}', "$.rows[1]", "line 1, column 30: expected ',' or ']'"),
        ('{"a": 1} 2', "$", "extra data after the document"),
        ('{"a": NaN}', "$.a", "NaN is not JSON"),
        ('{"a": 1, 2: 3}', "$", "expected a key in double quotes"),
        ('{"a"  1}', "$.a", "expected ':'"),
        ('{"a": 1', "$", "expected ',' or '}'"),
        ('{"rows": [1, 2', "$.rows[1]", "expected ',' or ']'"),
    ],
)
def test_a_syntax_error_names_the_path_line_and_column(tiny_chunks, text, where, message):
    with pytest.raises(ControlError) as caught:
        _read(text, ToTuples())
    assert caught.value.where == where
    assert message in caught.value.detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b'{"a": "\xff"}', "not UTF-8 (byte 7)"),
        (b'{"a": "\xe3\x81"}', "not UTF-8"),
    ],
)
def test_what_is_no_document_is_said(tiny_chunks, data, message):
    with pytest.raises(ControlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _read(data)


def test_a_byte_order_mark_and_multibyte_characters_cut_by_chunks_are_read(tiny_chunks):
    text = '{"rows": [{"名前": "配信リストC"}], "é": "ü"}'
    assert _read(b"\xef\xbb\xbf" + text.encode(), ToTuples()) == {"rows": [("配信リストC",)], "é": "ü"}


def test_a_hook_refusing_an_element_names_its_path_and_field():
    class Refuse(ToTuples):
        def rows(self, path: tuple[str, ...], root: dict[str, Any]) -> Any:
            def make(items: list[Any]) -> Any:
                for i, item in enumerate(items):
                    if item.get("email") == "bad":
                        raise RowError(i, "must be an address", "email")
                return items

            return make if path == ("a b", "rows") else None

    text = '{"a b": {"rows": [{"email": "ok"}, {"email": "bad"}]}}'
    with pytest.raises(ControlError) as caught:
        _read(text, Refuse())
    assert str(caught.value) == '$["a b"].rows[1].email: must be an address'
    with pytest.raises(ControlError) as caught:
        convert(json.loads(text), Refuse())
    assert str(caught.value) == '$["a b"].rows[1].email: must be an address'


def test_json_paths():
    assert json_path([]) == "$"
    assert json_path(["providers", "send-grid", 3, "a.b", "", "_x"]) == '$.providers.send-grid[3]["a.b"][""]._x'


class Records:
    """Arrays under ``rows`` keys made by a snapshot record maker."""

    make = staticmethod(record(tuple, {"n": INT, "s": STR}, ("n", "s")))

    def rows(self, path: tuple[str, ...], root: dict[str, Any]) -> Any:
        return self.make if path[-1:] == ("rows",) else None

    def descend(self, path: tuple[str, ...], root: dict[str, Any]) -> bool:
        return True


@pytest.mark.parametrize("layout", ["one per line", "indented", "one line"])
def test_many_elements_are_made_in_batches_and_a_refusal_names_its_index(layout):
    rows = [{"n": i, "s": f"v{i}"} for i in range(20_000)]

    def text(items: list[dict[str, Any]]) -> str:
        if layout == "one per line":
            return "".join(chunks({"rows": Rows(("n", "s"), [tuple(r.values()) for r in items])}))
        return json.dumps({"rows": items}, indent=1 if layout == "indented" else None)

    assert _read(text(rows), Records())["rows"] == [(r["n"], r["s"]) for r in rows]
    rows[15_000]["s"] = 5
    with pytest.raises(ControlError) as caught:
        _read(text(rows), Records())
    assert str(caught.value) == "$.rows[15000].s: must be a string, got 5"
    rows[15_000] = {"n": 1}
    with pytest.raises(ControlError) as caught:
        convert({"rows": rows}, Records())
    assert str(caught.value) == "$.rows[15000]: missing ['s']; a record has ['n', 's']"
