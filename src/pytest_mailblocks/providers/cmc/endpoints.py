"""Customers Mail Cloud routes and operations (seed 000: Blocks, seed 003:
Unsubscribes, ``shared/providers/cmc.md``).

Every route is ``POST /transaction/<v1|v2>/<resource>/<action>.<json|xml>`` with its
parameters in a form (``-d key=value``) or JSON body. Order of checks on every call:
the body is readable (01-008) -> ``api_user``/``api_key`` present (01-002) and right
(01-001) -> role and permission (12-002) -> parameters, every problem reported at
once (01-00x, 10-002, 10-003) -> state (12-001, 15-00x). The daily unsubscribe batch
is applied first, lazily, if the clock has crossed the batch time since the last call.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import errors, render
from .models import (
    Composition,
    PendingOp,
    User,
    block_dict,
    local_day_start,
    unsubscribe_dict,
)

if TYPE_CHECKING:
    from . import CustomersMailCloud

__all__ = ["ACCESS", "HANDLERS", "RULES", "CmcCall", "dispatch"]

#: what each operation needs (seed 000 / 003: Access Control)
ACCESS: dict[str, str] = {
    "list_blocks": "reference",  # both roles, data reference permission
    "download_blocks": "download",  # both roles, download permission
    "delete_blocks": "admin",  # API group administrator only
    "cancel_blocks": "admin",
    "download_unsubscribes": "download",
    "cancel_unsubscribes": "admin",
}

#: r: default 10, max 100 (seed 000); p: default 0, a Java int at most (assumed)
R_DEFAULT, R_MAX = 10, 100
P_MAX = 2**31 - 1
#: unsubscribes/cancel: up to 1000 addresses (seed 003)
MAX_ADDRESSES = 1000


def _rules() -> list[Rule]:
    rules = []
    for endpoint in ACCESS:
        action, _, resource = endpoint.partition("_")
        rules.append(
            Rule(
                f"/transaction/<any(v1,v2):version>/{resource}/{action}.<any(json,xml):fmt>",
                methods=["POST"],
                endpoint=endpoint,
            )
        )
    return rules


RULES = _rules()


# -- the body --------------------------------------------------------------------------------
def read_params(request: Request) -> dict[str, Any]:
    """Form fields (urlencoded or multipart) or a JSON object; the first value of a
    repeated form field. An empty body is no parameters."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    mimetype = request.mimetype
    is_form = mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if mimetype == "application/json" or mimetype.endswith("+json") or (not is_form and raw.lstrip()[:1] == b"{"):
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ProviderError(errors.CMC_BAD_BODY) from None
        if not isinstance(data, dict):
            raise ProviderError(errors.CMC_BAD_BODY)
        if "\\ud" in raw.decode("utf-8").lower():
            try:  # a lone surrogate escape (\ud800) is valid JSON but no text
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ProviderError(errors.CMC_BAD_BODY) from None
        return data
    if mimetype == "multipart/form-data":
        form = request.form
        return {k: form.getlist(k)[0] for k in form}
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise ProviderError(errors.CMC_BAD_BODY) from None
    values: dict[str, Any] = {}
    for k, v in pairs:
        values.setdefault(k, v)
    return values


class Problems(list[ProviderError]):
    """Errors found while reading parameters; raised together."""

    def raise_any(self) -> None:
        if self:
            raise self[0].also(*self[1:])


