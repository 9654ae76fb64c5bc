"""How the inspector shows SendGrid: accounts (parent and subusers), the five lists."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from ...ui.views import Client, Field, Search, Snippet, Tenant, View, given, instant, py, sh, window_search

__all__ = ["VIEW", "SendGridView"]


class SendGridView(View):
    key = "sendgrid"
    tenant_param = "subuser"
    tenant_word = "account"
    lists = ("blocks", "bounces", "spam_reports", "invalid_emails", "unsubscribes")
    email_word = "address starts with (% is a wildcard)"
    time_word = "created"
    times_shown = "created in unix seconds, as the API shows it (UTC below)"
    time_columns: ClassVar[dict[str, str]] = {"created": "s"}

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        return [
            Tenant(
                "" if t["parent"] else t["username"],
                t["username"] + (" (parent)" if t["parent"] else " (subuser)"),
                t["counts"],
                f"account id {t['account_id']}",
            )
            for t in info["tenants"]
        ]

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        return [("API keys", str(info["api_keys"])), ("rate limit", f"{info['rate_limit']} requests/minute")]

    def snippets(self, client: Client) -> list[Snippet]:
        """curl and the official Python SDK (``sendgrid``: ``host=`` takes the base URL)."""
        key, base = client.credentials["api_key"], client.base
        curl = f"curl {sh(base + '/v3/suppression/blocks')} \\\n  -H {sh('Authorization: Bearer ' + key)}\n"
        sdk = (
            "from sendgrid import SendGridAPIClient\n\n"
            f"sg = SendGridAPIClient(api_key={py(key)}, host={py(base)})\n"
            "response = sg.client.suppression.blocks.get()\n"
            "print(response.status_code, response.body)\n"
        )
        return [Snippet("curl", "sh", curl), Snippet("Python (sendgrid, the official SDK)", "python", sdk)]

    def columns(self, list_name: str) -> tuple[str, ...]:
        from .models import LIST_KINDS

        return LIST_KINDS[list_name].fields

    def search(self, list_name: str) -> Search:
        """The list API's ``email``, ``start_time`` and ``end_time``."""
        address = Field("email", "email", "search", placeholder="starts with; % is a wildcard")
        return window_search(address, ("start_time", "end_time"), "instant", SEARCH_NOTE)

    def _params(self, values: dict[str, str]) -> dict[str, str | int]:
        params: dict[str, str | int] = {"email": values["email"]} if values.get("email") else {}
        for name in ("start_time", "end_time"):
            if values.get(name):
                params[name] = instant(values[name], name)
        return params

    def search_query(self, list_name: str, values: dict[str, str]) -> dict[str, str]:
        p = self._params(values)
        q = {"email": str(p["email"])} if "email" in p else {}
        if "start_time" in p:
            q["start"] = str(p["start_time"])
        if "end_time" in p:
            q["end"] = str(int(p["end_time"]) + 1)  # end_time is included
        return q

    def search_call(self, list_name: str, tenant: str, values: dict[str, str]) -> str:
        query = urlencode(self._params(values))
        call = f"GET /v3/suppression/{list_name}" + (f"?{query}" if query else "")
        return call + (f" with the header on-behalf-of: {tenant}" if tenant else "")

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        from .models import LIST_KINDS

        kind = LIST_KINDS[list_name]
        fields = [Field("email", "email", "email", required=True)]
        fields += [Field(n, n, placeholder=default) for n, default in kind.extra_defaults]
        return [*fields, Field("created", "created", "utc")]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item = given(form, *self.columns(list_name))
        if tenant:
            item["subuser"] = tenant
        return {list_name: [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove(list_name, key.get("email", ""), subuser=tenant or None))


#: what the search box says its filter means
SEARCH_NOTE = (
    "SendGrid's own filter: the address starts with email (% a wildcard, any case); "
    "start_time <= created <= end_time, in unix seconds (here a UTC time too)"
)

VIEW = SendGridView()
