"""Where the shipped contract data lives: package data, read through importlib.resources.

The scenarios are ``pytest_mailblocks/contract/scenarios/<provider>/*.json``; the
recorded responses are the package ``pytest_mailblocks.fixtures`` (the repository's
top-level ``fixtures/`` folder, mapped into the package at build time). Both are
plain folders once installed (a wheel is unpacked, an editable install points at
the source tree), so callers get :class:`pathlib.Path` objects.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["fixtures_dir", "scenarios_dir"]


def _folder(package: str, *parts: str) -> Path:
    root = files(package)
    for part in parts:
        root = root / part
    path = Path(str(root))
    if not path.is_dir():  # an install that is not a plain folder (a zip import)
        raise FileNotFoundError(f"the shipped contract data is not a folder here: {root}")
    return path


def scenarios_dir() -> Path:
    """The contract scenarios that ship with the package, one folder per provider."""
    return _folder("pytest_mailblocks.contract", "scenarios")


def fixtures_dir() -> Path:
    """The recorded real responses that ship with the package, one folder per provider."""
    return _folder("pytest_mailblocks.fixtures")
