"""The mailblocks command: serve, --seed errors, --version, --help."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys

import pytest
import requests

from pytest_mailblocks import __version__

CMD = [sys.executable, "-m", "pytest_mailblocks"]


def _run(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=60, **kw)


def _run_here(*args: str) -> subprocess.CompletedProcess[str]:
    """``_run`` for an option refused before anything starts, in this process: the same
    exit status and output, without a Python start per case (the command itself is run
    for real by the tests around)."""
    from pytest_mailblocks.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess([*CMD, *args], code, out.getvalue(), err.getvalue())


def test_version():
    r = _run("--version")
    assert (r.returncode, r.stdout.strip()) == (0, f"mailblocks {__version__}")


def test_help_lists_serve():
    r = _run("--help")
    assert r.returncode == 0 and "serve" in r.stdout
    assert "--seed FILE.json" in _run("serve", "--help").stdout


def test_no_command_prints_help_and_exits_2():
    r = _run()
    assert r.returncode == 2 and "usage: mailblocks" in r.stdout


def test_serve_prints_url_and_credentials_then_stops_cleanly(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"sendgrid": {"blocks": [{"email": "seeded@example.com"}]}}))
    proc = subprocess.Popen(
        [*CMD, "serve", "--port", "0", "--seed", str(seed), "--credential", "sendgrid.api_key=SG.cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("mailblocks ") and " serving on http://127.0.0.1:" in first
        url = first.rsplit(" ", 1)[1].strip()
        banner = [proc.stdout.readline() for _ in range(4)]
        assert any("api_key=SG.cli" in line for line in banner)
        assert any("/_mailblocks/" in line for line in banner)
        r = requests.get(url + "/v3/suppression/blocks", headers={"Authorization": "Bearer SG.cli"})
        assert [b["email"] for b in r.json()] == ["seeded@example.com"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_quiet_prints_only_the_url():
    proc = subprocess.Popen([*CMD, "serve", "--quiet"], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/_mailblocks/health").json()["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"sendgrid": [\n{"email": 1,}\n]}', "line 2, column 13: Expecting property name"),
        ('{"sendgrid": {"blocks": [{"emial": "a@b.c"}]}}', "sendgrid.blocks[0]: unknown field(s) ['emial']"),
        ('{"mailgun": {}}', "unknown provider(s) ['mailgun']"),
        ("[1, 2]", "the top level must be an object keyed by provider"),
        ('{"sendgrid": {"blocks": [{"email": "a@b.c", "created": "soon"}]}}', "sendgrid.blocks[0]: created:"),
    ],
)
def test_bad_seed_file_exits_2_naming_line_or_key(tmp_path, content, message):
    seed = tmp_path / "seed.json"
    seed.write_text(content)
    r = _run("serve", "--seed", str(seed))
    assert r.returncode == 2
    assert message in r.stderr
    assert str(seed) in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_seed_file_exits_2(tmp_path):
    r = _run("serve", "--seed", str(tmp_path / "nope.json"))
    assert r.returncode == 2 and "cannot read seed file" in r.stderr


def test_bad_credential_exits_2():
    r = _run("serve", "--credential", "sendgrid")
    assert r.returncode == 2 and "PROVIDER.NAME=VALUE" in r.stderr


def test_port_in_use_exits_2():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        r = _run("serve", "--port", str(s.getsockname()[1]))
    finally:
        s.close()
    assert r.returncode == 2 and "cannot listen" in r.stderr


def test_serving_beyond_loopback_prints_a_warning():
    proc = subprocess.Popen(
        [*CMD, "serve", "--host", "0.0.0.0", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")  # a wildcard bind is reached through loopback
        assert requests.get(url + "/_mailblocks/health", timeout=10).json()["status"] == "ok"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "mailblocks: warning: serving on 0.0.0.0, not loopback" in err


def _serving(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*CMD, "serve", "--quiet", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return proc, proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=30)
    finally:
        proc.kill()


def test_serve_control_token_guards_the_control_plane_and_inspector():
    proc, url = _serving("--control-token", "s3cret")
    try:
        r = requests.get(url + "/_mailblocks/health", timeout=10)
        assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
        assert requests.get(url + "/_mailblocks/ui/", timeout=10).status_code == 401
        ok = requests.get(url + "/_mailblocks/health", headers={"X-Mailblocks-Token": "s3cret"}, timeout=10)
        assert (ok.status_code, ok.json()["status"]) == (200, "ok")
        # the providers themselves are not behind the token
        assert requests.get(url + "/v3/suppression/blocks", timeout=10).status_code == 401
        assert "authorization required" in requests.get(url + "/v3/suppression/blocks", timeout=10).text
    finally:
        _stop(proc)


def test_serve_no_control_turns_the_control_plane_and_inspector_off():
    proc, url = _serving("--no-control")
    try:
        for path in ("/_mailblocks/health", "/_mailblocks/ui/", "/_mailblocks/reset"):
            r = requests.get(url + path, timeout=10)
            assert (r.status_code, r.json()) == (
                404,
                {"error": "not_found", "message": "the control plane is disabled on this server"},
            )
    finally:
        _stop(proc)


def test_serve_allow_host_answers_that_name_and_refuses_others():
    """A CI service container reached by its name (docker-compose, GitHub services)."""
    proc, url = _serving("--allow-host", "mailblocks", "--allow-host", "fake.ci.test")
    try:
        for host, status in (("mailblocks:8025", 200), ("fake.ci.test", 200), ("localhost", 200), ("evil.test", 403)):
            r = requests.get(url + "/_mailblocks/health", headers={"Host": host}, timeout=10)
            assert r.status_code == status, host
    finally:
        _stop(proc)


def test_serve_bad_allow_host_exits_2():
    r = _run("serve", "--allow-host", "http://mailblocks:8025")
    assert r.returncode == 2
    assert "--allow-host takes a host name or an IP address without a port" in r.stderr
    assert "Traceback" not in r.stderr


# -- bad values: argparse's usage error, exit 2, never a traceback (review of 17/19) -----------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "99999"], "argument --port: '99999' is not a port number (0 to 65535; 0 picks a free"),
        (["serve", "--port", "-1"], "argument --port: '-1' is not a port number"),
        (["serve", "--host", "bad host!"], "argument --host: 'bad host!' is not a host name or an IP address"),
        (["serve", "--allow-host", "*"], "argument --allow-host: --allow-host takes no wildcard (got '*')"),
        (["serve", "--allow-host", "bad!host"], "--allow-host takes a host name or an IP address without a port"),
        (["serve", "--control-token", ""], "argument --control-token: an empty token would leave the control plane"),
        (["serve", "--journal-max-bytes", "-1"], "argument --journal-max-bytes: '-1' is not a size in bytes"),
        (["wait", "--url", "http://[::1"], "argument --url: 'http://[::1' is not a URL: Invalid IPv6 URL"),
        (["wait", "--url", "http://localhost:99999"], "'http://localhost:99999' is not a URL: Port out of range"),
        (["wait", "--url", "localhost:8025"], "'localhost:8025' is not an http:// or https:// URL with a host"),
        (["wait", "--timeout", "nan"], "argument --timeout: 'nan' is not a number of seconds (0 or more"),
        (["wait", "--timeout", "-1"], "argument --timeout: '-1' is not a number of seconds"),
        (["verify", "--target", "live", "--live-url", "http://[::1"], "argument --live-url: 'http://[::1' is not"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(args, message):
    r = _run_here(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert message in r.stderr.splitlines()[-1], r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "{tmp}/rec"], "--record goes with --target live (the target is fake)"),
        (["--target", "recorded", "--live-url", "http://x"], "--live-url goes with --target live (the target is"),
        (
            ["--target", "live", "--record", "{tmp}/file/rec"],
            "cannot write recordings to {tmp}/file/rec: {tmp}/file is not a folder",
        ),
        (["--target", "recorded", "--fixtures", "{tmp}/none"], "no recordings folder at {tmp}/none"),
    ],
)
def test_verify_refuses_options_that_would_do_nothing_or_cannot_work(tmp_path, args, message):
    (tmp_path / "file").write_text("")
    r = _run_here("verify", *[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 2
    assert r.stderr.startswith(f"mailblocks: error: {message.format(tmp=tmp_path)}"), r.stderr
    assert not (tmp_path / "rec").exists() and r.stdout == ""
