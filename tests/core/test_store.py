"""OrderedStore: windowed, prefix-filtered, paged queries agree with a naive model."""

from __future__ import annotations

import random
from typing import NamedTuple

import pytest

from pytest_mailblocks.core.store import OrderedStore, prefix_upper_bound


class Rec(NamedTuple):
    t: int
    email: str


def _store(records):
    s = OrderedStore(lambda r: r.email.lower())
    s.bulk_load(records)
    return s


def _naive(records, start=None, end=None, prefix=None, offset=0, limit=None, descending=True):
    rows = sorted(records, reverse=descending)
    rows = [r for r in rows if (start is None or r.t >= start) and (end is None or r.t < end)]
    if prefix is not None:
        rows = [r for r in rows if r.email.lower().startswith(prefix)]
    return rows[offset : None if limit is None else offset + limit], len(rows)


@pytest.mark.parametrize("seed", range(20))
def test_query_matches_a_naive_model(seed):
    rng = random.Random(seed)
    records = {}
    for _ in range(rng.randint(0, 300)):
        email = "".join(rng.choice("abc") for _ in range(rng.randint(1, 4))) + "@x.io"
        records[email] = Rec(rng.randint(0, 50), email)
    recs = list(records.values())
    store = _store(recs)
    for _ in range(30):
        start = rng.choice([None, rng.randint(0, 50)])
        end = rng.choice([None, rng.randint(0, 60)])
        prefix = rng.choice([None, "a", "ab", "c", "zz", "abca"])
        offset = rng.randint(0, 20)
        limit = rng.choice([None, 1, 5, 50])
        descending = rng.choice([True, False])
        page = store.query(
            start=start, end=end, prefix=prefix, offset=offset, limit=limit, descending=descending, with_total=True
        )
        want, total = _naive(recs, start, end, prefix, offset, limit, descending)
        assert page.records == want
        assert page.total == total
        plain = store.query(start=start, end=end, prefix=prefix, offset=offset, limit=limit, descending=descending)
        assert plain.records == want


def test_put_replaces_by_key_and_remove():
    s = _store([Rec(1, "A@x.io")])
    assert s.put(Rec(5, "a@x.io")) == Rec(1, "A@x.io")
    assert list(s) == [Rec(5, "a@x.io")]
    assert s.remove("a@x.io") == Rec(5, "a@x.io")
    assert len(s) == 0 and s.query(prefix="a").records == []


def test_pop_before_and_remove_where():
    s = _store([Rec(i, f"u{i}@x.io") for i in range(10)])
    assert [r.t for r in s.pop_before(3)] == [0, 1, 2]
    assert [r.t for r in s.remove_where(lambda r: r.t % 2 == 0)] == [4, 6, 8]
    assert [r.t for r in s] == [3, 5, 7, 9]
    assert s.query(prefix="u4").records == []


def test_bulk_load_merges_into_existing():
    s = _store([Rec(i, f"u{i}@x.io") for i in range(100)])
    s.bulk_load([Rec(1000, "u5@x.io")] + [Rec(200 + i, f"v{i}@x.io") for i in range(50)])
    assert len(s) == 150
    assert s.get("u5@x.io") == Rec(1000, "u5@x.io")
    assert s.first() == Rec(0, "u0@x.io")


def test_prefix_upper_bound():
    assert prefix_upper_bound("ab") == "ac"
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("") is None
