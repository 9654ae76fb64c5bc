"""Verifying the fakes against a team's own recorded traffic (issue 17).

``mailblocks verify --recordings PATH...`` and ``pytest --mailblocks-verify
--mailblocks-recordings PATH`` read vcrpy cassettes, HAR files and fixtures
(:mod:`.recordings`), and replay each file's interactions in order against a fresh
fake: an interaction goes to the provider whose real host it was sent to (or, for
another host, whose documented path it matches: traffic recorded against a local
stand-in); others are skipped and counted, and so are calls to a provider's routes
the fakes do not emulate. Before each call the implied state and the credentials
are arranged (:mod:`.arrange`); the fake's answer is compared with the recorded
one (:mod:`.compare`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from .compare import Mismatch, compare_answer, parse_body
from .recordings import Interaction, UnreadableRecording, read_paths

if TYPE_CHECKING:
    from ..core.app import App

__all__ = [
    "PROVIDER_HOSTS",
    "Outcome",
    "UnreadableRecording",
    "junit_rows",
    "junit_xml",
    "provider_of",
    "render_outcome",
    "summary",
    "verify_interactions",
    "verify_paths",
]

#: the providers' real API hosts (regular expressions over the host name)
PROVIDER_HOSTS: dict[str, re.Pattern[str]] = {
    "sendgrid": re.compile(r"api(\.eu)?\.sendgrid\.com"),
    "cmc": re.compile(r"([a-z0-9-]+\.)*smtps\.jp"),
    "ncp": re.compile(r"mail\.apigw\.(gov-|fin-)?ntruss\.com"),
    "sendcloud": re.compile(r"([a-z0-9-]+\.)*sendcloud\.net"),
}
#: the row of interactions that went to no provider, in the summary
OTHER = "(other hosts)"


@dataclass
class Outcome:
    """What came of one interaction: ``passed``, ``failed`` or ``skipped`` (with why)."""

    interaction: Interaction
    provider: str
    status: str
    reason: str = ""
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def name(self) -> str:
        i = self.interaction
        return f"#{i.number} {i.method} {i.path}"


def provider_of(host: str) -> str | None:
    return next((key for key, pattern in PROVIDER_HOSTS.items() if pattern.fullmatch(host)), None)


def _route(app: App, interaction: Interaction) -> tuple[str, str | None, dict[str, Any], str | None]:
    """(provider, endpoint, path arguments, why it is skipped): the provider is
    :data:`OTHER` for traffic to no provider; the endpoint None for a route the
    fake has, called with another method (it answers that too)."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from ..core.errors import ProviderError

    host = interaction.host
    by_host = provider_of(host) if host else None
    provider = app.providers.get(by_host) if by_host else app.provider_for(interaction.path)
    if provider is None:
        return OTHER, None, {}, f"not a provider's host ({host or 'none recorded'}) nor a path the fakes serve"
    request = Request(EnvironBuilder(path=interaction.path, method=interaction.method).get_environ())
    try:
        endpoint, args = provider.match(request)
    except ProviderError as exc:
        if exc.status == 405:
            return provider.key, None, {}, None
        if host and not by_host:  # another API that happens to share a path prefix
            return OTHER, None, {}, f"not a provider's host ({host}) nor a route the fakes serve"
        why = f"not emulated: {interaction.method} {interaction.path} is not a route the {provider.key} fake serves"
        return provider.key, None, {}, why
    return provider.key, endpoint, args, None


def verify_interactions(interactions: Sequence[Interaction]) -> list[Outcome]:
    """Replay interactions file by file, each file against a fresh fake, in order."""
    out: list[Outcome] = []
    by_file: dict[str, list[Interaction]] = {}
    for interaction in interactions:
        by_file.setdefault(interaction.file, []).append(interaction)
    for items in by_file.values():
        out += _verify_file(items)
    return out


def _verify_file(items: list[Interaction]) -> list[Outcome]:
    from ..core.app import App
    from ..core.inprocess import call_target
    from .arrange import Context, arrange

    app = App()
    out = []
    for interaction in items:
        scenario = shipped_scenario(interaction)
        if scenario is not None:
            out.append(_through_scenario(interaction, scenario))
            continue
        key, endpoint, args, skip = _route(app, interaction)
        if skip:
            out.append(Outcome(interaction, key, "skipped", skip))
            continue
        if interaction.not_replayable:
            out.append(Outcome(interaction, key, "skipped", interaction.not_replayable))
            continue
        if interaction.recorded_at is not None:
            try:
                app.clock.freeze(interaction.recorded_at)
            except ValueError:
                pass
        content_type = interaction.header("content-type") or ""
        kind, answer = parse_body(interaction.response_body, content_type)
        ctx = Context(
            app,
            app.providers[key],
            interaction,
            endpoint or "",
            args,
            answer if kind in ("json", "xml") else None,
            answer if kind == "zip" else None,
        )
        try:
            with app.lock:
                replay = arrange(ctx) if endpoint else _as_recorded(interaction)
            status, headers, body = call_target(app, replay.method, replay.target, replay.headers, replay.body)
        except Exception as exc:  # a bug in the verifier or the fake: this interaction fails, the run goes on
            out.append(Outcome(interaction, key, "failed", f"could not replay: {type(exc).__name__}: {exc}"))
            continue
        if app.errors:
            error = app.errors.pop()
            out.append(Outcome(interaction, key, "failed", f"the fake hit an internal error: {error!r}"))
            continue
        mismatches = compare_answer(
            status=interaction.status,
            headers=interaction.response_headers,
            body=interaction.response_body,
            body_known=interaction.body_known,
            body_complete=interaction.body_complete,
            timed=interaction.recorded_at is not None,
            fake_status=status,
            fake_headers=headers,
            fake_body=body,
        )
        out.append(Outcome(interaction, key, "failed" if mismatches else "passed", mismatches=mismatches))
    return out


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    """The SHA-256 of each fixture that ships with the package -> the scenario that
    replays it."""
    from .data import fixtures_dir, scenarios_dir
    from .scenario import load_scenarios

    try:
        fixtures, scenarios = fixtures_dir(), load_scenarios(scenarios_dir())
    except (OSError, ValueError):
        return {}
    out = {}
    for scenario in scenarios:
        file = fixtures / scenario.fixture if scenario.fixture else None
        if file is not None and file.is_file():
            out[hashlib.sha256(file.read_bytes()).hexdigest()] = scenario
    return out


