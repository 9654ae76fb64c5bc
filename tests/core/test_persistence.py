"""``mailblocks serve --state FILE [--autosave SECONDS]`` (issue 20): loaded at start,
saved at a clean stop, on ``POST /_mailblocks/state/save`` and periodically, always
a whole snapshot on disk (a temporary file, fsync, rename); a torn or corrupt file is
refused at start (exit 2) and left as it is. Nothing here sleeps: it polls."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from pytest_mailblocks import FakeServer

CMD = [sys.executable, "-m", "pytest_mailblocks", "serve", "--quiet"]
CP = "/_mailblocks"


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([*CMD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip() if proc.stdout else ""
    if not url.startswith("http://"):
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"the server did not start: {err}")
    return proc, url


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _blocks(url: str) -> list[str]:
    r = requests.get(url + CP + "/sendgrid/blocks", timeout=30)
    return [b["email"] for b in r.json()["blocks"]]


def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds (no sleep: the loop yields to the server)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        os.sched_yield()


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".state.json.") and p.name.endswith(".tmp")]


def test_the_state_is_loaded_at_start_and_saved_at_a_clean_stop(tmp_path):
    state = tmp_path / "state.json"
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"sendgrid": ["seeded@example.com"]}))
    proc, url = _serve("--state", str(state), "--seed", str(seed))
    assert _blocks(url) == ["seeded@example.com"], "a new state file: seeded"
    requests.post(url + CP + "/sendgrid/blocks", json=["kept@example.com"], timeout=30)
    requests.post(url + CP + "/clock", json={"freeze": "2024-05-01T00:00:00Z"}, timeout=30)
    code, _, err = _stop(proc)
    assert code == 0, err
    saved = json.loads(state.read_text())
    assert saved["mailblocks_snapshot"] == 1 and saved["clock"] == {"mode": "frozen", "now": "2024-05-01T00:00:00Z"}
    assert oct(state.stat().st_mode & 0o777) == "0o600"  # it holds the credentials
    proc, url = _serve("--state", str(state), "--seed", str(seed))
    assert sorted(_blocks(url)) == ["kept@example.com", "seeded@example.com"], "loaded, not seeded again"
    assert requests.get(url + CP + "/clock", timeout=30).json()["now"] == "2024-05-01T00:00:00Z"
    _stop(proc)


def test_the_save_route_writes_the_file_at_once(tmp_path):
    state = tmp_path / "state.json"
    proc, url = _serve("--state", str(state))
    try:
        requests.post(url + CP + "/sendgrid/blocks", json=["a@example.com"], timeout=30)
        r = requests.post(url + CP + "/state/save", timeout=30)
        assert r.status_code == 200 and r.json() == {"saved": str(state), "bytes": state.stat().st_size}
        assert "a@example.com" in state.read_text()
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_the_save_route_says_what_is_wrong():
    with FakeServer() as server:
        r = requests.post(server.url + CP + "/state/save", timeout=10)
        assert (r.status_code, r.json()["error"]) == (409, "conflict")
        assert "--state FILE" in r.json()["message"]
    with FakeServer(state_file="/nonexistent-folder/state.json") as server:
        r = requests.post(server.url + CP + "/state/save", timeout=10)
        assert r.status_code == 409
        assert r.json()["message"].startswith("cannot write /nonexistent-folder/state.json: ")


def test_autosave_writes_the_file_every_few_seconds_of_real_time(tmp_path):
    state = tmp_path / "state.json"
    proc, url = _serve("--state", str(state), "--autosave", "0.05")
    try:
        requests.post(url + CP + "/sendgrid/blocks", json=["late@example.com"], timeout=30)
        _until(lambda: state.exists() and b"late@example.com" in state.read_bytes(), "an autosave")
    finally:
        code, _, err = _stop(proc)
    assert code == 0, err


def _refused(state: Path) -> str:
    r = subprocess.run([*CMD, "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "invalid JSON at line"),  # a torn file: a whole snapshot cut short
        ("not json", "invalid JSON at line 1, column 1"),
        ('{"sendgrid": ["a@example.com"]}', "not a mailblocks snapshot"),
        ('{"mailblocks_snapshot": 7, "providers": {}}', "$.mailblocks_snapshot: unsupported snapshot format 7"),
        ("", "empty document"),
    ],
)
def test_a_torn_or_corrupt_state_file_is_refused_and_left_as_it_is(tmp_path, content, message):
    state = tmp_path / "state.json"
    if content is None:
        with FakeServer() as server:
            server.sendgrid.add_blocks([f"user{i}@example.com" for i in range(50)])
            server.save_state(state)
        content = state.read_text()[: state.stat().st_size // 2]
    state.write_text(content)
    err = _refused(state)
    assert f"the state file is refused, nothing was loaded ({state}" in err
    assert message in err and "fix or remove it" in err
    assert state.read_text() == content


def test_state_options_are_checked_before_anything_is_served(tmp_path):
    r = subprocess.run([*CMD, "--autosave", "5"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--autosave needs --state FILE" in r.stderr
    r = subprocess.run([*CMD, "--state", str(tmp_path / "x.json"), "--autosave", "0"], capture_output=True, text=True)
    assert r.returncode == 2 and "not a positive number of seconds" in r.stderr
    err = _refused_folder(tmp_path / "missing" / "state.json")
    assert "is not a folder this process can write in" in err


def _refused_folder(state: Path) -> str:
    r = subprocess.run([*CMD, "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    return r.stderr


def test_a_server_killed_during_saves_restarts_from_the_last_whole_snapshot(tmp_path):
    """Kill -9 while a save is being written, restart, again: every start loads the
    last snapshot that was whole on disk (the one before the save, or the save if
    its rename came first), never a part; no temporary file stays behind."""
    state = tmp_path / "state.json"
    saved = pending = killed_mid_save = 0
    for round_ in range(4):
        proc, url = _serve("--state", str(state))
        try:
            count = len(_blocks(url))
            assert count in (saved, pending), (round_, count, saved, pending)
            assert _temporaries(tmp_path) == []
            batch = [f"r{round_}-{kind}-{i}@example.com" for kind in ("saved", "pending") for i in range(4000)]
            requests.post(url + CP + "/sendgrid/blocks", json=batch[:4000], timeout=60)
            assert requests.post(url + CP + "/state/save", timeout=60).status_code == 200
            saved = count + 4000
            requests.post(url + CP + "/sendgrid/blocks", json=batch[4000:], timeout=60)
            pending = saved + 4000
            saving = threading.Thread(target=_save_quietly, args=(url,))
            saving.start()
            _until(lambda s=saving: bool(_temporaries(tmp_path)) or not s.is_alive(), "a save to begin")
            killed_mid_save += bool(_temporaries(tmp_path))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
        saving.join()
    proc, url = _serve("--state", str(state))
    assert len(_blocks(url)) in (saved, pending)
    _stop(proc)
    assert killed_mid_save, "no kill came while a save was being written"


def _save_quietly(url: str) -> None:
    try:
        requests.post(url + CP + "/state/save", timeout=60)
    except requests.RequestException:
        pass  # killed while saving
