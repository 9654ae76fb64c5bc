"""Acme's control room: seeding and the control plane's list."""

from __future__ import annotations

from typing import Any

from pytest_mailblocks.control.paging import block_page
from pytest_mailblocks.core.clock import parse_instant
from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.provider import Provider, SeedPlan, listed

from .models import AcmeState, Block


class AcmeControl(Provider):
    state: AcmeState

    def make_block(self, item: Any, where: str) -> Block:
        if isinstance(item, str):
            item = {"email": item}
        if not isinstance(item, dict) or not isinstance(item.get("email"), str) or not item["email"].strip():
            raise ControlError('expected an address or {"email": ..., "created": ...}', where=where)
        unknown = sorted(set(item) - {"email", "created"})
        if unknown:
            raise ControlError(f"unknown field(s) {unknown}", where=where)
        created = item.get("created")
        try:
            seconds = int(self.clock.time() if created is None else parse_instant(created))
        except ValueError as exc:
            raise ControlError(f"created: {exc}", where=where) from None
        return Block(seconds, item["email"].strip())

    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """``{"blocks": [...]}`` or a bare list of blocks."""
        if isinstance(data, list):
            data = {"blocks": data}
        if not isinstance(data, dict) or set(data) - {"blocks"}:
            raise ControlError('expected {"blocks": [...]}', where=where)
        blocks = [
            self.make_block(b, f"{where}.blocks[{i}]") for i, b in enumerate(listed(data.get("blocks", []), where))
        ]

        def apply() -> int:
            for block in blocks:
                self.state.add(block)
            return len(blocks)

        return SeedPlan(apply)

    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        rows = self.state.listed()
        page = block_page(query)
        if page is not None:
            rows = [
                b
                for b in rows
                if (page.email is None or page.email.lower() in b.email.lower())
                and (page.start is None or b.created >= page.start)
                and (page.end is None or b.created < page.end)
            ]
            rows = rows[page.offset :][: page.limit]
        return [b._asdict() for b in rows]

    def info(self) -> dict[str, Any]:
        return {"credentials": dict(self.credentials), "blocks": len(self.state.blocks)}
