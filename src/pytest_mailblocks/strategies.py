"""Hypothesis strategies: addresses with their edge cases, records per provider,
and requests per endpoint, valid and invalid.

Built from Hypothesis primitives, so failing examples shrink. Needs Hypothesis:
``pip install 'pytest-mailblocks[generators]'``.

- ``emails()``, ``simulator_emails()``, ``unix_times()``, ``smtp_statuses``;
- records, as each handle's ``add_*`` and the seed format take them:
  ``sendgrid_blocks()``, ``sendgrid_records(list_name)``, ``cmc_blocks()``,
  ``cmc_unsubscribes()``, ``ncp_send_blocks()``, ``sendcloud_blocks()``,
  ``sendcloud_bounces()``, ``sendcloud_unsubscribes()``;
- one ``*_cases()`` strategy per endpoint, drawing :class:`Case` values: the
  request's parameters, the error the fake answers with (``None``: success), and
  the records the provider must hold first. ``valid=True`` draws requests the fake
  accepts, ``valid=False`` requests it refuses, each with exactly one documented
  problem (so the error is the first one listed):

  - SendGrid: ``sendgrid_list_cases`` (``GET /v3/suppression/<list>``, any list),
    ``sendgrid_bulk_delete_cases`` (``DELETE`` the same), ``sendgrid_get_cases`` and
    ``sendgrid_delete_cases`` (``GET`` / ``DELETE /v3/suppression/<list>/{email}``),
    ``sendgrid_global_add_cases``, ``sendgrid_global_get_cases`` and
    ``sendgrid_global_delete_cases`` (``/v3/asm/suppressions/global[/{email}]``),
    ``sendgrid_mail_send_cases`` (``POST /v3/mail/send``; its valid bodies alone:
    ``sendgrid_mail_send_bodies``, from ``providers/sendgrid/strategies.py``);
  - Customers Mail Cloud: ``cmc_blocks_list_cases``, ``cmc_blocks_download_cases``,
    ``cmc_blocks_delete_cases``, ``cmc_blocks_cancel_cases``,
    ``cmc_unsubscribes_download_cases``, ``cmc_unsubscribes_cancel_cases``;
  - NAVER Cloud: ``ncp_send_block_cases``, ``ncp_unsubscribers_list_cases`` (GET),
    ``ncp_unsubscribers_add_cases`` (POST), ``ncp_unsubscribers_delete_cases`` (DELETE),
    ``ncp_mail_send_cases`` (``POST /api/v1/mails``; its valid bodies alone:
    ``ncp_mail_send_bodies``, from ``providers/ncp/strategies.py``);
  - SendCloud: ``sendcloud_block_list_cases``, ``sendcloud_block_add_cases``,
    ``sendcloud_block_delete_cases``, ``sendcloud_bounce_list_cases``,
    ``sendcloud_bounce_delete_cases``, ``sendcloud_bounce_count_cases``,
    ``sendcloud_unsubscribe_list_cases``, ``sendcloud_unsubscribe_add_cases``,
    ``sendcloud_unsubscribe_delete_cases``.

  The GET/DELETE ``/{email}`` routes of SendGrid's global unsubscribes and GET of any
  list's ``/{email}`` refuse no address, so those three have no ``valid`` argument.
  The older ``sendgrid_list_params``, ``sendgrid_bulk_delete_bodies``,
  ``cmc_list_params``, ``ncp_send_block_params`` and ``sendcloud_list_params`` draw
  the ``params`` of the matching cases (CMC's as strings only, for form fields).
  Errors of the transport rather than the parameters (credentials, scopes, rate
  limits, quotas, NCP's 415 for a body that is not ``application/json``, CMC's
  unreadable body) are not drawn.

With the pytest fixtures, reset the fake inside the test body: every ``@given``
example reuses the function-scoped fixture, which is why Hypothesis asks you to
acknowledge it::

    from hypothesis import HealthCheck, given, settings
    from pytest_mailblocks import strategies as mb

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(case=mb.cmc_unsubscribes_cancel_cases(valid=False, json_values=False))
    def test_cancel_errors(mailblocks, case):
        mailblocks.reset()
        mailblocks.cmc.seed(case.seed)
        with mailblocks.httpx_client() as c:
            r = c.post("/transaction/v2/unsubscribes/cancel.json", data={**mailblocks.cmc.auth, **case.params})
        assert r.status_code == case.error.status
        assert r.json()["errors"][0]["code"] == case.error.code
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from importlib import import_module
from typing import Any, NamedTuple

from .core.errors import ErrorEntry
from .extras import missing_extra

try:
    from hypothesis import strategies as st
except ImportError as exc:  # Hypothesis comes with the 'generators' extra
    raise missing_extra("Hypothesis", "pytest_mailblocks.strategies") from exc

__all__ = [
    "Case",
    "cmc_blocks",
    "cmc_blocks_cancel_cases",
    "cmc_blocks_delete_cases",
    "cmc_blocks_download_cases",
    "cmc_blocks_list_cases",
    "cmc_list_params",
    "cmc_unsubscribes",
    "cmc_unsubscribes_cancel_cases",
    "cmc_unsubscribes_download_cases",
    "emails",
    "ncp_mail_send_bodies",  # noqa: F822 (module __getattr__)
    "ncp_mail_send_cases",  # noqa: F822
    "ncp_send_block_cases",
    "ncp_send_block_params",
    "ncp_send_blocks",
    "ncp_unsubscribers_add_cases",
    "ncp_unsubscribers_delete_cases",
    "ncp_unsubscribers_list_cases",
    "sendcloud_block_add_cases",
    "sendcloud_block_delete_cases",
    "sendcloud_block_list_cases",
    "sendcloud_blocks",
    "sendcloud_bounce_count_cases",
    "sendcloud_bounce_delete_cases",
    "sendcloud_bounce_list_cases",
    "sendcloud_bounces",
    "sendcloud_list_params",
    "sendcloud_unsubscribe_add_cases",
    "sendcloud_unsubscribe_delete_cases",
    "sendcloud_unsubscribe_list_cases",
    "sendcloud_unsubscribes",
    "sendgrid_blocks",
    "sendgrid_bulk_delete_bodies",
    "sendgrid_bulk_delete_cases",
    "sendgrid_delete_cases",
    "sendgrid_get_cases",
    "sendgrid_global_add_cases",
    "sendgrid_global_delete_cases",
    "sendgrid_global_get_cases",
    "sendgrid_list_cases",
    "sendgrid_list_params",
    "sendgrid_mail_send_bodies",  # noqa: F822 (module __getattr__)
    "sendgrid_mail_send_cases",  # noqa: F822
    "sendgrid_records",
    "simulator_emails",
    "smtp_statuses",
    "unix_times",
]

_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_LABEL = st.text(_LOCAL_CHARS, min_size=1, max_size=12)
_IDN_LABEL = st.sampled_from(["例え", "münchen", "παράδειγμα", "пример", "테스트", "测试", "bücher"])
_TLD = st.sampled_from(["com", "net", "org", "jp", "co.jp", "kr", "cn", "de", "io", "example"])


@st.composite
def emails(draw: Any, *, idn: bool = True) -> str:
    """Addresses with the edge cases real lists hold: plus tags, dots, uppercase,
    long local parts (up to 64), subdomains and internationalized domains."""
    atoms = draw(st.lists(_LABEL, min_size=1, max_size=4))
    local = ".".join(atoms)
    if draw(st.booleans()):
        local += "+" + draw(_LABEL)
    if draw(st.integers(0, 9)) == 0:
        local = ((local + ".") * 8)[:64].rstrip(".")  # a long local part, still well formed
    if draw(st.integers(0, 4)) == 0:
        local = "".join(c.upper() if draw(st.booleans()) else c for c in local)
    labels = draw(st.lists(_IDN_LABEL if idn and draw(st.integers(0, 5)) == 0 else _LABEL, min_size=1, max_size=3))
    domain = ".".join(labels) + "." + draw(_TLD)
    if draw(st.integers(0, 9)) == 0:
        domain = domain.upper()
    return f"{local}@{domain}"


def simulator_emails() -> st.SearchStrategy[str]:
    """Addresses of the delivery simulator's domain (issue 21): ``bounce@``,
    ``defer+a@``, ``success+order-42@simulator.mailblocks.test`` ..."""
    from .core.delivery import SIMULATOR_ADDRESSES, SIMULATOR_DOMAIN

    return st.builds(
        lambda local, tag: f"{local}{'+' + tag if tag else ''}@{SIMULATOR_DOMAIN}",
        st.sampled_from(sorted(SIMULATOR_ADDRESSES)),
        st.sampled_from(["", "a", "order-42"]),
    )


def unix_times(start: int = 1_400_000_000, end: int = 1_900_000_000) -> st.SearchStrategy[int]:
    return st.integers(start, end)


smtp_statuses = st.sampled_from(["5.1.1", "5.1.2", "5.2.2", "4.2.2", "5.7.1", "4.4.1", "4.0.0", "4.7.0", ""])


# -- requests: the case, and how invalid cases are made ---------------------------------------
class Case(NamedTuple):
    """One request to one endpoint, and what the fake answers.

    ``params``: what the endpoint reads, never credentials: query parameters (GET),
    form fields (CMC, SendCloud), the JSON body (SendGrid POST/DELETE, NCP POST/DELETE),
    or the address for a route with ``{email}`` in its path. A CMC ``params`` with a
    value that is not a string is meant for a JSON body (``json=...``).

    ``error``: the row of the provider's catalogue (``providers/<name>/errors.py``)
    the fake answers with: ``error.status`` and ``error.code`` (SendGrid: ``message``;
    ``field`` set to the field the wire names where the parameter decides it); ``None``
    for success.

    ``seed``: what the provider must hold first, in its ``handle.seed()`` shape, on a
    freshly reset fake (``{}``: nothing).
    """

    params: Any
    error: ErrorEntry | None
    seed: dict[str, Any]

    @property
    def valid(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:  # the catalogue key, not the whole row, in falsifying examples
        error = None if self.error is None else f"{self.error.key}(field={self.error.field!r})"
        return f"Case(params={self.params!r}, error={error}, seed={self.seed!r})"


def _catalogue(provider: str) -> Any:
    """A provider's error catalogue, imported when a strategy first needs it."""
    return import_module(f"{__package__}.providers.{provider}.errors")


