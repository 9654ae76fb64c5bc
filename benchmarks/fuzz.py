"""Fuzz every route of every provider and the control plane with 100,000+ requests.

The generator is the one the CI fuzz test uses (``tests/reliability/fuzzing.py``);
here failures are collected instead of raised, and the run prints how many
requests were sent, the status mix per provider and every failure (deduplicated).

    python benchmarks/fuzz.py                 # 100,000 requests, in-process
    python benchmarks/fuzz.py -n 20000 --socket   # through the built-in server
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.fuzzing import problems, requests_for, target  # noqa: E402

from pytest_mailblocks import FakeServer  # noqa: E402
from pytest_mailblocks.core.inprocess import call_target  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="requests to send (default 100,000)")
    parser.add_argument("--socket", action="store_true", help="send over the built-in server's socket")
    args = parser.parse_args(argv)

    server = FakeServer().start()
    app = server.app
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    failures: dict[str, tuple[int, dict[str, Any], bytes]] = {}
    count = 0
    session = None
    if args.socket:
        import requests

        session = requests.Session()

    @settings(max_examples=args.n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=requests_for(app))
    def one(req: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        if count % 5000 == 0:  # keep the journal and state bounded over a long run
            app.reset()
        if session is not None:
            r = session.request(req["method"], server.url + target(req), headers=dict(req["headers"]), data=req["body"])
            status, headers, body = r.status_code, list(r.headers.items()), r.content
        else:
            status, headers, body = call_target(app, req["method"], target(req), req["headers"], req["body"])
        statuses[(req["provider"], status)] += 1
        for problem in problems(app, req, status, headers, body):
            failures.setdefault(f"{req['provider']}: {problem}", (count, req, body[:300]))
        if app.errors:
            failures.setdefault(f"internal error: {app.errors[0]!r}", (count, req, b""))
            app.errors.clear()

    start = time.perf_counter()
    one()
    elapsed = time.perf_counter() - start
    alive = server.httpx_client().get("/_mailblocks/health").status_code == 200
    server.stop()

    print(f"requests fuzzed: {count:,} in {elapsed:.0f} s ({'socket' if args.socket else 'in-process'})")
    print(f"server still answering afterwards: {'yes' if alive else 'NO'}")
    print("status mix:")
    by_provider: dict[str, dict[int, int]] = collections.defaultdict(dict)
    for (provider, status), n in sorted(statuses.items()):
        by_provider[provider][status] = n
    for provider, mix in by_provider.items():
        print(f"  {provider:12s} " + "  ".join(f"{s}: {n:,}" for s, n in sorted(mix.items())))
    print(f"failures: {len(failures)}")
    for name, (at, req, body) in failures.items():
        print(f"  - {name} (request #{at}: {req['method']} {target(req)[:120]!r} -> {body[:120]!r})")
    return 1 if failures or not alive else 0


if __name__ == "__main__":
    raise SystemExit(main())
