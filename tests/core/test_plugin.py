"""The pytest plugin: fixtures, marker, options, xdist (run in a nested pytest)."""

from __future__ import annotations

import pytest

from pytest_mailblocks import FakeServer

pytest_plugins = ["pytester"]


def test_fixture_gives_a_reset_handle_per_test(pytester):
    pytester.makepyfile(
        """
        import requests

        def test_one(sendgrid_fake):
            sendgrid_fake.add_block("a@example.com")
            assert len(sendgrid_fake.blocks()) == 1

        def test_two(sendgrid_fake, mailblocks):
            assert sendgrid_fake.blocks() == []
            assert sendgrid_fake.url == mailblocks.url
            r = requests.get(sendgrid_fake.url + "/v3/suppression/blocks",
                             headers={"Authorization": "Bearer " + sendgrid_fake.api_key})
            assert r.json() == []

        def test_same_server_for_the_session(mailblocks_server, mailblocks):
            assert mailblocks_server is mailblocks
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_marker_seeds_and_freezes(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mailblocks(
            sendgrid=[{"email": "a@example.com", "created": "2024-01-01T00:00:00Z"}, "b@example.com"],
            freeze="2024-05-01T00:00:00Z",
        )
        def test_seeded(sendgrid_fake, mailblocks):
            assert [b["email"] for b in sendgrid_fake.blocks()] == ["b@example.com", "a@example.com"]
            assert sendgrid_fake.blocks()[0]["created"] == 1714521600
            assert mailblocks.clock.frozen

        @pytest.mark.mailblocks(sendgrid={"subusers": ["shop"], "blocks": [{"email": "c@x.io", "subuser": "shop"}]})
        def test_subuser_seed(sendgrid_fake):
            assert sendgrid_fake.blocks(subuser="shop")[0]["email"] == "c@x.io"
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_bad_marker_fails_the_test_with_a_clear_message(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mailblocks(sendgrid=[{"mail": "a@example.com"}])
        def test_bad(sendgrid_fake):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    assert (
        "bad @pytest.mark.mailblocks: mailblocks marker: sendgrid.blocks[0]: unknown field(s) ['mail']"
        in result.stdout.str()
    )


def test_credentials_from_ini_and_command_line(pytester):
    pytester.makeini(
        """
        [pytest]
        mailblocks_credentials =
            sendgrid.api_key=SG.from-ini
        """
    )
    pytester.makepyfile(
        """
        def test_key(sendgrid_fake, request):
            assert sendgrid_fake.api_key == request.config.getoption("expected")
        """
    )
    pytester.makeconftest(
        """
        def pytest_addoption(parser):
            parser.addoption("--expected")
        """
    )
    pytester.runpytest("-p", "no:randomly", "--expected", "SG.from-ini").assert_outcomes(passed=1)
    pytester.runpytest(
        "-p", "no:randomly", "--expected", "SG.cli", "--mailblocks-credential", "sendgrid.api_key=SG.cli"
    ).assert_outcomes(passed=1)


def test_bad_credential_option_is_a_usage_error(pytester):
    pytester.makepyfile("def test_x(sendgrid_fake): pass")
    result = pytester.runpytest("-p", "no:randomly", "--mailblocks-credential", "sendgrid.nope=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "pytest-mailblocks: unknown credential(s) ['nope'] for sendgrid" in result.stderr.str()
    result = pytester.runpytest("-p", "no:randomly", "--mailblocks-credential", "nodot")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "is not PROVIDER.NAME=VALUE" in result.stderr.str()


def test_host_and_port_options(pytester):
    pytester.makepyfile(
        """
        def test_where(mailblocks):
            assert mailblocks.host == "127.0.0.1"
            assert mailblocks.port > 0
        """
    )
    pytester.runpytest("-p", "no:randomly", "--mailblocks-host", "127.0.0.1").assert_outcomes(passed=1)


def test_allow_host_from_ini_and_command_line(pytester):
    pytester.makeini("[pytest]\nmailblocks_allow_hosts =\n    fake.ci.test\n")
    pytester.makepyfile(
        """
        import requests

        def test_names(mailblocks):
            for host, status in (("fake.ci.test", 200), ("mailblocks:8025", 200), ("evil.test", 403)):
                r = requests.get(mailblocks.url + "/_mailblocks/health", headers={"Host": host})
                assert r.status_code == status, host
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--mailblocks-allow-host", "mailblocks")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:randomly", "--mailblocks-allow-host", "mailblocks:8025")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "pytest-mailblocks: --allow-host takes a host name" in result.stderr.str()


