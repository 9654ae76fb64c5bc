"""The official Node SDK against the fake, unmodified (issue 21): ``@sendgrid/mail``'s
``send`` and ``@sendgrid/eventwebhook``'s signature check.

The packages are installed with npm into a cache folder outside the repository
(``MAILBLOCKS_NODE_MODULES``, default ``~/.cache/pytest-mailblocks/node``), once per
machine. Without node and npm the tests skip and say so; ``.ci/run`` installs the
packages and sets ``MAILBLOCKS_REQUIRE_NODE=1``, so in CI a missing piece fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import T0
from .test_event_webhook import Receiver

PACKAGES = ("@sendgrid/mail@8", "@sendgrid/client@8", "@sendgrid/eventwebhook@8")
SCRIPT = Path(__file__).with_name("node_sdk.js")
REQUIRED = os.environ.get("MAILBLOCKS_REQUIRE_NODE") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (MAILBLOCKS_REQUIRE_NODE=1)")
    pytest.skip(reason)


def node_modules() -> Path:
    """The cache folder's node_modules with the SDK, installed on first use (under a
    lock, so pytest-xdist's workers install once)."""
    if not (shutil.which("node") and shutil.which("npm")):
        _unavailable("node and npm are needed for the Node SDK tests")
    root = Path(os.environ.get("MAILBLOCKS_NODE_MODULES") or Path.home() / ".cache" / "pytest-mailblocks" / "node")
    modules = root / "node_modules"
    wanted = [modules / "@sendgrid" / name for name in ("mail", "client", "eventwebhook")]
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # no advisory locks here: a race costs a second install, no more
            pass
        if not all(p.is_dir() for p in wanted):
            done = subprocess.run(
                ["npm", "install", "--prefix", str(root), "--no-audit", "--no-fund", "--no-save", *PACKAGES],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0 or not all(p.is_dir() for p in wanted):
                _unavailable(f"npm could not install {' '.join(PACKAGES)}: {done.stderr.strip()[-300:]}")
    return modules


@pytest.fixture(scope="module")
def node():
    modules = node_modules()
    env = {**os.environ, "NODE_PATH": str(modules)}

    def run(*args: str, stdin: str | None = None) -> dict:
        done = subprocess.run(
            ["node", str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=60, env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    return run


def test_the_node_sdk_sends_and_verifies_the_signed_webhook(node, sendgrid_fake, httpserver):
    sg = sendgrid_fake
    sg.clock.freeze(T0)
    receiver = Receiver(httpserver)
    hook = sg.set_event_webhook(receiver.url, signed=True)
    sent = node("send", sg.url, sg.api_key)
    assert sent["status"] == 202
    sg.flush_events()
    [(headers, body)] = receiver.posts
    events = json.loads(body)
    assert [(e["email"], e["event"]) for e in events] == [
        ("ann@example.com", "processed"),
        ("ann@example.com", "delivered"),
        ("bounce@simulator.mailblocks.test", "processed"),
        ("bounce@simulator.mailblocks.test", "bounce"),
    ]
    assert all(e["sg_message_id"].startswith(sent["messageId"] + ".") for e in events)
    assert all(e["category"] == ["orders"] and e["order"] == "42" for e in events)
    checked = node(
        "verify",
        stdin=json.dumps(
            {
                "publicKey": hook["public_key"],
                "payload": body.decode(),
                "signature": headers["X-Twilio-Email-Event-Webhook-Signature"],
                "timestamp": headers["X-Twilio-Email-Event-Webhook-Timestamp"],
            }
        ),
    )
    assert checked == {"valid": True, "tampered": False}
    assert sg.requests.last.header("User-Agent", "").startswith("sendgrid/")
