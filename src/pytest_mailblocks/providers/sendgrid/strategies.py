"""SendGrid's Hypothesis strategies: records as its handle and seed take them, one
``*_cases()`` per suppression endpoint, and for ``POST /v3/mail/send`` (issue 21):

- :func:`mail_send_bodies`: bodies the fake (and SendGrid) take: a sender, one to
  three personalizations of unique recipients (to, cc, bcc; the simulator domain
  among them), a subject, text and HTML content, sometimes categories and custom
  arguments;
- :func:`mail_send_cases`: :class:`~pytest_mailblocks.strategies.Case` values: valid
  ones (``error`` None: a 202), or a valid body with exactly one documented problem
  (``error``: the catalogue row, its ``field`` the one the answer names).

``pytest_mailblocks.strategies`` exports each as ``sendgrid_<name>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...generators.strategies import (
    LOCAL_CHARS,
    Case,
    as_cases,
    broken,
    digit_strings,
    emails,
    entry_on,
    one_value,
    other_address,
    params_of,
    respelled,
    simulator_emails,
    smtp_statuses,
    spoil,
    unix_times,
)
from . import errors

__all__ = [
    "blocks",
    "bulk_delete_bodies",
    "bulk_delete_cases",
    "delete_cases",
    "get_cases",
    "global_add_cases",
    "global_delete_cases",
    "global_get_cases",
    "list_cases",
    "list_params",
    "mail_send_bodies",
    "mail_send_cases",
    "records",
]


#: the lists with ``/{email}`` routes and a bulk DELETE (global unsubscribes have neither)
_ADDRESS_LISTS = ("blocks", "bounces", "spam_reports", "invalid_emails")


def blocks(times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Block records as ``sendgrid_fake.add_blocks`` and the seed format take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(),
            "created": times if times is not None else unix_times(),
            "reason": st.text(max_size=60),
            "status": smtp_statuses,
        }
    )


def records(list_name: str, times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
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


def _list_name(list_name: str) -> str:
    if list_name not in _ADDRESS_LISTS:
        raise ValueError(f"no /{{email}} routes on SendGrid list {list_name!r}; one of {_ADDRESS_LISTS}")
    return list_name


def list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /v3/suppression/<list>`` (every list, global unsubscribes included):
    query parameters; 200 with a JSON array. Invalid: one value breaks a rule
    (``SG_LIMIT_RANGE``, ``SG_NOT_INTEGER``, ``SG_NEGATIVE``), 400."""
    good = st.fixed_dictionaries(
        {},
        optional={
            "limit": st.one_of(digit_strings(1, 500), st.just("")),  # empty means absent
            "offset": st.one_of(digit_strings(0, 10_000), st.just("")),
            "start_time": st.one_of(unix_times().map(str), st.just("")),
            "end_time": st.one_of(unix_times().map(str), st.just("")),
            "email": st.text(LOCAL_CHARS + "@.%", max_size=10),
        },
    )
    if valid:
        return as_cases(good)
    not_integers = ["ten", "1.5", "1e2", "0x10", "--1", "５"]
    defects = [
        (one_value("limit", ["0", "501", "-1", "100000"]), errors.SG_LIMIT_RANGE),
        (one_value("limit", not_integers), entry_on(errors.SG_NOT_INTEGER, "limit")),
    ]
    for name in ("offset", "start_time", "end_time"):
        defects.append((one_value(name, ["-1", "-86400"]), entry_on(errors.SG_NEGATIVE, name)))
        defects.append((one_value(name, [*not_integers, "yesterday"]), entry_on(errors.SG_NOT_INTEGER, name)))
    return spoil(good, *defects)


