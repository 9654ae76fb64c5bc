"""Run by .ci/wheel-check with the installed wheel alone (issue 21): a mail send to a
simulator bounce lists the address and posts a signed Event Webhook batch to a
receiver on loopback, whose signature verifies with the public key SendGrid's
settings API gives (so cryptography ships as the dependency it is); a signed NCP send
to a simulator bounce fails it, puts it on the send-block list and the status API
says so."""

import base64
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from pytest_mailblocks import FakeServer

posts = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        posts.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
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
[(headers, payload)] = posts
assert [e["event"] for e in json.loads(payload)] == ["processed", "bounce"]
key = load_der_public_key(base64.b64decode(hook["public_key"]))
signed = headers["X-Twilio-Email-Event-Webhook-Timestamp"].encode() + payload
key.verify(base64.b64decode(headers["X-Twilio-Email-Event-Webhook-Signature"]), signed, ec.ECDSA(hashes.SHA256()))
receiver.shutdown()
print("wheel-delivery: a bounce listed, a signed webhook verified; an NCP bounce send-blocked")
