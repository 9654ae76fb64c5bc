"""pytest-mailblocks per-test and per-session cost, as a downstream suite pays it (issue 18).

Generates one downstream test file per variant (each test arranges one block, lists,
deletes it and lists again), runs each in its own pytest subprocess, alternating the
variants round after round, and reports min and median milliseconds per test with the
ratios to the baselines the targets name:

- ``handle``: ``sendgrid_fake.requests_session()`` made in each test (in-process);
- ``client``: the ``sendgrid_client`` fixture (in-process, kept for the session);
- ``responses``: ``responses`` with canned bodies, a ``requests.Session`` per test;
- ``socket``: a ``requests.Session`` per test against ``sendgrid_fake.url``;
- ``httpserver``: pytest-httpserver with canned handlers, the same client code;
- ``noop``: a test that does nothing (the same file's imports): pytest's own cost per
  test, the floor under every variant; the in-process row is also shown above it.

Then the session overhead: a trivial test in an empty folder with the plugin enabled
against ``-p no:mailblocks``, and (full runs, or ``--venvs``) in a venv with the package
installed against one without it (built once under a temporary folder).

    python benchmarks/pertest.py            # full: 300 tests, 7 rounds, venvs
    python benchmarks/pertest.py --quick    # CI: 100 tests, 2 rounds, no venvs
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from bench import Row, exit_status, machine, render

ROOT = Path(__file__).resolve().parent.parent
#: the subprocesses' environment: byte code cached as on a user's machine (a shell
#: with PYTHONDONTWRITEBYTECODE would recompile, and re-rewrite, every plugin module
#: in every session)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

COMMON = """
import pytest

BLOCKS = "/v3/suppression/blocks"
N = {n}


def exercise(session, base, auth):
    r = session.get(base + BLOCKS, headers=auth)
    assert r.status_code == 200 and r.json()[0]["email"] == "a@example.com"
    r = session.delete(base + BLOCKS + "/a@example.com", headers=auth)
    assert r.status_code == 204
    r = session.get(base + BLOCKS, headers=auth)
    assert r.status_code == 200 and r.json() == []
"""

BODIES = {
    "handle": """
@pytest.mark.parametrize("i", range(N))
def test_block(sendgrid_fake, i):
    sendgrid_fake.add_block("a@example.com")
    session = sendgrid_fake.requests_session()
    exercise(session, sendgrid_fake.url, {"Authorization": "Bearer " + sendgrid_fake.api_key})
""",
    "client": """
@pytest.mark.parametrize("i", range(N))
def test_block(sendgrid_fake, sendgrid_client, i):
    sendgrid_fake.add_block("a@example.com")
    exercise(sendgrid_client, sendgrid_fake.url, {"Authorization": "Bearer " + sendgrid_fake.api_key})
""",
    "socket": """
import requests


@pytest.mark.parametrize("i", range(N))
def test_block(sendgrid_fake, i):
    sendgrid_fake.add_block("a@example.com")
    with requests.Session() as session:
        exercise(session, sendgrid_fake.url, {"Authorization": "Bearer " + sendgrid_fake.api_key})
""",
    "responses": """
import requests
import responses

BASE = "https://api.sendgrid.com"


@pytest.mark.parametrize("i", range(N))
@responses.activate
def test_block(i):
    responses.get(BASE + BLOCKS, json=[{"email": "a@example.com", "created": 1, "reason": "x", "status": "5.1.1"}])
    responses.delete(BASE + BLOCKS + "/a@example.com", status=204)
    responses.get(BASE + BLOCKS, json=[])
    with requests.Session() as session:
        exercise(session, BASE, {"Authorization": "Bearer SG.x"})
""",
    "noop": """
import requests


@pytest.mark.parametrize("i", range(N))
def test_block(i):
    pass
""",
    "httpserver": """
import requests


