"""Generators for every provider (issue 7): Faker records seed each fake, handles'
seed(n) is reproducible, and the request strategies' valid and invalid parameters get
the provider's success and error answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import strategies as mb
from pytest_mailblocks.faker import generate

from .conftest import examples, health_checks

FAKER_RECORDS = {
    "sendgrid": [
        "sendgrid_block",
        "sendgrid_bounce",
        "sendgrid_spam_report",
        "sendgrid_invalid_email",
        "sendgrid_unsubscribe",
    ],
    "cmc": ["cmc_block", "cmc_unsubscribe"],
    "ncp": ["ncp_send_block"],
    "sendcloud": ["sendcloud_block", "sendcloud_bounce", "sendcloud_complaint", "sendcloud_unsubscribe"],
}
SEED_KEYS = {
    "sendgrid_bounce": "bounces",
    "sendgrid_spam_report": "spam_reports",
    "sendgrid_invalid_email": "invalid_emails",
    "sendgrid_unsubscribe": "unsubscribes",
    "cmc_unsubscribe": "unsubscribes",
    "sendcloud_bounce": "bounces",
    "sendcloud_complaint": "complaints",
    "sendcloud_unsubscribe": "unsubscribes",
}
HC = health_checks(HealthCheck.function_scoped_fixture)


@pytest.mark.parametrize(("provider", "method"), [(p, m) for p, ms in FAKER_RECORDS.items() for m in ms])
def test_every_faker_record_seeds_its_fake(mailblocks, provider, method):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    records = generate(method, 50, seed=11, now=mailblocks.clock.time())
    assert len({str(r.get("email") or r.get("domain")).lower() for r in records}) == 50
    handle = mailblocks.handle(provider)
    assert handle.seed({SEED_KEYS.get(method, "blocks"): records}) >= 50


@pytest.mark.parametrize("provider", list(FAKER_RECORDS))
def test_handle_seed_n_is_reproducible(mailblocks, provider):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    handle = mailblocks.handle(provider)
    handle.seed(100, seed=5)
    first = handle.blocks()
    mailblocks.reset()
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    handle.seed(100, seed=5)
    strip = [{k: v for k, v in b.items() if k not in ("id", "history_sid")} for b in first]
    assert len(first) == 100
    assert [{k: v for k, v in b.items() if k not in ("id", "history_sid")} for b in handle.blocks()] == strip


@settings(max_examples=examples(25), suppress_health_check=HC)
@given(
    cmc=st.lists(mb.cmc_blocks(), max_size=5),
    ncp=st.lists(mb.ncp_send_blocks(), max_size=5, unique_by=lambda r: r["email"].lower()),
    sendcloud=st.lists(mb.sendcloud_blocks(), max_size=5),
)
def test_record_strategies_seed_the_fakes(mailblocks, cmc, ncp, sendcloud):
    mailblocks.reset()
    mailblocks.seed({"cmc": {"blocks": cmc}, "ncp": {"blocks": ncp}, "sendcloud": {"blocks": sendcloud}})
    assert len(mailblocks.cmc.blocks()) == len({r["email"].lower() for r in cmc})
    assert len(mailblocks.ncp.blocks()) == len(ncp)


def _cmc(mailblocks, params):
    with mailblocks.httpx_client() as c:
        return c.post("/transaction/v2/blocks/list.json", data={**mailblocks.cmc.auth, **params})


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.cmc_list_params(valid=True))
def test_cmc_valid_params(mailblocks, params):
    assert _cmc(mailblocks, params).status_code == 200


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.cmc_list_params(valid=False))
def test_cmc_invalid_params(mailblocks, params):
    r = _cmc(mailblocks, params)
    assert r.status_code == 400 and list(r.json()) == ["errors"]


def _ncp(mailblocks, params):
    from urllib.parse import urlencode

    target = "/api/v1/send-block" + ("?" + urlencode(params) if params else "")
    with mailblocks.httpx_client() as c:
        return c.get(target, headers=mailblocks.ncp.signed_headers("GET", target))


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.ncp_send_block_params(valid=True))
def test_ncp_valid_params(mailblocks, params):
    assert _ncp(mailblocks, params).status_code == 200


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.ncp_send_block_params(valid=False))
def test_ncp_invalid_params(mailblocks, params):
    r = _ncp(mailblocks, params)
    assert r.status_code == 400 and r.json()["error"]["code"] == "77102"


def _sendcloud(mailblocks, params):
    sc = mailblocks.sendcloud
    with mailblocks.httpx_client() as c:
        return c.get("/api/block/list", params={"apiUser": sc.api_user, "apiKey": sc.api_key, **params}).json()


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.sendcloud_list_params(valid=True))
def test_sendcloud_valid_params(mailblocks, params):
    assert _sendcloud(mailblocks, params)["statusCode"] == 200


@settings(max_examples=examples(40), suppress_health_check=HC)
@given(params=mb.sendcloud_list_params(valid=False))
def test_sendcloud_invalid_params(mailblocks, params):
    body = _sendcloud(mailblocks, params)
    assert body["result"] is False and body["statusCode"] != 200


@settings(max_examples=examples(20), suppress_health_check=HC)
@given(
    lists=st.fixed_dictionaries(
        {
            name: st.lists(mb.sendgrid_records(name), max_size=4)
            for name in ("blocks", "bounces", "spam_reports", "invalid_emails", "unsubscribes")
        }
    ),
    bounces=st.lists(mb.sendcloud_bounces(), max_size=4),
    complaints=st.lists(mb.sendcloud_complaints(), max_size=4),
    unsubscribes=st.lists(mb.sendcloud_unsubscribes(), max_size=4),
)
def test_sibling_record_strategies_seed_the_fakes(mailblocks, lists, bounces, complaints, unsubscribes):
    mailblocks.reset()
    sendcloud = {"bounces": bounces, "complaints": complaints, "unsubscribes": unsubscribes}
    mailblocks.seed({"sendgrid": lists, "sendcloud": sendcloud})
    for name, records in lists.items():
        assert len(mailblocks.sendgrid.records(name)) == len({r["email"].strip().lower() for r in records})
    assert len(mailblocks.sendcloud.complaints()) == len({r["email"].lower() for r in complaints})
