"""Memory and connections a client can take from a running ``mailblocks serve``.

Starts the standalone server in a subprocess (so its RSS is the server's alone),
then loads it the ways issue 19 found and reads ``/proc/<pid>/status`` after each
phase: ``VmRSS`` (resident now), ``VmHWM`` (the peak so far) and ``Threads``.

    python benchmarks/memory.py                       # every phase, default server
    python benchmarks/memory.py --phase bulk --phase idle
    python benchmarks/memory.py -- --journal-max-bytes 1000000   # server options after --

Phases:

- ``every``: 40 requests of 9 MB to each journal (the four providers and the control
  plane), the worst a client can do to the journals;
- ``bulk``: 40 SendGrid bulk DELETEs of 9 MB (``{"emails": [...]}``), one after another
  (each parsed into about 300,000 addresses);
- ``small``: many small requests spread over the four providers (``--small``);
- ``inflight``: ``--uploads`` clients each sending a 10 MB body at the same time;
- ``idle``: ``--idle`` connections opened and left silent: threads held, how many were
  refused, and the threads left once the server's idle timeout has passed;
- ``downloads``: CMC block downloads (ZIP responses) of 100,000 seeded blocks, 40 times
  (the seeded state itself is memory a fake must hold: its RSS is shown).

It prints one markdown table; each figure is one measurement (RSS is not noisy the
way time is). Exit status 1 if ``--check`` is given and the peak passed ``--limit`` MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

MB = 1_000_000
SG_KEY = "SG.mailblocks-default-key"


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in kB, and the thread count, of process ``pid``."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "Threads"):
                out[name] = int(value.split()[0])
    return out


class Server:
    def __init__(self, extra: list[str]) -> None:
        cmd = [sys.executable, "-m", "pytest_mailblocks", "serve", "--quiet", *extra]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().strip()
        host, _, port = url.removeprefix("http://").rpartition(":")
        self.host, self.port = host, int(port)
        self.url = url

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def status(self) -> dict[str, int]:
        return status(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def credentials(server: Server) -> dict[str, Any]:
    _, body = server.request("GET", "/_mailblocks/health")
    return json.loads(body)


def sendgrid_key(server: Server) -> str:
    info = credentials(server)
    return str(info["providers"]["sendgrid"]["credentials"]["api_key"])


def big_emails(size: int) -> bytes:
    emails = []
    n = 0
    total = 14
    while total < size - 40:
        e = f"user{n}@bulk{n % 97}.example"
        emails.append(e)
        total += len(e) + 4
        n += 1
    return json.dumps({"emails": emails}).encode()


def phase_bulk(server: Server, args: argparse.Namespace) -> str:
    body = big_emails(9 * MB)
    key = sendgrid_key(server)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    statuses = set()
    for _ in range(40):
        st, _ = server.request("DELETE", "/v3/suppression/blocks", body, headers)
        statuses.add(st)
    return f"40 x {len(body) / MB:.1f} MB bulk DELETE, statuses {sorted(statuses)}"


EVERY = {
    "sendgrid": ("DELETE", "/v3/suppression/blocks", "application/json"),
    "cmc": ("POST", "/transaction/v2/blocks/delete.json", "application/x-www-form-urlencoded"),
    "ncp": ("DELETE", "/api/v1/send-block", "application/json"),
    "sendcloud": ("POST", "/api/block/delete", "application/x-www-form-urlencoded"),
    "_mailblocks": ("POST", "/_mailblocks/seed", "application/json"),
}


def phase_every(server: Server, args: argparse.Namespace) -> str:
    body = b"x=" + b"a" * (9 * MB)
    for method, path, ctype in EVERY.values():
        for _ in range(40):
            server.request(method, path, body, {"Content-Type": ctype})
    return "40 x 9 MB to each of 5 journals"


def phase_downloads(server: Server, args: argparse.Namespace) -> str:
    blocks = [{"email": f"user{i}@dl{i % 331}.example", "status": 2} for i in range(100_000)]
    st, _ = server.request("POST", "/_mailblocks/cmc/blocks", json.dumps(blocks).encode())
    seeded = server.status()["VmRSS"] / 1000
    creds = credentials(server)["providers"]["cmc"]["credentials"]
    form = (
        f"api_user={creds['api_user']}&api_key={creds['api_key']}&server_composition={creds['server_composition']}"
    ).encode()
    size = 0
    for _ in range(40):
        st, zipped = server.request(
            "POST",
            "/transaction/v2/blocks/download.json",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        size = len(zipped)
    return f"40 CMC downloads of 100,000 blocks (ZIP {size / MB:.1f} MB, status {st}; {seeded:.0f} MB once seeded)"


def phase_small(server: Server, args: argparse.Namespace) -> str:
    key = sendgrid_key(server)
    paths = [
        ("GET", "/v3/suppression/blocks?limit=1", {"Authorization": f"Bearer {key}"}, b""),
        ("POST", "/transaction/v2/blocks/list.json", {"Content-Type": "text/plain"}, b"api_user=u&api_key=k"),
        ("GET", "/api/v1/send-block", {}, b""),
        ("GET", "/api/block/list?apiUser=u&apiKey=k", {}, b""),
    ]
    per_thread = args.small // 4

    def run(method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        c = server.conn()
        for _ in range(per_thread):
            c.request(method, path, body=body, headers=headers)
            c.getresponse().read()
        c.close()

    threads = [threading.Thread(target=run, args=p) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return f"{per_thread * 4:,} small requests over the four providers"


def phase_inflight(server: Server, args: argparse.Namespace) -> str:
    body = b"x=" + b"a" * (10 * 1024 * 1024 - 4)
    statuses: list[int] = []
    barrier = threading.Barrier(args.uploads)

    def run() -> None:
        c = server.conn()
        try:
            barrier.wait()
            c.request("POST", "/api/block/delete", body=body, headers={"Content-Type": "text/plain"})
            statuses.append(c.getresponse().status)
        except OSError:
            statuses.append(0)
        finally:
            c.close()

    threads = [threading.Thread(target=run) for _ in range(args.uploads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mix = {s: statuses.count(s) for s in sorted(set(statuses))}
    return f"{args.uploads} concurrent 10 MB uploads, statuses {mix}"


def phase_idle(server: Server, args: argparse.Namespace) -> str:
    before = server.status()["Threads"]
    socks = []
    refused = 0
    for _ in range(args.idle):
        s = socket.create_connection((server.host, server.port))
        socks.append(s)
    time.sleep(0.5)
    held = server.status()["Threads"] - before
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
        except BlockingIOError:
            data = None
        if data and data.startswith(b"HTTP/1.1 503"):
            refused += 1
    wait = args.idle_wait
    deadline = time.monotonic() + wait
    left = held
    while time.monotonic() < deadline:
        left = server.status()["Threads"] - before
        if left <= 0:
            break
        time.sleep(0.1)
    took = wait - max(0.0, deadline - time.monotonic())
    for s in socks:
        s.close()
    return (
        f"{args.idle} idle connections: {held} threads held, {refused} refused with 503, "
        f"{max(left, 0)} threads left after {took:.1f} s"
    )


#: in this order, each on the same server unless --fresh: the journals are full before
#: the bulk DELETEs and the uploads; the seeded state of ``downloads`` comes last
PHASES: dict[str, Callable[[Server, argparse.Namespace], str]] = {
    "every": phase_every,
    "bulk": phase_bulk,
    "small": phase_small,
    "inflight": phase_inflight,
    "idle": phase_idle,
    "downloads": phase_downloads,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", action="append", choices=list(PHASES), help="run only these (repeatable)")
    parser.add_argument("--small", type=int, default=60_000, help="small requests in the small phase")
    parser.add_argument("--uploads", type=int, default=32, help="concurrent uploads in the inflight phase")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections in the idle phase")
    parser.add_argument("--idle-wait", type=float, default=40.0, help="seconds to wait for idle threads to end")
    parser.add_argument("--fresh", action="store_true", help="a fresh server for every phase")
    parser.add_argument("--limit", type=float, default=100.0, help="RSS limit in MB for --check")
    parser.add_argument("--check", action="store_true", help="exit 1 if the peak RSS passed --limit")
    args = parser.parse_args(argv)
    phases = args.phase or list(PHASES)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, server options: {extra or '(defaults)'}")
    rows = ["| phase | what | RSS after (MB) | peak RSS (MB) | threads |", "| --- | --- | --- | --- | --- |"]
    server = Server(extra)
    peak = 0.0
    try:
        credentials(server)
        st = server.status()
        rows.append(f"| start | idle server | {st['VmRSS'] / 1000:.0f} | {st['VmHWM'] / 1000:.0f} | {st['Threads']} |")
        for name in phases:
            if args.fresh and name != phases[0]:
                server.stop()
                server = Server(extra)
                credentials(server)
            what = PHASES[name](server, args)
            st = server.status()
            peak = max(peak, st["VmHWM"] / 1000)
            rows.append(f"| {name} | {what} | {st['VmRSS'] / 1000:.0f} | {st['VmHWM'] / 1000:.0f} | {st['Threads']} |")
            print(rows[-1], flush=True)
    finally:
        server.stop()
    print()
    print("\n".join(rows))
    if args.check and peak > args.limit:
        print(f"peak RSS {peak:.0f} MB is over {args.limit:.0f} MB")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