def list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`list_cases`."""
    return params_of(list_cases(valid=valid))


def bulk_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /v3/suppression/<list>``: the JSON body; 204. Invalid: 400 with
    ``SG_BOTH_SET``, ``SG_NOTHING_TO_DELETE``, ``SG_NOT_JSON_ARRAY``,
    ``SG_NOT_BOOLEAN``, ``SG_UNKNOWN_FIELD`` or ``SG_INVALID_JSON``."""
    addresses = st.lists(emails(), max_size=5)
    if valid:
        return as_cases(st.one_of(st.just({"delete_all": True}), st.fixed_dictionaries({"emails": addresses})))
    return st.one_of(
        as_cases(st.fixed_dictionaries({"delete_all": st.booleans(), "emails": addresses}), errors.SG_BOTH_SET),
        as_cases(st.sampled_from([{}, {"delete_all": False}]), errors.SG_NOTHING_TO_DELETE),
        as_cases(
            st.fixed_dictionaries(
                {"emails": st.one_of(st.text(max_size=5), st.none(), st.lists(st.integers(), min_size=1))}
            ),
            errors.SG_NOT_JSON_ARRAY,
        ),
        as_cases(st.fixed_dictionaries({"delete_all": st.sampled_from(["true", 1, 0, None])}), errors.SG_NOT_BOOLEAN),
        st.builds(
            lambda key, body: Case({**body, key: True}, entry_on(errors.SG_UNKNOWN_FIELD, key), {}),
            st.sampled_from(["email", "all", "delete"]),
            st.one_of(st.just({"delete_all": True}), st.fixed_dictionaries({"emails": addresses})),
        ),
        as_cases(
            st.one_of(st.lists(st.integers(), max_size=2), st.text(max_size=5), st.none()), errors.SG_INVALID_JSON
        ),
    )


def bulk_delete_bodies(*, valid: bool = True) -> st.SearchStrategy[Any]:
    """The ``params`` (bodies) of :func:`bulk_delete_cases`."""
    return params_of(bulk_delete_cases(valid=valid))


@st.composite
def _listed_or_not(draw: Any, list_name: str) -> Case:
    """An address, and sometimes that address (in another case) on ``list_name``."""
    address = draw(emails())
    listed = draw(st.booleans())
    seed = {list_name: [draw(respelled(address, pad=False))]} if listed else {}
    return Case(address, None, seed)


def get_cases(list_name: str = "blocks") -> st.SearchStrategy[Case]:
    """``GET /v3/suppression/<list>/{email}`` (``params``: the address, to quote into
    the path): 200, ``[record]`` when ``seed`` lists it, else ``[]``. Every address
    is valid."""
    return _listed_or_not(_list_name(list_name))


@st.composite
def _delete(draw: Any, list_name: str, valid: bool) -> Case:
    address = draw(emails())
    if valid:
        return Case(address, None, {list_name: [draw(respelled(address, pad=False))]})
    where = draw(st.sampled_from(["nowhere", "another address", "another list"]))
    if where == "nowhere":
        seed: dict[str, Any] = {}
    elif where == "another address":
        seed = {list_name: [other_address(address)]}
    else:
        seed = {next(n for n in _ADDRESS_LISTS if n != list_name): [address]}
    return Case(address, errors.SG_NOT_FOUND, seed)


