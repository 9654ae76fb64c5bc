"""How the inspector shows NAVER Cloud Outbound Mailer: send blocks by region, and the
mail requests its send path keeps (issue 21; the Sends and Events tables are core's)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from ...ui import views as ui
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

    def snippets(self, client: ui.Client) -> list[ui.Snippet]:
        """curl (signed with openssl) and ``requests`` (NAVER Cloud publishes no Python
        SDK for the mailer): one address's send-block history, signed as the API
        Gateway checks it, with a timestamp on the fake's clock."""
        c = client.credentials
        frozen = "  # the fake's clock is frozen: its time" if client.clock["mode"] == "frozen" else ""
        curl = (
            f"ACCESS_KEY={ui.sh(c['access_key'])}\nSECRET_KEY={ui.sh(c['secret_key'])}\n"
            f"URI={ui.sh(SAMPLE_URI)}\nTS={client.shell_ms()}{frozen}\n"
            'SIG=$(printf \'GET %s\\n%s\\n%s\' "$URI" "$TS" "$ACCESS_KEY" \\\n'
            '  | openssl dgst -sha256 -hmac "$SECRET_KEY" -binary | base64)\n'
            f'curl {ui.sh(client.base)}"$URI" \\\n  -H "x-ncp-apigw-timestamp: $TS" \\\n'
            '  -H "x-ncp-iam-access-key: $ACCESS_KEY" \\\n  -H "x-ncp-apigw-signature-v2: $SIG"\n'
        )
        ms = client.python_ms()
        modules = ["base64", "hashlib", "hmac"] + ([] if frozen else ["time"])
        code = (
            "".join(f"import {m}\n" for m in modules) + "\nimport requests\n\n"
            f"ACCESS_KEY = {ui.py(c['access_key'])}\nSECRET_KEY = {ui.py(c['secret_key'])}\n"
            f"uri = {ui.py(SAMPLE_URI)}\ntimestamp = str({ms}){frozen}\n"
            'message = f"GET {uri}\\n{timestamp}\\n{ACCESS_KEY}"\n'
            "digest = hmac.new(SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()\n"
            "headers = {\n"
            '    "x-ncp-apigw-timestamp": timestamp,\n'
            '    "x-ncp-iam-access-key": ACCESS_KEY,\n'
            '    "x-ncp-apigw-signature-v2": base64.b64encode(digest).decode(),\n'
            "}\n"
            f"response = requests.get({ui.py(client.base)} + uri, headers=headers)\n"
            "print(response.status_code, response.json())\n"
        )
        return [ui.Snippet("curl (signed with openssl)", "sh", curl), ui.Snippet("Python (requests)", "python", code)]

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        return {"region": tenant or "KR"}

    def search(self, list_name: str) -> ui.Search:
        """send-block's ``targetAddress``; the expiry window is the inspector's own."""
        address = Field("targetAddress", "targetAddress", "search", placeholder="the exact address")
        return ui.window_search(address, ("start", "end"), "utc", SEARCH_NOTE, ("expires from", "to"))

    def search_query(self, list_name: str, values: dict[str, str]) -> dict[str, str]:
        return super().search_query(list_name, {**values, "email": values.get("targetAddress", "")})

    def search_call(self, list_name: str, tenant: str, values: dict[str, str]) -> str:
        if not values.get("targetAddress"):
            return ""
        from .models import REGIONS

        version = next(v for v, region in REGIONS.items() if region == (tenant or "KR"))
        return f"GET /api/{version}/send-block?targetAddress={quote(values['targetAddress'], safe='')}"

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

#: what the search box says its filter means
SEARCH_NOTE = (
    "NCP's own filter: targetAddress, the exact address (the send-block API looks up one address "
    "and has no window; the expiry window, [from, to) in UTC, is the inspector's)"
)

#: the request the snippets sign: one address's send-block history (KR)
SAMPLE_URI = "/api/v1/send-block?targetAddress=someone%40example.com"

VIEW = NcpView()
