"""How the inspector shows NAVER Cloud Outbound Mailer: send blocks by region, and the
mail requests its send path keeps (issue 21; the Sends and Events tables are core's)."""

from __future__ import annotations

from typing import Any, ClassVar

from ...ui.views import Field, Section, Table, Tenant, View, given, number

__all__ = ["VIEW", "NcpView"]


class NcpView(View):
    key = "ncp"
    tenant_param = "region"
    tenant_word = "region"
    email_word = "address is"
    time_word = "expires"
    times_shown = "times in epoch milliseconds, as the API's utc fields (UTC below)"
    time_columns: ClassVar[dict[str, str]] = {"created": "ms", "expected_delete": "ms"}

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        return [Tenant(region, region, {"blocks": n}) for region, n in info["blocks"].items()]

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        projects = "; ".join(
            f"{p['name']} ({p['block_hours']} h blocks, unsubscribers {sum(p['unsubscribers'].values())})"
            for p in info["tenants"]
        )
        keys = provider.control_actions()["access-keys"]("GET", None, {})["access_keys"]
        listed = ", ".join(f"{k['access_key']} ({k['project']})" for k in keys)
        out = [("projects", projects), ("access keys", listed)]
        if info["quotas"]:
            out.append(("quotas", ", ".join(f"{q['limit']}/{q['period']}" for q in info["quotas"])))
        return out

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        return {"region": tenant or "KR"}

    def columns(self, list_name: str) -> tuple[str, ...]:
        return (
            "email",
            "region",
            "blocked",
            "created",
            "expected_delete",
            "requester",
            "project",
            "result_code",
            "result_message",
            "history_sid",
        )

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        from .models import HARD_BOUNCE_CODES, REQUESTERS

        projects = tuple(p["name"] for p in info["tenants"])
        return [
            Field("email", "email", "email", required=True),
            Field("requester", "requester", "select", REQUESTERS, placeholder="SYSTEM"),
            Field("result_code", "result code", "select", HARD_BOUNCE_CODES, placeholder="RECIPIENT_ADDRESS_ERROR"),
            Field("hours", "hours", "number", placeholder="the project's block time"),
            Field("project", "project", "select", projects, placeholder="default"),
        ]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = given(form, "email", "requester", "result_code", "project")
        if form.get("hours", "").strip():
            item["hours"] = number(form["hours"])
        item["region"] = tenant or "KR"
        return {"blocks": [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove_block(key.get("email", ""), region=tenant or "KR"))

    def sections(self, provider: Any, tenant: str, info: dict[str, Any]) -> list[Section]:
        """The newest requests sent through the region's path, with the status
        getMailRequestStatus gives each (what the status lookups read)."""
        region = tenant or "KR"
        requests = provider.mail_requests(region=region, newest=REQUESTS_SHOWN)[::-1]
        rows = [
            (
                r["requestId"],
                r["project"],
                "waiting for confirmation" if r["held"] else ", ".join(_counts(r)),
                r["requestCount"],
                r["sentCount"],
                r["finishCount"],
                (r["reservationDate"] or {}).get("formattedDateTime", ""),
            )
            for r in requests
        ]
        table = Table(
            ("requestId", "project", "mails by status", "mails", "sent", "finished", "reservation (KST)"),
            rows,
            empty=f"No mail sent through {region}'s path since the reset.",
        )
        note = f"newest first, at most {REQUESTS_SHOWN}; each as GET /api/v1/mails/requests/{{requestId}}/status"
        return [Section("Mail requests", note, (table,))]


def _counts(request: dict[str, Any]) -> list[str]:
    return [f"{c['status']['code']} {c['count']}" for c in request["countsByStatus"]]


#: mail requests a region's page shows at most
REQUESTS_SHOWN = 100

VIEW = NcpView()