def _on(entry: ErrorEntry, field: str) -> ErrorEntry:
    """The row as the wire shows it for ``field``."""
    return replace(entry, field=field)


class _Expected:
    """An error row, shown by its key in falsifying examples (not as the whole row)."""

    __slots__ = ("entry",)

    def __init__(self, entry: ErrorEntry) -> None:
        self.entry = entry

    def __repr__(self) -> str:
        return f"{self.entry.key}(field={self.entry.field!r})"


def _spoiled(base: dict[str, Any], changes: dict[str, Any], expected: _Expected) -> Case:
    return Case({k: v for k, v in {**base, **changes}.items() if v is not None}, expected.entry, {})


def _spoil(
    valid: st.SearchStrategy[dict[str, Any]], *defects: tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]
) -> st.SearchStrategy[Case]:
    """Valid parameters with one defect: each ``(changes, error)`` replaces keys (a
    ``None`` value removes the key) and names the error that answers it."""
    return st.one_of([st.builds(_spoiled, valid, changes, st.just(_Expected(error))) for changes, error in defects])


def _one(name: str, values: list[Any], **also: Any) -> st.SearchStrategy[dict[str, Any]]:
    """``{name: one of values}``, plus fixed ``also`` changes (``None`` removes)."""
    return st.sampled_from(values).map(lambda v: {**also, name: v})


def _cases(params: st.SearchStrategy[Any], error: ErrorEntry | None = None) -> st.SearchStrategy[Case]:
    return params.map(lambda p: Case(p, error, {}))


def _params(cases: st.SearchStrategy[Case]) -> st.SearchStrategy[Any]:
    return cases.map(lambda c: c.params)


def _ascii_swapcase(text: str) -> str:
    return "".join(c.swapcase() if c.isascii() else c for c in text)


def _respelled(address: str, *, pad: bool) -> st.SearchStrategy[str]:
    """The same address as a case-insensitive, trimming lookup sees it: ASCII letters
    in the other case, and (``pad``) surrounding blanks."""
    blanks = st.sampled_from(["", " ", "\t "]) if pad else st.just("")
    return st.builds(
        lambda swap, left, right: left + (_ascii_swapcase(address) if swap else address) + right,
        st.booleans(),
        blanks,
        blanks,
    )


def _other(address: str) -> str:
    """An address that is certainly not ``address`` (in any case)."""
    return "kept." + address


def _digits(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(str)


# -- SendGrid -----------------------------------------------------------------------------------
#: the lists with ``/{email}`` routes and a bulk DELETE (global unsubscribes have neither)
_SENDGRID_ADDRESS_LISTS = ("blocks", "bounces", "spam_reports", "invalid_emails")


def sendgrid_blocks(times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Block records as ``sendgrid_fake.add_blocks`` and the seed format take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(),
            "created": times if times is not None else unix_times(),
            "reason": st.text(max_size=60),
            "status": smtp_statuses,
        }
    )


