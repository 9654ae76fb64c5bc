"""Indexed record storage shared by every provider's models.

An :class:`OrderedStore` holds one tenant's records keyed by a normalized key (for
most lists the lower-cased address) and ordered by time, so a list call with a time
window, a prefix or partial filter and an offset/limit page touches only what it
returns instead of scanning everything:

- a time window is two bisections of the ordered index;
- a prefix filter is two bisections of a sorted key index, then either a gather of
  the (few) candidates, an in-order scan that stops once the page is full, or, in a
  big store, a walk over time buckets (each with its own sorted keys: two
  bisections per bucket, newest bucket first, until the page is full), whichever a
  cost model says is cheapest;
- any other predicate scans in order and stops once the page is full.

The key index and the time buckets are built when a query first needs them and
kept up to date from then on, so seeding a million records pays for neither
(issue 18).

Records must be tuples whose order is the list's order, with the time first
(``NamedTuple`` records such as ``Block(created, email, ...)`` are), so the index
holds the records themselves and costs one pointer per record. Not thread-safe by
itself: providers use it under the server's lock.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import compress, islice
from operator import eq, itemgetter
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from sortedcontainers import SortedList

__all__ = ["OrderedStore", "Page", "gc_paused", "prefix_upper_bound"]

R = TypeVar("R", bound=tuple)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk build: building a million
    records allocates millions of objects that hold no cycles, and each collection
    the allocations trigger walks every object alive (it doubled a million-block
    seed's time, issue 18). Collection resumes as it was afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return None


def _presorted(records: Iterable[R]) -> list[R]:
    """Records in tuple order, sorted by time.

    Sorting a million tuples compares them element by element in Python objects;
    sorting by the time alone is several times faster, and leaves only the records
    that share a time to order: each such run is sorted on its own. When many share
    one, a stable sort by the second field first, then a sort of the (then nearly
    sorted) tuples, do it in about one pass."""
    out = sorted(records, key=itemgetter(0))
    times = list(map(itemgetter(0), out))
    ties = list(compress(range(len(out) - 1), map(eq, times, islice(times, 1, None))))
    if len(ties) > len(out) // 8:
        out.sort(key=itemgetter(1))
        out.sort(key=itemgetter(0))
        out.sort()
        return out
    i = 0
    while i < len(ties):  # each run of records sharing one time: out[start:stop]
        j = i
        while j + 1 < len(ties) and ties[j + 1] == ties[j] + 1:
            j += 1
        start, stop = ties[i], ties[j] + 2
        out[start:stop] = sorted(out[start:stop])
        i = j + 1
    return out


def _sorted_list(values: list[Any]) -> SortedList:
    """A SortedList of ``values``, which are sorted already: built the way its own
    ``update`` builds an empty one, without sorting them once more (a pass over a
    million records). sortedcontainers is pinned in its 2.x line, whose layout this
    follows; any other layout takes the public constructor."""
    out = SortedList()
    if not all(hasattr(out, a) for a in ("_lists", "_maxes", "_index", "_load", "_len")):
        return SortedList(values)
    load = out._load
    out._lists = [values[pos : pos + load] for pos in range(0, len(values), load)]
    out._maxes = [sub[-1] for sub in out._lists]
    out._len = len(values)
    return out


class _Want(NamedTuple):
    """What a query asks of the records it gathers: the window, the predicate, the page."""

    start: Any
    end: Any
    predicate: Callable[[Any], bool] | None
    offset: int
    stop: int | None
    descending: bool


class Page(Generic[R]):
    """A page of records plus, when asked for, the total that matched."""

    __slots__ = ("records", "total")

    def __init__(self, records: list[R], total: int | None) -> None:
        self.records = records
        self.total = total

    def __iter__(self) -> Iterator[R]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"<Page {len(self.records)} of {self.total}>"


class OrderedStore(Generic[R]):
    """Records by key, ordered by the records' own tuple order (time first).

    :param key: the normalized key of a record (unique within the store).
    :param prefix_index: keep a sorted index of keys for prefix filters.
    """

    #: stores at least this big answer prefix + window queries from time buckets
    BUCKETED_MIN: ClassVar[int] = 20_000
    #: records per time bucket, on average, when the buckets are built
    BUCKET_SIZE: ClassVar[int] = 1024
    #: tests force a plan: "scan", "gather" or "buckets"
    force_plan: str | None = None

    def __init__(
        self,
        key: Callable[[R], str],
        *,
        prefix_index: bool = True,
        keys_of: Callable[[list[R]], Iterable[str]] | None = None,
    ) -> None:
        self._key = key
        #: the keys of many records at once (``map(key, records)`` unless given)
        self._keys_of = keys_of
        self._by_key: dict[str, R] = {}
        self._order: SortedList = SortedList()
        self._prefix_index = prefix_index
        self._keys: SortedList | None = None  # built on first use (prefix queries)
        # time buckets, built on first use: bucket id -> sorted keys, and the ids
        self._width: float = 0
        self._buckets: dict[int, list[str]] | None = None
        self._bucket_ids: SortedList | None = None

    @classmethod
    def by_lowered(cls, field: int, *, prefix_index: bool = True) -> OrderedStore[Any]:
        """A store keyed by one field of its records, lower-cased (the keys of a
        million records at once computed in C)."""
        get = itemgetter(field)
        return cls(
            lambda r: get(r).lower(),
            prefix_index=prefix_index,
            keys_of=lambda rows: map(str.lower, map(get, rows)),
        )

    # -- single records ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> R | None:
        return self._by_key.get(key)

    def put(self, record: R) -> R | None:
        """Insert or replace (by key); returns the record replaced, if any."""
        k = self._key(record)
        old = self._by_key.get(k)
        if old is not None:
            self._order.remove(old)
            if self._buckets is not None:
                self._unbucket(k, old)
        elif self._keys is not None:
            self._keys.add(k)
        self._by_key[k] = record
        self._order.add(record)
        if self._buckets is not None:
            self._bucket(k, record)
        return old

    def remove(self, key: str) -> R | None:
        old = self._by_key.pop(key, None)
        if old is not None:
            self._order.remove(old)
            if self._keys is not None:
                self._keys.remove(key)
            if self._buckets is not None:
                self._unbucket(key, old)
        return old

    def clear(self) -> int:
        n = len(self._by_key)
        self._by_key = {}
        self._order = SortedList()
        self._drop_indexes()
        return n

    def _drop_indexes(self) -> None:
        self._keys = None
        self._buckets = None
        self._bucket_ids = None

    def bulk_load(self, records: Iterable[R]) -> int:
        """Add many records at once (later duplicates of a key win); O(n log n)."""
        with gc_paused():
            return self._bulk_load(records)

    def _bulk_load(self, records: Iterable[R]) -> int:
        rows = records if isinstance(records, list) else list(records)
        keys = map(self._key, rows) if self._keys_of is None else self._keys_of(rows)
        incoming: dict[str, R] = dict(zip(keys, rows))
        if not incoming:
            return 0
        if not self._by_key:
            self._by_key = incoming
            self._order = _sorted_list(_presorted(incoming.values()))
            self._drop_indexes()
            return len(incoming)
        if len(incoming) < len(self._by_key) // 8:
            for r in incoming.values():
                self.put(r)
            return len(incoming)
        merged = self._by_key
        merged.update(incoming)
        self._by_key = merged
        self._order = _sorted_list(_presorted(merged.values()))
        self._drop_indexes()
        return len(incoming)

    def remove_where(self, predicate: Callable[[R], bool]) -> list[R]:
        """Remove every record the predicate selects (a full scan)."""
        doomed = [r for r in self._order if predicate(r)]
        for r in doomed:
            self.remove(self._key(r))
        return doomed

    def pop_before(self, when: Any) -> list[R]:
        """Remove and return every record whose time (first field) is before ``when``."""
        hi = self._order.bisect_left((when,))
        doomed = list(self._order.islice(0, hi))
        for r in doomed:
            self.remove(self._key(r))
        return doomed

    # -- ordered access ------------------------------------------------------------
    def __iter__(self) -> Iterator[R]:
        """Oldest first."""
        return iter(self._order)

    def newest_first(self) -> Iterator[R]:
        return reversed(self._order)

    def first(self) -> R | None:
        return self._order[0] if self._order else None

    def window(self, start: Any = None, end: Any = None) -> tuple[int, int]:
        """Index range of records with ``start <= time < end`` (None: unbounded)."""
        lo = 0 if start is None else self._order.bisect_left((start,))
        hi = len(self._order) if end is None else self._order.bisect_left((end,))
        return lo, max(lo, hi)

    def query(
        self,
        *,
        start: Any = None,
        end: Any = None,
        prefix: str | None = None,
        predicate: Callable[[R], bool] | None = None,
        offset: int = 0,
        limit: int | None = None,
        descending: bool = True,
        with_total: bool = False,
    ) -> Page[R]:
        """One page of records in ``start <= time < end`` whose key starts with
        ``prefix`` and that ``predicate`` accepts, newest first unless
        ``descending`` is false. ``with_total`` also counts every match (which
        costs a scan of the candidates)."""
        lo, hi = self.window(start, end)
        width = hi - lo
        stop = None if limit is None else offset + limit
        if width == 0 or (limit is not None and limit <= 0 and not with_total):
            return Page([], 0 if with_total else None)

        if prefix is None and predicate is None:
            if descending:
                a, b = max(lo, hi - (stop if stop is not None else width)), hi - offset
                rows = list(self._order.islice(a, max(a, b), reverse=True))
            else:
                a = lo + offset
                b = hi if stop is None else min(hi, lo + stop)
                rows = list(self._order.islice(a, max(a, b)))
            return Page(rows, width if with_total else None)

        if prefix is not None and self._prefix_index:
            keys = self._key_index()
            upper = prefix_upper_bound(prefix)
            k_lo = keys.bisect_left(prefix)
            k_hi = len(keys) if upper is None else keys.bisect_left(upper)
            candidates = k_hi - k_lo
            if candidates == 0:
                return Page([], 0 if with_total else None)
            plan = self.force_plan or self._plan(candidates, width, stop, with_total)
            want = _Want(start, end, predicate, offset, stop, descending)
            if plan == "gather":
                return self._gather(k_lo, k_hi, want, with_total)
            if plan == "buckets" and not with_total and self._bucket_index():
                return self._from_buckets(prefix, upper, want)

        key = self._key
        test = predicate
        if prefix is not None:
            p = prefix

            def test(r: R, _pred: Callable[[R], bool] | None = predicate) -> bool:
                return key(r).startswith(p) and (_pred is None or _pred(r))

        assert test is not None
        source = self._order.islice(lo, hi, reverse=descending)
        found: list[R] = []
        seen = 0
        for r in source:
            if not test(r):
                continue
            if seen >= offset and (stop is None or seen < stop):
                found.append(r)
            seen += 1
            if stop is not None and seen >= stop and not with_total:
                break
        return Page(found, seen if with_total else None)

    def _plan(self, candidates: int, width: int, stop: int | None, with_total: bool) -> str:
        """The cheapest way to a prefix query's page, in units of one gathered record.

        An in-order scan tests about ``want * width / candidates`` records in Python
        (about 4 units each, measured); a gather looks up every candidate and sorts
        them (1 each); the buckets walk about ``want / (matches per bucket)`` buckets
        (two bisections, a slice and the list building: about 24 units each) and gather what they hold."""
        if with_total:
            return "gather"
        want = (stop if stop is not None else width) or 1
        n = len(self._by_key)
        scan = 4 * want * width / candidates
        best, plan = float(candidates), "gather"
        if scan < best:
            best, plan = scan, "scan"
        if n >= self.BUCKETED_MIN and stop is not None:
            per_bucket = max(self.BUCKET_SIZE * candidates / n, 1e-9)
            visited = min(want / per_bucket + 1, n / self.BUCKET_SIZE * width / n + 1)
            if visited * (24 + 1.5 * per_bucket) < best:
                plan = "buckets"
        return plan

    def _key_index(self) -> SortedList:
        if self._keys is None:
            self._keys = SortedList(self._by_key)
        return self._keys

    # -- time buckets -----------------------------------------------------------------
    def _bucket_index(self) -> bool:
        """Build the time buckets if they are not yet; False when the records'
        times are not numbers (then queries use the other plans)."""
        if self._buckets is not None:
            return True
        if not self._order:
            return False
        first, last = self._order[0][0], self._order[-1][0]
        if not (isinstance(first, (int, float)) and isinstance(last, (int, float))):
            return False
        self._width = max(1, (last - first) * self.BUCKET_SIZE // len(self._order))
        buckets: dict[int, list[str]] = {}
        width, key = self._width, self._key
        for r in self._order:
            bid = int(r[0] // width)
            b = buckets.get(bid)
            if b is None:
                buckets[bid] = [key(r)]
            else:
                b.append(key(r))
        for b in buckets.values():
            b.sort()
        self._buckets = buckets
        self._bucket_ids = SortedList(buckets)
        return True

    def _bucket(self, k: str, record: R) -> None:
        assert self._buckets is not None and self._bucket_ids is not None
        bid = int(record[0] // self._width)
        b = self._buckets.get(bid)
        if b is None:
            self._buckets[bid] = [k]
            self._bucket_ids.add(bid)
        else:
            insort(b, k)

    def _unbucket(self, k: str, record: R) -> None:
        assert self._buckets is not None and self._bucket_ids is not None
        bid = int(record[0] // self._width)
        b = self._buckets[bid]
        del b[bisect_left(b, k)]
        if not b:
            del self._buckets[bid]
            self._bucket_ids.remove(bid)

    def _from_buckets(self, prefix: str, upper: str | None, want: _Want) -> Page[R]:
        assert self._buckets is not None and self._bucket_ids is not None
        start, end, predicate, offset, stop, descending = want
        width = self._width
        lo_id = None if start is None else int(start // width)
        hi_id = None if end is None else int(end // width)
        by_key, buckets = self._by_key, self._buckets
        found: list[R] = []
        for bid in self._bucket_ids.irange(lo_id, hi_id, reverse=descending):
            keys = buckets[bid]
            a = bisect_left(keys, prefix)
            b = len(keys) if upper is None else bisect_left(keys, upper, a)
            if a == b:
                continue
            rows = [by_key[k] for k in keys[a:b]]
            if start is not None and bid == lo_id:
                rows = [r for r in rows if r[0] >= start]
            if end is not None and bid == hi_id:
                rows = [r for r in rows if r[0] < end]
            if predicate is not None:
                rows = [r for r in rows if predicate(r)]
            rows.sort(reverse=descending)
            found += rows
            if stop is not None and len(found) >= stop:
                break
        return Page(found[offset:stop], None)

    def _gather(self, k_lo: int, k_hi: int, want: _Want, with_total: bool) -> Page[R]:
        start, end, predicate, offset, stop, descending = want
        by_key = self._by_key
        found = [by_key[k] for k in self._key_index().islice(k_lo, k_hi)]
        if start is not None:
            found = [r for r in found if r[0] >= start]
        if end is not None:
            found = [r for r in found if r[0] < end]
        if predicate is not None:
            found = [r for r in found if predicate(r)]
        found.sort(reverse=descending)
        return Page(found[offset:stop], len(found) if with_total else None)
