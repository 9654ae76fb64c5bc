"""A state machine drives the SendGrid fake over HTTP and compares every answer
with a simple model of the documented behaviour (issue 7)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pytest_mailblocks import FakeServer

ADDRESSES = st.sampled_from(["a@x.io", "A@X.IO", "ab@x.io", "Sales@y.jp", "sales@Y.JP", "test2@q.cn", "test21@q.cn"])
PREFIXES = st.sampled_from(["", "a", "A", "s", "sa", "test2", "b@", "zz"])
# two lists are enough to catch state leaking between lists; every list shares the code
LISTS = st.sampled_from(["blocks", "spam_reports"])


class SendGridMachine(RuleBasedStateMachine):
    """Model: per list, lower(email) -> (created, email). Listing sorts by created
    desc then email desc, filters on a case-insensitive prefix and an inclusive
    window, then pages."""

    @initialize()
    def start(self) -> None:
        self.server = FakeServer().start()
        self.server.clock.freeze(1_700_000_000)
        sg = self.server.sendgrid
        self.sg = sg
        self.client = sg.httpx_client(headers={"Authorization": f"Bearer {sg.api_key}"})
        self.model: dict[str, dict[str, tuple[int, str]]] = {"blocks": {}, "spam_reports": {}}

    def teardown(self) -> None:
        if hasattr(self, "server"):
            self.client.close()
            self.server.stop()

    @rule(lst=LISTS, email=ADDRESSES, age=st.integers(0, 5))
    def add(self, lst: str, email: str, age: int) -> None:
        created = int(self.server.clock.time()) - age
        r = self.client.post("/_mailblocks/sendgrid/blocks", json={lst: [{"email": email, "created": created}]})
        assert r.status_code == 201
        self.model[lst][email.lower()] = (created, email)

    @rule(seconds=st.integers(1, 100))
    def advance(self, seconds: int) -> None:
        self.server.clock.advance(seconds=seconds)

    @rule(
        lst=LISTS,
        prefix=PREFIXES,
        limit=st.integers(1, 4),
        offset=st.integers(0, 5),
        window=st.one_of(st.none(), st.tuples(st.integers(0, 400), st.integers(0, 400))),
    )
    def list(self, lst: str, prefix: str, limit: int, offset: int, window: tuple[int, int] | None) -> None:
        params: dict[str, object] = {"limit": limit, "offset": offset}
        rows = sorted(self.model[lst].values(), reverse=True)
        if prefix:
            params["email"] = prefix
            rows = [r for r in rows if r[1].lower().startswith(prefix.lower())]
        if window is not None:
            lo, hi = 1_700_000_000 - 200 + window[0], 1_700_000_000 - 200 + window[1]
            params.update(start_time=lo, end_time=hi)
            rows = [r for r in rows if lo <= r[0] <= hi]
        r = self.client.get(f"/v3/suppression/{lst}", params=params)
        assert r.status_code == 200
        assert [(b["created"], b["email"]) for b in r.json()] == rows[offset : offset + limit]

    @rule(lst=LISTS, email=ADDRESSES)
    def get_one(self, lst: str, email: str) -> None:
        r = self.client.get(f"/v3/suppression/{lst}/{email}")
        want = self.model[lst].get(email.lower())
        assert [(b["created"], b["email"]) for b in r.json()] == ([want] if want else [])

    @rule(lst=LISTS, email=ADDRESSES)
    def delete_one(self, lst: str, email: str) -> None:
        r = self.client.delete(f"/v3/suppression/{lst}/{email}")
        assert r.status_code == (204 if email.lower() in self.model[lst] else 404)
        self.model[lst].pop(email.lower(), None)

    @rule(lst=LISTS, emails=st.lists(ADDRESSES, max_size=3))
    def delete_many(self, lst: str, emails: list[str]) -> None:
        r = self.client.request("DELETE", f"/v3/suppression/{lst}", json={"emails": emails})
        assert r.status_code == 204
        for e in emails:
            self.model[lst].pop(e.lower(), None)

    @rule(lst=LISTS)
    def delete_all(self, lst: str) -> None:
        assert self.client.request("DELETE", f"/v3/suppression/{lst}", json={"delete_all": True}).status_code == 204
        self.model[lst].clear()

    @invariant()
    def sizes_agree(self) -> None:
        if hasattr(self, "sg"):
            for lst, rows in self.model.items():
                assert len(self.sg.records(lst)) == len(rows)


# examples, steps and derandomizing come from the Hypothesis profile (tests/conftest.py)
SendGridMachine.TestCase.settings = settings()
test_sendgrid_state_machine = SendGridMachine.TestCase
