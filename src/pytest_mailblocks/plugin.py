"""The pytest plugin (entry point ``pytest11``): options, marker and fixtures.

- ``mailblocks_server`` (session): one :class:`FakeServer` per session, and so
  one per pytest-xdist worker;
- ``mailblocks`` (function): that server, reset before the test, seeded from the
  ``mailblocks`` marker, checked after the test (an internal error in the fake
  fails the test that caused it);
- ``<provider>_fake`` (function), e.g. ``sendgrid_fake``: the provider's handle
  on that reset server. One fixture per registered provider (also one registered
  by a ``conftest.py`` at the suite's root, before this plugin is configured).
- ``<provider>_client`` (function), e.g. ``sendgrid_client``: a ``requests.Session``
  served in-process (no socket, no environment lookups), made once per session and
  handed to each test with its headers, cookies, auth and params back to defaults,
  on the state ``<provider>_fake`` has just reset. Needs ``requests``.

Installed and unused, the plugin must cost a pytest session next to nothing
(issue 18): this module imports pytest and the provider tables only; the server,
the app and each provider are imported when a fixture first needs them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from .core.errors import ControlError
from .options import JOURNAL_OPTIONS, parse_bind_host, parse_credentials, parse_port, parse_size
from .providers import CREDENTIALS, REGISTRY

if TYPE_CHECKING:
    from .core.app import App
    from .core.fake import FakeServer

__all__ = ["mailblocks", "mailblocks_requests_session", "mailblocks_server"]

MARKER_HELP = (
    "mailblocks(**seed): seed the fakes before the test, e.g. "
    "@pytest.mark.mailblocks(sendgrid=[{'email': 'a@example.com'}], freeze='2024-05-01T00:00:00Z')"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mailblocks", "pytest-mailblocks fake provider servers")
    group.addoption("--mailblocks-host", default=None, help="interface to bind (default 127.0.0.1)")
    group.addoption(
        "--mailblocks-port",
        default=None,
        help="port to bind (default 0: a free port; under xdist, worker N uses port+N)",
    )
    group.addoption(
        "--mailblocks-credential",
        action="append",
        default=None,
        metavar="PROVIDER.NAME=VALUE",
        help="default credential override, e.g. sendgrid.api_key=SG.test (repeatable)",
    )
    group.addoption(
        "--mailblocks-allow-host",
        action="append",
        default=None,
        metavar="NAME",
        help="also answer Host NAME besides loopback and the bound address (repeatable)",
    )
    group.addoption(
        "--mailblocks-verify",
        nargs="?",
        const=_VERIFY_DEFAULT,
        choices=("fake", "recorded", "live", _VERIFY_DEFAULT),
        default=None,
        metavar="TARGET",
        help="run contract checks instead of the collected tests: with --mailblocks-recordings, your recorded "
        "traffic against the fakes; else the contract scenarios against TARGET (fake, recorded (default), live)",
    )
    group.addoption(
        "--mailblocks-recordings",
        action="append",
        default=None,
        metavar="PATH",
        help="with --mailblocks-verify: vcrpy cassettes, HAR files or fixtures (files or folders) to replay "
        "against the fakes, one test per interaction (repeatable)",
    )
    group.addoption(
        "--mailblocks-scenarios",
        default=None,
        metavar="DIR",
        help="contract scenarios, one folder per provider (default: the scenarios that ship with the package)",
    )
    group.addoption(
        "--mailblocks-fixtures",
        default=None,
        metavar="DIR",
        help="recorded responses, one folder per provider (default: the recordings that ship with the package)",
    )
    group.addoption(
        "--mailblocks-snapshot",
        default=None,
        metavar="FILE",
        help="start every test from the snapshot in FILE instead of empty state (write one with "
        "mailblocks.save_state(path) or GET /_mailblocks/state)",
    )
    parser.addini(
        "mailblocks_snapshot",
        "a snapshot file every test starts from instead of empty state (relative to the ini file)",
        default="",
    )
    for name, what in JOURNAL_OPTIONS.items():
        group.addoption(f"--mailblocks-{name}", default=None, metavar="BYTES", help=f"{what} (e.g. 8M)")
        parser.addini(f"mailblocks_{name.replace('-', '_')}", what, default="")
    parser.addini("mailblocks_host", "interface the fake server binds", default="127.0.0.1")
    parser.addini("mailblocks_port", "port the fake server binds (0: free port)", default="0")
    parser.addini(
        "mailblocks_credentials",
        "default credential overrides, one PROVIDER.NAME=VALUE per line",
        type="linelist",
        default=[],
    )
    parser.addini(
        "mailblocks_allow_hosts", "Host names answered besides loopback, one per line", type="linelist", default=[]
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    late = [key for key in REGISTRY if f"{key}_fake" not in globals()]
    if late:  # providers registered after this module was imported (a conftest's)
        fixtures = ModuleType(f"{__name__}.registered")
        for key in late:
            for kind, make in _PER_PROVIDER.items():
                setattr(fixtures, f"{key}_{kind}", make(key))
        config.pluginmanager.register(fixtures, "mailblocks-registered-providers")
    try:
        options = _server_options(config)
        check_credentials(options["credentials"])
        if options["allow_hosts"]:  # checked here, imported only when there are some
            from .core.hosts import HostGuard

            HostGuard(options["allow_hosts"])
        if not os.environ.get("PYTEST_XDIST_WORKER") and (options["host"], options["port"]) != ("127.0.0.1", 0):
            _check_listen(options["host"], options["port"], getattr(config.option, "numprocesses", None) or 1)
        config.stash[_SNAPSHOT] = _session_snapshot(config, options["credentials"])
    except (ControlError, ValueError) as exc:
        raise pytest.UsageError(f"pytest-mailblocks: {exc}") from None


def _check_listen(host: str, port: int, workers: int) -> None:
    """Refuse, once and before any test, a host and port the server(s) could not listen
    on: under xdist worker N listens on port+N."""
    import socket

    for each in [port + n for n in range(workers)] if port else [0]:
        if each > 65535:
            raise ControlError(
                f"--mailblocks-port {port}: under xdist worker gw{each - port} listens on port {each}, past 65535"
            )
        try:
            socket.create_server((host, each), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
        except OSError as exc:
            raise ControlError(f"cannot listen on {host}:{each}: {exc.strerror or exc}") from None


def check_credentials(credentials: dict[str, dict[str, str]]) -> None:
    """Fail early, naming the provider and credential, on an unknown override
    (from the registry's tables: no provider is imported)."""
    for provider, values in credentials.items():
        if provider not in CREDENTIALS:
            raise ControlError(f"unknown provider {provider!r} in a credential; known: {sorted(CREDENTIALS)}")
        unknown = sorted(set(values) - set(CREDENTIALS[provider]))
        if unknown:
            raise ControlError(
                f"unknown credential(s) {unknown} for {provider}; known: {sorted(CREDENTIALS[provider])}"
            )


def _server_options(config: pytest.Config) -> dict[str, Any]:
    host = _option(config, "host", parse_bind_host) or "127.0.0.1"
    port = _option(config, "port", parse_port) or 0
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if port and worker.startswith("gw"):
        port += int(worker[2:])
    creds = list(config.getini("mailblocks_credentials")) + list(config.getoption("--mailblocks-credential") or [])
    options: dict[str, Any] = {"host": host, "port": port, "credentials": parse_credentials(creds)}
    for name in JOURNAL_OPTIONS:
        value = config.getoption(f"--mailblocks-{name}") or config.getini(f"mailblocks_{name.replace('-', '_')}")
        if value:
            options[name.replace("-", "_")] = parse_size(str(value))
    allow = list(config.getini("mailblocks_allow_hosts")) + list(config.getoption("--mailblocks-allow-host") or [])
    options["allow_hosts"] = allow
    return options


def _option(config: pytest.Config, name: str, parse: Callable[[str], Any]) -> Any:
    """``--mailblocks-NAME``, else the ini ``mailblocks_NAME``, parsed; a bad value is a
    ControlError naming where it came from. None when neither is set."""
    given = config.getoption(f"--mailblocks-{name}")
    where = f"--mailblocks-{name}"
    if given is None:
        given, where = config.getini(f"mailblocks_{name}"), f"mailblocks_{name} (ini)"
    if given is None or not str(given).strip():
        return None
    try:
        return parse(str(given))
    except ControlError as exc:
        raise ControlError(f"{where}: {exc}") from None


@pytest.fixture(scope="session")
def mailblocks_server(pytestconfig: pytest.Config) -> Iterator[FakeServer]:
    """The session's fake server (all providers, one socket)."""
    from .core.fake import FakeServer

    try:
        server = FakeServer(**_server_options(pytestconfig))
    except ControlError as exc:
        raise pytest.UsageError(f"pytest-mailblocks: {exc}") from None
    try:
        server.start()
    except OSError as exc:  # taken since pytest_configure checked it: said once where possible
        message = f"pytest-mailblocks: cannot listen on {server.host}:{server.port}: {exc.strerror or exc}"
        if os.environ.get("PYTEST_XDIST_WORKER"):
            pytest.fail(message, pytrace=False)
        pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)
    try:
        yield server
    finally:
        server.stop()


