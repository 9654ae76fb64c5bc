"""The example on docs/providers/sendcloud.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "providers" / "sendcloud.md"
pytest_plugins = ["pytester"]


def test_the_docs_example_passes(pytester):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    example = next(b for b in blocks if "def test_" in b)
    pytester.makepyfile(test_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
