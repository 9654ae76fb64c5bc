"""Acme's state room: its part of a snapshot, ``{"api_key": ..., "blocks": [...]}``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.snapshot import INT, TEXT, Rows, check, field_of, record, unique

from .models import AcmeState, Block

if TYPE_CHECKING:
    from . import Acme

ROWS = {("blocks",): record(Block, {"created": INT, "email": TEXT})}


def export(acme: Acme) -> dict[str, Any]:
    return {"api_key": acme.state.api_key, "blocks": Rows(Block._fields, acme.state.listed())}


def restore(acme: Acme, data: Any, where: str) -> AcmeState:
    data = check(data, where, ("api_key", "blocks"))
    state = AcmeState(field_of(data, "api_key", TEXT, where))
    if not isinstance(data["blocks"], list):
        raise ControlError("expected a list of blocks", where=f"{where}.blocks")
    unique(data["blocks"], lambda b: b.email.lower(), f"{where}.blocks", "block")
    for block in data["blocks"]:
        state.add(block)
    return state
