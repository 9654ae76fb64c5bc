"""What the package ships (issue 17): the contract scenarios and the recorded
responses are package data, found through importlib.resources wherever the
package is installed, so ``mailblocks verify`` needs no clone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_mailblocks.contract.data import fixtures_dir, scenarios_dir

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.glob("*/*.json")}


def test_the_shipped_data_is_the_repositorys():
    assert _files(fixtures_dir()) == _files(ROOT / "fixtures") != set()
    assert _files(scenarios_dir()) == _files(ROOT / "src" / "pytest_mailblocks" / "contract" / "scenarios") != set()
    assert (fixtures_dir() / "README.md").is_file()


def test_verify_needs_no_clone(tmp_path):
    """Run from a folder that holds no scenarios and no fixtures."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", "verify", "--target", "recorded", "--provider", "ncp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"| ncp      | {len(list((ROOT / 'fixtures' / 'ncp').glob('*.json')))} " in done.stdout


def test_the_sdist_carries_the_docs_and_the_whole_test_suite():
    """MANIFEST.in: the README sends readers to docs/ (not in the wheel), and a packager
    runs the tests from the sdist: all of tests/ (conftest.py and subfolders too, not
    setuptools' default of its top-level test_*.py files) and the benchmarks they run.
    The sdist itself is built and listed by .ci/wheel-check; here, the rules."""
    rules = [line.split() for line in (ROOT / "MANIFEST.in").read_text().splitlines() if line.strip()[:1] not in "#"]
    assert ["graft", "docs"] in rules and ["graft", "tests"] in rules and ["graft", "benchmarks"] in rules
    assert not any(rule[0] in ("prune", "exclude", "recursive-exclude") for rule in rules), rules
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "in the project's repository and in\nthe source distribution" in readme
