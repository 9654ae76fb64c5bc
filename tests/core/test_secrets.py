"""No credential leaves the process (issue 19, section 4).

For every provider's every credential field, sent every way a client can send it
(headers; query strings; urlencoded, multipart and JSON bodies, nested JSON, escaped
or percent-encoded names; raw bodies as ``text/plain``, ``application/octet-stream``
or with no content type; bodies that are not UTF-8), the secret value never appears
in the journal's ``to_dict()`` (base64 bodies decoded), the entry's ``repr``, the
control plane's ``/_mailblocks/<provider>/requests`` or the inspector's journal pages.

Where each provider reads credentials (the fakes' endpoints): SendGrid the
``Authorization`` header; NCP the ``x-ncp-iam-access-key`` and
``x-ncp-apigw-signature-v2`` headers (``x-ncp-apigw-api-key`` is the key older NCP
gateways took: a client may still send it); CMC ``api_key`` from any body that is not
JSON or multipart, whatever its content type (``read_params`` parses it as a form),
from a JSON object, or from a multipart form; SendCloud ``apiKey`` from the query
string or a urlencoded / multipart form. Redaction covers each of these and more:
a body that looks like a form is redacted whatever its content type.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
import requests

from pytest_mailblocks.core.journal import REDACTED, JournalEntry, redact_text
from pytest_mailblocks.providers import load_providers

#: provider -> (method, path) of a real route to send credentials to
ROUTES = {
    "sendgrid": ("GET", "/v3/suppression/blocks"),
    "cmc": ("POST", "/transaction/v2/blocks/list.json"),
    "ncp": ("GET", "/api/v1/send-block"),
    "sendcloud": ("POST", "/api/block/list"),
}
#: credential fields each provider reads from headers / parameters
HEADER_FIELDS = {
    "sendgrid": ["Authorization"],
    "ncp": ["x-ncp-iam-access-key", "x-ncp-apigw-signature-v2", "x-ncp-apigw-api-key"],
}
PARAM_FIELDS = {"cmc": ["api_key"], "sendcloud": ["apiKey"]}
#: the other (non-secret) parameter each provider wants next to the key
USER_FIELD = {"cmc": "api_user", "sendcloud": "apiUser"}


def test_every_declared_secret_is_tested():
    """A provider that declares a secret gets it tested here (add a row above)."""
    for key, cls in load_providers().items():
        tested = {f.lower() for f in HEADER_FIELDS.get(key, []) + PARAM_FIELDS.get(key, [])}
        assert tested == set(cls.secrets), key
        assert key in ROUTES


def _escaped(name: str) -> str:
    """``name`` with its second character as a JSON ``\\u`` escape."""
    return name[0] + f"\\u{ord(name[1]):04x}" + name[2:]


def _param_request(channel: str, user: str, field: str, secret: str) -> dict[str, Any]:
    """Keyword arguments of ``requests.request`` sending ``field=secret`` by ``channel``."""
    form = f"{user}=someone&{field}={secret}&days=1"
    if channel == "query":
        return {"params": {user: "someone", field: secret}}
    if channel == "form":
        return {"data": {user: "someone", field: secret}}
    if channel == "form-encoded-name":
        return {
            "data": f"{user}=someone&{quote(field[:3])}%{ord(field[3]):02X}{field[4:]}={secret}",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }
    if channel == "multipart":
        return {"files": {user: (None, "someone"), field: (None, secret)}}
    if channel == "multipart-as-text":
        body = f'--b0undary\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{secret}\r\n--b0undary--\r\n'
        return {"data": body, "headers": {"Content-Type": "text/plain"}}
    if channel == "json":
        return {"json": {user: "someone", field: secret}}
    if channel == "json-nested":
        return {"json": {"outer": [{"inner": {field: secret}}], user: "someone"}}
    if channel == "json-escaped-name":
        body = json.dumps({user: "someone", "NAME": secret}).replace("NAME", _escaped(field))
        return {"data": body, "headers": {"Content-Type": "application/json"}}
    if channel == "json-no-content-type":
        return {"data": json.dumps({user: "someone", field: secret})}
    if channel in ("text/plain", "application/octet-stream", "application/json"):
        return {"data": form, "headers": {"Content-Type": channel}}
    if channel == "no-content-type":
        return {"data": form.encode()}
    if channel == "multipart-without-boundary":  # a form with a content type that does not fit it
        return {"data": form, "headers": {"Content-Type": "multipart/form-data"}}
    if channel == "query-semicolons":  # the older separator
        return {"params": f"{user}=someone;{field}={secret};days=1"}
    if channel == "not-utf-8":  # the body is kept as base64
        return {
            "data": form.encode() + b"&note=\xff\xfe",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }
    raise AssertionError(channel)


PARAM_CHANNELS = [
    "query",
    "form",
    "form-encoded-name",
    "multipart",
    "multipart-as-text",
    "json",
    "json-nested",
    "json-escaped-name",
    "json-no-content-type",
    "text/plain",
    "application/octet-stream",
    "application/json",
    "no-content-type",
    "multipart-without-boundary",
    "query-semicolons",
    "not-utf-8",
]


def _decoded(d: dict[str, Any]) -> str:
    """An entry's dict as text, its base64 bodies decoded."""
    out = json.dumps(d, ensure_ascii=False)
    for name in ("body", "response_body"):
        if d.get(f"{name}_base64"):
            out += base64.b64decode(d[name]).decode("latin-1")
    return out