def shipped_scenario(interaction: Interaction) -> Any:
    """The scenario of a fixture that ships with the package (the same bytes, wherever
    the file is), or None. Such a fixture replays as ``--target recorded`` replays it:
    through its scenario, with the setup, clock and declared deviations that make a
    documentation example concrete, so both paths agree on the project's own data."""
    if interaction.format != "fixture":
        return None
    try:
        digest = hashlib.sha256(Path(interaction.file).read_bytes()).hexdigest()
    except OSError:
        return None
    return _shipped().get(digest)


def _through_scenario(interaction: Interaction, scenario: Any) -> Outcome:
    from .data import fixtures_dir
    from .runner import check

    result = check(scenario.fixture, scenario.provider, scenario, "recorded", fixtures_dir())
    why = f"the shipped fixture, replayed through the scenario {scenario.id} (its setup and declared deviations)"
    if result.status == "failed":
        why = f"{why}: {result.detail}"
    return Outcome(interaction, scenario.provider, result.status, why)


def _as_recorded(interaction: Interaction) -> Any:
    from .arrange import Replay

    return Replay(interaction.method, interaction.target, list(interaction.headers), interaction.body)


def verify_paths(paths: Iterable[str | Path]) -> tuple[list[Outcome], list[str]]:
    """Read and verify; raises :class:`UnreadableRecording` before replaying anything."""
    interactions, others = read_paths(paths)
    return verify_interactions(interactions), others


# -- reporting -------------------------------------------------------------------------------------------
def render_outcome(outcome: Outcome) -> str:
    """One interaction's lines: ``FAILED file:line #N METHOD path`` and its mismatches."""
    i = outcome.interaction
    where = f"{i.file}:{i.line}" if i.line else i.file
    head = f"{outcome.status.upper():7s} {where} #{i.number} {i.method} {i.path}"
    if outcome.status == "skipped" or (outcome.reason and not outcome.mismatches):
        return f"{head}: {outcome.reason}" if outcome.reason else head
    return "\n".join([head, *(f"    {m}" for m in outcome.mismatches)])


def summary(outcomes: Sequence[Outcome]) -> str:
    """The table per provider that ends the output."""
    from ..core.table import markdown_table

    keys = [k for k in PROVIDER_HOSTS if any(o.provider == k for o in outcomes)]
    if any(o.provider == OTHER for o in outcomes):
        keys.append(OTHER)
    rows = [["provider", "compared", "passed", "failed", "skipped"]]
    for name, mine in [*((k, [o for o in outcomes if o.provider == k]) for k in keys), ("all", list(outcomes))]:
        counts = {s: sum(1 for o in mine if o.status == s) for s in ("passed", "failed", "skipped")}
        rows.append([name, str(counts["passed"] + counts["failed"]), *(str(counts[s]) for s in counts)])
    return markdown_table(rows)


def junit_rows(outcomes: Sequence[Outcome]) -> list[tuple[str, str, str, list[str]]]:
    """(classname, name, status, message lines) per interaction, for :func:`junit_xml`."""
    return [
        (
            o.interaction.file,
            f"{o.name} ({o.provider})",
            o.status,
            [str(m) for m in o.mismatches] or ([o.reason] if o.reason else []),
        )
        for o in outcomes
    ]


def junit_xml(rows: Sequence[tuple[str, str, str, list[str]]], suite: str = "mailblocks verify") -> bytes:
    """JUnit XML, one test case per row: (classname, name, passed|failed|skipped, lines)."""
    root = ElementTree.Element("testsuites")
    ts = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(rows)),
        failures=str(sum(1 for r in rows if r[2] == "failed")),
        skipped=str(sum(1 for r in rows if r[2] == "skipped")),
        errors="0",
    )
    for classname, name, status, lines in rows:
        case = ElementTree.SubElement(ts, "testcase", classname=classname, name=name)
        if status == "skipped":
            ElementTree.SubElement(case, "skipped", message=lines[0] if lines else "")
        elif status == "failed":
            failure = ElementTree.SubElement(case, "failure", message=(lines[0] if lines else "failed")[:500])
            failure.text = "\n".join(lines)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
