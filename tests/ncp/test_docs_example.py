"""The example in docs/providers/ncp.md runs and passes."""

from __future__ import annotations

import re
from pathlib import Path

pytest_plugins = ["pytester"]
PAGE = Path(__file__).resolve().parents[2] / "docs" / "providers" / "ncp.md"


def test_docs_handle_example_passes(pytester):
    example = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)[0]
    pytester.makepyfile(test_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_docs_delivery_example_passes(pytester):
    """Issue 21: the send-path example of the Delivery simulation section."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    example = next(b for b in blocks if "def test_a_hard_bounce_blocks" in b)
    pytester.makepyfile(test_delivery_example=example)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
