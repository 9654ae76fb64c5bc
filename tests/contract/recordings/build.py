"""Rewrite the live SendGrid captures into a vcrpy cassette and a HAR file (issue 17).

    python tests/contract/recordings/build.py ../shared/recordings/sendgrid

writes ``sendgrid_live.yaml`` (with vcrpy's own serializer: needs vcrpy)
and ``sendgrid_live.har`` next to this script. What was added to the captures, and
why, is in README.md here.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = "https://api.sendgrid.com"
#: (capture, status to write where the source shows none, store the answer gzip-encoded)
CAPTURES = [
    ("delete_bounce_email_404.json", None, False),
    ("get_spam_report_email_empty_200.json", None, False),
    ("list_bounces_200_recorded.json", 200, False),
    ("list_unsubscribes_200_recorded.json", 200, True),
    ("error_401_authorization_required_recorded.json", None, False),
]
REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found"}
#: the day the airbyte connector emitted its records (their captures have no Date)
AIRBYTE_DAY = "2023-03-14T00:00:00.000Z"


def load(folder: Path) -> list[dict]:
    out = []
    for name, status, gz in CAPTURES:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        response = data["response"]
        body = response["body"]
        raw = body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()
        headers = dict(response.get("headers") or {})
        if gz:
            raw = gzip.compress(raw, mtime=0)
            headers["Content-Encoding"] = "gzip"
        request = data["request"]
        out.append(
            {
                "name": name,
                "method": request["method"],
                "uri": HOST + request["path"],
                "request_headers": {k: v for k, v in request["headers"].items() if k != "Authorization"},
                "status": response["status"] or status,
                "headers": headers,
                "body": raw,
            }
        )
    return out


def cassette(items: list[dict]) -> str:
    """The cassette exactly as vcrpy writes it (its own serialize path), needs vcrpy."""
    from vcr.request import Request
    from vcr.serialize import serialize
    from vcr.serializers import yamlserializer

    requests = [Request(it["method"], it["uri"], None, it["request_headers"]) for it in items]
    responses = [
        {
            "status": {"code": it["status"], "message": REASONS[it["status"]]},
            "headers": {k: [v] for k, v in it["headers"].items()},
            "body": {"string": it["body"]},
        }
        for it in items
    ]
    return serialize({"requests": requests, "responses": responses}, yamlserializer)


def har(items: list[dict]) -> str:
    entries = []
    for it in items:
        date = it["headers"].get("Date")
        started = (
            parsedate_to_datetime(date).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            if date
            else AIRBYTE_DAY
        )
        encoded = "Content-Encoding" in it["headers"]
        body = gzip.decompress(it["body"]) if encoded else it["body"]
        content = {"size": len(body), "mimeType": it["headers"].get("Content-Type", "application/json")}
        if encoded:  # as some exporters keep a body: base64
            content.update(text=base64.b64encode(body).decode(), encoding="base64")
        else:
            content["text"] = body.decode()
        entries.append(
            {
                "startedDateTime": started,
                "time": 0,
                "request": {
                    "method": it["method"],
                    "url": it["uri"],
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in it["request_headers"].items()],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": 0,
                },
                "response": {
                    "status": it["status"],
                    "statusText": REASONS[it["status"]],
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in it["headers"].items() if k != "Content-Encoding"],
                    "cookies": [],
                    "content": content,
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(body),
                },
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0},
            }
        )
    log = {"log": {"version": "1.2", "creator": {"name": "build.py", "version": "1"}, "entries": entries}}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def main(folder: str) -> None:
    items = load(Path(folder))
    (HERE / "sendgrid_live.yaml").write_text(cassette(items), encoding="utf-8")
    (HERE / "sendgrid_live.har").write_text(har(items), encoding="utf-8")
    print(f"wrote {len(items)} interactions at {datetime.now(timezone.utc):%Y-%m-%d}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE.parents[3] / "shared" / "recordings" / "sendgrid"))
