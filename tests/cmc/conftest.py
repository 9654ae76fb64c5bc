"""A small client over the shared ``http`` session for the CMC tests."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
import requests

from pytest_mailblocks.providers.cmc.handle import CmcHandle


class CMC:
    """``post("blocks/list", r="5")`` sends a curl-style form (``-d key=value``) with
    the default credentials; ``post_json`` sends the same as a JSON body."""

    def __init__(self, http: requests.Session, fake: CmcHandle) -> None:
        self.http = http
        self.fake = fake

    def url(self, op: str, fmt: str = "json", version: str = "v2") -> str:
        return f"{self.fake.url}/transaction/{version}/{op}.{fmt}"

    def params(self, fields: dict[str, Any]) -> dict[str, Any]:
        base: dict[str, Any] = dict(self.fake.auth)
        base.update(fields)
        return {k: v for k, v in base.items() if v is not None}

    def post(
        self,
        op: str,
        fmt: str = "json",
        *,
        version: str = "v2",
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> requests.Response:
        return self.http.post(self.url(op, fmt, version), data=self.params(fields), headers=headers)

    def post_json(
        self, op: str, fmt: str = "json", *, headers: dict[str, str] | None = None, **fields: Any
    ) -> requests.Response:
        return self.http.post(self.url(op, fmt), json=self.params(fields), headers=headers)

    def ja(self, op: str, fmt: str = "json", **fields: Any) -> requests.Response:
        return self.post(op, fmt, headers={"Accept-Language": "ja"}, **fields)

    def send(self, fmt: str = "json", *, op: str = "send", version: str = "v2", **fields: Any) -> requests.Response:
        """``POST /api/<version>/emails/<op>.<fmt>`` with the default credentials and a
        form of ``fields`` (None drops a field; lists and dicts go as JSON text)."""
        data = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in fields.items()}
        data = {"api_user": self.fake.api_user, "api_key": self.fake.api_key, **data}
        url = f"{self.fake.url}/api/{version}/emails/{op}.{fmt}"
        return self.http.post(url, data={k: v for k, v in data.items() if v is not None})


@pytest.fixture
def cmc(http: requests.Session, cmc_fake: CmcHandle) -> CMC:
    return CMC(http, cmc_fake)


def error(code: str, field: str, message: str) -> dict[str, str]:
    return {"code": code, "field": field, "message": message}


def errors(*items: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    return {"errors": list(items)}


def xml_errors(r: requests.Response) -> list[dict[str, str]]:
    """The ``<errors>`` body as a list of dicts (parsed with the standard library)."""
    root = ET.fromstring(r.content)
    assert root.tag == "errors"
    return [{child.tag: child.text or "" for child in node} for node in root]


def unzip(content: bytes, password: bytes | None = None) -> tuple[str, bytes]:
    """The one member of a downloaded ZIP (standard ``zipfile``)."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = zf.namelist()
        assert len(names) == 1, names
        return names[0], zf.read(names[0], pwd=password)


SIM = "simulator.mailblocks.test"
SENDER = {"name": "Shop", "address": "shop@example.com"}


def mail(*to: Any, **extra: Any) -> dict[str, Any]:
    """The fields of a valid emails/send to ``to`` (addresses or objects)."""
    fields: dict[str, Any] = {
        "to": list(to) if len(to) != 1 else to[0],
        "from": SENDER,
        "subject": "Your order",
        "text": "Thanks for your order.",
    }
    fields.update(extra)
    return fields
