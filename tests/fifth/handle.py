"""``server.acme`` / ``acme_fake``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_mailblocks.core.handle import Handle
from pytest_mailblocks.generators import Generated

if TYPE_CHECKING:
    from . import Acme


class AcmeHandle(Generated, Handle):
    generated_block = "acme_block"

    _provider: Acme

    @property
    def api_key(self) -> str:
        return self._provider.credentials["api_key"]

    def add_block(self, email: str, created: Any = None) -> dict[str, Any]:
        with self._provider.lock:
            block = self._provider.make_block({"email": email, "created": created}, "block")
            self._provider.state.add(block)
        return block._asdict()

    def blocks(self) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [b._asdict() for b in self._provider.state.listed()]

    def remove_block(self, email: str) -> bool:
        with self._provider.lock:
            return self._provider.state.remove(email)
