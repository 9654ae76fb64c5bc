"""Concurrency (issue 9): 8 threads of mixed add / list / delete / bulk delete /
reset over HTTP against one server; afterwards every invariant is exact: nothing
lost, nothing duplicated, every request journaled once."""

from __future__ import annotations

import random
import threading

import requests

from pytest_mailblocks import FakeServer

THREADS = 8
ROUNDS = 3
OPS = 60
BLOCKS = "/v3/suppression/blocks"


def test_mixed_load_keeps_exact_invariants():
    with FakeServer() as server:
        sg = server.sendgrid
        url = server.url
        barrier = threading.Barrier(THREADS)
        models: list[set[str]] = [set() for _ in range(THREADS)]
        sent = {"sendgrid": [0] * THREADS, "control": [0] * THREADS}
        failures: list[str] = []
        checks: list[dict[str, int]] = []

        def worker(t: int) -> None:
            rng = random.Random(t)
            session = requests.Session()
            auth = {"Authorization": f"Bearer {sg.api_key}"}
            mine = models[t]
            try:
                for rnd in range(ROUNDS):
                    for op in range(OPS):
                        kind = rng.choice(["add", "add", "list", "delete", "bulk"])
                        if kind == "add":
                            emails = [f"t{t}-{rnd}-{op}-{i}@load.example" for i in range(rng.randint(1, 5))]
                            r = session.post(url + "/_mailblocks/sendgrid/blocks", json=emails)
                            sent["control"][t] += 1
                            if r.status_code != 201:
                                failures.append(f"add {r.status_code}")
                            mine.update(emails)
                        elif kind == "list":
                            r = session.get(url + BLOCKS, params={"email": f"t{t}-", "limit": 500}, headers=auth)
                            sent["sendgrid"][t] += 1
                            got = {b["email"] for b in r.json()}
                            if got != mine:
                                failures.append(f"thread {t} listed {len(got)}, owns {len(mine)}")
                        elif kind == "delete":
                            email = rng.choice(sorted(mine)) if mine and rng.random() < 0.8 else f"t{t}-gone@x"
                            r = session.delete(url + BLOCKS + "/" + email, headers=auth)
                            sent["sendgrid"][t] += 1
                            want = 204 if email in mine else 404
                            if r.status_code != want:
                                failures.append(f"delete {email}: {r.status_code} != {want}")
                            mine.discard(email)
                        else:
                            some = rng.sample(sorted(mine), k=min(len(mine), 3))
                            r = session.delete(url + BLOCKS, json={"emails": some}, headers=auth)
                            sent["sendgrid"][t] += 1
                            if r.status_code != 204:
                                failures.append(f"bulk {r.status_code}")
                            mine.difference_update(some)
                    barrier.wait()
                    if t == 0:
                        listed = [b["email"] for b in sg.blocks()]
                        checks.append(
                            {
                                "stored": len(listed),
                                "distinct": len(set(listed)),
                                "expected": sum(len(m) for m in models),
                                "missing": len(set().union(*models) - set(listed)),
                                "journal_sendgrid": server.journal("sendgrid").total,
                                "sent_sendgrid": sum(sent["sendgrid"]),
                                "journal_control": server.journal("_mailblocks").total,
                                "sent_control": sum(sent["control"]) + (1 if rnd else 0),
                            }
                        )
                        r = session.post(url + "/_mailblocks/reset")
                        if r.status_code != 200:
                            failures.append(f"reset {r.status_code}")
                        sg.set_rate_limit(10**9)
                        for k in sent:
                            sent[k] = [0] * THREADS
                        for m in models:
                            m.clear()
                    barrier.wait()
            except Exception as exc:  # surfaced through failures, never a hang
                failures.append(repr(exc))
                barrier.abort()

        sg.set_rate_limit(10**9)
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert not any(th.is_alive() for th in threads)
        assert failures == []
        assert len(checks) == ROUNDS
        for c in checks:
            assert c["stored"] == c["distinct"] == c["expected"] and c["missing"] == 0, c
            assert c["journal_sendgrid"] == c["sent_sendgrid"], c
            assert c["journal_control"] == c["sent_control"], c
            assert c["expected"] > 0
        assert not server.app.errors
