"""pytest-mailblocks benchmark: the issue 8 targets, side by side with the baseline.

Every figure is measured in this one run, next to its baseline (pytest-httpserver,
the usual way suites fake HTTP), and printed as a table with the ratio and the
target. Throughput rounds alternate between the contenders and keep each one's best
round, so a noisy neighbour hurts both alike.

    python benchmarks/bench.py            # full: 1,000,000 blocks
    python benchmarks/bench.py --quick    # CI: 100,000 blocks, fewer requests
    python benchmarks/bench.py --check    # exit 1 if a target is missed
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import logging
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.table import markdown_table

logging.getLogger("werkzeug").setLevel(logging.ERROR)

BLOCKS = "/v3/suppression/blocks"
REASONS = (
    "550 5.1.1 <{e}>: Recipient address rejected: User unknown in local recipient table",
    "452 4.2.2 The email account that you tried to reach is over quota",
    "554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org",
    "unable to resolve MX record for {d}: servfail",
    "error dialing remote address: dial tcp 10.57.152.165:25: connection timed out",
)


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


def rate(call: Callable[[], Any], n: int, rounds: int = 3) -> float:
    """Best requests per second over ``rounds`` runs of ``n`` calls."""
    best = 0.0
    for _ in range(rounds):
        for _ in range(max(20, n // 20)):
            call()
        start = time.perf_counter()
        for _ in range(n):
            call()
        best = max(best, n / (time.perf_counter() - start))
    return best


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def records(n: int, seed: int = 8) -> Iterator[dict[str, Any]]:
    """Realistic blocks: distinct addresses over ~1,000 domains, varied reasons."""
    rng = random.Random(seed)
    for i in range(n):
        domain = f"mail{i % 997}.example"
        email = f"user{i}@{domain}"
        yield {
            "email": email,
            "created": 1_600_000_000 + rng.randrange(0, 90_000_000),
            "reason": REASONS[i % 5].format(e=email, d=domain),
            "status": ("5.1.1", "4.2.2", "5.7.1", "4.0.0", "4.0.0")[i % 5],
        }


def throughput(n: int) -> list[Row]:
    baseline = HTTPServer()
    baseline.start()
    baseline.expect_request(BLOCKS).respond_with_json([])
    base_url = baseline.url_for(BLOCKS)

    @Request.application
    def trivial(request: Request) -> Response:
        return Response("[]", content_type="application/json")

    rows = []
    with FakeServer() as fake:
        sg = fake.sendgrid
        sg.set_rate_limit(10**9)
        auth = {"Authorization": f"Bearer {sg.api_key}"}
        fake.app.journals["sendgrid"]  # journaling stays on, as in real use

        hx_base = httpx.Client()
        hx_in = sg.httpx_client(headers=auth)
        hx_sock = httpx.Client(base_url=sg.url, headers=auth)
        hx_trivial = httpx.Client(transport=httpx.WSGITransport(app=trivial), base_url="http://x")
        rq_base = requests.Session()
        rq_in = sg.requests_session()
        rq_in.headers.update(auth)
        rq_sock = requests.Session()
        rq_sock.headers.update(auth)

        base_host, base_port = baseline.host, baseline.port
        hc_sock = http.client.HTTPConnection(fake.host, fake.port)
        hc_headers = {"Authorization": f"Bearer {sg.api_key}"}

        def stdlib_base() -> None:
            # pytest-httpserver closes every connection: a new one per request
            conn = http.client.HTTPConnection(base_host, base_port)
            conn.request("GET", BLOCKS)
            conn.getresponse().read()
            conn.close()

        def stdlib_sock() -> None:
            hc_sock.request("GET", BLOCKS, headers=hc_headers)
            hc_sock.getresponse().read()

        got: dict[str, float] = {}
        contenders = {
            "httpx base": lambda: hx_base.get(base_url),
            "httpx in": lambda: hx_in.get(BLOCKS),
            "httpx sock": lambda: hx_sock.get(BLOCKS),
            "httpx trivial": lambda: hx_trivial.get(BLOCKS),
            "requests base": lambda: rq_base.get(base_url),
            "requests in": lambda: rq_in.get(sg.url + BLOCKS),
            "requests sock": lambda: rq_sock.get(sg.url + BLOCKS),
            "http.client base": stdlib_base,
            "http.client sock": stdlib_sock,
        }
        for _ in range(2):  # alternate: every contender runs in each half of the run
            for name, call in contenders.items():
                got[name] = max(got.get(name, 0.0), rate(call, n, rounds=2))
        for client in ("httpx", "requests", "http.client"):
            base = got[f"{client} base"]
            for mode, key, target in (("in-process", "in", 7.0), ("built-in server, keep-alive", "sock", 2.0)):
                if f"{client} {key}" not in got:
                    continue  # http.client has no in-process transport
                ours = got[f"{client} {key}"]
                rows.append(
                    Row(
                        f"requests/s, {mode} vs pytest-httpserver ({client})",
                        f"{ours:,.0f}/s",
                        f"{base:,.0f}/s",
                        f"{ours / base:.1f}x",
                        f">= {target:g}x",
                        ours / base >= target,
                    )
                )
        rows.append(
            Row(
                "reference: httpx over a trivial werkzeug app, in-process",
                f"{got['httpx trivial']:,.0f}/s",
                f"{got['httpx base']:,.0f}/s",
                f"{got['httpx trivial'] / got['httpx base']:.1f}x",
                "(target's basis)",
                None,
            )
        )
        hc_sock.close()
        for c in (hx_base, hx_in, hx_sock, hx_trivial, rq_base, rq_in, rq_sock):
            c.close()
    baseline.stop()
    return rows


def start_stop(cycles: int) -> Row:
    def ours() -> None:
        server = FakeServer()
        server.start()
        server.stop()

    def theirs() -> None:
        server = HTTPServer()
        server.start()
        server.stop()

    ours()
    theirs()
    o = statistics.median(_timed(ours) for _ in range(cycles))
    t = statistics.median(_timed(theirs) for _ in range(cycles))
    return Row(
        "start+stop, later servers in a process (median)",
        f"{o * 1e3:.2f} ms",
        f"{t * 1e3:.2f} ms",
        f"{t / o:.1f}x faster",
        "<= 20 ms, >= 25x faster",
        o <= 0.020 and t / o >= 25,
    )


def first_start_stop() -> Row:
    """A session's first server in a fresh process, the way the pytest plugin starts
    one: the package imported, the providers not yet (their import and route tables
    are part of the start). Byte code is compiled first, as a wheel install does."""
    import compileall
    import subprocess

    import pytest_mailblocks

    compileall.compile_dir(os.path.dirname(pytest_mailblocks.__file__), quiet=1)

    code = (
        "import time\nfrom pytest_mailblocks import FakeServer\nfrom pytest_httpserver import HTTPServer\n"
        "t = time.perf_counter(); s = FakeServer(); s.start(); s.stop(); o = time.perf_counter() - t\n"
        "t = time.perf_counter(); h = HTTPServer(); h.start(); h.stop(); b = time.perf_counter() - t\n"
        "print(o, b)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        for _ in range(5)
    ]
    o = statistics.median(float(r[0]) for r in runs)
    t = statistics.median(float(r[1]) for r in runs)
    return Row(
        "first start+stop in a fresh process (median of 5)",
        f"{o * 1e3:.2f} ms",
        f"{t * 1e3:.2f} ms",
        f"{t / o:.1f}x faster",
        "<= 20 ms, >= 25x faster",
        o <= 0.020 and t / o >= 25,
    )


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_test_reset(n: int) -> Row:
    with FakeServer() as fake:
        sg = fake.sendgrid
        samples = []
        for _ in range(n):
            for i in range(10):  # a typical test: a few blocks, a key, a request or two
                sg.add_block(f"user{i}@example.com")
            sg.add_api_key(scopes=["suppression.blocks.read"])
            fake.clock.advance(seconds=1)
            start = time.perf_counter()
            fake.reset()
            fake.app.providers["sendgrid"].state  # noqa: B018 - the state a test then uses is rebuilt
            samples.append(time.perf_counter() - start)
    us = statistics.median(samples) * 1e6
    return Row(
        "per-test reset (median; all providers, then the used one rebuilt)",
        f"{us:.1f} us",
        "-",
        "-",
        "<= 50 us",
        us <= 50,
    )


def memory(n: int) -> float:
    """RSS growth (MB) of holding ``n`` blocks, seeded from a generator so that
    nothing but the fake's own state stays alive."""
    gc.collect()
    before = rss_mb()
    fake = FakeServer().start()
    fake.sendgrid.add_blocks(records(n))
    gc.collect()
    grown = rss_mb() - before
    fake.stop()
    return grown


