"""Acme's Hypothesis strategies (``pytest_mailblocks.strategies.acme_<name>``)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pytest_mailblocks.generators.strategies import Case, emails, unix_times

from . import errors

__all__ = ["blocks", "delete_cases"]


def blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Blocks as ``acme_fake`` and the seed take them."""
    return st.fixed_dictionaries({"email": emails(idn=False), "created": unix_times()})


def delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /acme/v1/blocks/{email}``: a listed address, or one that is not."""
    if valid:
        return emails(idn=False).map(lambda e: Case(e, None, {"blocks": [e]}))
    return emails(idn=False).map(lambda e: Case(e, errors.ACME_NOT_LISTED, {}))
