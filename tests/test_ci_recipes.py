"""docs/ci.md works as written (issue 17): every YAML block parses as the CI system
reads it, and its shell commands run here against the installed package; and
``mailblocks wait``, which those jobs use instead of sleeping."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from pytest_mailblocks import FakeServer

from .standin import live_env, live_scenarios, seed_standin, totals

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS = dict(re.findall(r"<!-- ci: (\w \w+) -->\n```yaml\n(.*?)```", DOC, flags=re.S))
CASSETTE = ROOT / "tests" / "contract" / "recordings" / "sendgrid_live.yaml"
#: lines not run here, and why: installs need an index (the package is installed
#: already), and the team's own suite is not ours to run
NOT_RUN = re.compile(r"^(pip install|apt-get|python3 -m venv|npm )")
ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5", "actions/upload-artifact@v4"}


def test_every_job_is_there_and_parses():
    assert sorted(BLOCKS) == [f"{job} {ci}" for job in "abcd" for ci in ("github", "gitlab")]
    for name, text in BLOCKS.items():
        data = yaml.safe_load(text)
        assert isinstance(data, dict), name
        if name.endswith("github"):
            assert True in data or "on" in data, f"{name}: no trigger"  # YAML 1.1 reads `on` as true
            for job in data["jobs"].values():
                assert job["runs-on"] == "ubuntu-latest"
                for step in job["steps"]:
                    assert ("run" in step) != ("uses" in step), step
                    assert step.get("uses", "actions/checkout@v4") in ACTIONS, step
        else:
            [job] = data.values()
            assert isinstance(job["image"], str) and all(isinstance(line, str) for line in job["script"])


def _commands(name: str) -> tuple[list[str], dict[str, str]]:
    data = yaml.safe_load(BLOCKS[name])
    if name.endswith("github"):
        [job] = data["jobs"].values()
        env = dict(job.get("env") or {})
        lines = [step["run"] for step in job["steps"] if "run" in step]
    else:
        [job] = data.values()
        env = dict(job.get("variables") or {})
        lines = list(job["script"])
    # secrets are not set here: the live job must then skip, not fail
    return lines, {k: str(v) for k, v in env.items() if "secrets." not in str(v)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_job(tmp_path: Path, name: str, live: dict[str, str] | None = None) -> tuple[str, str]:
    """Run a job's commands in ``tmp_path``; ``live``: the environment of a live job run
    against a stand-in (its URL under ``MAILBLOCKS_LIVE_URL``, given as ``--live-url``).
    Returns stdout and stderr; the job must succeed."""
    lines, env = _commands(name)
    port = str(_free_port())
    script = []
    for line in lines:
        line = line.replace(".mailblocks/bin/", "").replace("8025", port)
        if live is not None:
            line = line.replace("--target live", '--target live --live-url "$MAILBLOCKS_LIVE_URL"')
        script.append("# not run here: " + line if NOT_RUN.match(line) else line)
    (tmp_path / "tests" / "cassettes").mkdir(parents=True)
    shutil.copy(CASSETTE, tmp_path / "tests" / "cassettes")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SENDGRID_", "CMC_", "NCP_", "SENDCLOUD_"))}
    environ.update({k: v.replace("8025", port) for k, v in env.items()})
    environ.update(live or {})
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the backgrounded server is ours to stop
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, out + err
    return out, err


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
@pytest.mark.parametrize("name", sorted(f"{j} {c}" for j in "bcd" for c in ("github", "gitlab")))
def test_the_jobs_commands_run(tmp_path, name):
    out, _ = _run_job(tmp_path, name)
    job = name[0]
    if job == "b":
        assert "is up" in out and "[]" in out
    if job == "c":
        suite = ElementTree.parse(tmp_path / "mailblocks-verify.xml").getroot().find("testsuite")
        assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("5", "0")
    if job == "d":
        suite = ElementTree.parse(tmp_path / "live.xml").getroot().find("testsuite")
        assert suite is not None and suite.get("tests") == suite.get("skipped") != "0"
        assert not (tmp_path / "live-answers").exists()  # nothing recorded without credentials


@pytest.mark.parametrize("data", [True, False], ids=["account-with-data", "empty-account"])
@pytest.mark.parametrize("name", ["d github", "d gitlab"])
def test_the_live_job_passes_against_a_standin_for_every_provider(tmp_path, name, data):
    """(d) with every provider's credentials set, against a mailblocks server standing in
    for the providers (seeded through the control plane, or empty): the live checks
    pass, and so does verifying the fakes against what they recorded."""
    with FakeServer() as server:
        if data:
            seed_standin(server.url)
        out, err = _run_job(tmp_path, name, {**live_env(server), "MAILBLOCKS_LIVE_URL": server.url})
    assert "FAILED" not in out, out + err
    suite = ElementTree.parse(tmp_path / "live.xml").getroot().find("testsuite")
    total, live_ones = live_scenarios()
    assert suite is not None and suite.get("tests") == str(total) and suite.get("failures") == "0"
    assert suite.get("skipped") == str(total - live_ones)
    recorded = {p.parent.name for p in (tmp_path / "live-answers").rglob("*.json")}
    assert recorded == {"sendgrid", "cmc", "ncp", "sendcloud"}
    compared, passed, failed, skipped = totals(out)
    assert (passed, failed, compared + skipped) == (compared, 0, live_ones), out


def test_the_python_job_is_the_plain_test_command():
    lines, _ = _commands("a github")
    assert lines[-1] == "python -m pytest" and _commands("a gitlab")[0][-1] == "python -m pytest"


def test_no_container_image_is_promised():
    assert "No container image is provided." in DOC and "pipx run" in DOC


# -- mailblocks wait ------------------------------------------------------------------------------------
def _wait(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", "wait", *args], capture_output=True, text=True, timeout=60
    )


def test_wait_exits_0_once_the_server_answers():
    with FakeServer() as server:
        url = server.url
        done = _wait("--url", url, "--timeout", "10")
    assert (done.returncode, done.stdout) == (0, f"mailblocks: {url} is up\n")


def test_wait_accepts_a_server_whose_control_plane_wants_a_token():
    with FakeServer(control_token="t0ken") as server:
        done = _wait("--url", server.url + "/", "--timeout", "10")
    assert done.returncode == 0 and "the control plane answered 401" in done.stdout


def test_wait_exits_1_on_time_out_saying_what_it_saw():
    url = f"http://127.0.0.1:{_free_port()}"
    done = _wait("--url", url, "--timeout", "0.3")
    assert done.returncode == 1
    assert done.stderr.startswith(f"mailblocks: error: {url}/_mailblocks/health did not answer within 0.3 s (last: ")
    assert "is `mailblocks serve` running on that port?" in done.stderr


def test_wait_reads_the_url_from_the_environment_and_refuses_bad_input():
    with FakeServer() as server:
        env = {**os.environ, "MAILBLOCKS_URL": server.url}
        done = subprocess.run(
            [sys.executable, "-m", "pytest_mailblocks", "wait"], capture_output=True, text=True, timeout=60, env=env
        )
    assert done.returncode == 0, done.stderr
    assert _wait("--url", "localhost:8025").returncode == 2
    assert _wait("--timeout", "-1").returncode == 2