def at_scale(n: int, queries: int) -> list[Row]:
    mem = memory(n)
    data = list(records(n))
    with FakeServer() as fake:
        sg = fake.sendgrid
        sg.set_rate_limit(10**9)
        start = time.perf_counter()
        sg.add_blocks(data)
        seed_s = time.perf_counter() - start
        del data

        client = sg.httpx_client(headers={"Authorization": f"Bearer {sg.api_key}"})
        rng = random.Random(3)
        cases = []
        for _ in range(queries):
            lo = 1_600_000_000 + rng.randrange(0, 80_000_000)
            cases.append(
                {
                    "email": f"user{rng.randrange(1, 99)}",
                    "start_time": lo,
                    "end_time": lo + 10_000_000,
                    "limit": 100,
                    "offset": rng.choice((0, 100, 500)),
                }
            )
            cases.append({"email": f"user{rng.randrange(100, 9999)}", "limit": 500})
            cases.append({"offset": rng.randrange(0, n - 500), "limit": 500})
        times = []
        for params in cases:
            t0 = time.perf_counter()
            r = client.get(BLOCKS, params=params)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
        client.close()
    p50 = statistics.median(times) * 1e3
    p95 = sorted(times)[int(len(times) * 0.95) - 1] * 1e3
    scale = f"{n:,}"
    return [
        Row(f"seed {scale} blocks (sg.add_blocks)", f"{seed_s:.2f} s", "-", "-", "<= 5 s", seed_s <= 5),
        Row(
            f"list, email prefix + window + page, at {scale} (p50 / p95 over {len(times)})",
            f"{p50:.2f} / {p95:.2f} ms",
            "-",
            "-",
            "<= 20 ms",
            p95 <= 20,
        ),
        Row(f"memory at {scale} blocks (RSS growth)", f"{mem:,.0f} MB", "-", "-", "<= 500 MB", mem <= 500),
    ]


