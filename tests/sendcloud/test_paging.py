"""``start`` and ``limit`` on every list (seed 004; sendcloud.md: start defaults to 0,
the seed's ``start`` row repeating the ``limit`` row by mistake; bounce_do.md and
unsubscribe_do.md: start [0-] default 0, limit [0-100] default 100)."""

from __future__ import annotations

import pytest

from .conftest import error

LISTS = ["/block/list", "/bounce/list", "/unsubscribe/list"]


@pytest.fixture
def rows150(sendcloud_fake, frozen):
    """150 rows on each list, one second apart, all created today (UTC+8)."""
    sendcloud_fake.add_blocks(
        {"email": f"u{i:03d}@example.com", "create_time": f"2024-05-15 10:{i // 60:02d}:{i % 60:02d}"}
        for i in range(150)
    )
    sendcloud_fake.seed(
        {
            kind: [
                {"email": f"u{i:03d}@example.com", field: f"2024-05-15 10:{i // 60:02d}:{i % 60:02d}"}
                for i in range(150)
            ]
            for kind, field in (("bounces", "bounce_time"), ("unsubscribes", "unsubscribe_time"))
        }
    )


def _emails(info):
    return [r["email"] for r in info["dataList"]]


@pytest.mark.usefixtures("rows150")
@pytest.mark.parametrize("path", LISTS)
def test_limit_defaults_to_100_and_start_to_0(sc, path, method):
    info = sc.ok(path, {"days": 1}, method=method)
    assert _emails(info) == [f"u{i:03d}@example.com" for i in range(100)]
    assert info["count"] == 100


@pytest.mark.usefixtures("rows150")
@pytest.mark.parametrize("path", LISTS)
def test_start_is_an_offset_that_may_exceed_100(sc, path):
    info = sc.ok(path, {"days": 1, "start": 120, "limit": 100})
    assert _emails(info) == [f"u{i:03d}@example.com" for i in range(120, 150)]
    assert sc.ok(path, {"days": 1, "start": 150})["dataList"] == []
    assert sc.ok(path, {"days": 1, "start": 2147483647})["dataList"] == []


@pytest.mark.usefixtures("rows150")
@pytest.mark.parametrize("path", LISTS)
def test_limit_0_and_100_are_the_bounds(sc, path):
    assert sc.ok(path, {"days": 1, "limit": 0}) == {"dataList": [], "count": 0}
    assert len(sc.ok(path, {"days": 1, "limit": 100})["dataList"]) == 100
    assert _emails(sc.ok(path, {"days": 1, "start": 3, "limit": 2})) == ["u003@example.com", "u004@example.com"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": ""}, 40001),
        ({"start": "  "}, 40001),
        ({"start": "-1"}, 40002),
        ({"start": "x"}, 40002),
        ({"start": "1.0"}, 40002),
        ({"start": "2147483648"}, 40002),
        ({"limit": ""}, 40003),
        ({"limit": "101"}, 40004),
        ({"limit": "-1"}, 40004),
        ({"limit": "ten"}, 40004),
        ({"limit": "9" * 100}, 40004),
    ],
)
def test_bad_start_and_limit_are_40001_to_40004(sc, prefix, path, params, code):
    """A present but empty start/limit is "cannot be empty" (assumed trigger)."""
    assert sc.call(path, {"days": 1, **params}, prefix=prefix).json() == error(code, prefix)
