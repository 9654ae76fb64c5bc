"""The pytest plugin and snapshots (issue 20): every test starts from
``mailblocks_snapshot`` (ini) or ``--mailblocks-snapshot``, the marker's
``snapshot=``, and ``mailblocks.save_state(path)`` to write one (nested pytest)."""

from __future__ import annotations

import json

from pytest_mailblocks import FakeServer

pytest_plugins = ["pytester"]


def _account(path) -> None:
    """A snapshot file: two SendGrid blocks, a subuser, a frozen clock."""
    with FakeServer() as server:
        server.clock.freeze("2024-05-01T00:00:00Z")
        server.sendgrid.seed(
            {"subusers": ["shop"], "blocks": ["a@example.com", {"email": "b@x.io", "subuser": "shop"}]}
        )
        server.save_state(path)


TESTS = """
import pytest

def test_changes(sendgrid_fake, mailblocks):
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["a@example.com"]
    assert mailblocks.clock.now().isoformat() == "2024-05-01T00:00:00+00:00"
    sendgrid_fake.add_block("changed@example.com")
    mailblocks.clock.advance(days=1)

def test_starts_from_the_snapshot_again(sendgrid_fake, mailblocks):
    assert [b["email"] for b in sendgrid_fake.blocks(subuser="shop")] == ["b@x.io"]
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["a@example.com"]
    assert mailblocks.clock.now().isoformat() == "2024-05-01T00:00:00+00:00"

@pytest.mark.mailblocks(sendgrid=["marked@example.com"])
def test_a_marker_seeds_on_top(sendgrid_fake):
    assert sorted(b["email"] for b in sendgrid_fake.blocks()) == ["a@example.com", "marked@example.com"]
"""


def test_the_ini_option_starts_every_test_from_the_snapshot(pytester):
    (pytester.path / "data").mkdir()
    _account(pytester.path / "data" / "account.json")
    pytester.makeini("[pytest]\nmailblocks_snapshot = data/account.json\n")
    pytester.makepyfile(TESTS)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_the_command_line_option_does_too(pytester):
    _account(pytester.path / "account.json")
    pytester.makepyfile(TESTS)
    pytester.runpytest("-p", "no:randomly", "--mailblocks-snapshot", "account.json").assert_outcomes(passed=3)


def test_a_bad_snapshot_file_stops_the_session_naming_it(pytester):
    pytester.makeini("[pytest]\nmailblocks_snapshot = broken.json\n")
    (pytester.path / "broken.json").write_text('{"mailblocks_snapshot": 1, "providers": {"sendgrid": {"accounts": 5}}}')
    pytester.makepyfile("def test_it(mailblocks): pass")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-mailblocks: mailblocks_snapshot (ini): *broken.json: $.providers.sendgrid: missing *api_keys*"]
    )
    pytester.makeini("[pytest]\nmailblocks_snapshot = missing.json\n")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*mailblocks_snapshot (ini): *missing.json: cannot read snapshot file: No such file*"])


def test_the_marker_takes_a_snapshot_file_or_data(pytester):
    (pytester.path / "data").mkdir()
    _account(pytester.path / "data" / "account.json")
    pytester.makepyfile(
        """
        import json, pathlib
        import pytest

        SNAPSHOT = json.loads((pathlib.Path(__file__).parent / "data" / "account.json").read_text())

        @pytest.mark.mailblocks(snapshot="data/account.json", freeze="2030-01-01T00:00:00Z")
        def test_file(sendgrid_fake, mailblocks):
            assert [b["email"] for b in sendgrid_fake.blocks()] == ["a@example.com"]
            assert mailblocks.clock.now().year == 2030

        @pytest.mark.mailblocks(**SNAPSHOT)
        def test_data(sendgrid_fake):
            assert [b["email"] for b in sendgrid_fake.blocks(subuser="shop")] == ["b@x.io"]

        @pytest.mark.mailblocks(snapshot="data/nothing.json")
        def test_missing(sendgrid_fake):
            pass

        def test_empty_without_it(sendgrid_fake):
            assert sendgrid_fake.blocks() == []
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*bad @pytest.mark.mailblocks: *nothing.json: cannot read snapshot file*"])


def test_save_state_writes_a_file_a_later_session_starts_from(pytester):
    pytester.makepyfile(
        test_arrange="""
        def test_arrange(mailblocks):
            mailblocks.cmc.add_block("arranged@example.com")
            mailblocks.ncp.inject_fault("list_send_blocks", status=503)
            mailblocks.save_state("arranged.json")
            mailblocks.sendgrid.save_state("sendgrid-only.json")
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    saved = json.loads((pytester.path / "arranged.json").read_text())
    assert saved["faults"][0]["status"] == 503
    assert json.loads((pytester.path / "sendgrid-only.json").read_text())["provider"] == "sendgrid"
    pytester.makepyfile(
        test_arrange="""
        def test_uses(cmc_fake, mailblocks):
            assert [b["email"] for b in cmc_fake.blocks()] == ["arranged@example.com"]
            assert len(mailblocks.faults) == 1
        """
    )
    pytester.runpytest("-p", "no:randomly", "--mailblocks-snapshot", "arranged.json").assert_outcomes(passed=1)
