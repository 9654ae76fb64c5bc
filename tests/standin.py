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
