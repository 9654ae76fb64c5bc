"""api_user/api_key on every call, roles and permissions, accounts and compositions
(cmc.md: Transport, Roles; seed 000/003: Access Control)."""

from __future__ import annotations

import pytest

from .conftest import error, errors, xml_errors

OPS = [
    "blocks/list",
    "blocks/download",
    "blocks/delete",
    "blocks/cancel",
    "unsubscribes/download",
    "unsubscribes/cancel",
]
AUTH_FAILED = errors(error("01-001", "api_user", "Authentication failed."))
NO_PERMISSION = errors(error("12-002", "", "You do not have the permission to access the specified data."))


@pytest.mark.parametrize("op", OPS)
def test_missing_api_user_and_api_key_are_required_on_every_call(cmc, op):
    r = cmc.post(op, api_user=None, api_key=None)
    assert (r.status_code, r.json()) == (
        400,
        errors(
            error("01-002", "api_user", "api_user is required."),
            error("01-002", "api_key", "api_key is required."),
        ),
    )


@pytest.mark.parametrize("op", OPS)
def test_a_wrong_api_key_is_an_authentication_failure_on_every_call(cmc, op):
    r = cmc.post(op, api_key="wrong")
    assert (r.status_code, r.json()) == (401, AUTH_FAILED)


def test_an_unknown_api_user_is_an_authentication_failure(cmc):
    assert cmc.post("blocks/list", api_user="testuser", api_key="password").json() == AUTH_FAILED
    r = cmc.post("blocks/list", "xml", api_user="testuser", api_key="password", headers={"Accept-Language": "ja"})
    assert (r.status_code, xml_errors(r)) == (401, [error("01-001", "api_user", "認証に失敗しました。")])


def test_auth_comes_before_parameters(cmc):
    r = cmc.post("blocks/list", api_key="wrong", server_composition="nope", r="500")
    assert r.json() == AUTH_FAILED


def test_the_journal_keeps_the_outcome_and_redacts_the_api_key(cmc, cmc_fake):
    cmc.post("blocks/list", api_key="wrong")
    cmc.post("blocks/list")
    bad, good = list(cmc_fake.requests)[-2:]
    assert (bad.auth, bad.error_code, bad.status) == ("invalid", "01-001", 401)
    assert (good.auth, good.tenant, good.endpoint) == ("ok", "mailblocks/mailblocks", "list_blocks")
    assert "wrong" not in str(bad.to_dict())
    assert cmc_fake.api_key not in str(good.to_dict())


# -- roles and permissions ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reference", "download", "allowed"),
    [
        (True, True, {"blocks/list", "blocks/download", "unsubscribes/download"}),
        (True, False, {"blocks/list"}),
        (False, True, {"blocks/download", "unsubscribes/download"}),
        (False, False, set()),
    ],
)
def test_api_users_need_the_permission_and_never_delete_or_cancel(cmc, cmc_fake, reference, download, allowed):
    cmc_fake.add_block("a@example.com")
    cmc_fake.add_unsubscribe("a@example.com")
    cmc_fake.add_user("member", "k", role="user", reference=reference, download=download)
    for op in OPS:
        r = cmc.post(op, api_user="member", api_key="k", email="a@example.com")
        if op in allowed:
            assert r.status_code == 200, op
        else:
            assert (op, r.status_code, r.json()) == (op, 403, NO_PERMISSION)


def test_an_administrator_without_a_permission_is_refused_that_operation(cmc, cmc_fake):
    cmc_fake.add_user("admin-no-ref", "k", role="admin", reference=False, download=True)
    assert cmc.post("blocks/list", api_user="admin-no-ref", api_key="k").json() == NO_PERMISSION
    assert cmc.post("blocks/download", api_user="admin-no-ref", api_key="k").status_code == 200


def test_the_default_user_is_an_administrator_with_both_permissions(cmc_fake):
    me = next(u for u in cmc_fake.users() if u["api_user"] == cmc_fake.api_user)
    assert me == {
        "api_user": "mailblocks",
        "api_key": "mailblocks-api-key",
        "account": "mailblocks",
        "role": "admin",
        "reference": True,
        "download": True,
        "time_zone": "+09:00",
    }
    assert cmc_fake.server_composition == "mailblocks"


def test_add_user_generates_a_key_when_none_is_given(cmc, cmc_fake):
    user = cmc_fake.add_user("generated")
    assert len(user["api_key"]) == 32
    assert cmc.post("blocks/list", api_user="generated", api_key=user["api_key"]).status_code == 200


# -- tenants --------------------------------------------------------------------------------
def test_a_composition_of_another_account_does_not_exist_for_a_user(cmc, cmc_fake):
    cmc_fake.add_account("other")
    cmc_fake.add_composition("theirs", account="other")
    cmc_fake.add_user("them", "k", account="other", role="admin")
    cmc_fake.add_block("secret@example.com", server_composition="theirs")
    r = cmc.post("blocks/list", server_composition="theirs")
    assert r.json() == errors(
        error("10-002", "server_composition", "Specified server configuration theirs does not exist.")
    )
    r = cmc.post("blocks/list", api_user="them", api_key="k", server_composition="mailblocks")
    assert r.json() == errors(
        error("10-002", "server_composition", "Specified server configuration mailblocks does not exist.")
    )
    r = cmc.post("blocks/list", api_user="them", api_key="k", server_composition="theirs")
    assert [b["email"] for b in r.json()["blocks"]] == ["secret@example.com"]


def test_compositions_of_one_account_hold_their_own_lists(cmc, cmc_fake):
    cmc_fake.add_composition("second")
    cmc_fake.add_unsubscribe("a@example.com", "A")
    cmc_fake.add_unsubscribe("b@example.com", "A", server_composition="second")
    r = cmc.post("unsubscribes/cancel", server_composition="second", email="a@example.com")
    assert r.status_code == 404
    assert cmc.post("unsubscribes/cancel", server_composition="second", email="b@example.com").status_code == 200
    assert cmc_fake.compositions() == ["mailblocks", "second"]