@pytest.mark.parametrize("i", range(N))
def test_block(httpserver, i):
    record = {"email": "a@example.com", "created": 1, "reason": "x", "status": "5.1.1"}
    httpserver.expect_oneshot_request(BLOCKS, method="GET").respond_with_json([record])
    httpserver.expect_request(BLOCKS + "/a@example.com", method="DELETE").respond_with_data("", status=204)
    httpserver.expect_request(BLOCKS, method="GET").respond_with_json([])
    with requests.Session() as session:
        exercise(session, httpserver.url_for("").rstrip("/"), {"Authorization": "Bearer SG.x"})
""",
}

#: times the session from its start (pytest and its plugins loaded) to the last test's
#: end: collection (which imports what the test file imports) and every test with its
#: fixtures (a server's start, what the fixtures import) are spread over the tests, as
#: a suite pays them
CONFTEST = """
import os
import time

import pytest

START = []


def pytest_sessionstart(session):
    START.append(time.perf_counter())


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    try:
        return (yield)
    finally:
        with open(os.environ["PERTEST_OUT"], "w") as f:
            f.write(repr(time.perf_counter() - START[0]))
"""


def write_variants(where: Path, n: int) -> dict[str, Path]:
    out = {}
    for name, body in BODIES.items():
        folder = where / name
        folder.mkdir(parents=True)
        (folder / "conftest.py").write_text(textwrap.dedent(CONFTEST))
        (folder / f"test_{name}.py").write_text(COMMON.format(n=n) + body)
        out[name] = folder
    return out


def run_variant(folder: Path, n: int) -> float:
    """Milliseconds per test of one pytest session over the variant's file."""
    result_file = folder / "result.txt"
    env = {**ENV, "PERTEST_OUT": str(result_file)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{folder.name}: pytest exited {proc.returncode}\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        )
    return float(result_file.read_text()) * 1e3 / n


def per_test(n: int, rounds: int) -> list[Row]:
    times: dict[str, list[float]] = {name: [] for name in BODIES}
    with tempfile.TemporaryDirectory(prefix="mailblocks-pertest-") as tmp:
        folders = write_variants(Path(tmp), n)
        for folder in folders.values():  # byte code written, every variant passes
            run_variant(folder, n)
        for r in range(rounds):  # alternate: a noisy neighbour hurts every variant alike
            order = list(folders) if r % 2 == 0 else list(reversed(folders))
            for name in order:
                times[name].append(run_variant(folders[name], n))
    stats = {k: (min(v), statistics.median(v)) for k, v in times.items()}

    def row(measure: str, ours: str, base: str | None, target: float | None) -> Row:
        o_min, o_med = stats[ours]
        cell = f"{o_min:.2f} / {o_med:.2f} ms"
        if base is None:
            return Row(measure, cell, "-", "-", "-", None)
        b_min, b_med = stats[base]
        return Row(
            measure,
            cell,
            f"{b_min:.2f} / {b_med:.2f} ms ({base})",
            f"{o_min / b_min:.2f}x / {o_med / b_med:.2f}x",
            f"<= {target}x" if target else "-",
            (o_med / b_med <= target) if target else None,
        )

    def above_floor(measure: str, ours: str, base: str) -> Row:
        """What the test's own code costs once pytest's own per-test cost (the floor) is
        taken off both sides: the part a client library or a fake can change."""
        f_min, f_med = stats["noop"]
        o = (stats[ours][0] - f_min, stats[ours][1] - f_med)
        b = (stats[base][0] - f_min, stats[base][1] - f_med)
        ratio = f"{o[0] / b[0]:.2f}x / {o[1] / b[1]:.2f}x" if min(b) > 0 else "-"
        return Row(measure, f"{o[0]:.2f} / {o[1]:.2f} ms", f"{b[0]:.2f} / {b[1]:.2f} ms ({base})", ratio, "-", None)

    label = f"per test, min / median of {rounds} sessions of {n} tests"
    return [
        row(f"{label}: in-process, `sendgrid_fake.requests_session()` per test", "handle", "responses", 0.5),
        row(f"{label}: floor, a test that does nothing (pytest's own cost)", "noop", "responses", None),
        above_floor(f"{label}: in-process per test above the floor", "handle", "responses"),
        row(f"{label}: socket, a `requests.Session` per test on `sendgrid_fake.url`", "socket", "httpserver", 0.6),
        row(f"{label}: in-process, the `sendgrid_client` fixture", "client", "responses", None),
        row(f"{label}: baseline `responses`, canned bodies", "responses", None, None),
        row(f"{label}: baseline pytest-httpserver, canned handlers", "httpserver", None, None),
    ]


