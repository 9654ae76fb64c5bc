"""Acme's routes: ``GET /acme/v1/blocks`` and ``DELETE /acme/v1/blocks/{email}``, each
behind ``X-Acme-Key``."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from pytest_mailblocks.core.errors import ProviderError
from pytest_mailblocks.core.provider import Call

from . import errors, render

if TYPE_CHECKING:
    from . import Acme

RULES = [
    Rule("/acme/v1/blocks", methods=["GET"], endpoint="list_blocks"),
    Rule("/acme/v1/blocks/<path:email>", methods=["DELETE"], endpoint="delete_block"),
]


@dataclass(eq=False)
class AcmeCall(Call):
    provider: Acme


def list_blocks(c: AcmeCall) -> Response:
    return render.ok([b._asdict() for b in c.provider.state.listed()])


def delete_block(c: AcmeCall) -> Response:
    if not c.provider.state.remove(c.args["email"]):
        raise ProviderError(errors.ACME_NOT_LISTED, c.args["email"])
    return render.ok({"deleted": c.args["email"]})


HANDLERS: dict[str, Callable[[AcmeCall], Response]] = {"list_blocks": list_blocks, "delete_block": delete_block}


def dispatch(c: Call) -> Response:
    given = c.request.headers.get("X-Acme-Key", "")
    if not hmac.compare_digest(given.encode(), c.provider.state.api_key.encode()):
        c.notes.auth = "missing" if not given else "invalid"
        raise ProviderError(errors.ACME_UNAUTHORIZED)
    c.notes.auth = "ok"
    return HANDLERS[c.endpoint](c.extended(AcmeCall))
