"""Run by .ci/wheel-check with the installed wheel alone (issue 21): a mail send to a
simulator bounce lists the address and posts a signed Event Webhook batch to a
receiver on loopback, whose signature verifies with the public key SendGrid's
settings API gives (so cryptography ships as the dependency it is); a CMC
emails/send to a simulator bounce blocks the address (blocks/list shows it) and its
Event Webhook posts the batches, with the api_key, once the fake clock has moved a
second."""

import base64
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from pytest_mailblocks import FakeServer

posts = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        posts.append((self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
with FakeServer() as server:
    sg = server.sendgrid
    hook = sg.set_event_webhook(f"http://127.0.0.1:{receiver.server_port}/events", signed=True)
    body = {
        "personalizations": [{"to": [{"email": "bounce@simulator.mailblocks.test"}]}],
        "from": {"email": "shop@example.com"},
        "subject": "hi",
        "content": [{"type": "text/plain", "value": "hi"}],
    }
    request = urllib.request.Request(
        sg.url + "/v3/mail/send",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {sg.api_key}", "Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(request).status == 202
    sg.flush_events()
    assert [b["email"] for b in sg.bounces()] == ["bounce@simulator.mailblocks.test"]

    cmc = server.cmc
    cmc.clock.freeze()
    cmc.set_event_webhook(f"http://127.0.0.1:{receiver.server_port}/cmc", api_key="shared-secret")
    form = {
        **cmc.auth,
        "to": "bounce@simulator.mailblocks.test",
        "from": json.dumps({"name": "Shop", "address": "shop@example.com"}),
        "subject": "hi",
        "text": "hi",
    }
    answer = urllib.request.urlopen(cmc.url + "/api/v2/emails/send.json", data=urlencode(form).encode())
    assert answer.status == 200 and len(json.loads(answer.read())["id"]) == 24
    listed = urllib.request.urlopen(cmc.url + "/transaction/v2/blocks/list.json", data=urlencode(cmc.auth).encode())
    assert [b["email"] for b in json.loads(listed.read())["blocks"]] == ["bounce@simulator.mailblocks.test"]
    cmc.flush_events()
    assert [p for p in posts if p[0] == "/cmc"] == []  # batched: a second of the fake clock first
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    bodies = [json.loads(body) for path, _, body in posts if path == "/cmc"]
    assert sorted(b["event_type"] for b in bodies) == ["blocks", "bounces", "deliveries"]
    assert {b["api_key"] for b in bodies} == {"shared-secret"}
[(_, headers, payload)] = [p for p in posts if p[0] == "/events"]
assert [e["event"] for e in json.loads(payload)] == ["processed", "bounce"]
key = load_der_public_key(base64.b64decode(hook["public_key"]))
signed = headers["X-Twilio-Email-Event-Webhook-Timestamp"].encode() + payload
key.verify(base64.b64decode(headers["X-Twilio-Email-Event-Webhook-Signature"]), signed, ec.ECDSA(hashes.SHA256()))
receiver.shutdown()
print("wheel-delivery: a bounce listed, a signed webhook verified; CMC: a bounce blocked, its webhook batches posted")