def assert_nowhere(mailblocks: Any, key: str, secret: str) -> JournalEntry:
    """The secret is in none of the journal's outputs; returns the entry."""
    entry = mailblocks.journal(key).last
    assert entry is not None
    d = entry.to_dict()
    assert secret not in _decoded(d), d
    assert secret not in repr(entry)
    listing = requests.get(f"{mailblocks.url}/_mailblocks/{key}/requests")
    assert listing.status_code == 200 and secret not in listing.text
    assert all(secret not in _decoded(e) for e in listing.json()["requests"])
    for page in ("/_mailblocks/ui/journal", f"/_mailblocks/ui/journal/{entry.seq}"):
        r = requests.get(mailblocks.url + page)
        assert r.status_code == 200 and secret not in r.text, page
    return entry


@pytest.mark.parametrize("channel", PARAM_CHANNELS)
@pytest.mark.parametrize(("key", "field"), [(k, f) for k, fields in PARAM_FIELDS.items() for f in fields])
def test_a_parameter_secret_never_leaves_the_process(mailblocks, key, field, channel):
    secret = f"Pssst{key}{field}{channel}".replace("/", "").replace("-", "")
    method, path = ROUTES[key]
    r = requests.request(method, mailblocks.url + path, **_param_request(channel, USER_FIELD[key], field, secret))
    assert r.status_code < 500
    entry = assert_nowhere(mailblocks, key, secret)
    shown = json.dumps(entry.to_dict(), ensure_ascii=False)
    if channel != "not-utf-8":
        assert REDACTED in shown  # the marker as is, never %3Credacted%3E
    assert "%3Credacted%3E" not in shown