def mail_send(rounds: int, recipients: int = 1000) -> list[Row]:
    """Issue 21: the app's own time for one ``POST /v3/mail/send`` to 1,000 recipients
    (in-process: parse, check, decide per recipient, events into the outbox, answer),
    a tenth of them on a suppression list and a twentieth simulator bounces; then the
    same with a signed Event Webhook on (the batch built and queued; the posting and
    its signature happen in the dispatcher thread, not in the request)."""
    from pytest_mailblocks import App
    from pytest_mailblocks.core.fake import Fake
    from pytest_mailblocks.core.inprocess import call_target

    app = App(providers=["sendgrid"])
    sg = Fake(app).sendgrid
    to = [f"user{i}@mail{i % 97}.example" for i in range(recipients)]
    for i in range(0, recipients, 20):
        to[i] = f"bounce+{i}@simulator.mailblocks.test"
    sg.add_many("bounces", to[1::10])
    body = json.dumps(
        {
            "personalizations": [{"to": [{"email": e} for e in to]}],
            "from": {"email": "shop@example.com"},
            "subject": "Your order",
            "content": [{"type": "text/plain", "value": "Thanks"}],
            "categories": ["orders"],
            "custom_args": {"order": "42"},
        }
    ).encode()
    headers = [("Authorization", f"Bearer {sg.api_key}"), ("Content-Type", "application/json")]

    def once() -> None:
        status, _, answer = call_target(app, "POST", "/v3/mail/send", headers, body)
        assert status == 202, answer

    def measure() -> tuple[float, float]:
        for _ in range(2):
            once()
        samples = [_timed(once) * 1e3 for _ in range(rounds)]
        return min(samples), statistics.median(samples)

    plain = measure()
    app.webhooks.transport = lambda url, data, hdrs, timeout: (200, None)  # no network in a benchmark
    sg.set_event_webhook("http://127.0.0.1:9/events", signed=True)
    hooked = measure()
    app.webhooks.wait_idle(30)
    app.close()
    label = f"{recipients:,} recipients"
    return [
        Row(
            f"mail send to {label}, decided (min / median of {rounds})",
            f"{plain[0]:.1f} / {plain[1]:.1f} ms",
            "-",
            "-",
            "<= 50 ms",
            plain[1] <= 50,
        ),
        Row(
            f"mail send to {label}, with a signed Event Webhook (min / median)",
            f"{hooked[0]:.1f} / {hooked[1]:.1f} ms",
            "-",
            "-",
            "(reference)",
            None,
        ),
    ]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}; "
        f"Python {platform.python_version()}, httpx {httpx.__version__}, requests {requests.__version__}"
    )


def render(rows: list[Row]) -> str:
    head = ("measure", "pytest-mailblocks", "pytest-httpserver", "ratio", "target", "met")
    table = [head] + [
        (r.measure, r.ours, r.baseline, r.ratio, r.target, "-" if r.met is None else ("yes" if r.met else "NO"))
        for r in rows
    ]
    return markdown_table(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run for CI (100,000 blocks)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    n_req = 500 if args.quick else 4000
    n_blocks = 100_000 if args.quick else 1_000_000
    print(f"machine: {machine()}", flush=True)
    rows = throughput(n_req)
    rows.append(start_stop(10 if args.quick else 50))
    rows.append(first_start_stop())
    rows.append(per_test_reset(200 if args.quick else 2000))
    rows += at_scale(n_blocks, 10 if args.quick else 50)
    rows += mail_send(10 if args.quick else 40)
    print(render(rows))
    missed = [r.measure for r in rows if r.met is False]
    if missed:
        print(f"targets missed: {len(missed)}", file=sys.stderr)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
