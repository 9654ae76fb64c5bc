"""Bearer auth, API key scopes and subusers (sendgrid.md: Errors, Subusers)."""

from __future__ import annotations

from .conftest import BLOCKS

AUTH_REQUIRED = b'{"errors":[{"field":null,"message":"authorization required"}]}'
FORBIDDEN = b'{"errors":[{"field":null,"message":"access forbidden"}]}'


def test_missing_bearer_gives_401_authorization_required(http, sendgrid_fake):
    r = http.get(sendgrid_fake.url + BLOCKS)
    assert r.status_code == 401
    assert r.content == AUTH_REQUIRED
    assert r.headers["Content-Type"] == "application/json"
    assert "X-RateLimit-Limit" not in r.headers


def test_unknown_key_gives_401(sg):
    r = sg.get(BLOCKS, key="SG.not-a-key")
    assert (r.status_code, r.content) == (401, AUTH_REQUIRED)


def test_key_without_bearer_scheme_gives_401(http, sendgrid_fake):
    for value in (sendgrid_fake.api_key, f"Token {sendgrid_fake.api_key}", "Bearer", "Bearer "):
        r = http.get(sendgrid_fake.url + BLOCKS, headers={"Authorization": value})
        assert (r.status_code, r.content) == (401, AUTH_REQUIRED), value


def test_bearer_scheme_is_case_insensitive(http, sendgrid_fake):
    r = http.get(sendgrid_fake.url + BLOCKS, headers={"Authorization": f"bearer {sendgrid_fake.api_key}"})
    assert r.status_code == 200


def test_401_is_journaled_with_auth_outcome(sg, sendgrid_fake):
    sg.get(BLOCKS, key="SG.wrong")
    entry = sendgrid_fake.requests.last
    assert (entry.status, entry.auth, entry.error_code) == (401, "invalid", "SG_AUTH_REQUIRED")


def test_read_scope_lists_but_cannot_delete(sg, sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    key = sendgrid_fake.add_api_key(scopes=["suppression.blocks.read"])
    assert sg.get(BLOCKS, key=key).status_code == 200
    assert sg.get(BLOCKS + "/a@example.com", key=key).status_code == 200
    r = sg.delete(BLOCKS + "/a@example.com", key=key)
    assert (r.status_code, r.content) == (403, FORBIDDEN)
    r = sg.delete(BLOCKS, key=key, json={"delete_all": True})
    assert (r.status_code, r.content) == (403, FORBIDDEN)
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["a@example.com"]


def test_delete_scope_cannot_list(sg, sendgrid_fake):
    key = sendgrid_fake.add_api_key(scopes=["suppression.blocks.delete"])
    r = sg.get(BLOCKS, key=key)
    assert (r.status_code, r.content) == (403, FORBIDDEN)
    assert sg.delete(BLOCKS, key=key, json={"delete_all": True}).status_code == 204


def test_403_carries_rate_limit_headers_and_counts(sg, sendgrid_fake):
    """The live 403 carries X-RateLimit-* (error_403_access_forbidden_recorded)."""
    key = sendgrid_fake.add_api_key(scopes=[])
    first = sg.get(BLOCKS, key=key)
    second = sg.get(BLOCKS, key=key)
    assert first.status_code == second.status_code == 403
    assert first.headers["X-RateLimit-Limit"] == "600"
    assert int(first.headers["X-RateLimit-Remaining"]) - int(second.headers["X-RateLimit-Remaining"]) == 1


def test_revoked_key_is_refused(sg, sendgrid_fake):
    key = sendgrid_fake.add_api_key()
    assert sg.get(BLOCKS, key=key).status_code == 200
    assert sendgrid_fake.revoke_api_key(key) is True
    assert sg.get(BLOCKS, key=key).status_code == 401


def test_on_behalf_of_acts_on_the_subusers_list(sg, sendgrid_fake):
    sendgrid_fake.add_subuser("shop", account_id="77")
    sendgrid_fake.add_block("parent@example.com")
    sendgrid_fake.add_block("child@example.com", subuser="shop")
    parent = sg.get(BLOCKS).json()
    child = sg.get(BLOCKS, headers={"On-Behalf-Of": "shop"}).json()
    by_id = sg.get(BLOCKS, headers={"on-behalf-of": "account-id 77"}).json()
    assert [b["email"] for b in parent] == ["parent@example.com"]
    assert [b["email"] for b in child] == ["child@example.com"] == [b["email"] for b in by_id]
    assert sendgrid_fake.requests.last.tenant == "shop"


def test_on_behalf_of_delete_touches_only_the_subuser(sg, sendgrid_fake):
    sendgrid_fake.add_subuser("shop")
    sendgrid_fake.add_block("same@example.com")
    sendgrid_fake.add_block("same@example.com", subuser="shop")
    r = sg.delete(BLOCKS + "/same@example.com", headers={"On-Behalf-Of": "shop"})
    assert r.status_code == 204
    assert sendgrid_fake.blocks(subuser="shop") == []
    assert [b["email"] for b in sendgrid_fake.blocks()] == ["same@example.com"]


def test_on_behalf_of_unknown_subuser_is_403(sg):
    r = sg.get(BLOCKS, headers={"On-Behalf-Of": "nobody"})
    assert (r.status_code, r.content) == (403, FORBIDDEN)


def test_subuser_key_cannot_impersonate(sg, sendgrid_fake):
    sendgrid_fake.add_subuser("a")
    sendgrid_fake.add_subuser("b")
    key = sendgrid_fake.add_api_key(subuser="a")
    assert sg.get(BLOCKS, key=key).status_code == 200
    r = sg.get(BLOCKS, key=key, headers={"On-Behalf-Of": "b"})
    assert (r.status_code, r.content) == (403, FORBIDDEN)


def test_subuser_key_sees_its_own_list(sg, sendgrid_fake):
    sendgrid_fake.add_subuser("a")
    sendgrid_fake.add_block("mine@example.com", subuser="a")
    key = sendgrid_fake.add_api_key(subuser="a")
    assert [b["email"] for b in sg.get(BLOCKS, key=key).json()] == ["mine@example.com"]


def test_reset_restores_default_key_and_drops_added_ones(sg, sendgrid_fake, mailblocks):
    key = sendgrid_fake.add_api_key()
    mailblocks.reset()
    assert sg.get(BLOCKS, key=key).status_code == 401
    assert sg.get(BLOCKS).status_code == 200
