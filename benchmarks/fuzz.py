"""Fuzz every route of every provider, the control plane and the web inspector with
100,000+ requests; with ``--faults``, while injecting random faults.

The generators are the ones the CI fuzz tests use (``tests/reliability/fuzzing.py``);
here failures are collected instead of raised, and the run prints how many
requests were sent, the status mix per provider and every failure (deduplicated).

    python benchmarks/fuzz.py                     # 100,000 requests, in-process
    python benchmarks/fuzz.py -n 20000 --socket   # through the built-in server
    python benchmarks/fuzz.py --faults -n 10000   # random faults armed while fuzzing
    python benchmarks/fuzz.py --seed 1234         # replay a run: the same seed draws the same requests

Every run prints its seed first (a fresh random one unless ``--seed`` is given) and
again with any failure, as the command that replays it; the requests are drawn from
it alone (an NCP signature still carries the time it is sent at).

``--faults``: each Hypothesis example resets the fake, arms one to three faults
(status 400-599, latency up to 5 ms, connection reset, or two of them; for the
next 1-3 calls or until cleared; for a provider or all, an operation, a method, a
path glob) through the control plane, the provider's control plane, the Python
API or a handle, then sends one to six requests, mostly to provider routes. The
table counts faults armed and fired by kind; a failure is an answer not in the
provider's format, a 5xx or reset no fault explains, a fault that should have
fired and did not (or fired where it should not), an injected status that did not
come back in the provider's own error format with its headers, an internal error,
or a server that stops answering after a reset.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.fuzzing import (  # noqa: E402
    UI,
    FaultRun,
    Transport,
    Unsendable,
    fault_plans,
    requests_for,
    send,
    target,
)

from pytest_mailblocks import FakeServer  # noqa: E402
from pytest_mailblocks.core.errors import ConnectionReset  # noqa: E402

SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


def fresh_seed() -> int:
    return random.SystemRandom().getrandbits(64)


def draw_examples(strategy: st.SearchStrategy[Any], n: int, seed_value: int, body: Callable[[Any], None]) -> None:
    """Call ``body`` on ``n`` examples of ``strategy`` drawn from ``seed_value`` alone
    (no example database): the same seed draws the same examples, in the same order."""
    seed(seed_value)(settings(SETTINGS, max_examples=n)(given(strategy)(body)))()


def _socket_transport(url: str) -> Transport:
    """Requests over the built-in server; a dropped connection is a reset."""
    import requests

    session = requests.Session()

    def call(method: str, tgt: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, Any, bytes]:
        try:
            r = session.request(method, url + tgt, headers=dict(headers), data=body, allow_redirects=False)
        except requests.ConnectionError:
            raise ConnectionReset("connection dropped") from None
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError) as exc:
            raise Unsendable(str(exc)) from None
        return r.status_code, list(r.headers.items()), r.content

    return call


def _print_statuses(statuses: collections.Counter[tuple[str, int]]) -> None:
    print("status mix (0: connection reset):")
    by_provider: dict[str, dict[int, int]] = collections.defaultdict(dict)
    for (provider, status), n in sorted(statuses.items()):
        by_provider[provider][status] = n
    for provider, mix in by_provider.items():
        print(f"  {provider:12s} " + "  ".join(f"{s}: {n:,}" for s, n in sorted(mix.items())))


def fuzz(server: FakeServer, n: int, transport: Transport | None, seed_value: int) -> tuple[int, dict[str, Any]]:
    app = server.app
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    failures: dict[str, tuple[int, dict[str, Any], bytes]] = {}
    count = unsendable = 0

    def one(req: dict[str, Any]) -> None:
        nonlocal count, unsendable
        count += 1
        if count % 5000 == 0:  # keep the journal and state bounded over a long run
            app.reset()
        app.faults.clear()  # one a random control-plane body armed
        app.clock.real()
        result = send(app, req, transport)
        if result.status == -1:
            unsendable += 1
            return
        ui = result.entry is not None and result.entry.path.startswith("/_mailblocks/ui")
        statuses[(UI if ui else req["provider"], result.status)] += 1
        for problem in result.problems:
            failures.setdefault(f"{req['provider']}: {problem}", (count, req, result.body[:300]))
        app.errors.clear()

    draw_examples(requests_for(app), n, seed_value, one)
    _print_statuses(statuses)
    if unsendable:
        print(f"not sent (the client refused a header value): {unsendable:,}")
    return count - unsendable, failures


def fuzz_with_faults(
    server: FakeServer, n: int, transport: Transport | None, seed_value: int
) -> tuple[int, dict[str, Any]]:
    app = server.app
    run = FaultRun(app, transport)
    plans = 0

    def one(plan: Any) -> None:
        nonlocal plans
        if run.requests < n:
            plans += 1
            run.run(plan)
            app.errors.clear()

    rounds = random.Random(seed_value)  # each round its own seed, all from the run's
    while run.requests < n:  # a plan sends 3.5 requests on average; run on until n are sent
        draw_examples(fault_plans(app), max(1, (n - run.requests) // 3), rounds.getrandbits(64), one)
    _print_statuses(run.statuses)
    kinds = sorted(set(run.armed_kinds) | set(run.fired))
    print(f"faults armed: {sum(run.armed.values()):,} in {plans:,} plans")
    print("  by channel: " + ", ".join(f"{c} {k:,}" for c, k in sorted(run.armed.items())))
    print(f"  {'kind':16s} {'armed':>8s} {'fired':>8s}")
    for kind in kinds:
        print(f"  {kind:16s} {run.armed_kinds[kind]:8,} {run.fired[kind]:8,}")
    print(f"  {'total':16s} {sum(run.armed_kinds.values()):8,} {sum(run.fired.values()):8,}")
    if run.unsendable:
        print(f"not sent (the client refused a header value): {run.unsendable:,}")
    print(f"connection resets: {run.resets:,}; server answering afterwards: {run.answered_after_reset:,}")
    print(f"                   of {run.reset_runs:,} plans with a reset")
    failures = {name: (at, {"plan": plan}, b"") for name, (at, plan) in run.failures.items()}
    return run.requests, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="requests to send (default 100,000)")
    parser.add_argument("--socket", action="store_true", help="send over the built-in server's socket")
    parser.add_argument("--faults", action="store_true", help="arm random faults while fuzzing")
    parser.add_argument("--seed", type=int, help="draw the requests from this seed (default: a fresh one)")
    args = parser.parse_args(argv)
    seed_value = fresh_seed() if args.seed is None else args.seed
    replay = f"python benchmarks/fuzz.py --seed {seed_value} -n {args.n}"
    replay += " --socket" * args.socket + " --faults" * args.faults
    print(f"seed: {seed_value} (replay: {replay})", flush=True)

    server = FakeServer().start()
    transport = _socket_transport(server.url) if args.socket else None
    start = time.perf_counter()
    count, failures = (fuzz_with_faults if args.faults else fuzz)(server, args.n, transport, seed_value)
    elapsed = time.perf_counter() - start
    server.app.faults.clear()
    alive = server.httpx_client().get("/_mailblocks/health").status_code == 200
    server.stop()

    mode = ("socket" if args.socket else "in-process") + (", with faults" if args.faults else "")
    print(f"requests fuzzed: {count:,} in {elapsed:.0f} s ({mode})")
    print(f"server still answering afterwards: {'yes' if alive else 'NO'}")
    print(f"failures: {len(failures)}" + (f" (seed {seed_value}; replay: {replay})" if failures else ""))
    for name, (at, req, body) in failures.items():
        where = f"{req['method']} {target(req)[:120]!r}" if "method" in req else str(req["plan"])[:300]
        print(f"  - {name} (request #{at}: {where} -> {body[:120]!r})")
    return 1 if failures or not alive else 0


if __name__ == "__main__":
    raise SystemExit(main())