def test_the_provider_reads_the_key_where_it_is_redacted(mailblocks):
    """The channels above are real ways in: CMC authenticates a form sent as
    text/plain, SendCloud a key in the query string (both then redacted)."""
    cmc = mailblocks.cmc
    form = f"api_user={cmc.api_user}&api_key={cmc.api_key}&server_composition={cmc.server_composition}"
    r = requests.post(
        mailblocks.url + "/transaction/v2/blocks/list.json", data=form, headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 200
    assert cmc.requests.last.auth == "ok"
    assert_nowhere(mailblocks, "cmc", cmc.api_key)
    sc = mailblocks.sendcloud
    r = requests.get(
        mailblocks.url + "/api/block/list", params={"apiUser": sc.api_user, "apiKey": sc.api_key, "days": 1}
    )
    assert r.json()["statusCode"] == 200
    assert_nowhere(mailblocks, "sendcloud", sc.api_key)


@pytest.mark.parametrize(("key", "field"), [(k, f) for k, fields in HEADER_FIELDS.items() for f in fields])
def test_a_header_secret_never_leaves_the_process(mailblocks, key, field):
    secret = f"Pssst{key}{field}".replace("-", "")
    value = f"Bearer {secret}" if field == "Authorization" else secret
    method, path = ROUTES[key]
    r = requests.request(method, mailblocks.url + path, headers={field: value})
    assert r.status_code < 500
    entry = assert_nowhere(mailblocks, key, secret)
    headers = {k.lower(): v for k, v in entry.to_dict()["headers"].items()}
    assert headers[field.lower()] == REDACTED


def test_the_control_planes_own_secrets_are_redacted_in_its_journal(mailblocks):
    requests.get(
        mailblocks.url + "/_mailblocks/health?token=PssstQuery",
        headers={"X-Mailblocks-Token": "PssstHeader", "Cookie": "mailblocks_ui_auth=PssstCookie"},
    )
    requests.post(
        mailblocks.url + "/_mailblocks/seed",
        json={"sendcloud": {"api_users": [{"api_user": "second", "api_key": "PssstSeeded"}]}},
    )
    requests.post(
        mailblocks.url + "/_mailblocks/ncp/access-keys",
        json={"access_key": "PssstAccess000000001", "secret_key": "PssstSecretKey"},
    )
    requests.get(mailblocks.url + "/_mailblocks/sendcloud/api-users")  # the answer lists keys
    journal = mailblocks.journal("_mailblocks")
    shown = "".join(_decoded(e.to_dict()) + repr(e) for e in journal)
    assert len(journal) == 4
    for secret in ("PssstQuery", "PssstHeader", "PssstCookie", "PssstSeeded", "PssstSecretKey"):
        assert secret not in shown
    assert mailblocks.sendcloud.api_key not in shown  # listed in an answer


def test_a_response_echoing_a_secret_is_redacted():
    e = JournalEntry(
        1,
        "p",
        "GET",
        "/x",
        "",
        (),
        b"",
        0.0,
        200,
        (("Content-Type", "application/json"), ("Set-Cookie", "s=Pssst1")),
        b'{"users": [{"api_user": "u", "api_key": "Pssst2"}]}',
        secrets=frozenset({"api_key", "set-cookie"}),
    )
    d = e.to_dict()
    assert "Pssst" not in json.dumps(d)
    assert d["response_headers"]["Set-Cookie"] == REDACTED
    assert json.loads(d["response_body"]) == {"users": [{"api_user": "u", "api_key": REDACTED}]}


SECRETS = frozenset({"api_key", "apikey"})


@pytest.mark.parametrize(
    ("text", "ctype", "expected"),
    [
        # forms: only the value changes, the rest stays as sent
        ("a=1&api_key=x%2By&b=2", "", "a=1&api_key=<redacted>&b=2"),
        ("api_key=x&api_key=y", "text/plain", "api_key=<redacted>&api_key=<redacted>"),
        ("API%5FKEY=x&b=%3C", "application/octet-stream", "API%5FKEY=<redacted>&b=%3C"),
        ("api_key", "", "api_key"),
        ("api_key=", "", "api_key=<redacted>"),
        # JSON: strings, numbers, objects and arrays under a secret key, at any depth
        ('{"api_key": "x", "n": 1}', "application/json", '{"api_key": "<redacted>", "n": 1}'),
        ('[{"a": {"apiKey": 12}}, "api_key"]', "", '[{"a": {"apiKey": "<redacted>"}}, "api_key"]'),
        ('{"api_key": {"a": ["}"]}, "b": 2}', "", '{"api_key": "<redacted>", "b": 2}'),
        ('{"x": "api_key", "y": "\\"api_key\\": 1"}', "", '{"x": "api_key", "y": "\\"api_key\\": 1"}'),
        # JSON cut short (a journal entry over its cap): what is kept is redacted
        ('{"a": 1, "api_key": "abc', "application/json", '{"a": 1, "api_key": "<redacted>"'),
        ('{"api_key": [1, 2', "application/json", '{"api_key": "<redacted>"'),
        ('{"api_key":   ', "application/json", '{"api_key":   "<redacted>"'),
        # a JSON body sent as a form: both readings are redacted
        ('{"n": "&api_key=x"}', "application/x-www-form-urlencoded", '{"n": "&api_key=<redacted>'),
        # multipart, by its boundary or by the look of the body
        (
            '--B\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\nx\r\n--B\r\n'
            'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
            '--B\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\n<redacted>\r\n--B\r\n'
            'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
        ),
        (
            "--B\r\nContent-Disposition: form-data; name=api_key\r\n\r\nx",
            "",
            "--B\r\nContent-Disposition: form-data; name=api_key\r\n\r\n<redacted>",
        ),
    ],
)
def test_redaction_changes_only_the_secret_values(text, ctype, expected):
    assert redact_text(text, ctype, SECRETS) == expected


@pytest.mark.parametrize("key", list(ROUTES))
def test_the_control_token_sent_to_a_provider_is_redacted(mailblocks, key):
    """A client configured to send X-Mailblocks-Token with every request sends it to
    the providers too: their journals hide it as well."""
    method, path = ROUTES[key]
    requests.request(method, mailblocks.url + path, headers={"X-Mailblocks-Token": "PssstControlToken"})
    entry = assert_nowhere(mailblocks, key, "PssstControlToken")
    assert entry.to_dict()["headers"]["X-Mailblocks-Token"] == REDACTED


@pytest.mark.parametrize("key", list(ROUTES))
@pytest.mark.parametrize("field", ["api_key", "apiKey", "X-Api-Key", "password", "access_token", "client_secret"])
def test_a_field_named_as_a_secret_is_redacted_whatever_the_provider_reads(mailblocks, key, field):
    """Plausible mistakes: SendGrid's key sent as ``?api_key=`` (SendGrid reads only
    the Authorization header), a password in a form, a token in JSON."""
    secret = f"Pssst{key}{field}".replace("-", "")
    method, path = ROUTES[key]
    url = f"{mailblocks.url}{path}?{field}={secret}"
    requests.request(method, url, headers={field: secret}, json={"outer": {field: secret}})
    assert_nowhere(mailblocks, key, secret)
