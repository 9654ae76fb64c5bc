"""The docs stay true: README examples run, every assumed catalogue row is documented."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.errors import ErrorEntry
from pytest_mailblocks.providers import REGISTRY

# imported before any pytester fixture snapshots sys.modules: an in-process pytester run
# drops the modules it imported, and cryptography's, imported again later, no longer match
# its Rust core (a signing test after the README's delivery example failed, in the same
# process, with "curve must be an EllipticCurve instance")
for _signing in ("asymmetric.ec", "serialization", "hashes"):
    importlib.import_module(f"cryptography.hazmat.primitives.{_signing}")

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
pytest_plugins = ["pytester"]


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_pytest_example_passes(pytester):
    example = next(b for b in _python_blocks(README) if "def test_" in b)
    pytester.makepyfile(test_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_readme_delivery_example_passes(pytester):
    """Issue 21: the delivery simulation example, as a user's test file (the
    signature's modules are imported with this module: see the import above)."""
    example = next(b for b in _python_blocks(README) if "def test_a_hard_bounce" in b)
    pytester.makepyfile(test_delivery_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_cmc_delivery_example_passes(pytester):
    """Issue 21: docs/providers/cmc.md's delivery example, as a user's test file."""
    page = (ROOT / "docs" / "providers" / "cmc.md").read_text(encoding="utf-8")
    example = next(b for b in _python_blocks(page) if "def test_a_hard_bounce" in b)
    pytester.makepyfile(test_cmc_delivery_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_readme_fakeserver_example_runs():
    example = next(b for b in _python_blocks(README) if "with FakeServer() as server" in b)
    exec(compile(example, "README.md", "exec"), {})


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")), reason="needs curl and openssl")
def test_readme_curl_examples_answer_as_shown():
    block = README.split("<!-- docs: curl examples -->\n```sh\n", 1)[1].split("```", 1)[0]
    with FakeServer() as server:
        script = block.replace("http://127.0.0.1:8025", server.url)
        out = subprocess.run(["bash", "-euc", script], capture_output=True, text=True, timeout=60, check=True).stdout
    assert '[{"created":1714564800,"email":"a@example.com",' in out
    assert '"status":"5.7.1"}]204\n' in out  # the list, then the status of the delete
    assert '"blocks":[{"created":"2015-12-14 08:46:00","email":"to1@example.com"' in out
    assert out.count('"email":"b@example.com"') == 2  # SendCloud add, then list
    assert '"targetAddress":"test01@ncp-mail.com"' in out and '"registerStatus":"Blocked"' in out
    assert out.count('"list": "bounces",\n  "seeded": 1') == 1 and '"list": "spam_reports"' in out
    assert '"email":"bounce@example.com","reason":"550 5.1.1 user unknown","status":"5.1.1"}]' in out


def test_readme_sibling_list_example_runs():
    example = next(b for b in _python_blocks(README) if "sg.add_bounce" in b)
    with FakeServer() as server:
        sg = server.sendgrid
        exec(compile(example, "README.md", "exec"), {"sg": sg})
        assert [r["email"] for r in sg.records("bounces")] == ["c@example.com", "b@example.com"]
        assert sorted(r["email"] for r in sg.records("spam_reports")) == ["d@example.com", "s@example.com"]
        assert (
            sg.records("invalid_emails")[0]["email"] == "i@example" and sg.unsubscribes()[0]["email"] == "u@example.com"
        )


def test_readme_renders_on_a_package_index():
    """No relative link or image (they break on an index page), and the Markdown renders
    as the index renders it."""
    renderer = pytest.importorskip("readme_renderer.markdown")
    assert not re.findall(r"\]\((?!https?://|#)[^)]*\)", README), "relative Markdown links"
    assert not re.findall(r"""<img[^>]*src=["'](?!https?://)""", README), "relative images"
    html = renderer.render(README)
    assert html is not None and ">Does the fake still answer like the provider answered you?<" in html


def test_the_supported_pythons_agree():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = [
        c.rsplit(" ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert listed == ["3.10", "3.11", "3.12", "3.13"] and project["requires-python"] == ">=3.10"
    assert "Python 3.10 or later" in README and "3.10 to 3.13" in README


def test_readme_names_the_ci_test_command():
    assert "<!-- ci: test command -->\n```sh\npython -m pytest" in README


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_assumed_error_row_is_in_the_provider_docs(key):
    errors = importlib.import_module(f"pytest_mailblocks.providers.{key}.errors")
    page = (ROOT / "docs" / "providers" / f"{key}.md").read_text(encoding="utf-8")
    rows = [v for v in vars(errors).values() if isinstance(v, ErrorEntry)]
    assert rows, f"{key} has an empty catalogue"
    missing = [e.key for e in rows if e.assumed and e.key not in page]
    assert not missing, f"assumed rows not documented in docs/providers/{key}.md: {missing}"


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_provider_has_the_same_rooms(key):
    pkg = ROOT / "src" / "pytest_mailblocks" / "providers" / key
    for room in ("__init__.py", "models.py", "endpoints.py", "errors.py", "render.py", "handle.py"):
        assert (pkg / room).is_file(), f"{key} lacks {room}"


def test_readme_client_fixture_example_runs(pytester):
    example = next(b for b in _python_blocks(README) if "sendgrid_client" in b)
    pytester.makepyfile(example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_snapshot_examples_run(tmp_path, monkeypatch):
    """docs/snapshots.md: saving an arranged account, and the README's lines that load it."""
    import json

    doc = (ROOT / "docs" / "snapshots.md").read_text(encoding="utf-8")
    example = next(b for b in _python_blocks(doc) if "save_state" in b)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests" / "data").mkdir(parents=True)
    exec(compile(example, "docs/snapshots.md", "exec"), {})
    saved = json.loads((tmp_path / "tests" / "data" / "account.json").read_text())
    assert saved["clock"] == {"mode": "frozen", "now": "2024-05-01T00:00:00Z"}
    assert saved["providers"]["cmc"]["accounts"]["mailblocks"]["encryption"] == {"password": "s3cret", "cipher": "aes"}
    lines = next(b for b in _python_blocks(README) if "server.load_state" in b)
    with FakeServer() as server:
        server.sendgrid.add_block("x@example.com")
        exec(compile(lines, "README.md", "exec"), {"server": server})
        assert [b["email"] for b in server.sendgrid.blocks()] == ["x@example.com"]  # saved, then loaded
    assert json.loads((tmp_path / "sendgrid.json").read_text())["provider"] == "sendgrid"
