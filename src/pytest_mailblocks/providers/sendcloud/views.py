"""How the inspector shows SendCloud: API users, blocks, bounces, complaints and
unsubscribes (its sends and events: the core's Sends and Events tables)."""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import urlencode

from ...core.errors import ControlError
from ...ui.views import Client, Field, Search, Snippet, Tenant, View, day_window, given, number, py, sh

__all__ = ["VIEW", "SendCloudView"]


class SendCloudView(View):
    key = "sendcloud"
    tenant_param = "api_user"
    tenant_word = "API user"
    lists = ("blocks", "bounces", "complaints", "unsubscribes")
    email_word = "address is (for blocks, a domain without @)"
    time_word = "time"
    times_shown = "times in UTC+8, as the API shows them"
    _columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "blocks": ("apiUserBlock", "domain", "email", "createTime", "expireTime"),
        "bounces": ("email", "reason", "bounceTime", "domain"),
        "complaints": ("email", "domain", "complaintTime", "expireTime"),
        "unsubscribes": ("email", "domain", "labelId", "apiUser", "unsubscribeTime"),
    }

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        return [Tenant(t["api_user"], t["api_user"], t["counts"]) for t in info["tenants"]]

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        return [("list counts", info["count_mode"])]

    def snippets(self, client: Client) -> list[Snippet]:
        """curl and ``requests`` (SendCloud publishes no Python SDK): block/list, a form."""
        c = client.credentials
        form = {"apiUser": c["api_user"], "apiKey": c["api_key"], "days": "1"}
        url = client.base + "/api/block/list"
        data = "".join(f" \\\n  --data-urlencode {sh(k + '=' + v)}" for k, v in form.items())
        fields = ",\n".join(f"        {py(k)}: {py(v)}" for k, v in form.items())
        code = (
            "import requests\n\n"
            f"response = requests.post(\n    {py(url)},\n    data={{\n{fields},\n    }},\n)\n"
            "print(response.status_code, response.json())\n"
        )
        return [Snippet("curl", "sh", f"curl {sh(url)}{data}\n"), Snippet("Python (requests)", "python", code)]

    def refusal(self, entry: dict[str, Any]) -> str | None:
        """SendCloud refuses with HTTP 200: ``{"result": false, "statusCode": 40005,
        "message": "..."}``."""
        try:
            body = json.loads(entry["response_body"])
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("result") is not False:
            return None
        return f"{body.get('message', '')} (statusCode {body.get('statusCode')})"

    def search(self, list_name: str) -> Search:
        """The list API's ``email`` (blocks: or ``domainName``), ``startDate`` and ``endDate``."""
        fields = [Field("email", "email", "search", placeholder="the exact address")]
        if list_name == "blocks":
            fields.append(Field("domainName", "domainName", "search", placeholder="the exact domain"))
        window = "created" if list_name == "blocks" else list_name[:-1] + " time"
        note = f"SendCloud's own filter: the exact address{' or domain' if list_name == 'blocks' else ''}; "
        note += f"{window} from startDate to endDate, both days included, in UTC+8"
        if list_name == "bounces":
            note += " (with an address the API ignores the dates)"
        fields += [Field("startDate", "startDate", "date"), Field("endDate", "endDate", "date")]
        return Search(tuple(fields), note)

    def search_query(self, list_name: str, values: dict[str, str]) -> dict[str, str]:
        from .models import TZ8

        email, domain = values.get("email", ""), values.get("domainName", "")
        if email and domain:
            raise ControlError("give email or domainName, not both (the list finds the rows of one)")
        q = {"email": email or domain} if email or domain else {}
        if list_name == "bounces" and email:
            return q
        return {**q, **day_window(values, ("startDate", "endDate"), TZ8)}

    def search_call(self, list_name: str, tenant: str, values: dict[str, str]) -> str:
        params = {n: values[n] for n in ("email", "domainName", "startDate", "endDate") if values.get(n)}
        if not params.keys() & {"startDate", "endDate"} and not (list_name == "bounces" and "email" in params):
            params["days"] = "1"  # the list API needs a window: today
        if tenant:
            params["apiUser"] = tenant
        return f"POST /api/{list_name[:-1]}/list {urlencode(params)}"

    def columns(self, list_name: str) -> tuple[str, ...]:
        return self._columns[list_name]

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        email = Field("email", "email", "email", required=list_name != "blocks")
        if list_name == "blocks":
            return [
                email,
                Field("domain", "domain", placeholder="or a domain"),
                Field("api_user_block", "apiUserBlock", placeholder="all"),
                Field("expire_time", "expireTime", "date", placeholder="a year from today"),
            ]
        if list_name == "bounces":
            return [email, Field("reason", "reason", placeholder="Mailbox not found.")]
        if list_name == "complaints":
            return [email, Field("expire_time", "expireTime", "date", placeholder="180 days from now")]
        return [email, Field("label_id", "labelId", "number", placeholder="0")]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = given(form, "email", "domain", "api_user_block", "expire_time", "reason")
        if form.get("label_id", "").strip():
            item["label_id"] = number(form["label_id"])
        if tenant:
            item["api_user"] = tenant
        return {list_name: [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        if list_name == "blocks":
            return {"email": row["email"], "domain": row["domain"], "api_user_block": row["apiUserBlock"]}
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        api_user = tenant or None
        email = key.get("email", "")
        if list_name == "blocks":
            n = handle.remove_block(
                email or None,
                key.get("domain") or None,
                api_user_block=key.get("api_user_block", ""),
                api_user=api_user,
            )
            return bool(n)
        if list_name == "bounces":
            return bool(handle.remove_bounce(email, api_user=api_user))
        if list_name == "complaints":
            return bool(handle.remove_complaint(email, api_user=api_user))
        return bool(handle.remove_unsubscribe(email, api_user=api_user))


VIEW = SendCloudView()