def sendgrid_records(list_name: str, times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Records of any SendGrid list (``blocks``, ``bounces``, ``spam_reports``,
    ``invalid_emails``, ``unsubscribes``), each with its own fields."""
    created = times if times is not None else unix_times()
    fields: dict[str, st.SearchStrategy[Any]] = {"email": emails(), "created": created}
    if list_name in ("blocks", "bounces"):
        fields.update(reason=st.text(max_size=60), status=smtp_statuses)
    elif list_name == "spam_reports":
        fields["ip"] = st.ip_addresses(v=4).map(str)
    elif list_name == "invalid_emails":
        fields["reason"] = st.sampled_from(["Mail domain mentioned in email address is unknown", "Known bad domain"])
    elif list_name != "unsubscribes":
        raise ValueError(f"unknown SendGrid list {list_name!r}")
    return st.fixed_dictionaries(fields)


def _sendgrid_list_name(list_name: str) -> str:
    if list_name not in _SENDGRID_ADDRESS_LISTS:
        raise ValueError(f"no /{{email}} routes on SendGrid list {list_name!r}; one of {_SENDGRID_ADDRESS_LISTS}")
    return list_name


def sendgrid_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /v3/suppression/<list>`` (every list, global unsubscribes included):
    query parameters; 200 with a JSON array. Invalid: one value breaks a rule
    (``SG_LIMIT_RANGE``, ``SG_NOT_INTEGER``, ``SG_NEGATIVE``), 400."""
    good = st.fixed_dictionaries(
        {},
        optional={
            "limit": st.one_of(_digits(1, 500), st.just("")),  # empty means absent
            "offset": st.one_of(_digits(0, 10_000), st.just("")),
            "start_time": st.one_of(unix_times().map(str), st.just("")),
            "end_time": st.one_of(unix_times().map(str), st.just("")),
            "email": st.text(_LOCAL_CHARS + "@.%", max_size=10),
        },
    )
    if valid:
        return _cases(good)
    E = _catalogue("sendgrid")
    not_integers = ["ten", "1.5", "1e2", "0x10", "--1", "５"]
    defects = [
        (_one("limit", ["0", "501", "-1", "100000"]), E.SG_LIMIT_RANGE),
        (_one("limit", not_integers), _on(E.SG_NOT_INTEGER, "limit")),
    ]
    for name in ("offset", "start_time", "end_time"):
        defects.append((_one(name, ["-1", "-86400"]), _on(E.SG_NEGATIVE, name)))
        defects.append((_one(name, [*not_integers, "yesterday"]), _on(E.SG_NOT_INTEGER, name)))
    return _spoil(good, *defects)


def sendgrid_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`sendgrid_list_cases`."""
    return _params(sendgrid_list_cases(valid=valid))


def sendgrid_bulk_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /v3/suppression/<list>``: the JSON body; 204. Invalid: 400 with
    ``SG_BOTH_SET``, ``SG_NOTHING_TO_DELETE``, ``SG_NOT_JSON_ARRAY``,
    ``SG_NOT_BOOLEAN``, ``SG_UNKNOWN_FIELD`` or ``SG_INVALID_JSON``."""
    addresses = st.lists(emails(), max_size=5)
    if valid:
        return _cases(st.one_of(st.just({"delete_all": True}), st.fixed_dictionaries({"emails": addresses})))
    E = _catalogue("sendgrid")
    return st.one_of(
        _cases(st.fixed_dictionaries({"delete_all": st.booleans(), "emails": addresses}), E.SG_BOTH_SET),
        _cases(st.sampled_from([{}, {"delete_all": False}]), E.SG_NOTHING_TO_DELETE),
        _cases(
            st.fixed_dictionaries(
                {"emails": st.one_of(st.text(max_size=5), st.none(), st.lists(st.integers(), min_size=1))}
            ),
            E.SG_NOT_JSON_ARRAY,
        ),
        _cases(st.fixed_dictionaries({"delete_all": st.sampled_from(["true", 1, 0, None])}), E.SG_NOT_BOOLEAN),
        st.builds(
            lambda key, body: Case({**body, key: True}, _on(E.SG_UNKNOWN_FIELD, key), {}),
            st.sampled_from(["email", "all", "delete"]),
            st.one_of(st.just({"delete_all": True}), st.fixed_dictionaries({"emails": addresses})),
        ),
        _cases(st.one_of(st.lists(st.integers(), max_size=2), st.text(max_size=5), st.none()), E.SG_INVALID_JSON),
    )


def sendgrid_bulk_delete_bodies(*, valid: bool = True) -> st.SearchStrategy[Any]:
    """The ``params`` (bodies) of :func:`sendgrid_bulk_delete_cases`."""
    return _params(sendgrid_bulk_delete_cases(valid=valid))


@st.composite
def _listed_or_not(draw: Any, list_name: str) -> Case:
    """An address, and sometimes that address (in another case) on ``list_name``."""
    address = draw(emails())
    listed = draw(st.booleans())
    seed = {list_name: [draw(_respelled(address, pad=False))]} if listed else {}
    return Case(address, None, seed)


def sendgrid_get_cases(list_name: str = "blocks") -> st.SearchStrategy[Case]:
    """``GET /v3/suppression/<list>/{email}`` (``params``: the address, to quote into
    the path): 200, ``[record]`` when ``seed`` lists it, else ``[]``. Every address
    is valid."""
    return _listed_or_not(_sendgrid_list_name(list_name))


@st.composite
def _sendgrid_delete(draw: Any, list_name: str, valid: bool) -> Case:
    address = draw(emails())
    if valid:
        return Case(address, None, {list_name: [draw(_respelled(address, pad=False))]})
    where = draw(st.sampled_from(["nowhere", "another address", "another list"]))
    if where == "nowhere":
        seed: dict[str, Any] = {}
    elif where == "another address":
        seed = {list_name: [_other(address)]}
    else:
        seed = {next(n for n in _SENDGRID_ADDRESS_LISTS if n != list_name): [address]}
    return Case(address, _catalogue("sendgrid").SG_NOT_FOUND, seed)


def sendgrid_delete_cases(list_name: str = "blocks", *, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /v3/suppression/<list>/{email}`` (``params``: the address): 204 once
    ``seed`` lists it (in any case); invalid: not on that list, 404 ``SG_NOT_FOUND``."""
    return _sendgrid_delete(_sendgrid_list_name(list_name), valid)


def sendgrid_global_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /v3/asm/suppressions/global`` (``params``: the JSON body): 201 echoing
    ``recipient_emails``; ``seed`` sometimes lists some of them already. Invalid: 400
    ``SG_REQUIRED``, ``SG_NOT_JSON_ARRAY``, ``SG_UNKNOWN_FIELD`` or ``SG_INVALID_JSON``."""
    addresses = st.lists(emails(), max_size=5)
    if valid:
        return st.builds(
            lambda a, listed: Case({"recipient_emails": a}, None, {"unsubscribes": a[:listed]} if listed else {}),
            addresses,
            st.integers(0, 5),
        )
    E = _catalogue("sendgrid")
    field = "recipient_emails"
    return st.one_of(
        st.just(Case({}, _on(E.SG_REQUIRED, field), {})),
        st.builds(
            lambda v: Case({field: v}, _on(E.SG_NOT_JSON_ARRAY, field), {}),
            st.one_of(
                st.text(max_size=5),
                st.none(),
                st.integers(),
                st.lists(st.integers(), min_size=1, max_size=3),
                addresses.map(lambda a: [*a, ""]),
            ),
        ),
        st.builds(
            lambda a, key: Case({field: a, key: a}, _on(E.SG_UNKNOWN_FIELD, key), {}),
            addresses,
            st.sampled_from(["emails", "group_id", "recipient_email"]),
        ),
        _cases(st.one_of(addresses, st.text(max_size=5)), E.SG_INVALID_JSON),
    )


def sendgrid_global_get_cases() -> st.SearchStrategy[Case]:
    """``GET /v3/asm/suppressions/global/{email}``: 200, ``{"recipient_email": ...}``
    when ``seed`` lists the address, else ``{}``. Every address is valid."""
    return _listed_or_not("unsubscribes")


def sendgrid_global_delete_cases() -> st.SearchStrategy[Case]:
    """``DELETE /v3/asm/suppressions/global/{email}``: 204 whether or not ``seed``
    lists it (sendgrid/docs#6194). Every address is valid."""
    return _listed_or_not("unsubscribes")


# -- Customers Mail Cloud -----------------------------------------------------------------------
def _local_times(offset_hours: int) -> st.SearchStrategy[str]:
    tz = timezone(timedelta(hours=offset_hours))
    return unix_times(1_400_000_000, 1_700_000_000).map(
        lambda t: datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S")
    )


def _days() -> st.SearchStrategy[date]:
    return st.integers(0, 3650).map(lambda d: date(2015, 1, 1) + timedelta(days=d))


def _dates() -> st.SearchStrategy[str]:
    return _days().map(date.isoformat)


_CMC_FILTERS = ["distribution list A", "distribution list B", "newsletter", "配信リストC"]


def cmc_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Blocks as ``cmc_fake.add_blocks`` and the seed take them (``created`` JST)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "status": st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99]),
            "occurred": st.integers(1, 20),
            "created": _local_times(9),
        }
    )


