"""Faker provider and Hypothesis strategies for SendGrid records (issue 7)."""

from __future__ import annotations

import re

import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_mailblocks import strategies as mb
from pytest_mailblocks.faker import MailblocksProvider, generate

from ..conftest import examples, health_checks

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@pytest.fixture
def fake() -> Faker:
    f = Faker()
    f.add_provider(MailblocksProvider)
    f.seed_instance(1234)
    return f


def test_same_seed_same_records():
    assert generate("sendgrid_block", 20, seed=7, now=1.7e9) == generate("sendgrid_block", 20, seed=7, now=1.7e9)
    assert generate("sendgrid_block", 20, seed=7, now=1.7e9) != generate("sendgrid_block", 20, seed=8, now=1.7e9)


def test_records_are_realistic(fake):
    records = [fake.sendgrid_block(now=1_700_000_000) for _ in range(300)]
    assert all(EMAIL.match(r["email"]) for r in records)
    assert all(1_700_000_000 - 90 * 86400 <= r["created"] <= 1_700_000_000 for r in records)
    statuses = {r["status"] for r in records}
    assert {"5.1.1", "4.2.2", "5.7.1", "4.0.0"} <= statuses
    reasons = " ".join(r["reason"] for r in records)
    for phrase in ("User unknown", "over quota", "spamhaus", "timed out", "MX record"):
        assert phrase in reasons
    domains = {r["email"].rsplit("@", 1)[1].lower() for r in records}
    assert len(domains) >= 15 and "naver.com" in domains and "qq.com" in domains
    assert any("+" in r["email"] for r in records) and any(r["email"] != r["email"].lower() for r in records)


def test_works_with_the_pytest_faker_fixture(faker):
    faker.add_provider(MailblocksProvider)
    assert EMAIL.match(faker.sendgrid_spam_report(now=1e9)["email"])


def test_every_sibling_record(fake):
    assert set(fake.sendgrid_bounce()) == {"created", "email", "reason", "status"}
    assert set(fake.sendgrid_spam_report()) == {"created", "email", "ip"}
    assert set(fake.sendgrid_invalid_email()) == {"created", "email", "reason"}
    assert set(fake.sendgrid_unsubscribe()) == {"created", "email"}


def test_handle_seed_n_fills_the_list_with_distinct_addresses(sendgrid_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    assert sendgrid_fake.seed(500, seed=3) == 500
    blocks = sendgrid_fake.blocks()
    assert len({b["email"].lower() for b in blocks}) == 500
    assert all(1714521600 - 90 * 86400 <= b["created"] <= 1714521600 for b in blocks)
    assert sendgrid_fake.seed(10, list_name="bounces", seed=3) == 10
    assert len(sendgrid_fake.bounces()) == 10


def test_handle_seed_accepts_the_faker_fixture(sendgrid_fake, faker):
    sendgrid_fake.seed(5, faker=faker)
    assert len(sendgrid_fake.blocks()) == 5


@settings(max_examples=examples(200))
@given(mb.emails())
def test_strategy_emails_are_addresses(address):
    local, _, domain = address.partition("@")
    assert local and "." in domain and len(local) <= 64


@settings(max_examples=examples(50), suppress_health_check=health_checks(HealthCheck.function_scoped_fixture))
@given(blocks=st.lists(mb.sendgrid_blocks(), max_size=10))
def test_strategy_records_seed_the_fake(sendgrid_fake, blocks):
    sendgrid_fake.reset()  # one function-scoped fixture across examples: reset inside
    sendgrid_fake.add_blocks(blocks)
    assert len(sendgrid_fake.blocks()) == len({b["email"].strip().lower() for b in blocks})


@settings(max_examples=examples(60), suppress_health_check=health_checks(HealthCheck.function_scoped_fixture))
@given(params=mb.sendgrid_list_params(valid=False))
def test_invalid_list_params_are_400(sendgrid_fake, params):
    with sendgrid_fake.httpx_client(headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}) as c:
        r = c.get("/v3/suppression/blocks", params=params)
    assert r.status_code == 400
    assert set(r.json()) == {"errors"}


@settings(max_examples=examples(60), suppress_health_check=health_checks(HealthCheck.function_scoped_fixture))
@given(params=mb.sendgrid_list_params(valid=True))
def test_valid_list_params_are_200(sendgrid_fake, params):
    with sendgrid_fake.httpx_client(headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}) as c:
        assert c.get("/v3/suppression/blocks", params=params).status_code == 200


@settings(max_examples=examples(60), suppress_health_check=health_checks(HealthCheck.function_scoped_fixture))
@given(body=mb.sendgrid_bulk_delete_bodies(valid=False))
def test_invalid_bulk_bodies_are_400(sendgrid_fake, body):
    with sendgrid_fake.httpx_client(headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}) as c:
        assert c.request("DELETE", "/v3/suppression/blocks", json=body).status_code == 400