#: the snapshot every test starts from (``mailblocks_snapshot``), read once per session
_SNAPSHOT = pytest.StashKey[Any]()
#: snapshot files markers named, read once per session, by absolute path
_MARKED = pytest.StashKey[dict[str, Any]]()


def _session_snapshot(config: pytest.Config, credentials: dict[str, dict[str, str]]) -> Any:
    """``--mailblocks-snapshot`` (relative to where pytest was started) or the ini's
    ``mailblocks_snapshot`` (relative to the ini file), read and checked once, when the
    session starts (a bad file stops it before any test); None."""
    from pathlib import Path

    given, where = config.getoption("--mailblocks-snapshot"), "--mailblocks-snapshot"
    base = config.invocation_params.dir
    if not given:
        given, where = config.getini("mailblocks_snapshot"), "mailblocks_snapshot (ini)"
        base = config.inipath.parent if config.inipath else config.rootpath
    if not given or not str(given).strip():
        return None
    from .core.app import App

    try:
        return _read_snapshot(App(credentials=credentials), Path(base) / str(given).strip())
    except ControlError as exc:
        raise ControlError(f"{where}: {exc}") from None


def _read_snapshot(app: App, path: Any) -> Any:
    """A snapshot file, read and checked in full (its states built, then dropped)."""
    from .core.snapshot import is_snapshot, prepare, read_file

    data = read_file(app, path, what="snapshot file")
    if not is_snapshot(data):
        raise ControlError('not a snapshot (no "mailblocks_snapshot" key)', where=str(path))
    try:
        prepare(app, data).discard()
    except ControlError as exc:
        raise ControlError(exc.detail, where=f"{path}: {exc.where}" if exc.where else str(path)) from None
    return data