def delete_cases(list_name: str = "blocks", *, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /v3/suppression/<list>/{email}`` (``params``: the address): 204 once
    ``seed`` lists it (in any case); invalid: not on that list, 404 ``SG_NOT_FOUND``."""
    return _delete(_list_name(list_name), valid)


def global_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
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
    field = "recipient_emails"
    return st.one_of(
        st.just(Case({}, entry_on(errors.SG_REQUIRED, field), {})),
        st.builds(
            lambda v: Case({field: v}, entry_on(errors.SG_NOT_JSON_ARRAY, field), {}),
            st.one_of(
                st.text(max_size=5),
                st.none(),
                st.integers(),
                st.lists(st.integers(), min_size=1, max_size=3),
                addresses.map(lambda a: [*a, ""]),
            ),
        ),
        st.builds(
            lambda a, key: Case({field: a, key: a}, entry_on(errors.SG_UNKNOWN_FIELD, key), {}),
            addresses,
            st.sampled_from(["emails", "group_id", "recipient_email"]),
        ),
        as_cases(st.one_of(addresses, st.text(max_size=5)), errors.SG_INVALID_JSON),
    )


def global_get_cases() -> st.SearchStrategy[Case]:
    """``GET /v3/asm/suppressions/global/{email}``: 200, ``{"recipient_email": ...}``
    when ``seed`` lists the address, else ``{}``. Every address is valid."""
    return _listed_or_not("unsubscribes")


def global_delete_cases() -> st.SearchStrategy[Case]:
    """``DELETE /v3/asm/suppressions/global/{email}``: 204 whether or not ``seed``
    lists it (sendgrid/docs#6194). Every address is valid."""
    return _listed_or_not("unsubscribes")


# -- mail send (issue 21) ----------------------------------------------------------------------
_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789", min_size=1, max_size=20)


@st.composite
def mail_send_bodies(draw: Any, max_recipients: int = 6) -> dict[str, Any]:
    """A body SendGrid takes (recipients unique across the whole send, case aside)."""
    addresses = draw(st.lists(_ADDRESS, min_size=1, max_size=max_recipients, unique_by=lambda a: a.lower()))
    groups = draw(st.integers(1, min(3, len(addresses))))
    personalizations = []
    for i in range(groups):
        mine = addresses[i::groups]
        p: dict[str, Any] = {"to": [{"email": mine[0]}]}
        for address in mine[1:]:
            p.setdefault(draw(st.sampled_from(("to", "cc", "bcc"))), []).append({"email": address})
        if draw(st.booleans()):
            p["subject"] = draw(_TEXT)
        if draw(st.integers(0, 3)) == 0:
            p["custom_args"] = {"n": str(i)}
        personalizations.append(p)
    body: dict[str, Any] = {
        "personalizations": personalizations,
        "from": {"email": draw(emails(idn=False)), "name": draw(_TEXT)},
        "subject": draw(_TEXT),
        "content": [{"type": "text/plain", "value": draw(_TEXT)}, {"type": "text/html", "value": "<p>x</p>"}],
    }
    if draw(st.booleans()):
        body["categories"] = draw(st.lists(_TEXT, max_size=3, unique=True))
    if draw(st.booleans()):
        body["custom_args"] = {"order": draw(_TEXT)}
    return body


def _problem(mutate: Callable[[dict[str, Any]], Any], entry: ErrorEntry, field: str | None) -> Any:
    return broken(mutate, entry if field is None else entry_on(entry, field))


def _first_to(body: dict[str, Any], value: Any) -> None:
    body["personalizations"][0]["to"][0]["email"] = value


_PROBLEMS = [
    _problem(lambda b: b.pop("from"), errors.SG_SEND_FROM_REQUIRED, "from.email"),
    _problem(lambda b: b.update({"from": {"email": "nobody"}}), errors.SG_SEND_INVALID_ADDRESS, "from.email"),
    _problem(
        lambda b: b.update({"personalizations": []}), errors.SG_SEND_PERSONALIZATIONS_REQUIRED, "personalizations"
    ),
    _problem(lambda b: b["personalizations"][0].pop("to"), errors.SG_SEND_TO_REQUIRED, "personalizations.0.to"),
    _problem(lambda b: _first_to(b, "not an address"), errors.SG_SEND_INVALID_ADDRESS, "personalizations.0.to.0.email"),
    _problem(lambda b: _first_to(b, ""), errors.SG_SEND_EMAIL_REQUIRED, "personalizations.0.to.0.email"),
    _problem(
        lambda b: b["personalizations"][0].update({"bcc": [dict(b["personalizations"][0]["to"][0])], "cc": []}),
        errors.SG_SEND_DUPLICATE_IN_PERSONALIZATION,
        "personalizations.0",
    ),
    _problem(lambda b: b.update({"subject": ""}), errors.SG_SEND_SUBJECT_EMPTY, "subject"),
    _problem(
        lambda b: (b.pop("subject"), [p.pop("subject", None) for p in b["personalizations"]]),
        errors.SG_SEND_SUBJECT_REQUIRED,
        "subject",
    ),
    _problem(lambda b: b.pop("content"), errors.SG_SEND_CONTENT_REQUIRED, "content"),
    _problem(lambda b: b["content"].reverse(), errors.SG_SEND_CONTENT_ORDER, "content"),
    _problem(
        lambda b: b.update({"mail_settings": {"sandbox_mode": {"enable": "true"}}}),
        errors.SG_SEND_SETTING_BOOLEAN,
        "mail_settings.sandbox_mode.enable",
    ),
    _problem(
        lambda b: b.update({"categories": [f"c{i}" for i in range(11)]}), errors.SG_SEND_CATEGORIES_LIMIT, "categories"
    ),
    _problem(lambda b: b.update({"send_at": "soon"}), errors.SG_SEND_SEND_AT_INTEGER, "send_at"),
    _problem(lambda b: b.update({"custom_args": {"n": 1}}), errors.SG_SEND_CUSTOM_ARGS_STRINGS, "custom_args"),
]


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /v3/mail/send`` (``params``: the JSON body): valid, a 202; invalid, a valid
    body with one problem and the 400 it gets (``SG_SEND_*``: ``message``, ``field``)."""
    if valid:
        return mail_send_bodies().map(lambda body: Case(body, None, {}))
    return st.builds(lambda body, problem: problem(body), mail_send_bodies(), st.sampled_from(_PROBLEMS))