def cmc_unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "filter_name": st.sampled_from(_CMC_FILTERS),
            "created": _local_times(9),
        }
    )


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


def _cmc_window() -> st.SearchStrategy[dict[str, str]]:
    """start_date / end_date as the lists and downloads take them: either, both in
    order (the same day included), or neither; empty is absent."""
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"start_date": st.one_of(_dates(), st.just(""))}),
        st.fixed_dictionaries({"end_date": st.one_of(_dates(), st.just(""))}),
        st.builds(
            lambda d, n: {"start_date": d.isoformat(), "end_date": (d + timedelta(days=n)).isoformat()},
            _days(),
            st.integers(0, 400),
        ),
    )


def _cmc_common_defects(json_values: bool, *objects: str) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    """Defects every read of CMC shares: a bad date, start after end, an unknown or
    empty server composition; with ``json_values``, an object where ``objects`` take text."""
    E = _catalogue("cmc")
    bad_dates = ["2020-13-45", "2021-02-29", "2020/01/01", "yesterday", "20200101", "２０２０-01-01"]
    defects = [
        (_one("start_date", bad_dates), _on(E.CMC_BAD_DATE, "start_date")),
        (_one("end_date", bad_dates), _on(E.CMC_BAD_DATE, "end_date")),
        (
            st.builds(
                lambda d, n: {"start_date": (d + timedelta(days=n)).isoformat(), "end_date": d.isoformat()},
                _days(),
                st.integers(1, 400),
            ),
            E.CMC_START_AFTER_END,
        ),
        (_one("server_composition", ["nope", "testcomp"]), E.CMC_NO_SUCH_COMPOSITION),
        (_one("server_composition", [""]), _on(E.CMC_REQUIRED, "server_composition")),
    ]
    if json_values:
        defects += [(_one(name, [{"a": 1}, ["x"]]), _on(E.CMC_INVALID_VALUE, name)) for name in objects]
    return defects


def cmc_blocks_list_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/list`` (``params`` without credentials and composition, to merge over
    ``cmc_fake.auth``): 200 ``{"blocks": [...]}``. Invalid: 400 with 01-003, 01-004,
    01-005, 01-006, 01-007, 01-002, 10-002 or 10-003. ``json_values``: also JSON
    numbers, booleans and objects, for a JSON body; else every value is a string."""
    E = _catalogue("cmc")
    removed = ["true", "false", "TRUE", "False"] + ([True, False] if json_values else [])
    numbers = (lambda lo, hi: st.one_of(_digits(lo, hi), st.integers(lo, hi))) if json_values else _digits
    good = st.builds(
        _merge,
        _cmc_window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(_LOCAL_CHARS + "@.", max_size=8),
                "removed": st.sampled_from(removed),
                "p": st.one_of(numbers(0, 50), st.just("2147483647")),
                "r": numbers(1, 100),
            },
        ),
    )
    if valid:
        return _cases(good)
    not_integers = ["ten", "1.5", "+5", " 5", "--1"] + ([5.0, True] if json_values else [])
    return _spoil(
        good,
        (_one("r", ["0", "101", "-1", "2147483648"]), _on(E.CMC_OUT_OF_RANGE, "r")),
        (_one("r", not_integers), _on(E.CMC_NOT_INTEGER, "r")),
        (_one("p", ["-1", "2147483648", "99999999999999999999"]), _on(E.CMC_OUT_OF_RANGE, "p")),
        (_one("p", ["x", "1.5"]), _on(E.CMC_NOT_INTEGER, "p")),
        (_one("removed", ["yes", "1", "maybe"]), _on(E.CMC_NOT_BOOLEAN, "removed")),
        *_cmc_common_defects(json_values, "email", "removed"),
    )


def cmc_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`cmc_blocks_list_cases` as form fields (credentials not
    included)."""
    return _params(cmc_blocks_list_cases(valid=valid, json_values=False))


def cmc_blocks_download_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/download``: 200, a ZIP (``application/octet-stream``); ``p`` and ``r``
    are ignored, whatever they hold. Invalid: as :func:`cmc_blocks_list_cases` without
    the paging errors."""
    E = _catalogue("cmc")
    removed = ["true", "false", "TRUE"] + ([True] if json_values else [])
    good = st.builds(
        _merge,
        _cmc_window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(_LOCAL_CHARS + "@.", max_size=8),
                "removed": st.sampled_from(removed),
                "p": st.sampled_from(["0", "-1", "x"]),
                "r": st.sampled_from(["10", "0", "1000"]),
            },
        ),
    )
    if valid:
        return _cases(good)
    return _spoil(
        good,
        (_one("removed", ["yes", "0"]), _on(E.CMC_NOT_BOOLEAN, "removed")),
        *_cmc_common_defects(json_values, "email", "removed"),
    )


def cmc_unsubscribes_download_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``unsubscribes/download``: email (partial), start_date/end_date, filter_name
    (exact); 200, a ZIP. Invalid: 400 with 01-003, 01-007, 01-002, 10-002 or 10-003."""
    good = st.builds(
        _merge,
        _cmc_window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(_LOCAL_CHARS + "@.", max_size=8),
                "filter_name": st.sampled_from([*_CMC_FILTERS, ""]),
            },
        ),
    )
    if valid:
        return _cases(good)
    return _spoil(good, *_cmc_common_defects(json_values, "email", "filter_name"))


