"""How the inspector shows Acme: its one list, with an add form and delete buttons."""

from __future__ import annotations

from typing import Any, ClassVar

from pytest_mailblocks.ui.views import Field, View, given


class AcmeView(View):
    key = "acme"
    email_word = "address contains"
    time_word = "blocked"
    times_shown = "blocked at, in unix seconds"
    time_columns: ClassVar[dict[str, str]] = {"created": "s"}

    def columns(self, list_name: str) -> tuple[str, ...]:
        return ("created", "email")

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        return [Field("email", "email", "email", required=True)]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        return {"blocks": [given(form, "email")]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove_block(key.get("email", "")))


VIEW = AcmeView()