def _scalar(params: dict[str, Any], name: str, problems: Problems) -> str | None:
    """A parameter as text; absent or empty is None. JSON numbers and booleans are
    read as their text; objects and arrays are 01-007."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    problems.append(ProviderError(errors.CMC_INVALID_VALUE, name, field=name))
    return None


def _required(params: dict[str, Any], name: str, problems: Problems) -> str | None:
    before = len(problems)
    value = _scalar(params, name, problems)
    if value is None and len(problems) == before:
        problems.append(ProviderError(errors.CMC_REQUIRED, name, field=name))
    return value


_DIGITS = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _integer(params: dict[str, Any], name: str, default: int, lo: int, hi: int, problems: Problems) -> int:
    text = _scalar(params, name, problems)
    if text is None:
        return default
    if not _DIGITS.fullmatch(text):
        problems.append(ProviderError(errors.CMC_NOT_INTEGER, name, field=name))
        return default
    digits = text.lstrip("-").lstrip("0")
    value = int(text) if len(digits) <= 12 else (hi + 1 if text[0] != "-" else lo - 1)
    if not lo <= value <= hi:
        problems.append(ProviderError(errors.CMC_OUT_OF_RANGE, name, lo, hi, field=name))
        return default
    return value


def _boolean(params: dict[str, Any], name: str, default: bool, problems: Problems) -> bool:
    text = _scalar(params, name, problems)
    if text is None:
        return default
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    problems.append(ProviderError(errors.CMC_NOT_BOOLEAN, name, field=name))
    return default


def _date(params: dict[str, Any], name: str, problems: Problems) -> date | None:
    text = _scalar(params, name, problems)
    if text is None:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problems.append(ProviderError(errors.CMC_BAD_DATE, name, field=name))
        return None


def _window(params: dict[str, Any], user: User, problems: Problems) -> tuple[int | None, int | None]:
    """start_date/end_date (yyyy-mm-dd, both included) in the user's time zone as
    ``[start, end)`` unix seconds; start after end is 10-003 (seed 000)."""
    start = _date(params, "start_date", problems)
    end = _date(params, "end_date", problems)
    if start is not None and end is not None and start > end:
        problems.append(ProviderError(errors.CMC_START_AFTER_END))
    return (
        None if start is None else local_day_start(start, user.tz),
        None if end is None else local_day_start(end + timedelta(days=1), user.tz),
    )


def _composition(cmc: CustomersMailCloud, user: User, params: dict[str, Any], problems: Problems) -> Composition:
    """The named server composition of the user's account; otherwise 10-002 naming it."""
    name = _required(params, "server_composition", problems)
    comp = None if name is None else cmc.state.compositions.get(name)
    if comp is not None and comp.account == user.account:
        return comp
    if name is not None:
        problems.append(ProviderError(errors.CMC_NO_SUCH_COMPOSITION, name))
    return None  # type: ignore[return-value]  # only after problems.raise_any()


# -- auth ---------------------------------------------------------------------------------------
def authenticate(cmc: CustomersMailCloud, params: dict[str, Any], notes: Notes) -> User:
    """``api_user`` and ``api_key`` are parameters of every call (cmc.md: Transport)."""
    problems = Problems()
    api_user = _required(params, "api_user", problems)
    api_key = _required(params, "api_key", problems)
    if problems:
        notes.auth = "missing"
        problems.raise_any()
    assert api_user is not None and api_key is not None
    user = cmc.state.users.get(api_user)
    if user is None or not hmac.compare_digest(user.api_key.encode("utf-8"), api_key.encode("utf-8")):
        notes.auth = "invalid"
        raise ProviderError(errors.CMC_AUTH_FAILED)
    notes.auth = "ok"
    notes.tenant = user.account
    return user


def authorize(user: User, need: str, notes: Notes) -> None:
    """Role and permission (seed 000/003: Access Control): ``need`` is ``admin`` or a
    permission (``reference``, ``download``); 12-002 otherwise."""
    allowed = user.is_admin if need == "admin" else getattr(user, need)
    if not allowed:
        notes.auth = "forbidden"
        raise ProviderError(errors.CMC_NO_PERMISSION)


# -- operations -------------------------------------------------------------------------------
@dataclass(eq=False)
class CmcCall(Call):
    """What every operation is given: the user the credentials name, the parameters
    (form fields or a JSON object) and the format the path asks for."""

    provider: CustomersMailCloud
    user: User
    params: dict[str, Any]
    fmt: str


def list_blocks(c: CmcCall) -> Response:
    """Blocks/list: email partial, dates on the stop date, removed, p, r (seed 000)."""
    cmc, user, params = c.provider, c.user, c.params
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    email = _scalar(params, "email", problems)
    start, end = _window(params, user, problems)
    removed = _boolean(params, "removed", False, problems)
    p = _integer(params, "p", 0, 0, P_MAX, problems)
    r = _integer(params, "r", R_DEFAULT, 1, R_MAX, problems)
    problems.raise_any()
    page = comp.query_blocks(removed=removed, start=start, end=end, email=email, offset=p * r, limit=r)
    rows = [block_dict(b, user.tz) for b in page]
    return render.blocks(rows, c.fmt, cmc.state.settings.empty_list_status)