@st.composite
def _cmc_block_target(draw: Any, valid: bool, json_values: bool) -> Case:
    """blocks/delete and blocks/cancel: ``email`` matched exactly after trimming,
    ignoring case; it must be blocked (not deleted)."""
    E = _catalogue("cmc")
    address = draw(emails())
    spelled = draw(_respelled(address, pad=True))
    listed = {"blocks": [address]}
    if valid:
        if draw(st.booleans()):
            listed["blocks"].append(_other(address))
        return Case({"email": spelled}, None, listed)
    kinds = ["missing", "not blocked", "deleted", "composition"] + (["object"] if json_values else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "missing":
        return Case(draw(st.sampled_from([{}, {"email": ""}])), _on(E.CMC_REQUIRED, "email"), listed)
    if kind == "not blocked":
        seed = draw(st.sampled_from([{}, {"blocks": [_other(address)]}]))
        return Case({"email": spelled}, E.CMC_BLOCK_NOT_FOUND, seed)
    if kind == "deleted":  # blocks/delete took it off for good: 12-001 from then on
        return Case({"email": spelled}, E.CMC_BLOCK_NOT_FOUND, {"blocks": [{"email": address, "removed": True}]})
    if kind == "composition":
        return Case({"email": spelled, "server_composition": "nope"}, E.CMC_NO_SUCH_COMPOSITION, listed)
    return Case(
        {"email": draw(st.sampled_from([{"address": address}, [address]]))}, _on(E.CMC_INVALID_VALUE, "email"), {}
    )


def cmc_blocks_delete_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/delete``: 200 ``{"message":"success"}`` once ``seed`` blocks the address
    (the request may change its case and pad it). Invalid: 400 01-002 (no email),
    01-007, 10-002; 404 12-001 (not blocked, or deleted already)."""
    return _cmc_block_target(valid, json_values)


def cmc_blocks_cancel_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/cancel``: as :func:`cmc_blocks_delete_cases`."""
    return _cmc_block_target(valid, json_values)


_MAX_CANCEL = 1000  # unsubscribes/cancel takes up to 1000 addresses (seed 003)


def _bulk_addresses(n: int) -> list[str]:
    return [f"user{i}@example.com" for i in range(n)]


@st.composite
def _cmc_items(draw: Any, addresses: list[str]) -> list[Any]:
    """The JSON array form: address strings or ``{"name", "address"}`` objects."""
    if len(addresses) > 10:  # many: one kind throughout, no more data drawn per item
        if draw(st.booleans()):
            return list(addresses)
        return [{"name": f"User {i}", "address": a} for i, a in enumerate(addresses)]
    out: list[Any] = []
    for a in addresses:
        kind = draw(st.sampled_from(["string", "object", "object without name"]))
        out.append(
            a
            if kind == "string"
            else {"address": a}
            if kind == "object without name"
            else {"name": "User", "address": a}
        )
    return out


@st.composite
def _cmc_json(draw: Any, value: Any, json_values: bool) -> Any:
    """``email`` holding a JSON array or object: the JSON itself (for a JSON body) or
    its text (for a form field)."""
    if json_values and draw(st.booleans()):
        return value
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


def _cmc_object(address: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from([{"address": address}, {"name": "User", "address": address}])


@st.composite
def _cmc_cancel(draw: Any, valid: bool, json_values: bool) -> Case:
    """unsubscribes/cancel: one of the three forms of ``email`` (cmc.md), the
    addresses listed in ``seed`` (through ``filter_name`` when it is given)."""
    E = _catalogue("cmc")
    filter_name = draw(st.one_of(st.none(), st.sampled_from(_CMC_FILTERS)))
    with_filter = {"filter_name": filter_name} if filter_name else {}
    form = draw(st.sampled_from(["plain", "object", "array"]))
    if form != "array":
        addresses = [draw(emails(idn=False))]
    elif draw(st.integers(0, 4)) == 0:  # near the limit of 1000 (invalid: room for one bad item)
        addresses = _bulk_addresses(draw(st.integers(_MAX_CANCEL - 5, _MAX_CANCEL - (0 if valid else 1))))
    else:
        addresses = draw(st.lists(emails(idn=False), min_size=1, max_size=5, unique_by=str.lower))
    spelled = addresses if len(addresses) > 10 else [draw(_respelled(a, pad=True)) for a in addresses]

    def seed_of(listed: list[str]) -> dict[str, Any]:
        rows = [
            {"email": a, "filter_name": filter_name or _CMC_FILTERS[i % len(_CMC_FILTERS)]}
            for i, a in enumerate(listed)
        ]
        return {"unsubscribes": rows} if rows else {}

    def email() -> Any:
        """The addresses in the drawn form."""
        if form == "plain":
            return spelled[0]
        if form == "object":
            return draw(_cmc_json(draw(_cmc_object(spelled[0])), json_values))
        return draw(_cmc_json(draw(_cmc_items(spelled)), json_values))

    def case(email: Any, error: ErrorEntry | None, seed: dict[str, Any], **extra: Any) -> Case:
        return Case({"email": email, **with_filter, **extra}, error, seed)

    if valid:
        return case(email(), None, seed_of(addresses))
    kinds = ["missing", "not listed", "wrong filter", "empty list", "empty address", "no address", "duplicate"]
    kinds += ["too many", "malformed", "not a string", "composition"]
    kind = draw(st.sampled_from(kinds))
    if kind == "missing":
        return Case(draw(st.sampled_from([{}, {"email": ""}])), _on(E.CMC_REQUIRED, "email"), seed_of(addresses))
    if kind == "composition":
        return case(email(), E.CMC_NO_SUCH_COMPOSITION, seed_of(addresses), server_composition="nope")
    if kind in ("not listed", "wrong filter"):
        k = draw(st.integers(0, len(addresses) - 1))  # the one address that is not listed
        listed = [a for i, a in enumerate(addresses) if i != k]
        seed = seed_of(listed)
        if kind == "wrong filter":  # listed, but through another filter than the one named
            given = draw(st.sampled_from(_CMC_FILTERS))
            other = _CMC_FILTERS[(_CMC_FILTERS.index(given) + 1) % len(_CMC_FILTERS)]
            rows = [{"email": a, "filter_name": given} for a in listed]
            seed = {"unsubscribes": [*rows, {"email": addresses[k], "filter_name": other}]}
            with_filter["filter_name"] = given
        # a plain address is 12-001 (404); in the JSON forms, 15-007 at its position
        return case(email(), E.CMC_UNSUBSCRIBE_NOT_FOUND if form == "plain" else E.CMC_ADDRESS_NOT_FOUND, seed)
    if kind == "empty list":
        return case(draw(_cmc_json([], json_values)), E.CMC_NO_ADDRESSES, {})
    if kind == "too many":
        many = _bulk_addresses(draw(st.integers(_MAX_CANCEL + 1, _MAX_CANCEL + 10)))
        return case(draw(_cmc_json(many, json_values)), E.CMC_TOO_MANY_ADDRESSES, {})
    if kind == "malformed":  # JSON text that does not parse: only a form field can carry it
        return case(draw(st.sampled_from(["[", "[{", '{"address": ', '["a@example.com",]'])), E.CMC_INVALID_JSON, {})
    # one bad item: the object form's only item, or inserted into the array
    empty: list[Any] = [{"address": ""}, {"name": "User", "address": " "}, {"address": None}]
    if kind == "empty address":
        bad: Any = draw(st.sampled_from(empty if form == "object" else ["", "  ", *empty]))
        error = E.CMC_ADDRESS_EMPTY
    elif kind == "no address":
        bad, error = draw(st.sampled_from([{"name": "User"}, {}])), E.CMC_ADDRESS_REQUIRED
    elif kind == "not a string":
        objects: list[Any] = [{"address": 5}, {"address": ["a@example.com"]}]
        bad = draw(st.sampled_from(objects if form == "object" else [5, True, ["a@example.com"], *objects]))
        error = E.CMC_INVALID_JSON
    else:  # duplicate: a second spelling of a listed address, after the first one
        j = draw(st.integers(0, len(addresses) - 1))
        bad, error = draw(_respelled(addresses[j], pad=True)), E.CMC_DUPLICATE_ADDRESS
    if form == "object" and kind != "duplicate":
        return case(draw(_cmc_json(bad, json_values)), error, {})
    items = draw(_cmc_items(spelled))
    lowest = j + 1 if kind == "duplicate" else 0
    items.insert(draw(st.integers(lowest, len(items))), bad)
    return case(draw(_cmc_json(items, json_values)), error, seed_of(addresses))


def cmc_unsubscribes_cancel_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``unsubscribes/cancel``: ``email`` as an address, a ``{"name", "address"}``
    object or an array of both (up to 1000), as JSON text in a form field or (with
    ``json_values``) as JSON in a JSON body; ``filter_name`` sometimes. Valid: 200
    ``{"message":"success"}`` once ``seed`` lists every address (through that filter).
    Invalid (``seed`` lists the other addresses): 404 12-001 (a plain address not
    listed); 400 15-001 .. 15-007, 01-002, 10-002."""
    return _cmc_cancel(valid, json_values)


# -- NAVER Cloud Outbound Mailer -------------------------------------------------------------------
def _ncp_hard_bounce_codes() -> tuple[str, ...]:
    from .providers.ncp.models import HARD_BOUNCE_CODES

    return HARD_BOUNCE_CODES


def ncp_send_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Send blocks as ``ncp_fake.add_block`` and the seed take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "requester": st.sampled_from(["SYSTEM", "CUSTOMER", "OTHER_CUSTOMER"]),
            "result_code": st.sampled_from(_ncp_hard_bounce_codes()),
            "hours": st.integers(1, 24 * 30),
        }
    )


def _ncp_paging(properties: list[str]) -> dict[str, st.SearchStrategy[str]]:
    """size, page and sort as Spring reads them (spaces trimmed, a sign allowed, empty
    is the default; sort ``property(,property)(,asc|desc)(,ignorecase)``)."""
    prop = st.sampled_from(properties)
    sort = st.builds(
        lambda props, direction, ignore: ",".join([*props, *direction, *ignore]),
        st.lists(prop, min_size=1, max_size=2),
        st.sampled_from([[], ["asc"], ["desc"], ["DESC"]]),
        st.sampled_from([[], ["ignorecase"]]),
    )
    return {
        "size": st.one_of(_digits(1, 100), st.sampled_from(["", " 5 ", "+5", "2147483647"])),
        "page": st.one_of(_digits(0, 10), st.sampled_from(["", "+0"])),
        "sort": st.one_of(sort, st.just("")),
    }


def _ncp_paging_defects(bad: ErrorEntry) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    return [
        (_one("size", ["0", "-1", "x", "1.5", "2147483648", "--1"]), bad),
        (_one("page", ["-1", "x", "2147483648"]), bad),
        (_one("sort", ["nope", "createUtc,up", "CREATEUTC", "sendDate", "createUtc,desc,asc"]), bad),
    ]


_NCP_NOT_ADDRESSES = ["", "not-an-address", "a@", "@example.com", "a@例え.jp", "a b@example.com", "x" * 250 + "@a.io"]


def ncp_send_block_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /api/v1/send-block``: query parameters; 200, a Spring page. Invalid:
    400 ``NCP_BAD_REQUEST`` (77102)."""
    good = st.fixed_dictionaries(
        {"targetAddress": emails(idn=False)},
        optional=_ncp_paging(["createUtc", "historySid"]),
    )
    if valid:
        return _cases(good)
    bad = _catalogue("ncp").NCP_BAD_REQUEST
    return _spoil(
        good,
        (st.just({"targetAddress": None}), bad),
        (_one("targetAddress", _NCP_NOT_ADDRESSES), bad),
        *_ncp_paging_defects(bad),
    )


def ncp_send_block_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`ncp_send_block_cases`."""
    return _params(ncp_send_block_cases(valid=valid))


_KST = timezone(timedelta(hours=9))
_NCP_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.{ms}", "%Y-%m-%d %H:%M:%S {ms}"]


def _ncp_instant(name: str) -> st.SearchStrategy[dict[str, str]]:
    """``<name>Utc`` (epoch ms), ``<name>DateTime`` (UTC+9, four formats), or both
    (``Utc`` wins)."""

    def text(ms: int, fmt: str) -> str:
        when = datetime.fromtimestamp(ms / 1000, _KST)
        return when.strftime(fmt.replace("{ms}", f"{ms % 1000:03d}"))

    ms = st.integers(1_400_000_000_000, 1_900_000_000_000)
    return st.one_of(
        ms.map(lambda v: {f"{name}Utc": str(v)}),
        st.builds(lambda v, f: {f"{name}DateTime": text(v, f)}, ms, st.sampled_from(_NCP_FORMATS)),
        st.builds(
            lambda v, w, f: {f"{name}Utc": str(v), f"{name}DateTime": text(w, f)}, ms, ms, st.sampled_from(_NCP_FORMATS)
        ),
    )


def ncp_unsubscribers_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /api/v1/unsubscribers``: a start and an end (``startUtc`` /
    ``startDateTime``, ``endUtc`` / ``endDateTime``), ``emailAddress``,
    ``isRegByManager`` (Spring's booleans), size, page, sort; 200, a Spring page.
    Invalid: 400 ``NCP_BAD_REQUEST`` (77102)."""
    good = st.builds(
        _merge,
        _ncp_instant("start"),
        _ncp_instant("end"),
        st.fixed_dictionaries(
            {},
            optional={
                "emailAddress": emails(idn=False),
                "isRegByManager": st.sampled_from(["true", "false", "on", "off", "yes", "no", "1", "0", "TRUE", "Yes"]),
                **_ncp_paging(["createUtc", "isRegByManager"]),
            },
        ),
    )
    if valid:
        return _cases(good)
    bad = _catalogue("ncp").NCP_BAD_REQUEST
    bad_times = ["2024-02-30", "2024/01/01", "2024-01-01T00:00", "2024-01-01 00:00:00", "yesterday", "2024-1-1"]
    return _spoil(
        good,
        *[(st.just({f"{n}Utc": None, f"{n}DateTime": None}), bad) for n in ("start", "end")],
        *[(_one(f"{n}DateTime", bad_times, **{f"{n}Utc": None}), bad) for n in ("start", "end")],
        *[(_one(f"{n}Utc", ["x", "1.5", "1e12", "--1"]), bad) for n in ("start", "end")],
        (_one("emailAddress", _NCP_NOT_ADDRESSES[1:]), bad),
        (_one("isRegByManager", ["maybe", "2", "y"]), bad),
        *_ncp_paging_defects(bad),
    )


@st.composite
def _ncp_receivers(draw: Any, valid: bool) -> Case:
    """``{"blockedReceivers": [...]}``; ``seed`` lists some of them (any case), and a
    request may repeat an address."""
    addresses = draw(st.lists(emails(idn=False), min_size=1, max_size=5, unique_by=str.lower))
    listed = addresses[: draw(st.integers(0, len(addresses)))]
    seed = {"unsubscribers": [draw(_respelled(a, pad=False)) for a in listed]} if listed else {}
    if valid:
        receivers = list(addresses)
        if draw(st.booleans()):
            receivers.append(draw(_respelled(addresses[0], pad=False)))  # a repeat
        body: dict[str, Any] = {"blockedReceivers": receivers}
        if draw(st.booleans()):
            body["note"] = "other keys are ignored"
        return Case(body, None, seed)
    bad = _catalogue("ncp").NCP_BAD_REQUEST
    value = draw(
        st.one_of(
            st.just({}),
            st.fixed_dictionaries(
                {
                    "blockedReceivers": st.one_of(
                        st.just([]),
                        st.none(),
                        st.just(addresses[0]),
                        st.sampled_from(_NCP_NOT_ADDRESSES).map(lambda a: [*addresses, a]),
                        st.just([*addresses, 5]),
                    )
                }
            ),
            st.just(addresses),  # the list alone, not in an object
        )
    )
    return Case(value, bad, seed)


def ncp_unsubscribers_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /api/v1/unsubscribers`` (``params``: the JSON body, sent as
    ``application/json``): 201 ``{"count", "requestCount", "ignoreCount"}``, ``count``
    the addresses ``seed`` did not list (once each). Invalid: 400 77102."""
    return _ncp_receivers(valid)


def ncp_unsubscribers_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /api/v1/unsubscribers``: 200, ``count`` the addresses ``seed`` listed.
    Invalid: 400 77102."""
    return _ncp_receivers(valid)


# -- SendCloud ----------------------------------------------------------------------------------------
def sendcloud_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Block rows as ``sendcloud_fake.add_blocks`` and the seed take them (UTC+8)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "api_user_block": st.sampled_from(["all", "batch"]),
            "expire_time": _dates().map(
                lambda d: str(int(d[:4]) + 20) + d[4:] if not d.endswith("02-29") else "2040-01-01"
            ),
            "create_time": _local_times(8),
        }
    )


