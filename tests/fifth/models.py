"""Acme's state: one key and its blocked addresses (case-insensitive), each with the
unix second it was blocked."""

from __future__ import annotations

from typing import NamedTuple


class Block(NamedTuple):
    created: int
    email: str


class AcmeState:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.blocks: dict[str, Block] = {}

    def add(self, block: Block) -> None:
        self.blocks[block.email.lower()] = block

    def remove(self, email: str) -> bool:
        return self.blocks.pop(email.lower(), None) is not None

    def listed(self) -> list[Block]:
        """Oldest first, then by address."""
        return sorted(self.blocks.values())
