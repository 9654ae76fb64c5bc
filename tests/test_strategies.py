"""Every endpoint's request strategies against its fake (issue 7): a valid case gets
the documented success status and body shape, an invalid one the documented error
status and the exact code (SendGrid: message and field) its ``Case.error`` names.

- ``test_<provider>_valid`` / ``test_<provider>_invalid``: one Hypothesis test per
  endpoint; each example draws a case, resets the fake, seeds ``Case.seed`` and sends
  the request with the provider's default credentials.
- ``test_every_documented_error_is_drawn_and_answered``: ``ERRORS`` lists the
  catalogue rows each invalid strategy draws; for each row, a case answered by it is
  found (generation only) and sent. A random run of a few dozen examples need not
  reach every row; this test does, every run.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import strategies as mb

from .conftest import examples, health_checks

pytest_plugins = ["pytester"]
#: the cases at the limit of 1000 addresses have a repr of ~100 kB, by design
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

BUDGET = settings(max_examples=examples(25), suppress_health_check=health_checks(HealthCheck.function_scoped_fixture))
SG_LISTS = ("blocks", "bounces", "spam_reports", "invalid_emails")  # every list with /{email} routes
ALL_LISTS = (*SG_LISTS, "unsubscribes")
SG_FIELDS = {
    "blocks": {"created", "email", "reason", "status"},
    "bounces": {"created", "email", "reason", "status"},
    "spam_reports": {"created", "email", "ip"},
    "invalid_emails": {"created", "email", "reason"},
    "unsubscribes": {"created", "email"},
}


def test_the_module_docstring_example_passes(pytester):
    example = mb.__doc__.split("acknowledge it::\n", 1)[1]
    pytester.makepyfile(test_example=textwrap.dedent(example))
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def _prepare(mailblocks: Any, provider: str, case: mb.Case) -> None:
    mailblocks.reset()
    mailblocks.handle(provider).seed(case.seed)


# -- SendGrid -------------------------------------------------------------------------------------
class Route(NamedTuple):
    cases: Callable[[bool, str], Any]  # (valid, list name) -> the strategy
    method: str
    path: str
    params: str  # where the params go: "query", "body" or "path" (the address)
    lists: tuple[str, ...]  # the lists the route serves


GLOBAL = "/v3/asm/suppressions/global"
SG = {
    "list": Route(lambda v, n: mb.sendgrid_list_cases(valid=v), "GET", "/v3/suppression/{list}", "query", ALL_LISTS),
    "bulk delete": Route(
        lambda v, n: mb.sendgrid_bulk_delete_cases(valid=v), "DELETE", "/v3/suppression/{list}", "body", SG_LISTS
    ),
    "get": Route(lambda v, n: mb.sendgrid_get_cases(n), "GET", "/v3/suppression/{list}/{email}", "path", SG_LISTS),
    "delete": Route(
        lambda v, n: mb.sendgrid_delete_cases(n, valid=v), "DELETE", "/v3/suppression/{list}/{email}", "path", SG_LISTS
    ),
    "global add": Route(lambda v, n: mb.sendgrid_global_add_cases(valid=v), "POST", GLOBAL, "body", ("unsubscribes",)),
    "global get": Route(
        lambda v, n: mb.sendgrid_global_get_cases(), "GET", GLOBAL + "/{email}", "path", ("unsubscribes",)
    ),
    "global delete": Route(
        lambda v, n: mb.sendgrid_global_delete_cases(), "DELETE", GLOBAL + "/{email}", "path", ("unsubscribes",)
    ),
}
SG_INVALID = ["list", "bulk delete", "delete", "global add"]  # the others refuse no address


def _sg(mailblocks: Any, endpoint: str, name: str, case: mb.Case) -> Any:
    route = SG[endpoint]
    where = route.params
    path = route.path.format(list=name, email=quote(case.params, safe="@+") if where == "path" else "")
    with mailblocks.httpx_client(headers={"Authorization": f"Bearer {mailblocks.sendgrid.api_key}"}) as c:
        if where == "body":
            headers = {"Content-Type": "application/json"}
            return c.request(route.method, path, content=json.dumps(case.params), headers=headers)
        return c.request(route.method, path, params=case.params if where == "query" else None)


def _sg_ok(mailblocks: Any, endpoint: str, name: str, case: mb.Case, r: Any) -> None:
    seeded = case.seed.get(name, [])
    if endpoint == "list":
        assert r.status_code == 200, r.text
        assert isinstance(r.json(), list) and all(set(rec) == SG_FIELDS[name] for rec in r.json())
    elif endpoint in ("bulk delete", "delete", "global delete"):
        assert (r.status_code, r.content) == (204, b""), r.text
        if endpoint != "bulk delete":
            assert mailblocks.sendgrid.record(name, case.params) is None
    elif endpoint == "get":
        assert r.status_code == 200, r.text
        assert [rec["email"] for rec in r.json()] == seeded
        assert all(set(rec) == SG_FIELDS[name] for rec in r.json())
    elif endpoint == "global add":
        assert (r.status_code, r.json()) == (201, case.params), r.text
    elif endpoint == "global get":
        assert (r.status_code, r.json()) == (200, {"recipient_email": seeded[0]} if seeded else {}), r.text


def _sg_error(r: Any, case: mb.Case) -> None:
    assert case.error is not None
    assert r.status_code == case.error.status, r.text
    assert r.json()["errors"][0] == {"field": case.error.field, "message": case.error.message}


@pytest.mark.parametrize("endpoint", list(SG))
@BUDGET
@given(data=st.data())
def test_sendgrid_valid(mailblocks, endpoint, data):
    name = data.draw(st.sampled_from(SG[endpoint].lists), label="list")
    case = data.draw(SG[endpoint].cases(True, name))
    assert case.valid
    _prepare(mailblocks, "sendgrid", case)
    _sg_ok(mailblocks, endpoint, name, case, _sg(mailblocks, endpoint, name, case))


@pytest.mark.parametrize("endpoint", SG_INVALID)
@BUDGET
@given(data=st.data())
def test_sendgrid_invalid(mailblocks, endpoint, data):
    name = data.draw(st.sampled_from(SG[endpoint].lists), label="list")
    case = data.draw(SG[endpoint].cases(False, name))
    _prepare(mailblocks, "sendgrid", case)
    _sg_error(_sg(mailblocks, endpoint, name, case), case)


# -- Customers Mail Cloud -----------------------------------------------------------------------
CMC = {
    "blocks/list": mb.cmc_blocks_list_cases,
    "blocks/download": mb.cmc_blocks_download_cases,
    "blocks/delete": mb.cmc_blocks_delete_cases,
    "blocks/cancel": mb.cmc_blocks_cancel_cases,
    "unsubscribes/download": mb.cmc_unsubscribes_download_cases,
    "unsubscribes/cancel": mb.cmc_unsubscribes_cancel_cases,
}


def _cmc(mailblocks: Any, action: str, case: mb.Case) -> Any:
    """Form fields when every value is text, else a JSON body (cmc.md: both are read)."""
    body = {**mailblocks.cmc.auth, **case.params}
    with mailblocks.httpx_client() as c:
        path = f"/transaction/v2/{action}.json"
        if all(isinstance(v, str) for v in body.values()):
            return c.post(path, data=body)
        return c.post(path, json=body)


def _cmc_ok(mailblocks: Any, action: str, case: mb.Case, r: Any) -> None:
    if action == "blocks/list":
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["blocks"] and isinstance(r.json()["blocks"], list)
    elif action.endswith("/download"):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/octet-stream"
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert len(names) == 1 and names[0].startswith(action.split("/")[0] + "-") and names[0].endswith(".csv")
    else:
        assert (r.status_code, r.json()) == (200, {"message": "success"}), r.text
        if action.startswith("blocks/"):
            assert mailblocks.cmc.block(case.params["email"].strip()) is None
        else:
            assert len(mailblocks.cmc.pending_cancellations()) == len(case.seed["unsubscribes"])


def _cmc_error(mailblocks: Any, r: Any, case: mb.Case) -> None:
    assert case.error is not None
    assert r.status_code == case.error.status, r.text
    first = r.json()["errors"][0]
    assert (first["code"], first["field"]) == (case.error.code, case.error.field or ""), r.text
    assert mailblocks.cmc.pending_cancellations() == []  # any error: nothing is accepted


@pytest.mark.parametrize("action", list(CMC))
@BUDGET
@given(data=st.data())
def test_cmc_valid(mailblocks, action, data):
    case = data.draw(CMC[action](valid=True))
    _prepare(mailblocks, "cmc", case)
    _cmc_ok(mailblocks, action, case, _cmc(mailblocks, action, case))


@pytest.mark.parametrize("action", list(CMC))
@BUDGET
@given(data=st.data())
def test_cmc_invalid(mailblocks, action, data):
    case = data.draw(CMC[action](valid=False))
    _prepare(mailblocks, "cmc", case)
    _cmc_error(mailblocks, _cmc(mailblocks, action, case), case)


# -- NAVER Cloud ----------------------------------------------------------------------------------
NCP: dict[str, tuple[Callable[..., Any], str, str]] = {
    "send-block": (mb.ncp_send_block_cases, "GET", "/api/v1/send-block"),
    "unsubscribers list": (mb.ncp_unsubscribers_list_cases, "GET", "/api/v1/unsubscribers"),
    "unsubscribers add": (mb.ncp_unsubscribers_add_cases, "POST", "/api/v1/unsubscribers"),
    "unsubscribers delete": (mb.ncp_unsubscribers_delete_cases, "DELETE", "/api/v1/unsubscribers"),
}
PAGE_KEYS = {"content", "last", "totalElements", "totalPages", "first", "numberOfElements", "size", "number", "sort"}


def _ncp(mailblocks: Any, endpoint: str, case: mb.Case) -> Any:
    _, method, path = NCP[endpoint]
    with mailblocks.httpx_client() as c:
        if method == "GET":
            target = path + ("?" + urlencode(case.params) if case.params else "")
            return c.get(target, headers=mailblocks.ncp.signed_headers("GET", target))
        headers = {**mailblocks.ncp.signed_headers(method, path), "Content-Type": "application/json"}
        return c.request(method, path, content=json.dumps(case.params), headers=headers)


def _ncp_error(r: Any, case: mb.Case) -> None:
    assert case.error is not None
    assert r.status_code == case.error.status, r.text
    assert r.json()["error"]["code"] == case.error.code


@pytest.mark.parametrize("endpoint", list(NCP))
@BUDGET
@given(data=st.data())
def test_ncp_valid(mailblocks, endpoint, data):
    case = data.draw(NCP[endpoint][0](valid=True))
    _prepare(mailblocks, "ncp", case)
    r = _ncp(mailblocks, endpoint, case)
    method = NCP[endpoint][1]
    if method == "GET":
        assert r.status_code == 200, r.text
        extra = {"registerStatus", "expectedDeleteDate"} if endpoint == "send-block" else set()
        assert set(r.json()) == PAGE_KEYS | extra and r.json()["content"] == []
        return
    receivers = {a.lower() for a in case.params["blockedReceivers"]}
    listed = {a.lower() for a in case.seed.get("unsubscribers", [])}
    count = len(receivers - listed) if method == "POST" else len(receivers & listed)
    total = len(case.params["blockedReceivers"])
    assert r.status_code == (201 if method == "POST" else 200), r.text
    assert r.json() == {"count": count, "requestCount": total, "ignoreCount": total - count}


@pytest.mark.parametrize("endpoint", list(NCP))
@BUDGET
@given(data=st.data())
def test_ncp_invalid(mailblocks, endpoint, data):
    case = data.draw(NCP[endpoint][0](valid=False))
    _prepare(mailblocks, "ncp", case)
    _ncp_error(_ncp(mailblocks, endpoint, case), case)


# -- SendCloud -------------------------------------------------------------------------------------
SENDCLOUD = {
    "/api/block/list": mb.sendcloud_block_list_cases,
    "/api/block/add": mb.sendcloud_block_add_cases,
    "/api/block/delete": mb.sendcloud_block_delete_cases,
    "/api/bounce/list": mb.sendcloud_bounce_list_cases,
    "/api/bounce/delete": mb.sendcloud_bounce_delete_cases,
    "/api/bounce/count": mb.sendcloud_bounce_count_cases,
    "/api/unsubscribe/list": mb.sendcloud_unsubscribe_list_cases,
    "/api/unsubscribe/add": mb.sendcloud_unsubscribe_add_cases,
    "/api/unsubscribe/delete": mb.sendcloud_unsubscribe_delete_cases,
}


def _sendcloud(mailblocks: Any, path: str, case: mb.Case) -> Any:
    sc = mailblocks.sendcloud
    with mailblocks.httpx_client() as c:
        return c.get(path, params={"apiUser": sc.api_user, "apiKey": sc.api_key, **case.params})


def _sendcloud_error(r: Any, case: mb.Case) -> None:
    assert case.error is not None
    assert r.status_code == case.error.status == 200, r.text
    assert (r.json()["result"], r.json()["statusCode"], r.json()["info"]) == (False, case.error.code, {}), r.text


@pytest.mark.parametrize("path", list(SENDCLOUD))
@BUDGET
@given(data=st.data())
def test_sendcloud_valid(mailblocks, path, data):
    case = data.draw(SENDCLOUD[path](valid=True))
    _prepare(mailblocks, "sendcloud", case)
    r = _sendcloud(mailblocks, path, case)
    body = r.json()
    created = path == "/api/unsubscribe/add"
    assert r.status_code == 200 and body["result"] is True, r.text
    assert body["statusCode"] == (40401 if created else 200)
    info = body["info"]
    if path.endswith("/list"):
        assert set(info) == {"dataList", "count"} and info["count"] == len(info["dataList"])
    elif path == "/api/block/add":
        assert len(info["dataList"]) == bool(case.params.get("email")) + bool(case.params.get("domainName"))
    elif created:
        assert set(info["data"]) == {"email", "domain", "labelId", "apiUser", "unsubscribeTime"}
    elif path == "/api/block/delete":
        assert info == {"count": len(case.seed.get("blocks", []))}
    else:
        assert set(info) == {"count"} and isinstance(info["count"], int)


@pytest.mark.parametrize("path", list(SENDCLOUD))
@BUDGET
@given(data=st.data())
def test_sendcloud_invalid(mailblocks, path, data):
    case = data.draw(SENDCLOUD[path](valid=False))
    _prepare(mailblocks, "sendcloud", case)
    _sendcloud_error(_sendcloud(mailblocks, path, case), case)


# -- every documented error, every run ------------------------------------------------------------
_SC_PAGING = ["SC_START_EMPTY", "SC_START_INVALID", "SC_LIMIT_EMPTY", "SC_LIMIT_INVALID"]
_SC_WINDOW = ["SC_DAYS_INVALID", "SC_START_DATE_INVALID", "SC_END_DATE_INVALID", "SC_RANGE_TOO_LONG"]
_CMC_READS = ["CMC_BAD_DATE", "CMC_START_AFTER_END", "CMC_NO_SUCH_COMPOSITION", "CMC_REQUIRED", "CMC_INVALID_VALUE"]
#: (provider, endpoint) -> the catalogue rows its invalid strategy draws
ERRORS: dict[tuple[str, str], list[str]] = {
    ("sendgrid", "list"): ["SG_LIMIT_RANGE", "SG_NOT_INTEGER", "SG_NEGATIVE"],
    ("sendgrid", "bulk delete"): [
        "SG_BOTH_SET",
        "SG_NOTHING_TO_DELETE",
        "SG_NOT_JSON_ARRAY",
        "SG_NOT_BOOLEAN",
        "SG_UNKNOWN_FIELD",
        "SG_INVALID_JSON",
    ],
    ("sendgrid", "delete"): ["SG_NOT_FOUND"],
    ("sendgrid", "global add"): ["SG_REQUIRED", "SG_NOT_JSON_ARRAY", "SG_UNKNOWN_FIELD", "SG_INVALID_JSON"],
    ("cmc", "blocks/list"): ["CMC_OUT_OF_RANGE", "CMC_NOT_INTEGER", "CMC_NOT_BOOLEAN", *_CMC_READS],
    ("cmc", "blocks/download"): ["CMC_NOT_BOOLEAN", *_CMC_READS],
    ("cmc", "blocks/delete"): ["CMC_REQUIRED", "CMC_BLOCK_NOT_FOUND", "CMC_NO_SUCH_COMPOSITION", "CMC_INVALID_VALUE"],
    ("cmc", "blocks/cancel"): ["CMC_REQUIRED", "CMC_BLOCK_NOT_FOUND", "CMC_NO_SUCH_COMPOSITION", "CMC_INVALID_VALUE"],
    ("cmc", "unsubscribes/download"): _CMC_READS,
    ("cmc", "unsubscribes/cancel"): [
        "CMC_REQUIRED",
        "CMC_NO_SUCH_COMPOSITION",
        "CMC_UNSUBSCRIBE_NOT_FOUND",
        "CMC_INVALID_JSON",
        "CMC_NO_ADDRESSES",
        "CMC_ADDRESS_EMPTY",
        "CMC_ADDRESS_REQUIRED",
        "CMC_TOO_MANY_ADDRESSES",
        "CMC_DUPLICATE_ADDRESS",
        "CMC_ADDRESS_NOT_FOUND",
    ],
    **{("ncp", endpoint): ["NCP_BAD_REQUEST"] for endpoint in NCP},
    ("sendcloud", "/api/block/list"): [*_SC_PAGING, *_SC_WINDOW, "SC_EMAIL_INVALID"],
    ("sendcloud", "/api/block/add"): [
        "SC_EMAIL_INVALID",
        "SC_EXPIRE_TIME_EMPTY",
        "SC_EXPIRE_TIME_INVALID",
        "SC_DOMAIN_OR_EMAIL_REQUIRED",
    ],
    ("sendcloud", "/api/block/delete"): ["SC_EMAIL_INVALID", "SC_DOMAIN_OR_EMAIL_REQUIRED"],
    ("sendcloud", "/api/bounce/list"): [*_SC_PAGING, *_SC_WINDOW, "SC_EMAIL_INVALID"],
    ("sendcloud", "/api/bounce/delete"): [*_SC_WINDOW, "SC_EMAIL_INVALID"],
    ("sendcloud", "/api/bounce/count"): _SC_WINDOW,
    ("sendcloud", "/api/unsubscribe/list"): [
        *_SC_PAGING,
        *_SC_WINDOW,
        "SC_LABEL_ID_LIST_EMPTY",
        "SC_LABEL_ID_INVALID",
        "SC_API_USER_LIST_EMPTY",
        "SC_API_USER_LIST_INVALID",
        "SC_EMAIL_INVALID",
    ],
    ("sendcloud", "/api/unsubscribe/add"): ["SC_EMAIL_EMPTY", "SC_EMAIL_INVALID"],
    ("sendcloud", "/api/unsubscribe/delete"): [*_SC_WINDOW, "SC_EMAIL_INVALID"],
}
#: any case answered by the row will do: generation only, no shrinking
FIND = settings(max_examples=5000, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def test_errors_table_covers_every_invalid_strategy():
    invalid = {("sendgrid", e) for e in SG_INVALID} | {("cmc", a) for a in CMC} | {("ncp", e) for e in NCP}
    assert set(ERRORS) == invalid | {("sendcloud", p) for p in SENDCLOUD}


@pytest.mark.parametrize(("provider", "endpoint", "key"), [(p, e, k) for (p, e), ks in ERRORS.items() for k in ks])
def test_every_documented_error_is_drawn_and_answered(mailblocks, provider, endpoint, key):
    if provider == "sendgrid":
        name = SG[endpoint].lists[-1]  # a sibling list, or unsubscribes for the global routes
        case = find(SG[endpoint].cases(False, name), lambda c: c.error.key == key, settings=FIND)
        _prepare(mailblocks, provider, case)
        _sg_error(_sg(mailblocks, endpoint, name, case), case)
    elif provider == "cmc":
        case = find(CMC[endpoint](valid=False), lambda c: c.error.key == key, settings=FIND)
        _prepare(mailblocks, provider, case)
        _cmc_error(mailblocks, _cmc(mailblocks, endpoint, case), case)
    elif provider == "ncp":
        case = find(NCP[endpoint][0](valid=False), lambda c: c.error.key == key, settings=FIND)
        _prepare(mailblocks, provider, case)
        _ncp_error(_ncp(mailblocks, endpoint, case), case)
    else:
        case = find(SENDCLOUD[endpoint](valid=False), lambda c: c.error.key == key, settings=FIND)
        _prepare(mailblocks, provider, case)
        _sendcloud_error(_sendcloud(mailblocks, endpoint, case), case)


@settings(max_examples=examples(50))
@given(address=mb.simulator_emails())
def test_simulator_emails_each_have_an_outcome_of_the_simulator(address):
    """Issue 21: every drawn address is one the simulator domain decides (a ``+tag`` too)."""
    from pytest_mailblocks.core.delivery import simulated

    outcome = simulated(address)
    assert outcome is not None and outcome.source == "simulator"
    assert address.split("@")[0].split("+")[0] in ("success", outcome.kind)