def sendcloud_bounces() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "reason": st.text(max_size=60), "bounce_time": _local_times(8)}
    )


def sendcloud_unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "label_id": st.integers(0, 10), "unsubscribe_time": _local_times(8)}
    )


_SC_INT_MAX = "2147483647"
_SC_NOT_ADDRESSES = ["not-an-address", "a@", "a@b", "例@例え.jp", "a b@example.com"]


def _sc_window() -> st.SearchStrategy[dict[str, str]]:
    """``days`` (>= 1, not limited; wins over the dates, even over a range the dates
    alone could not give), or ``startDate``/``endDate`` at most 3 months apart (an
    end before the start is an empty result); an empty ``days`` is absent."""
    days = st.one_of(_digits(1, 400), st.just(_SC_INT_MAX))
    return st.one_of(
        days.map(lambda d: {"days": d}),
        st.builds(
            lambda d, n, blank: {"startDate": d.isoformat(), "endDate": (d + timedelta(days=n)).isoformat(), **blank},
            _days(),
            st.integers(-30, 89),  # 3 calendar months are 89 days at the least
            st.sampled_from([{}, {"days": ""}]),
        ),
        st.builds(
            lambda n, d: {"days": n, "startDate": d.isoformat(), "endDate": (d + timedelta(days=400)).isoformat()},
            days,
            _days(),
        ),
    )


