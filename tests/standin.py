"""A stand-in for the providers' live accounts: a ``mailblocks`` server that
``mailblocks verify --target live --live-url`` talks to, seeded through the
control plane as a user would (``standin_seed.json``: data in every provider's
lists, addresses the recorder renames, rows of one second, NCP histories by every
requester), or left empty."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

SEED = Path(__file__).with_name("standin_seed.json")


def seed_standin(url: str) -> dict[str, Any]:
    """``POST /_mailblocks/seed`` the stand-in data; returns the control plane's answer."""
    request = urllib.request.Request(
        url + "/_mailblocks/seed",
        data=SEED.read_bytes(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def live_env(server: Any) -> dict[str, str]:
    """The environment the live target reads, holding the stand-in's credentials."""
    sg, cmc, ncp, sc = server.sendgrid, server.cmc, server.ncp, server.sendcloud
    return {
        "SENDGRID_API_KEY": sg.api_key,
        "CMC_API_USER": cmc.api_user,
        "CMC_API_KEY": cmc.api_key,
        "CMC_SERVER_COMPOSITION": cmc.server_composition,
        "NCP_ACCESS_KEY": ncp.access_key,
        "NCP_SECRET_KEY": ncp.secret_key,
        "SENDCLOUD_API_USER": sc.api_user,
        "SENDCLOUD_API_KEY": sc.api_key,
    }


def totals(output: str) -> list[int]:
    """The counts of the ``| all ...`` row of a ``mailblocks verify`` table."""
    row = next(line for line in reversed(output.splitlines()) if line.startswith("| all "))
    return [int(cell) for cell in row.strip("| ").split("|")[1:]]


def live_scenarios() -> tuple[int, int]:
    """(all the shipped scenarios, the read-only ones the live target runs)."""
    from pytest_mailblocks.contract.data import scenarios_dir
    from pytest_mailblocks.contract.scenario import load_scenarios

    scenarios = load_scenarios(scenarios_dir())
    return len(scenarios), sum(1 for s in scenarios if s.live)
