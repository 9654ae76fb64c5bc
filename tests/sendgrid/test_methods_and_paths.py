"""Other methods, unknown paths, CORS preflight (sendgrid.md: Errors)."""

from __future__ import annotations

import pytest

from .conftest import BLOCKS


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize("path", [BLOCKS, BLOCKS + "/a@example.com"])
def test_other_methods_are_405_method_not_allowed(sg, sendgrid_fake, method, path):
    r = sg.http.request(method, sendgrid_fake.url + path, headers=sg.headers(), json={"emails": []})
    assert r.status_code == 405
    assert r.content == b'{"errors":[{"field":null,"message":"method not allowed"}]}'
    assert r.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "path", ["/v3/suppression/block", "/v3/suppression/spam_report/a@example.com", "/v3/nothing", "/v3"]
)
def test_unknown_path_under_v3_is_404_resource_not_found(sg, sendgrid_fake, path):
    r = sg.get(path)
    assert r.status_code == 404
    assert r.content == b'{"errors":[{"field":null,"message":"resource not found"}]}'


def test_trailing_slash_lists_too(sg, sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    assert [b["email"] for b in sg.get(BLOCKS + "/").json()] == ["a@example.com"]


def test_options_preflight_needs_no_auth(http, sendgrid_fake):
    r = http.options(sendgrid_fake.url + BLOCKS + "/a@example.com")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Access-Control-Allow-Methods"] == "HEAD, GET, OPTIONS, DELETE"
    assert "On-behalf-of" in r.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("serving", ["socket", "inprocess"])  # mounted, other paths are the httpserver's
def test_path_outside_every_provider_is_a_json_404(http, sendgrid_fake):
    r = http.get(sendgrid_fake.url + "/nothing/here")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    assert "/v3/" in r.json()["prefixes"]