def _sc_paging() -> dict[str, st.SearchStrategy[str]]:
    return {
        "start": st.one_of(_digits(0, 200), st.just(_SC_INT_MAX)),
        "limit": _digits(0, 100),
    }


def _sc_paging_defects() -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    E = _catalogue("sendcloud")
    return [
        (_one("start", ["", " "]), E.SC_START_EMPTY),
        (_one("start", ["-1", "x", "+1", "1.5", "2147483648"]), E.SC_START_INVALID),
        (_one("limit", ["", " "]), E.SC_LIMIT_EMPTY),
        (_one("limit", ["101", "-1", "x", "1e2"]), E.SC_LIMIT_INVALID),
    ]


def _sc_window_defects(**also: Any) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    """Each defect also applies ``also`` (``email=None``: drop the address that would
    make the window unneeded)."""
    E = _catalogue("sendcloud")
    no_window = {"days": None, "startDate": None, "endDate": None}
    return [
        (_one("days", ["0", "-1", "x", "+1", "1.5", "2147483648"], **also), E.SC_DAYS_INVALID),
        (st.just({**no_window, **also}), E.SC_START_DATE_INVALID),
        (
            st.builds(
                lambda s, d: {**no_window, **also, "startDate": s, "endDate": d.isoformat()},
                st.sampled_from(["2020-13-45", "2020/01/01", "20200101", "2021-02-29"]),
                _days(),
            ),
            E.SC_START_DATE_INVALID,
        ),
        (
            st.builds(
                lambda d, e: {**no_window, **also, "startDate": d.isoformat(), "endDate": e},
                _days(),
                st.sampled_from(["", "2020-13-45", "2020-1-1", "tomorrow"]),
            ),
            E.SC_END_DATE_INVALID,
        ),
        (
            st.builds(
                lambda d, n: {
                    **no_window,
                    **also,
                    "startDate": d.isoformat(),
                    "endDate": (d + timedelta(days=n)).isoformat(),
                },
                _days(),
                st.integers(93, 400),  # 3 calendar months are 92 days at the most
            ),
            E.SC_RANGE_TOO_LONG,
        ),
    ]


def _sc_domains() -> st.SearchStrategy[str]:
    return st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(_LABEL, min_size=1, max_size=2), _TLD)


def sendcloud_block_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/list`` (``params`` without credentials): 200 with ``dataList``
    and ``count``. Invalid: ``statusCode`` 40001 .. 40008, 40012 or 40018 (HTTP 200,
    ``result: false``)."""
    good = st.builds(
        _merge,
        _sc_window(),
        st.fixed_dictionaries(
            {},
            optional={
                **_sc_paging(),
                "email": emails(idn=False),
                "domainName": _sc_domains(),
                "apiUserBlock": st.sampled_from(["all", "batch"]),
            },
        ),
    )
    if valid:
        return _cases(good)
    E = _catalogue("sendcloud")
    return _spoil(
        good,
        *_sc_paging_defects(),
        *_sc_window_defects(),
        (_one("email", _SC_NOT_ADDRESSES), E.SC_EMAIL_INVALID),
    )


def sendcloud_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`sendcloud_block_list_cases`."""
    return _params(sendcloud_block_list_cases(valid=valid))


