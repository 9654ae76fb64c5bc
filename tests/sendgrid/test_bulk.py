"""Bulk seeding's short path (issue 18) builds exactly what the record-by-record path
builds, and refuses exactly what it refuses."""

from __future__ import annotations

import gc

import pytest

from pytest_mailblocks import ControlError, FakeServer
from pytest_mailblocks.core.store import gc_paused

GOOD = [
    {"email": f"User{i}@Example.com", "created": 1_700_000_000 + i, "reason": "550 x", "status": "5.1.1"}
    for i in range(50)
]


@pytest.fixture
def provider():
    return FakeServer(providers=["sendgrid"]).app.providers["sendgrid"]


@pytest.mark.parametrize("kind", ["blocks", "bounces", "spam_reports", "invalid_emails", "unsubscribes"])
def test_plain_records_build_as_one_by_one(provider, kind):
    from pytest_mailblocks.providers.sendgrid.models import LIST_KINDS

    fields = LIST_KINDS[kind].fields
    items = [{f: r.get(f, "x") for f in fields} for r in GOOD]
    made = provider.make_records(kind, items, kind)
    assert made == [provider.make_record(kind, item, kind) for item in items]
    assert all(type(r) is LIST_KINDS[kind].record for r in made)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"created": True}, "blocks[7]: created must be unix seconds or an ISO 8601 string"),
        ({"email": ""}, "blocks[7]: email is required and must be a non-empty string"),
        ({"email": 5}, "blocks[7]: email is required and must be a non-empty string"),
        ({"reason": 5}, "blocks[7]: reason must be a string"),
        ({"mail": "x"}, "blocks[7]: unknown field(s) ['mail']"),
    ],
)
def test_a_bad_item_is_refused_as_one_by_one(provider, bad, message):
    items = [dict(r) for r in GOOD]
    items[7].update(bad)
    with pytest.raises(ControlError) as err:
        provider.make_records("blocks", items, "blocks")
    assert str(err.value).startswith(message)


def test_items_the_short_path_leaves_are_made_one_by_one(provider):
    items = [dict(r) for r in GOOD]
    items[3] = {"email": "  padded@example.com  ", "created": "2024-01-01T00:00:00Z"}
    items[4] = "bare@example.com"
    made = provider.make_records("blocks", items, "blocks")
    assert made[3].email == "padded@example.com" and made[3].created == 1704067200
    assert made[4].email == "bare@example.com"
    assert made[5] == provider.make_record("blocks", GOOD[5], "blocks")


def test_gc_paused_restores_the_collector_as_it_was():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_items_are_taken_in_chunks_with_errors_counted_across_them(provider, monkeypatch):
    import pytest_mailblocks.providers.sendgrid.control as sg_module

    monkeypatch.setattr(sg_module, "_CHUNK", 7)
    items = (dict(r) for r in GOOD)  # a generator
    made = provider.make_records("blocks", items, "blocks")
    assert made == [provider.make_record("blocks", r, "blocks") for r in GOOD]
    bad = [dict(r) for r in GOOD]
    bad[30]["email"] = ""
    with pytest.raises(ControlError, match=r"^blocks\[30\]: email is required"):
        provider.make_records("blocks", iter(bad), "blocks")
