"""OrderedStore: windowed, prefix-filtered, paged queries agree with a naive model."""

from __future__ import annotations

import random
from datetime import datetime, timezone
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


@pytest.mark.parametrize("plan", [None, "scan", "gather", "buckets"])
@pytest.mark.parametrize("seed", range(20))
def test_query_matches_a_naive_model(seed, plan):
    rng = random.Random(seed)
    records = {}
    for _ in range(rng.randint(0, 300)):
        email = "".join(rng.choice("abc") for _ in range(rng.randint(1, 4))) + "@x.io"
        records[email] = Rec(rng.randint(0, 50), email)
    store = _store(list(records.values()))
    store.BUCKET_SIZE = rng.choice([1, 4, 64])  # type: ignore[misc]
    store.BUCKETED_MIN = 0  # type: ignore[misc]  # the planner may choose buckets too
    store.force_plan = plan
    for i in range(60):
        if i % 10 == 9:  # change the store after its indexes were built: they follow
            for _ in range(rng.randint(1, 20)):
                email = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 4))) + "@x.io"
                if rng.random() < 0.3 and records:
                    gone = rng.choice(sorted(records))
                    assert store.remove(gone.lower()) == records.pop(gone)
                else:
                    rec = Rec(rng.randint(-5, 70), email)
                    store.put(rec)
                    records[email] = rec
            assert sorted(store) == sorted(records.values())
        recs = list(records.values())
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


class Timed(NamedTuple):
    t: object
    email: str


@pytest.mark.parametrize(
    "times",
    [
        [0.5, 1.25, 3.0, 3.5, 7.75],
        [datetime(2024, 1, d, tzinfo=timezone.utc) for d in (1, 2, 5, 9, 20)],  # no buckets: other plans
    ],
)
def test_buckets_take_any_numeric_time_and_step_aside_for_others(times):
    s = OrderedStore(lambda r: r.email)
    s.bulk_load(Timed(t, f"u{i}@x.io") for i, t in enumerate(times))
    s.force_plan = "buckets"
    page = s.query(start=times[1], end=times[4], prefix="u", limit=2)
    assert page.records == [Timed(times[3], "u3@x.io"), Timed(times[2], "u2@x.io")]
    assert (s._buckets is not None) == isinstance(times[0], float)


def test_the_planner_walks_buckets_for_a_common_prefix_in_a_window_of_a_big_store():
    rng = random.Random(4)
    recs = [Rec(rng.randrange(0, 90_000), f"user{i}@mail{i % 97}.example") for i in range(30_000)]
    s = _store(recs)
    calls = []
    s._from_buckets = lambda *a: calls.append(a) or OrderedStore._from_buckets(s, *a)  # type: ignore[method-assign]
    page = s.query(start=40_000, end=50_000, prefix="user12", offset=100, limit=100)
    want, _ = _naive(recs, 40_000, 50_000, "user12", 100, 100)
    assert calls and page.records == want
    assert s.query(prefix="user12345@", limit=5).records == _naive(recs, prefix="user12345@", limit=5)[0]
    assert len(calls) == 1  # a handful of candidates: gathered


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


@pytest.mark.parametrize("times", [range(5000), [7] * 5000, [i % 3 for i in range(5000)]])
def test_bulk_load_orders_like_a_sorted_list_whatever_the_ties(times):
    from sortedcontainers import SortedList

    rng = random.Random(5)
    recs = [Rec(t, f"{rng.choice('abc')}{i}@x.io") for i, t in enumerate(times)]
    rng.shuffle(recs)
    s = _store(recs)
    s._order._check()  # sortedcontainers' own invariants
    assert list(s._order) == list(SortedList(recs))
    assert s.query(limit=3).records == sorted(recs, reverse=True)[:3]
