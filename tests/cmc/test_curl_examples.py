"""The seeds' request examples, run with the real curl (``-X POST -d key=value``)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import pytest

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

SEED = {
    "compositions": ["testcomp"],
    "users": [{"api_user": "testuser", "api_key": "password", "role": "admin"}],
    "blocks": [
        {
            "email": "to1@example.com",
            "created": "2015-12-14 08:46:00",
            "id": "cp0ihzuyl3445",
            "server_composition": "testcomp",
        },
        {
            "email": "test@example.com",
            "created": "2015-12-14 12:19:00",
            "id": "cp0ihzuyl3479",
            "server_composition": "testcomp",
        },
    ],
}


def curl(url: str, *fields: str) -> bytes:
    args = ["curl", "-s", "-X", "POST"]
    for f in ("api_user=testuser", "api_key=password", "server_composition=testcomp", *fields):
        args += ["-d", f]
    return subprocess.run([*args, url], capture_output=True, check=True, timeout=30).stdout


@pytest.mark.mailblocks(cmc=SEED)
def test_blocks_list_request_example(cmc_fake):
    out = curl(cmc_fake.url + "/transaction/v2/blocks/list.json")
    assert json.loads(out) == {
        "blocks": [
            {
                "created": "2015-12-14 08:46:00",
                "email": "to1@example.com",
                "id": "cp0ihzuyl3445",
                "occurred": "1",
                "status": "2",
            },
            {
                "created": "2015-12-14 12:19:00",
                "email": "test@example.com",
                "id": "cp0ihzuyl3479",
                "occurred": "1",
                "status": "2",
            },
        ]
    }


@pytest.mark.mailblocks(cmc=SEED, freeze="2015-12-07T08:52:02Z")
def test_blocks_download_request_example_saves_a_zip(cmc_fake, tmp_path):
    target = tmp_path / "data.zip"
    target.write_bytes(curl(cmc_fake.url + "/transaction/v2/blocks/download.json"))
    with zipfile.ZipFile(target) as zf:
        assert zf.namelist() == ["blocks-20151207_175202.csv"]
        assert zf.read(zf.namelist()[0]).splitlines()[0] == b'"created","id","email","status","occurred"'


@pytest.mark.mailblocks(cmc=SEED)
@pytest.mark.parametrize("action", ["delete", "cancel"])
def test_delete_and_cancel_request_examples(cmc_fake, action):
    out = curl(cmc_fake.url + f"/transaction/v2/blocks/{action}.json", "email=test@example.com")
    assert json.loads(out) == {"message": "success"}
    assert [b["email"] for b in cmc_fake.blocks(server_composition="testcomp")] == ["to1@example.com"]
    out = curl(cmc_fake.url + f"/transaction/v2/blocks/{action}.xml", "email=test@example.com")
    assert b"<code>12-001</code>" in out


@pytest.mark.mailblocks(cmc=dict(SEED, unsubscribes=[{"email": "u@example.com", "server_composition": "testcomp"}]))
def test_unsubscribes_with_curl(cmc_fake):
    out = curl(cmc_fake.url + "/transaction/v2/unsubscribes/cancel.json", 'email=[{"address":"u@example.com"}]')
    assert json.loads(out) == {"message": "success"}
    cmc_fake.run_batch()
    raw = curl(cmc_fake.url + "/transaction/v2/unsubscribes/download.json")
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.read(zf.namelist()[0]) == b'"created","email","filtername"\n'
