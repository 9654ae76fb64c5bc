"""The provider-agnostic parts of the generators: :mod:`.strategies` (Hypothesis) and
:mod:`.faker` (Faker). Each provider's ``strategies`` and ``faker`` rooms build on
them; ``pytest_mailblocks.strategies`` and ``pytest_mailblocks.faker`` assemble every
registered provider's through the registry. Both need the ``generators`` extra."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import ControlError

__all__ = ["Generated"]


class Generated:
    """A handle mixin: ``handle.seed(n)`` fills the provider with ``n`` realistic blocks
    from its ``faker`` room (Faker is imported then, not before)."""

    #: the Faker method (of the provider's ``faker`` room) that makes one block
    generated_block: ClassVar[str] = ""

    if TYPE_CHECKING:

        @property
        def key(self) -> str: ...

        @property
        def clock(self) -> Any: ...

    def generated(
        self, n: int, *, faker: Any = None, seed: int | None = None, method: str | None = None
    ) -> list[dict[str, Any]]:
        """``n`` records with distinct addresses from ``method`` (default: the block's),
        times before the fake's now (``faker``: a Faker instance such as the pytest
        ``faker`` fixture; else one seeded with ``seed``)."""
        from ..providers import room
        from .faker import generate

        records = room(self.key, "faker")
        if records is None:
            raise ControlError(f"{self.key} has no generated records; seed it with data")
        return generate(
            records.Records, method or self.generated_block, n, faker=faker, seed=seed, now=self.clock.time()
        )
