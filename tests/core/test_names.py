"""Names that moved keep working, with a DeprecationWarning (issue 22), and state that
was module-level lives on the app."""

from __future__ import annotations

import importlib

import pytest

from pytest_mailblocks.core.journal import Journal, JournalRecord
from pytest_mailblocks.core.provider import Notes
from pytest_mailblocks.core.server import WSGIServer
from pytest_mailblocks.core.webhooks import Post, RetryPolicy, WebhookQueue


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("pytest_mailblocks.core.provider", "Exchange", Notes),
        ("pytest_mailblocks.core.server", "HTTPServer", WSGIServer),
    ],
)
def test_an_old_name_is_the_new_one_with_a_deprecation_warning(module, old, new):
    with pytest.warns(DeprecationWarning, match=f"{old} is now {new.__name__}"):
        assert getattr(importlib.import_module(module), old) is new


@pytest.mark.parametrize(
    ("module", "old", "new_module", "new"),
    [
        ("pytest_mailblocks.providers", "block_page", "pytest_mailblocks.control.paging", "block_page"),
        ("pytest_mailblocks.providers", "BlockPage", "pytest_mailblocks.control.paging", "BlockPage"),
        ("pytest_mailblocks.faker", "NCP_RESULT_CODES", "pytest_mailblocks.providers.ncp.faker", "RESULT_CODES"),
        ("pytest_mailblocks.faker", "CMC_STATUS", "pytest_mailblocks.providers.cmc.faker", "STATUSES"),
    ],
)
def test_a_name_that_moved_to_another_module_warns_and_is_found_there(module, old, new_module, new):
    with pytest.warns(DeprecationWarning, match=f"{module}.{old} is now {new_module}.{new}"):
        moved = getattr(importlib.import_module(module), old)
    assert moved is getattr(importlib.import_module(new_module), new)


def test_journal_record_takes_a_record_and_still_the_fields_one_by_one():
    fields = (1, "p", "GET", "/x", "", (("Host", "x"),), b"body", 0.0, 200, (), b"answer", 0.5) + (None,) * 6
    by_record, by_fields = Journal(), Journal()
    by_record.record(JournalRecord(*fields))
    with pytest.warns(DeprecationWarning, match="takes a JournalRecord"):
        by_fields.record(*fields)
    assert by_record.last is not None and by_fields.last is not None
    assert by_record.last.to_dict() == by_fields.last.to_dict()


def test_webhook_posts_are_numbered_per_queue_not_per_process():
    first, second = WebhookQueue(RetryPolicy()), WebhookQueue(RetryPolicy())
    posts = [Post("http://127.0.0.1:9/h", b"[]", {}, None, 0.0, 0.0) for _ in range(3)]
    first.add(posts[0])
    first.add(posts[1])
    second.add(posts[2])
    assert [p.id for p in posts] == [1, 2, 1]