def _zip(cmc: CustomersMailCloud, user: User, stem: str, data: bytes) -> Response:
    """``<stem>-yyyyMMdd_HHmmss.zip`` (the fake's now, the user's time zone) holding
    ``<stem>-yyyyMMdd_HHmmss.csv``; encrypted with the account's password if set."""
    now = datetime.fromtimestamp(cmc.clock.time(), user.tz)
    name = f"{stem}-{now:%Y%m%d_%H%M%S}"
    account = cmc.state.accounts[user.account]
    enc = account.encryption
    payload = render.zip_bytes(
        f"{name}.csv",
        data,
        (now.year, now.month, now.day, now.hour, now.minute, now.second),
        None if enc is None else enc.password,
        "zipcrypto" if enc is None else enc.cipher,
    )
    return render.download(f"{name}.zip", payload)


def download_blocks(c: CmcCall) -> Response:
    """Blocks/download: the list's filters without paging, as a ZIP of CSV (seed 000)."""
    cmc, user, params = c.provider, c.user, c.params
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    email = _scalar(params, "email", problems)
    start, end = _window(params, user, problems)
    removed = _boolean(params, "removed", False, problems)
    problems.raise_any()
    page = comp.query_blocks(removed=removed, start=start, end=end, email=email)
    fields = render.BLOCK_CSV_FIELDS
    rows = ([d[f] for f in fields] for d in (block_dict(b, user.tz) for b in page))
    return _zip(cmc, user, "blocks", render.csv_bytes(fields, rows, cmc.state.settings.csv_line_end))


def _block_target(cmc: CustomersMailCloud, user: User, params: dict[str, Any]) -> tuple[Composition, str]:
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    email = _required(params, "email", problems)
    problems.raise_any()
    assert email is not None
    return comp, email.strip()


def delete_blocks(c: CmcCall) -> Response:
    """Blocks/delete: exact, case-insensitive; sendable for good (seed 000)."""
    comp, email = _block_target(c.provider, c.user, c.params)
    if comp.delete(email) is None:
        raise ProviderError(errors.CMC_BLOCK_NOT_FOUND)
    return render.success(c.fmt)


def cancel_blocks(c: CmcCall) -> Response:
    """Blocks/cancel: unblocked; blocked again if errors recur (seed 000)."""
    comp, email = _block_target(c.provider, c.user, c.params)
    if comp.cancel(email) is None:
        raise ProviderError(errors.CMC_BLOCK_NOT_FOUND)
    return render.success(c.fmt)


def download_unsubscribes(c: CmcCall) -> Response:
    """Unsubscribes/download: email partial, dates on the unsubscribe date,
    filter_name exact (seed 003)."""
    cmc, user, params = c.provider, c.user, c.params
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    email = _scalar(params, "email", problems)
    start, end = _window(params, user, problems)
    filter_name = _scalar(params, "filter_name", problems)
    problems.raise_any()
    page = comp.query_unsubscribes(start=start, end=end, email=email, filter_name=filter_name)
    fields = render.UNSUBSCRIBE_CSV_FIELDS
    rows = ([d[f] for f in fields] for d in (unsubscribe_dict(u, user.tz) for u in page))
    return _zip(cmc, user, "unsubscribes", render.csv_bytes(fields, rows, cmc.state.settings.csv_line_end))


