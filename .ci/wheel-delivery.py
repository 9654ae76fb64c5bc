"""Run by .ci/wheel-check with the installed wheel alone (issue 21): a mail send to a
simulator bounce lists the address and posts a signed Event Webhook batch to a
receiver on loopback, whose signature verifies with the public key SendGrid's
settings API gives (so cryptography ships as the dependency it is); the same for
SendCloud: its bounce list, and each event a form POST whose HMAC-SHA256 signature
verifies with the APP KEY as SendCloud's docs verify it; a signed NCP send to a
simulator bounce fails it, puts it on the send-block list and the status API says so;
a CMC emails/send to a simulator bounce blocks the address (blocks/list shows it) and
its Event Webhook posts the batches, with the api_key, once the fake clock has moved a
second."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

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
    sc = server.sendcloud
    sc.set_webhook(f"http://127.0.0.1:{receiver.server_port}/sendcloud")
    form = {"apiUser": sc.api_user, "apiKey": sc.api_key, "from": "shop@example.com", "subject": "hi", "plain": "hi"}
    form["to"] = "bounce@simulator.mailblocks.test"
    answer = json.load(urllib.request.urlopen(sc.url + "/api/mail/send", urllib.parse.urlencode(form).encode()))
    assert answer["result"] is True and len(answer["info"]["emailIdList"]) == 1, answer
    sc.flush_events()
    assert [b["email"] for b in sc.bounces()] == ["bounce@simulator.mailblocks.test"]
    app_key = sc.app_key

    def ncp_call(method, target, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {**server.ncp.signed_headers(method, target), "Content-Type": "application/json"}
        with urllib.request.urlopen(urllib.request.Request(server.ncp.url + target, data, headers, method=method)) as r:
            return r.status, json.loads(r.read())

    mail = {"senderAddress": "shop@example.com", "title": "hi", "body": "hi"}
    mail["recipients"] = [{"address": "bounce@simulator.mailblocks.test", "type": "R"}]
    status, sent = ncp_call("POST", "/api/v1/mails", mail)
    assert status == 201 and sent["count"] == 1
    _, counts = ncp_call("GET", f"/api/v1/mails/requests/{sent['requestId']}/status")
    assert [c["status"]["code"] for c in counts["countsByStatus"]] == ["F"]
    _, listed = ncp_call("GET", "/api/v1/send-block?targetAddress=bounce%40simulator.mailblocks.test")
    assert listed["registerStatus"] == "Blocked"

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
    answer = urllib.request.urlopen(cmc.url + "/api/v2/emails/send.json", data=urllib.parse.urlencode(form).encode())
    assert answer.status == 200 and len(json.loads(answer.read())["id"]) == 24
    listed = urllib.request.urlopen(
        cmc.url + "/transaction/v2/blocks/list.json", data=urllib.parse.urlencode(cmc.auth).encode()
    )
    assert [b["email"] for b in json.loads(listed.read())["blocks"]] == ["bounce@simulator.mailblocks.test"]
    cmc.flush_events()
    assert [p for p in posts if p[0] == "/cmc"] == []  # batched: a second of the fake clock first
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    bodies = [json.loads(body) for path, _, body in posts if path == "/cmc"]
    assert sorted(b["event_type"] for b in bodies) == ["blocks", "bounces", "deliveries"]
    assert {b["api_key"] for b in bodies} == {"shared-secret"}
events = [dict(urllib.parse.parse_qsl(body.decode())) for path, _, body in posts if path == "/sendcloud"]
assert [(e["event"], e.get("substat")) for e in events] == [("request", None), ("invalid", "406")]
for e in events:
    mac = hmac.new(app_key.encode(), f"{e['timestamp']}{e['token']}".encode(), hashlib.sha256)
    assert e["signature"] == mac.hexdigest()
[(_, headers, payload)] = [post for post in posts if post[0] == "/events"]
assert [e["event"] for e in json.loads(payload)] == ["processed", "bounce"]
key = load_der_public_key(base64.b64decode(hook["public_key"]))
signed = headers["X-Twilio-Email-Event-Webhook-Timestamp"].encode() + payload
key.verify(base64.b64decode(headers["X-Twilio-Email-Event-Webhook-Signature"]), signed, ec.ECDSA(hashes.SHA256()))
receiver.shutdown()
print(
    "wheel-delivery: SendGrid and SendCloud: a bounce listed, a signed webhook verified; an NCP bounce "
    "send-blocked; CMC: a bounce blocked, its webhook batches posted"
)