def apply_marker(server: FakeServer, marker: pytest.Mark, item: pytest.Item | None = None) -> None:
    """Seed ``server`` from a ``mailblocks`` marker: ``snapshot=`` (a file, relative to
    the test's file, or a snapshot's data) or keywords that are a snapshot replace the
    state first; then ``freeze=`` and the providers' seeds."""
    from .core.snapshot import is_snapshot

    if marker.args:
        raise ControlError("the mailblocks marker takes keyword arguments only, e.g. sendgrid=[...]")
    seed = dict(marker.kwargs)
    snapshot = seed.pop("snapshot", None)
    if is_snapshot(seed):
        snapshot, seed = seed, {}
    if snapshot is not None:
        if isinstance(snapshot, (str, os.PathLike)):
            snapshot = _marked_file(server, snapshot, item)
        server.app.import_state(snapshot)
    freeze = seed.pop("freeze", None)
    if freeze is not None:
        server.app.clock.apply({"freeze": freeze})
    if seed:
        server.app.seed(seed, "mailblocks marker")


def _marked_file(server: FakeServer, path: str | os.PathLike[str], item: pytest.Item | None) -> Any:
    from pathlib import Path

    full = Path(path)
    if not full.is_absolute() and item is not None:
        full = Path(item.path).parent / full
    cache = item.config.stash.setdefault(_MARKED, {}) if item is not None else {}
    key = str(full.absolute())
    if key not in cache:
        cache[key] = _read_snapshot(server.app, full)
    return cache[key]


#: set on a test item once one of the plugin's fixtures has reset and seeded the server
_PREPARED = pytest.StashKey[bool]()