def test_internal_error_fails_the_test_that_caused_it(pytester):
    pytester.makepyfile(
        """
        import requests
        from pytest_mailblocks.providers.sendgrid import endpoints

        def test_buggy(sendgrid_fake, monkeypatch):
            monkeypatch.setitem(endpoints.HANDLERS, "list", lambda *a: 1 / 0)
            r = requests.get(sendgrid_fake.url + "/v3/suppression/blocks",
                             headers={"Authorization": "Bearer " + sendgrid_fake.api_key})
            assert r.status_code == 500
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the fake server hit an internal error*"])


def test_runs_under_xdist(pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("i", range(6))
        def test_isolated(sendgrid_fake, i):
            assert sendgrid_fake.blocks() == []
            sendgrid_fake.add_block(f"u{i}@example.com")
        """
    )
    pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly").assert_outcomes(passed=6)


def test_the_plugin_takes_the_journal_bounds_from_ini_and_command_line(pytester):
    pytester.makeini(
        """
        [pytest]
        mailblocks_journal_max_body = 1K
        mailblocks_journal_max_bytes = 1M
        """
    )
    pytester.makepyfile(
        """
        def test_bounds(mailblocks, request):
            journal = mailblocks.sendgrid.requests
            assert (journal.max_body, journal.max_bytes) == (1024, int(request.config.getoption("expected")))
        """
    )
    pytester.makeconftest("def pytest_addoption(parser):\n    parser.addoption('--expected')\n")
    pytester.runpytest("-p", "no:randomly", "--expected", str(2**20)).assert_outcomes(passed=1)
    pytester.runpytest(
        "-p", "no:randomly", "--expected", str(3 * 2**20), "--mailblocks-journal-max-bytes", "3MiB"
    ).assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:randomly", "--mailblocks-journal-max-body", "lots")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "pytest-mailblocks: 'lots' is not a size in bytes" in result.stderr.str()


# -- bad values: one usage error before any test, never a traceback per test (review of 17/19) ------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mailblocks-port", "99999"], "--mailblocks-port: '99999' is not a port number (0 to 65535"),
        (["--mailblocks-port", "-1"], "--mailblocks-port: '-1' is not a port number"),
        (["-o", "mailblocks_port=abc"], "mailblocks_port (ini): 'abc' is not a port number"),
        (["--mailblocks-host", "bad!host"], "--mailblocks-host: 'bad!host' is not a host name or an IP address"),
        (["--mailblocks-host", "192.0.2.1"], "cannot listen on 192.0.2.1:0: Cannot assign requested address"),
        (["--mailblocks-allow-host", "*"], "--allow-host takes no wildcard (got '*')"),
        (["--mailblocks-allow-host", "bad!host"], "--allow-host takes a host name or an IP address without a port"),
        (["--mailblocks-verify", "recorded", "--mailblocks-fixtures", "none"], "no recordings folder at none"),
    ],
)
def test_bad_option_values_are_one_usage_error(pytester, monkeypatch, args, message):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the nested run is no xdist worker
    pytester.makepyfile("def test_a(mailblocks): pass\ndef test_b(mailblocks): pass")
    result = pytester.runpytest("-p", "no:randomly", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().count(f"pytest-mailblocks: {message}") == 1, result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_taken_port_is_one_usage_error_and_xdist_ports_must_fit(pytester, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the nested run is no xdist worker
    from pytest_mailblocks.core.errors import ControlError
    from pytest_mailblocks.plugin import _check_listen

    pytester.makepyfile("def test_a(mailblocks): pass\ndef test_b(mailblocks): pass")
    with FakeServer() as taken:
        result = pytester.runpytest("-p", "no:randomly", "--mailblocks-port", str(taken.port))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().count(f"cannot listen on 127.0.0.1:{taken.port}: Address already in use") == 1
    with pytest.raises(ControlError, match="under xdist worker gw1 listens on port 65536, past 65535"):
        _check_listen("127.0.0.1", 65535, 2)


def test_a_bad_marker_says_so_once(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mailblocks(sendgrid=[{"mail": "a@example.com"}])
        def test_bad(mailblocks):
            pass
        """
    )
    out = pytester.runpytest("-p", "no:randomly").stdout.str()
    # The error section only: the short summary repeats the message, in full where CI is set.
    out = out.split("short test summary info")[0]
    assert out.count("unknown field(s) ['mail']") == 1
    assert "During handling of the above exception" not in out