def _session_ms(python: str, folder: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([python, "-m", "pytest", "-q", *args], cwd=folder, env=ENV, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1e3
    if proc.returncode != 0:
        raise RuntimeError(f"pytest {args} in {folder} exited {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr}")
    return elapsed


def _alternate(runs: int, a: Callable[[], float], b: Callable[[], float]) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    a()
    b()  # warm the OS caches and the byte code for both
    for i in range(runs):
        for fn, out in ((a, xs), (b, ys)) if i % 2 == 0 else ((b, ys), (a, xs)):
            out.append(fn())
    return xs, ys


def _overhead_row(measure: str, ours: list[float], base: list[float], base_name: str, target_ms: float) -> Row:
    d_min = min(ours) - min(base)
    d_med = statistics.median(ours) - statistics.median(base)
    return Row(
        measure,
        f"{min(ours):.0f} / {statistics.median(ours):.0f} ms",
        f"{min(base):.0f} / {statistics.median(base):.0f} ms ({base_name})",
        f"+{d_min:.0f} / +{d_med:.0f} ms",
        f"<= +{target_ms:g} ms",
        d_med <= target_ms,
    )


def plugin_overhead(runs: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="mailblocks-empty-") as tmp:
        folder = Path(tmp)
        (folder / "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        for label, args in (("`pytest --co`", ("--co",)), ("a trivial test", ())):
            ours, base = _alternate(
                runs,
                lambda a=args: _session_ms(sys.executable, folder, *a),  # type: ignore[misc]
                lambda a=args: _session_ms(sys.executable, folder, "-p", "no:mailblocks", *a),  # type: ignore[misc]
            )
            rows.append(
                _overhead_row(
                    f"session overhead, plugin installed and unused, {label} (min / median of {runs})",
                    ours,
                    base,
                    "-p no:mailblocks",
                    30,
                )
            )
    return rows


def _venv(where: Path, *packages: str) -> str:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = str(where / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True, capture_output=True)
    return python


def install_overhead(runs: int, venvs: Path | None) -> Row:
    import pytest

    own = venvs is None
    where = Path(tempfile.mkdtemp(prefix="mailblocks-venvs-")) if venvs is None else venvs
    try:
        pin = f"pytest=={pytest.__version__}"
        without = where / "without"
        with_ = where / "with"
        py_without = str(without / "bin" / "python") if without.exists() else _venv(without, pin)
        py_with = str(with_ / "bin" / "python") if with_.exists() else _venv(with_, pin, str(ROOT))
        folder = where / "empty"
        folder.mkdir(exist_ok=True)
        (folder / "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        ours, base = _alternate(runs, lambda: _session_ms(py_with, folder), lambda: _session_ms(py_without, folder))
        return _overhead_row(
            f"session overhead of installing the package at all, a trivial test (min / median of {runs})",
            ours,
            base,
            "a venv with pytest only",
            150,
        )
    finally:
        if own:
            shutil.rmtree(where, ignore_errors=True)


def rows(quick: bool, venvs: Path | None = None, with_venvs: bool | None = None) -> list[Row]:
    out = per_test(100 if quick else 300, 2 if quick else 7)
    out += plugin_overhead(4 if quick else 15)
    if with_venvs if with_venvs is not None else not quick:
        out.append(install_overhead(4 if quick else 15, venvs))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run for CI (100 tests, 2 rounds, no venvs)")
    parser.add_argument("--venvs", type=Path, default=None, help="build (or reuse) the two venvs here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    table = rows(args.quick, args.venvs, True if args.venvs else None)
    print(render(table))
    return exit_status(table, args.check)


if __name__ == "__main__":
    raise SystemExit(main())