def _prepare(server: FakeServer, request: pytest.FixtureRequest) -> bool:
    """Reset the server for this test and seed it from the test's markers, once per
    test, by whichever of the plugin's fixtures comes first (each asks for the server
    directly: one fixture layer less per test). True for that one: it checks the
    server after the test."""
    stash = request.node.stash
    if stash.get(_PREPARED, False):
        return False
    stash[_PREPARED] = True
    server.reset()
    snapshot = request.config.stash.get(_SNAPSHOT, None)
    if snapshot is not None:
        server.app.import_state(snapshot)
    refused = None
    for marker in reversed(list(request.node.iter_markers("mailblocks"))):
        try:
            apply_marker(server, marker, request.node)
        except ControlError as exc:
            refused = str(exc)
            break
    if refused is not None:  # failed outside the handler: the message once, no chained exception
        server.reset()  # all or nothing: no marker before this one stays applied either
        pytest.fail(f"bad @pytest.mark.mailblocks: {refused}", pytrace=False)
    return True


@pytest.fixture
def mailblocks(mailblocks_server: FakeServer, request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    """The session server, reset for this test and seeded from its marker."""
    owner = _prepare(mailblocks_server, request)
    yield mailblocks_server
    if owner:
        mailblocks_server.check()


def _provider_fixture(key: str) -> Callable[..., Any]:
    def fixture(mailblocks_server: FakeServer, request: pytest.FixtureRequest) -> Iterator[Any]:
        owner = _prepare(mailblocks_server, request)
        yield mailblocks_server.handle(key)
        if owner:
            mailblocks_server.check()

    fixture.__name__ = f"{key}_fake"
    fixture.__doc__ = f"The {key} fake's handle on a freshly reset server."
    return pytest.fixture(name=f"{key}_fake")(fixture)


@pytest.fixture(scope="session")
def mailblocks_requests_session(mailblocks_server: FakeServer) -> Iterator[Any]:
    """One in-process ``requests.Session`` on the session's server, for the
    ``<provider>_client`` fixtures (which restore it before each test)."""
    session = mailblocks_server.requests_session()
    yield session
    session.close()


def _client_fixture(key: str) -> Callable[..., Any]:
    def fixture(
        mailblocks_server: FakeServer, mailblocks_requests_session: Any, request: pytest.FixtureRequest
    ) -> Iterator[Any]:
        from requests.utils import default_headers

        owner = _prepare(mailblocks_server, request)
        session = mailblocks_requests_session
        session.headers = default_headers()
        session.cookies.clear()
        session.auth = None
        session.params = {}
        yield session
        if owner:
            mailblocks_server.check()

    fixture.__name__ = f"{key}_client"
    fixture.__doc__ = (
        f"A requests.Session on the {key} fake, in-process and kept for the session "
        f"(headers, cookies, auth and params reset per test), on the state {key}_fake resets."
    )
    return pytest.fixture(name=f"{key}_client")(fixture)


_CONTRACT_PROPERTY = "mailblocks_contract_provider"
#: ``--mailblocks-verify`` given without a target
_VERIFY_DEFAULT = "auto"


class ContractDrift(Exception):
    """A contract check that found the fake and its expectation apart."""


class ContractItem(pytest.Item):
    """One contract check (a scenario, or a recording replayed) as a test item."""

    def __init__(self, *, check: tuple[Any, ...], target: str, fixtures: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.target = target
        self.fixtures = fixtures
        # carried by the reports (also from xdist workers) to the summary table
        self.user_properties.append((_CONTRACT_PROPERTY, check[1]))

    def runtest(self) -> None:
        from .contract.runner import check

        label, provider, scenario = self.check
        result = check(label, provider, scenario, self.target, self.fixtures)
        if result.status == "skipped":
            pytest.skip(result.detail)
        if result.status == "failed":
            raise ContractDrift(result.detail)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ContractDrift):
            return f"{self.check[0]} ({self.target}): {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"contract {self.target}: {self.check[0]}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--mailblocks-verify TARGET``: the contract checks replace the collected tests."""
    target = _verify_target(config)
    if not target:
        return
    if target == "recordings":
        items[:] = _recording_items(session, config)
        return
    from pathlib import Path

    from .contract.data import fixtures_dir, scenarios_dir
    from .contract.runner import plan
    from .contract.scenario import load_scenarios

    scenarios = Path(config.getoption("--mailblocks-scenarios") or scenarios_dir())
    fixtures = Path(config.getoption("--mailblocks-fixtures") or fixtures_dir())
    if not scenarios.is_dir():
        raise pytest.UsageError(f"pytest-mailblocks: no scenario folder at {scenarios}")
    if not fixtures.is_dir():
        raise pytest.UsageError(f"pytest-mailblocks: no recordings folder at {fixtures}")
    try:
        checks = plan(load_scenarios(scenarios), target, fixtures)
    except ValueError as exc:  # a scenario that is not valid JSON, or has unknown keys
        raise pytest.UsageError(f"pytest-mailblocks: {exc}") from None
    items[:] = [
        ContractItem.from_parent(session, name=f"contract[{target}:{label}]", check=c, target=target, fixtures=fixtures)
        for c in checks
        for label in [c[0]]
    ]


def _verify_target(config: pytest.Config) -> str | None:
    """``recordings``, a contract target (``fake``, ``recorded``, ``live``) or None."""
    target = config.getoption("--mailblocks-verify")
    recordings = config.getoption("--mailblocks-recordings")
    if recordings and not target:
        raise pytest.UsageError("pytest-mailblocks: --mailblocks-recordings needs --mailblocks-verify")
    if recordings:
        if target != _VERIFY_DEFAULT:
            raise pytest.UsageError(
                "pytest-mailblocks: --mailblocks-recordings replays your traffic; give --mailblocks-verify no target"
            )
        return "recordings"
    return "recorded" if target == _VERIFY_DEFAULT else target


class RecordingItem(pytest.Item):
    """One recorded interaction, replayed against a fresh fake with its file."""

    def __init__(self, *, interaction: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.interaction = interaction

    def runtest(self) -> None:
        from .contract.verify import render_outcome

        outcome = _file_outcomes(self.config, self.interaction.file)[self.interaction.number - 1]
        self.user_properties.append((_CONTRACT_PROPERTY, outcome.provider))
        if outcome.status == "skipped":
            pytest.skip(outcome.reason)
        if outcome.status == "failed":
            raise ContractDrift(render_outcome(outcome))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ContractDrift):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        i = self.interaction
        return i.file, (i.line or 1) - 1, f"recording {i.file} #{i.number} {i.method} {i.path}"


def _file_outcomes(config: pytest.Config, file: str) -> list[Any]:
    """The outcomes of one recording file, replayed once per process (in order, one fake)."""
    from .contract.verify import verify_interactions

    cache: dict[str, list[Any]] = config.stash.setdefault(_OUTCOMES, {})
    if file not in cache:
        cache[file] = verify_interactions(config.stash[_INTERACTIONS][file])
    return cache[file]


_OUTCOMES = pytest.StashKey[dict[str, list[Any]]]()
_INTERACTIONS = pytest.StashKey[dict[str, list[Any]]]()


def _recording_items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    from .contract.verify import UnreadableRecording, read_paths

    try:
        interactions, _ = read_paths(config.getoption("--mailblocks-recordings"))
    except UnreadableRecording as exc:
        raise pytest.UsageError(f"pytest-mailblocks: {exc}") from None
    by_file: dict[str, list[Any]] = {}
    for i in interactions:
        by_file.setdefault(i.file, []).append(i)
    config.stash[_INTERACTIONS] = by_file
    return [
        RecordingItem.from_parent(session, name=f"recording[{i.file} #{i.number} {i.method} {i.path}]", interaction=i)
        for i in interactions
    ]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """``--mailblocks-verify``: a per-provider table of contract checks passed,
    failed and skipped, as ``mailblocks verify`` prints."""
    target = _verify_target(config)
    if not target:
        return
    from .contract.runner import Result, summary_table

    results = []
    for status in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(status, []):
            provider = dict(getattr(report, "user_properties", ())).get(_CONTRACT_PROPERTY)
            if provider is not None and (report.when == "call" or status != "passed"):
                results.append(Result(report.nodeid, provider, target, status))
    if results:
        terminalreporter.write_sep("-", f"mailblocks contract ({target})")
        terminalreporter.write_line(summary_table(results))


#: the fixtures made for every registered provider, by name suffix
_PER_PROVIDER = {"fake": _provider_fixture, "client": _client_fixture}
for _key in REGISTRY:
    for _kind, _make in _PER_PROVIDER.items():
        globals()[f"{_key}_{_kind}"] = _make(_key)
        __all__ += [f"{_key}_{_kind}"]
