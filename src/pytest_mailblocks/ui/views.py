"""How the inspector shows each provider: its tenants, lists, filter words, forms.

Presentation only. Rows come from the provider's ``control_blocks`` (the control
plane's function, paged through the list's index), additions go through the
provider's ``seed`` (the control plane's ``POST .../blocks``) and deletions through
the handle's remove verbs, so no rule of any provider is copied here. A provider
without a view of its own gets :class:`View`: its block list, read only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..core.errors import ControlError

__all__ = ["VIEWS", "Field", "Tenant", "View", "view_for"]


@dataclass(frozen=True)
class Field:
    """One input of an add form."""

    name: str
    label: str
    kind: str = "text"  # text, email, number, date, select
    options: tuple[str, ...] = ()
    placeholder: str = ""
    required: bool = False


@dataclass(frozen=True)
class Tenant:
    """A place blocks live in: an account, a server composition, a region, an API user."""

    value: str  # the control_blocks query value ("" for the default)
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


class View:
    """The generic view: one list, no tenants, no forms."""

    key = ""
    tenant_param = ""
    tenant_word = ""
    lists: tuple[str, ...] = ("blocks",)
    email_word = "address"
    time_word = "time"
    #: how the rows show times
    times_shown = ""
    #: columns holding unix seconds ("s") or epoch milliseconds ("ms")
    time_columns: ClassVar[dict[str, str]] = {}

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        return []

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        """(label, value) lines for the overview card."""
        return []

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        """The control_blocks query selecting a tenant's list."""
        q = {"list": list_name} if len(self.lists) > 1 else {}
        if self.tenant_param and tenant:
            q[self.tenant_param] = tenant
        return q

    def columns(self, list_name: str) -> tuple[str, ...]:
        return ()

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        return []

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        raise ControlError(f"the inspector cannot add to {self.key or 'this provider'}'s lists")

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        """Hidden fields that identify a row for its delete button (None: no delete)."""
        return None

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        raise ControlError(f"the inspector cannot delete from {self.key or 'this provider'}'s lists")


def _given(form: dict[str, str], *names: str) -> dict[str, Any]:
    """The named form values that are not blank, stripped."""
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def _int(value: str) -> int | str:
    """Whole numbers as int (the seed validates the rest and names the field)."""
    return int(value) if value.strip().isdigit() else value


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

    def columns(self, list_name: str) -> tuple[str, ...]:
        from ..providers.sendgrid.models import LIST_KINDS

        return LIST_KINDS[list_name].fields

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        from ..providers.sendgrid.models import LIST_KINDS

        kind = LIST_KINDS[list_name]
        fields = [Field("email", "email", "email", required=True)]
        fields += [Field(n, n, placeholder=default) for n, default in kind.extra_defaults]
        return [*fields, Field("created", "created (UTC)", "datetime-local")]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item = _given(form, *self.columns(list_name))
        if tenant:
            item["subuser"] = tenant
        return {list_name: [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove(list_name, key.get("email", ""), subuser=tenant or None))


class CmcView(View):
    key = "cmc"
    tenant_param = "server_composition"
    tenant_word = "server composition"
    lists = ("blocks", "removed")
    email_word = "address contains"
    time_word = "created"
    times_shown = "times in JST, as the API shows them"

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        out = []
        for acct in info["tenants"]:
            users = ", ".join(f"{u['api_user']} ({u['role']})" for u in acct["users"]) or "none"
            for comp in acct["compositions"]:
                out.append(
                    Tenant(comp["name"], comp["name"], comp["counts"], f"account {acct['account']}; users: {users}")
                )
        return out

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        s = info["settings"]
        accounts = ", ".join(a["account"] for a in info["tenants"])
        return [("accounts", accounts), ("daily batch", f"{s['batch_time']} JST")]

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        q = {"server_composition": tenant} if tenant else {}
        if list_name == "removed":
            q["removed"] = "true"
        return q

    def columns(self, list_name: str) -> tuple[str, ...]:
        return ("created", "email", "id", "occurred", "status")

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        if list_name != "blocks":
            return []
        from ..providers.cmc.models import BLOCK_STATUSES

        statuses = tuple(f"{code} {text}" for code, text in BLOCK_STATUSES.items())
        return [
            Field("email", "email", "email", required=True),
            Field("status", "status", "select", statuses, placeholder="2 Unknown user"),
            Field("occurred", "occurred", "number", placeholder="1"),
            Field("created", "created (UTC)", "datetime-local"),
        ]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = _given(form, "email", "created")
        if form.get("status", "").strip():
            item["status"] = _int(form["status"].split()[0])
        if form.get("occurred", "").strip():
            item["occurred"] = _int(form["occurred"])
        if "created" in item:
            item["created"] += "Z"  # the form's time is UTC; a bare one would be JST
        if tenant:
            item["server_composition"] = tenant
        return {"blocks": [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]} if list_name == "blocks" else None

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove_block(key.get("email", ""), server_composition=tenant or None))


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
        from ..providers.ncp.models import HARD_BOUNCE_CODES, REQUESTERS

        projects = tuple(p["name"] for p in info["tenants"])
        return [
            Field("email", "email", "email", required=True),
            Field("requester", "requester", "select", REQUESTERS, placeholder="SYSTEM"),
            Field("result_code", "result code", "select", HARD_BOUNCE_CODES, placeholder="RECIPIENT_ADDRESS_ERROR"),
            Field("hours", "hours", "number", placeholder="the project's block time"),
            Field("project", "project", "select", projects, placeholder="default"),
        ]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = _given(form, "email", "requester", "result_code", "project")
        if form.get("hours", "").strip():
            item["hours"] = _int(form["hours"])
        item["region"] = tenant or "KR"
        return {"blocks": [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]}

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove_block(key.get("email", ""), region=tenant or "KR"))


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
        item: dict[str, Any] = _given(form, "email", "domain", "api_user_block", "expire_time", "reason")
        if form.get("label_id", "").strip():
            item["label_id"] = _int(form["label_id"])
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


VIEWS: dict[str, View] = {v.key: v for v in (SendGridView(), CmcView(), NcpView(), SendCloudView())}


def view_for(key: str) -> View:
    return VIEWS.get(key) or View()