def parse_addresses(value: Any) -> tuple[list[tuple[int, str]], bool, Problems]:
    """The ``email`` of unsubscribes/cancel given one of three ways (cmc.md): an
    address, a JSON object ``{"name": .., "address": ..}``, or a JSON array of such
    objects or address strings (in a form field as JSON text, in a JSON body as is).
    Returns (position, address) pairs, whether it was a plain address, and the
    format errors by position (15-001, 15-003, 15-004, 15-006)."""
    problems = Problems()
    if isinstance(value, str):
        text = value.strip()
        if text[:1] not in ("[", "{"):
            return [(1, text)], True, problems
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            raise ProviderError(errors.CMC_INVALID_JSON) from None
    if isinstance(value, dict):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise ProviderError(errors.CMC_INVALID_JSON)
    if not items:
        raise ProviderError(errors.CMC_NO_ADDRESSES)
    if len(items) > MAX_ADDRESSES:
        raise ProviderError(errors.CMC_TOO_MANY_ADDRESSES)
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    bad_json = False
    for pos, item in enumerate(items, 1):
        address: Any = item
        if isinstance(item, dict):
            if "address" not in item:
                problems.append(ProviderError(errors.CMC_ADDRESS_REQUIRED, "email", pos))
                continue
            address = item["address"]
        if address is None:
            address = ""
        if not isinstance(address, str):
            if not bad_json:
                problems.append(ProviderError(errors.CMC_INVALID_JSON))
                bad_json = True
            continue
        address = address.strip()
        if not address:
            problems.append(ProviderError(errors.CMC_ADDRESS_EMPTY, pos))
            continue
        key = address.lower()
        if key in seen:
            problems.append(ProviderError(errors.CMC_DUPLICATE_ADDRESS, pos))
            continue
        seen.add(key)
        out.append((pos, address))
    return out, False, problems


def cancel_unsubscribes(c: CmcCall) -> Response:
    """Unsubscribes/cancel: accepted now, applied by the daily batch (seed 003).
    Every address must be listed (through ``filter_name`` if given), else nothing
    is accepted."""
    cmc, user, params = c.provider, c.user, c.params
    problems = Problems()
    comp = _composition(cmc, user, params, problems)
    raw = params.get("email")
    if raw is None or raw == "":
        problems.append(ProviderError(errors.CMC_REQUIRED, "email", field="email"))
    filter_name = _scalar(params, "filter_name", problems)
    problems.raise_any()
    if isinstance(raw, (bool, int, float)):
        raise ProviderError(errors.CMC_INVALID_JSON)
    addresses, plain, problems = parse_addresses(raw)
    missing = [pos for pos, address in addresses if not comp.is_unsubscribed(address, filter_name)]
    if plain and missing:
        raise ProviderError(errors.CMC_UNSUBSCRIBE_NOT_FOUND)
    problems.extend(ProviderError(errors.CMC_ADDRESS_NOT_FOUND, pos) for pos in missing)
    problems.sort(key=lambda e: e.args_[-1] if e.args_ else 0)
    problems.raise_any()
    now = cmc.clock.time()
    state = cmc.state
    comp.pending.extend(PendingOp(now, state.next_seq(), "cancel", a, filter_name) for _, a in addresses)
    return render.success(c.fmt)


HANDLERS: dict[str, Callable[[CmcCall], Response]] = {
    "list_blocks": list_blocks,
    "download_blocks": download_blocks,
    "delete_blocks": delete_blocks,
    "cancel_blocks": cancel_blocks,
    "download_unsubscribes": download_unsubscribes,
    "cancel_unsubscribes": cancel_unsubscribes,
}


def dispatch(
    c: Call,
    more: Mapping[str, Callable[[CmcCall], Response]] | None = None,
    access: Mapping[str, str] | None = None,
) -> Response:
    """The checks every operation shares, then the operation: one of ``HANDLERS`` or
    of ``more`` (the send path's, which needs what ``access`` says, if anything)."""
    cmc: CustomersMailCloud = c.provider
    c.notes.lang = render.language(c.request)
    cmc.state.tick(cmc.clock.time())
    params = read_params(c.request)
    user = authenticate(cmc, params, c.notes)
    need = ACCESS.get(c.endpoint) or (access or {}).get(c.endpoint)
    if need is not None:
        authorize(user, need, c.notes)
    name = params.get("server_composition")
    if isinstance(name, str) and name:
        c.notes.tenant = f"{user.account}/{name}"
    handler = HANDLERS.get(c.endpoint) or (more or {})[c.endpoint]
    return handler(c.extended(CmcCall, user=user, params=params, fmt=c.args["fmt"]))