def _sc_target() -> st.SearchStrategy[dict[str, str]]:
    """``email`` and/or ``domainName`` (one is required), ``apiUserBlock`` (empty: all)."""
    return st.builds(
        _merge,
        st.one_of(
            st.fixed_dictionaries({"email": emails(idn=False)}),
            st.fixed_dictionaries({"domainName": _sc_domains()}),
            st.fixed_dictionaries({"email": emails(idn=False), "domainName": _sc_domains()}),
        ),
        st.fixed_dictionaries({}, optional={"apiUserBlock": st.sampled_from(["all", "batch", ""])}),
    )


def _sc_target_defects() -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    E = _catalogue("sendcloud")
    return [
        (
            st.sampled_from([{"email": None, "domainName": None}, {"email": "", "domainName": " "}]),
            E.SC_DOMAIN_OR_EMAIL_REQUIRED,
        ),
        (_one("email", _SC_NOT_ADDRESSES), E.SC_EMAIL_INVALID),
    ]


def sendcloud_block_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/add``: ``expireTime`` (``yyyy-MM-dd``, past dates too) and the
    target; 200, one ``dataList`` row per address and per domain. Invalid: 40012,
    40019, 40020, 40021."""
    good = st.builds(_merge, _sc_target(), st.fixed_dictionaries({"expireTime": _dates()}))
    if valid:
        return _cases(good)
    E = _catalogue("sendcloud")
    return _spoil(
        good,
        (_one("expireTime", [None, "", " "]), E.SC_EXPIRE_TIME_EMPTY),
        (
            _one("expireTime", ["2024-02-30", "2024/01/01", "2024-1-1", "20240101", "2024-01-01 00:00:00"]),
            E.SC_EXPIRE_TIME_INVALID,
        ),
        *_sc_target_defects(),
    )


def _sc_rows(params: dict[str, str]) -> list[dict[str, Any]]:
    """The block rows the target of ``params`` names, as the seed takes them."""
    api_user_block = params.get("apiUserBlock") or "all"
    rows = []
    if params.get("email"):
        rows.append({"email": params["email"], "api_user_block": api_user_block})
    if params.get("domainName"):
        rows.append({"domain": params["domainName"], "api_user_block": api_user_block})
    return rows


def sendcloud_block_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/delete``: the target; 200 ``{"count": n}``, ``n`` the rows of
    ``seed`` (all of them, or none). Invalid: 40012, 40021."""
    if valid:
        return st.builds(
            lambda p, listed: Case(p, None, {"blocks": _sc_rows(p)} if listed else {}), _sc_target(), st.booleans()
        )
    return _spoil(_sc_target(), *_sc_target_defects())


def _sc_email_or_window(paging: bool) -> st.SearchStrategy[dict[str, str]]:
    """The sibling lists' selection: a window, or ``email`` (then the window is
    not needed, and ignored when given)."""
    return st.builds(
        _merge,
        st.one_of(
            _sc_window(),
            st.fixed_dictionaries({"email": emails(idn=False)}),
            st.builds(_merge, st.fixed_dictionaries({"email": emails(idn=False)}), _sc_window()),
        ),
        st.fixed_dictionaries({}, optional=_sc_paging()) if paging else st.just({}),
    )


def _sc_sibling(paging: bool, valid: bool, extra: dict[str, Any] | None = None) -> st.SearchStrategy[Case]:
    good = _sc_email_or_window(paging)
    if extra:
        good = st.builds(_merge, good, st.fixed_dictionaries({}, optional=extra))
    if valid:
        return _cases(good)
    E = _catalogue("sendcloud")
    return _spoil(
        good,
        *(_sc_paging_defects() if paging else []),
        *_sc_window_defects(email=None),
        (_one("email", _SC_NOT_ADDRESSES), E.SC_EMAIL_INVALID),
    )


def sendcloud_bounce_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/list``: a window or ``email``, start, limit; 200 with
    ``dataList`` and ``count``. Invalid: 40001 .. 40008, 40012, 40018."""
    return _sc_sibling(True, valid)


def sendcloud_bounce_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/delete``: a window or ``email``; 200 ``{"count": n}``. Invalid:
    40006, 40007, 40008, 40012, 40018."""
    return _sc_sibling(False, valid)


def sendcloud_bounce_count_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/count``: a window (required); 200 ``{"count": n}``. Invalid:
    40006, 40007, 40008, 40018."""
    if valid:
        return _cases(_sc_window())
    return _spoil(_sc_window(), *_sc_window_defects())


def _sc_semicolons(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``a;b;c``, optionally in brackets."""
    return st.builds(
        lambda xs, wrap: ("[{}]" if wrap else "{}").format(";".join(xs)),
        st.lists(items, min_size=1, max_size=3),
        st.booleans(),
    )


def sendcloud_unsubscribe_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/list``: a window or ``email``, start, limit, ``labelIdList``
    and ``apiUserList`` (``a;b``, bracketed or not); 200 with ``dataList`` and
    ``count``. Invalid: 40001 .. 40010, 40012, 40015, 40016, 40018."""
    extra = {
        "labelIdList": _sc_semicolons(_digits(0, 20)),
        "apiUserList": _sc_semicolons(st.sampled_from(["mailblocks_default", "shop", "batch"])),
    }
    if valid:
        return _sc_sibling(True, True, extra)
    E = _catalogue("sendcloud")
    good = st.builds(_merge, _sc_email_or_window(True), st.fixed_dictionaries({}, optional=extra))
    return st.one_of(
        _sc_sibling(True, False, extra),
        _spoil(
            good,
            (_one("labelIdList", ["", "[]", " "]), E.SC_LABEL_ID_LIST_EMPTY),
            (_one("labelIdList", ["a", "1;b", "1;;2", "-1", "2147483648"]), E.SC_LABEL_ID_INVALID),
            (_one("apiUserList", ["", "[]"]), E.SC_API_USER_LIST_EMPTY),
            (_one("apiUserList", ["a;;b", ";shop", "[shop;]"]), E.SC_API_USER_LIST_INVALID),
        ),
    )


def sendcloud_unsubscribe_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/add``: ``email``; ``result: true`` with ``statusCode`` 40401
    and ``info.data`` the row. Invalid: 40011 (no email), 40012."""
    if valid:
        return _cases(st.fixed_dictionaries({"email": emails(idn=False)}))
    E = _catalogue("sendcloud")
    return st.one_of(
        _cases(st.sampled_from([{}, {"email": ""}, {"email": "  "}]), E.SC_EMAIL_EMPTY),
        _cases(_one("email", _SC_NOT_ADDRESSES), E.SC_EMAIL_INVALID),
    )


def sendcloud_unsubscribe_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/delete``: a window or ``email``; 200 ``{"count": n}``.
    Invalid: 40006, 40007, 40008, 40012, 40018."""
    return _sc_sibling(False, valid)


#: strategies that live in a provider's package (issue 21) and import this module
_PROVIDER_STRATEGIES = {
    f"{key}_{name}": key for key in ("sendgrid", "ncp") for name in ("mail_send_bodies", "mail_send_cases")
}


def __getattr__(name: str) -> Any:
    key = _PROVIDER_STRATEGIES.get(name)
    if key is not None:
        module = import_module(f".providers.{key}.strategies", __package__)
        return getattr(module, name.removeprefix(f"{key}_"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
