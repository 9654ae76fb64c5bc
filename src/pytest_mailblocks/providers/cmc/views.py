"""How the inspector shows Customers Mail Cloud: server compositions, blocks and
removed blocks, the unsubscribe list and the daily batch's pending changes, the Event
Webhook and its post attempts (the sends and events are the inspector's own tables)."""

from __future__ import annotations

import json
from typing import Any

from ...ui.views import (
    Client,
    Field,
    Search,
    Section,
    Snippet,
    Table,
    Tenant,
    View,
    day_window,
    given,
    number,
    py,
    sh,
    window_search,
)
from .models import JST, format_time

__all__ = ["VIEW", "CmcView"]


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

    def snippets(self, client: Client) -> list[Snippet]:
        """curl and ``requests`` (CMC publishes no Python SDK): blocks/list, JSON."""
        c = client.credentials
        body = {"api_user": c["api_user"], "api_key": c["api_key"], "server_composition": c["server_composition"]}
        url = client.base + "/transaction/v2/blocks/list.json"
        curl = f"curl {sh(url)} \\\n  -H 'Content-Type: application/json' \\\n  -d {sh(json.dumps(body))}\n"
        fields = ",\n".join(f"        {py(k)}: {py(v)}" for k, v in body.items())
        code = (
            "import requests\n\n"
            f"response = requests.post(\n    {py(url)},\n    json={{\n{fields},\n    }},\n)\n"
            "print(response.status_code, response.json())\n"
        )
        return [Snippet("curl", "sh", curl), Snippet("Python (requests)", "python", code)]

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        q = {"server_composition": tenant} if tenant else {}
        if list_name == "removed":
            q["removed"] = "true"
        return q

    def search(self, list_name: str) -> Search:
        """blocks/list's ``email``, ``start_date`` and ``end_date``."""
        address = Field("email", "email", "search", placeholder="contains")
        return window_search(address, ("start_date", "end_date"), "date", SEARCH_NOTE)

    def search_query(self, list_name: str, values: dict[str, str]) -> dict[str, str]:
        q = {"email": values["email"]} if values.get("email") else {}
        return {**q, **day_window(values, ("start_date", "end_date"), JST)}

    def search_call(self, list_name: str, tenant: str, values: dict[str, str]) -> str:
        body: dict[str, Any] = {"server_composition": tenant} if tenant else {}
        body.update({n: values[n] for n in ("email", "start_date", "end_date") if values.get(n)})
        if list_name == "removed":
            body["removed"] = True
        return "POST /transaction/v2/blocks/list.json " + json.dumps(body, ensure_ascii=False)

    def columns(self, list_name: str) -> tuple[str, ...]:
        return ("created", "email", "id", "occurred", "status")

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        if list_name != "blocks":
            return []
        from .models import BLOCK_STATUSES

        statuses = tuple(f"{code} {text}" for code, text in BLOCK_STATUSES.items())
        return [
            Field("email", "email", "email", required=True),
            Field("status", "status", "select", statuses, placeholder="2 Unknown user"),
            Field("occurred", "occurred", "number", placeholder="1"),
            Field("created", "created", "utc"),
        ]

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = given(form, "email", "created")
        if form.get("status", "").strip():
            item["status"] = number(form["status"].split()[0])
        if form.get("occurred", "").strip():
            item["occurred"] = number(form["occurred"])
        if tenant:
            item["server_composition"] = tenant
        return {"blocks": [item]}

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        return {"email": row["email"]} if list_name == "blocks" else None

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        return bool(handle.remove_block(key.get("email", ""), server_composition=tenant or None))

    actions = ("batch",)

    def sections(self, provider: Any, tenant: str, info: dict[str, Any]) -> list[Section]:
        """The composition's unsubscribe list (the newest first) and the changes the
        daily batch will apply, with a button that runs the batch now."""
        unsubscribes = provider.unsubscribes_of(tenant or None)
        pending = provider.pending_cancellations(tenant or None)
        shown = unsubscribes[-UNSUBSCRIBES_SHOWN:][::-1]
        note = f"{len(unsubscribes)}; newest first"
        if len(unsubscribes) > len(shown):
            note += f", the latest {len(shown)} shown"
        listed = Table(("created", "email", "filtername"), [(u["created"], u["email"], u["filtername"]) for u in shown])
        waiting = Table(
            ("email", "filter", "requested (JST)", "applies at (JST)"),
            [
                (p["email"], "(all)" if p["filter_name"] is None else p["filter_name"], p["requested"], p["applies_at"])
                for p in pending
            ],
            title="Pending batch",
            note=f"the daily batch runs at {info['settings']['batch_time']} JST",
            empty="No cancellations waiting.",
        )
        return [
            Section("Unsubscribes", note, (listed, waiting), button=("Run the batch now", "batch")),
            _webhook_section(provider),
        ]


def _webhook_section(provider: Any) -> Section:
    """Each account's Event Webhook (set through the handle or the control plane) and
    the newest post attempts."""
    hooks = provider.state.event_webhooks
    settings = Table(
        ("account", "url", "events", "transport", "batch", "time zone", "api_key"),
        [
            (
                account,
                h.url + ("" if h.enabled else " (off)"),
                ", ".join(h.events),
                "JSON" if h.json else "form",
                f"{h.max_events} events or {h.interval:g} s",
                h.timezone,
                "set" if h.api_key is not None else "",
            )
            for account, h in hooks.items()
        ],
        empty="No Event Webhook set up (cmc_fake.set_event_webhook(url) or POST /_mailblocks/cmc/event-webhook).",
    )
    delivery = provider.state.delivery
    queue = None if delivery is None else delivery.webhooks
    attempts = [] if queue is None else list(queue.attempts)[-WEBHOOK_ATTEMPTS_SHOWN:][::-1]
    tried = Table(
        ("post", "attempt", "time (JST)", "url", "events", "status", "result"),
        [_attempt_row(a) for a in attempts],
        title="Post attempts",
        note=f"newest first; {0 if queue is None else len(queue.pending)} waiting",
        empty="No posts yet.",
    )
    return Section(
        "Event Webhook", "deliveries, bounces, blocks; batched per composition and event type", (settings, tried)
    )


def _attempt_row(a: dict[str, Any]) -> tuple[Any, ...]:
    outcome = a["status"] if a["status"] is not None else a["error"]
    return (a["post"], a["attempt"], format_time(a["time"], JST), a["url"], a["events"], outcome, a["result"])


#: webhook attempts a page shows at most
WEBHOOK_ATTEMPTS_SHOWN = 50
#: unsubscribes a composition's page shows at most
UNSUBSCRIBES_SHOWN = 200


#: what the search box says its filter means
SEARCH_NOTE = (
    "CMC's own filter: the address contains email; created from start_date to end_date, "
    "both days included, in JST (the default API user's zone)"
)

VIEW = CmcView()
