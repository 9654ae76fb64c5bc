"""The ``mailblocks`` command (also ``python -m pytest_mailblocks``).

``mailblocks serve`` runs the standalone fake server until Ctrl-C or SIGTERM:
it prints the base URL, the control plane and every provider's default
credentials, then serves. Exit status: 0 after a clean stop, 2 for bad usage or
a bad seed file (the message names the line or key).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .core.app import DEFAULT_MAX_STATE_BODY, App
from .core.errors import ControlError
from .core.fake import FakeServer, NotLoopbackWarning
from .core.hosts import check_allow_host
from .core.server import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, tune_allocator
from .options import (
    JOURNAL_OPTIONS,
    parse_bind_host,
    parse_credentials,
    parse_port,
    parse_seconds,
    parse_size,
    parse_url,
)
from .providers import REGISTRY

__all__ = ["build_parser", "load_seed_file", "main"]

#: where ``mailblocks wait`` looks by default: the port the docs use
DEFAULT_URL = "http://127.0.0.1:8025"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailblocks",
        description=f"Stateful fakes of email providers' block/suppression APIs ({', '.join(REGISTRY)}).",
    )
    parser.add_argument("--version", action="version", version=f"mailblocks {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve_options(sub)
    _verify_options(sub)
    _wait_options(sub)
    return parser


def _serve_options(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the standalone fake server",
        description="Serve every provider's fake at its real paths on one port, until Ctrl-C.",
    )
    serve.add_argument(
        "--host", type=_arg(parse_bind_host), default="127.0.0.1", help="interface to bind (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=_arg(parse_port), default=0, help="port (default: 0, a free port)")
    _state_options(serve)
    serve.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="PROVIDER.NAME=VALUE",
        help="override a default credential, e.g. sendgrid.api_key=SG.test (repeatable)",
    )
    serve.add_argument(
        "--provider",
        action="append",
        choices=list(REGISTRY),
        metavar="NAME",
        help=f"serve only these providers (repeatable; default: all of {', '.join(REGISTRY)})",
    )
    serve.add_argument(
        "--control-token",
        type=_arg(_token),
        metavar="TOKEN",
        help="require X-Mailblocks-Token: TOKEN on the control plane",
    )
    serve.add_argument("--no-control", action="store_true", help="disable the /_mailblocks/ control plane")
    for name, what in JOURNAL_OPTIONS.items():
        serve.add_argument(f"--{name}", type=_arg(parse_size), metavar="BYTES", help=f"{what}; K, M, G units")
    serve.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"connections served at once; one more is answered 503 (default {DEFAULT_MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"close a connection silent this long, or a request this slow (default {DEFAULT_IDLE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        type=_arg(check_allow_host),
        default=[],
        metavar="NAME",
        help="also answer requests for Host NAME, and browser pages from it (repeatable; loopback names and "
        "the bound address are always answered), e.g. a CI service name",
    )
    serve.add_argument("--quiet", action="store_true", help="print only the base URL")


def _state_options(serve: Any) -> None:
    """``--seed``, and the state kept in a file (issue 20)."""
    serve.add_argument(
        "--seed",
        type=Path,
        metavar="FILE.json",
        help="seed state from a JSON file: a seed, or a snapshot (with --state: only when FILE does not exist yet)",
    )
    serve.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="keep the state in FILE: loaded at start if it exists, written (atomically) at a clean stop, on "
        "POST /_mailblocks/state/save and with --autosave; a torn or corrupt FILE is refused (exit 2)",
    )
    serve.add_argument(
        "--autosave",
        type=_arg(_interval),
        metavar="SECONDS",
        help="with --state: also write FILE every SECONDS (real time)",
    )
    serve.add_argument(
        "--max-state-body",
        type=_arg(parse_size),
        default=DEFAULT_MAX_STATE_BODY,
        metavar="BYTES",
        help=f"the largest snapshot PUT /_mailblocks/state takes (default {DEFAULT_MAX_STATE_BODY // 1024**2}M)",
    )


def _verify_options(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        help="run the contract suite, or check the fakes against your recorded traffic",
        description="Run the contract scenarios against the fake, the recorded responses or the live provider "
        "(--target), or replay your own recordings against the fakes (--recordings: vcrpy/pytest-recording "
        "cassettes, HAR 1.2 files, fixtures; files or folders). Prints a table per provider. "
        "Exit status: 0 all agree, 1 a mismatch, 2 unreadable input.",
    )
    verify.add_argument(
        "--target",
        choices=("fake", "recorded", "live"),
        help="the contract scenarios against the fake (default), the shipped recordings or the live provider",
    )
    verify.add_argument(
        "--recordings",
        nargs="+",
        metavar="PATH",
        help="your recorded traffic to replay against the fakes: cassette, HAR or fixture files, or folders of them",
    )
    verify.add_argument("--junit-xml", metavar="FILE", help="also write JUnit XML, one test case per check")
    verify.add_argument(
        "--provider", action="append", choices=list(REGISTRY), metavar="NAME", help="only this provider (repeatable)"
    )
    verify.add_argument(
        "--scenarios",
        type=Path,
        metavar="DIR",
        help="scenario folders, one per provider (default: the scenarios that ship with the package)",
    )
    verify.add_argument(
        "--fixtures",
        type=Path,
        metavar="DIR",
        help="recorded responses, one folder per provider (default: the recordings that ship with the package)",
    )
    verify.add_argument(
        "--record", type=Path, metavar="DIR", help="with --target live: write what came back as fixtures under DIR"
    )
    verify.add_argument(
        "--live-url",
        type=_arg(parse_url),
        metavar="URL",
        help="with --target live: send the requests to URL instead of the provider's host (an egress proxy, "
        "or a mailblocks server for a dry run)",
    )
    verify.add_argument("-v", "--verbose", action="store_true", help="list every scenario, not only failures")


def _wait_options(sub: Any) -> None:
    wait = sub.add_parser(
        "wait",
        help="wait until a mailblocks server answers (for CI jobs: no sleeps)",
        description="Poll the server's health route (/_mailblocks/health) with a short backoff; exit 0 as soon "
        "as it answers, 1 when the time-out passes first.",
    )
    wait.add_argument(
        "--url",
        type=_arg(parse_url),
        default=os.environ.get("MAILBLOCKS_URL") or DEFAULT_URL,
        help=f"the server's base URL (default: $MAILBLOCKS_URL or {DEFAULT_URL})",
    )
    wait.add_argument(
        "--timeout", type=_arg(parse_seconds), default=30.0, metavar="S", help="give up after S seconds (default 30)"
    )


def _arg(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An option parser that raises ControlError, as an argparse type: a bad value is
    argparse's usage error (exit 2, the option named), never a traceback."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ControlError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _interval(text: str) -> float:
    seconds = parse_seconds(text)
    if seconds <= 0:
        raise ControlError(f"{text!r} is not a positive number of seconds")
    return seconds


def _token(text: str) -> str:
    if not text.strip():
        raise ControlError("an empty token would leave the control plane open; give a token, or leave the option out")
    return text


def load_seed_file(path: Path, app: App | None = None) -> dict[str, Any]:
    """Read and parse a seed file (a seed, or a snapshot: given the ``app`` it goes
    to, a snapshot's lists are made as they are read); ControlError names the
    line/column or key."""
    if app is not None:
        from .core.snapshot import read_file

        data = read_file(app, path, what="seed file")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ControlError(f"cannot read seed file: {exc.strerror or exc}", where=str(path)) from None
        except UnicodeDecodeError:
            raise ControlError("seed file is not UTF-8", where=str(path)) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ControlError(f"line {exc.lineno}, column {exc.colno}: {exc.msg}", where=str(path)) from None
    if not isinstance(data, dict):
        raise ControlError(
            'the top level must be an object keyed by provider, e.g. {"sendgrid": {"blocks": [...]}}',
            where=str(path),
        )
    return data


def _banner(server: FakeServer, quiet: bool) -> str:
    if quiet:
        return server.url
    bound = server.host if ":" not in server.host else f"[{server.host}]"
    listening = "" if f"//{bound}:" in server.url else f" (listening on {bound}:{server.port})"
    lines = [f"mailblocks {__version__} serving on {server.url}{listening}"]
    if server.app.control_enabled:
        guard = " (token required)" if server.app.control_token else ""
        lines.append(f"  control plane: {server.url}/_mailblocks/{guard}  inspector: {server.url}/_mailblocks/ui/")
    if server.app.state_file is not None:
        lines.append(
            f"  state file: {server.app.state_file} (saved at a clean stop and on POST /_mailblocks/state/save)"
        )
    for key, provider in server.app.providers.items():
        creds = "  ".join(f"{k}={v}" for k, v in provider.credentials.items())
        lines.append(f"  {key:<10} {provider.title}: {server.url} (for {provider.real_host})")
        lines.append(f"  {'':<10} {creds}")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> int:
    try:
        if args.autosave is not None and args.state is None:
            raise ControlError("--autosave needs --state FILE (where to write)")
        server = FakeServer(
            args.host,
            args.port,
            providers=args.provider,
            credentials=parse_credentials(args.credential),
            control=not args.no_control,
            control_token=args.control_token,
            max_connections=args.max_connections,
            idle_timeout=args.idle_timeout,
            allow_hosts=args.allow_host,
            max_state_body=args.max_state_body,
            state_file=args.state,
            **{k: v for k, v in vars(args).items() if k.startswith("journal_") and v is not None},
        )
        loaded = _load_state(server.app, args.state) if args.state else False
        if args.seed and not loaded:
            server.app.seed(load_seed_file(args.seed, server.app), str(args.seed))
    except ValueError as exc:  # a ControlError, or a transport option out of range
        print(f"mailblocks: error: {exc}", file=sys.stderr)
        return 2
    tune_allocator()  # this process is the server: big bodies go back to the system when freed
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NotLoopbackWarning)
            server.start()
        for w in caught:
            print(f"mailblocks: warning: {w.message}", file=sys.stderr, flush=True)
    except OSError as exc:
        print(f"mailblocks: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    # handlers first: a wrapper may signal as soon as it reads the banner
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    print(_banner(server, args.quiet), flush=True)
    autosave = _Autosave(server.app, args.state, args.autosave) if args.autosave else None
    try:
        while not stop.wait(3600):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if autosave is not None:
            autosave.stop()
        server.stop()
    status = 0 if args.state is None else _save_at_stop(server.app, args.state, args.quiet)
    if not args.quiet:
        print("mailblocks: stopped", flush=True)
    return status


def _load_state(app: App, path: Path) -> bool:
    """The state in ``path`` loaded (False: no such file yet). The temporary files of
    saves a killed server left behind go; a folder it cannot write in, or a file
    that is not a whole snapshot, is an error (the file is left as it is)."""
    from .core.snapshot import is_snapshot, stale_temporaries

    folder = path.absolute().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ControlError(f"cannot keep the state in {path}: {folder} is not a folder this process can write in")
    for stale in stale_temporaries(path):
        stale.unlink(missing_ok=True)
    if not path.exists():
        return False
    try:
        from .core.snapshot import read_file

        data = read_file(app, path, what="state file")
        if not is_snapshot(data):
            raise ControlError("not a mailblocks snapshot (no mailblocks_snapshot key)", where=str(path))
        try:
            app.import_state(data)
        except ControlError as exc:
            raise ControlError(exc.detail, where=f"{path}: {exc.where}" if exc.where else str(path)) from None
    except ControlError as exc:
        raise ControlError(f"the state file is refused, nothing was loaded ({exc}); fix or remove it") from None
    return True


def _save_at_stop(app: App, path: Path, quiet: bool) -> int:
    try:
        written = app.save_state(path)
    except OSError as exc:
        print(f"mailblocks: error: cannot save the state to {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not quiet:
        print(f"mailblocks: state saved to {path} ({written:,} bytes)", flush=True)
    return 0


class _Autosave:
    """Writes the state file every ``seconds`` of real time (an operational timer: the
    state's own times come from the fake clock), until stopped."""

    def __init__(self, app: App, path: Path, seconds: float) -> None:
        self.app, self.path, self.seconds = app, path, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailblocks-autosave", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.app.save_state(self.path)
            except OSError as exc:
                print(f"mailblocks: warning: autosave to {self.path} failed: {exc.strerror or exc}", file=sys.stderr)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def verify(args: argparse.Namespace) -> int:
    if args.recordings:
        if args.target or args.scenarios or args.fixtures or args.record or args.live_url:
            print(
                "mailblocks: error: --recordings replays your traffic; "
                "--target, --scenarios, --fixtures and --record belong to the contract scenarios",
                file=sys.stderr,
            )
            return 2
        return verify_recordings(args)
    from .contract import load_scenarios, run, summary_table
    from .contract.data import fixtures_dir, scenarios_dir

    args.target = args.target or "fake"
    args.scenarios = args.scenarios or scenarios_dir()
    args.fixtures = args.fixtures or fixtures_dir()
    problem = _contract_problem(args)
    if problem:
        print(f"mailblocks: error: {problem}", file=sys.stderr)
        return 2
    try:
        scenarios = load_scenarios(args.scenarios, args.provider)
    except ValueError as exc:
        print(f"mailblocks: error: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        print(f"mailblocks: error: no scenarios under {args.scenarios}", file=sys.stderr)
        return 2
    results = run(scenarios, args.target, args.fixtures, record=args.record, live_url=args.live_url)
    for r in results:
        if args.verbose or r.status == "failed":
            line = f"{r.status.upper():7s} {r.scenario}"
            print(f"{line}: {r.detail}" if r.detail else line)
    print(f"target: {args.target}")
    print(summary_table(results))
    if args.junit_xml:
        rows = [(f"contract.{args.target}", r.scenario, r.status, [r.detail] if r.detail else []) for r in results]
        if not _write_junit(args.junit_xml, rows):
            return 2
    return 1 if any(r.status == "failed" for r in results) else 0


def _contract_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options of a contract run, before anything runs."""
    live_only = [name for name, given in (("--record", args.record), ("--live-url", args.live_url)) if given]
    if live_only and args.target != "live":
        verb = "go" if len(live_only) > 1 else "goes"
        return f"{' and '.join(live_only)} {verb} with --target live (the target is {args.target})"
    if not args.scenarios.is_dir():
        return f"no scenario folder at {args.scenarios}"
    if not args.fixtures.is_dir():
        return f"no recordings folder at {args.fixtures}"
    if args.record is not None:  # checked, not created: nothing recorded, no folder
        existing = next(p for p in [args.record, *args.record.absolute().parents] if p.exists())
        if not existing.is_dir():
            return f"cannot write recordings to {args.record}: {existing} is not a folder"
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"cannot write recordings to {args.record}: no permission to write in {existing}"
    return None


def verify_recordings(args: argparse.Namespace) -> int:
    """``mailblocks verify --recordings PATH...``: 0 all agree, 1 a mismatch, 2 unreadable."""
    from .contract.verify import UnreadableRecording, junit_rows, render_outcome, summary, verify_paths

    try:
        outcomes, others = verify_paths(args.recordings)
    except UnreadableRecording as exc:
        print(f"mailblocks: error: {exc}", file=sys.stderr)
        return 2
    if args.provider:
        outcomes = [o for o in outcomes if o.provider in args.provider]
    for outcome in outcomes:
        if args.verbose or outcome.status == "failed":
            print(render_outcome(outcome))
    for name in others:
        print(f"not a recording, not read: {name}")
    print(summary(outcomes))
    if args.junit_xml and not _write_junit(args.junit_xml, junit_rows(outcomes)):
        return 2
    compared = [o for o in outcomes if o.status != "skipped"]
    if not compared:
        print(
            f"mailblocks: error: nothing verified: none of the {len(outcomes)} recorded interactions "
            "called a route the fakes serve (see the skipped ones with -v)",
            file=sys.stderr,
        )
        return 2
    return 1 if any(o.status == "failed" for o in compared) else 0


def _write_junit(path: str, rows: list[tuple[str, str, str, list[str]]]) -> bool:
    from .contract.verify import junit_xml

    try:
        Path(path).write_bytes(junit_xml(rows))
    except OSError as exc:
        print(f"mailblocks: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def wait(args: argparse.Namespace) -> int:
    """``mailblocks wait``: 0 once ``URL/_mailblocks/health`` answers, 1 on time-out.

    A server that answers the route with 401 (``--control-token``) or 404
    (``--no-control``) is up too. Polls every 50 ms at first, backing off to 500 ms;
    time is measured with the monotonic clock (this is a client, not the fake)."""
    import time
    import urllib.error
    import urllib.request

    url = args.url.rstrip("/") + "/_mailblocks/health"
    deadline = time.monotonic() + args.timeout
    delay, last = 0.05, "no attempt"
    while True:
        left = deadline - time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=max(0.1, min(2.0, left))) as response:
                response.read()
            print(f"mailblocks: {args.url} is up", flush=True)
            return 0
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 404) and "json" in (exc.headers.get("Content-Type") or ""):
                print(f"mailblocks: {args.url} is up (the control plane answered {exc.code})", flush=True)
                return 0
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = str(getattr(reason, "strerror", None) or reason)
        left = deadline - time.monotonic()
        if left <= 0:
            print(
                f"mailblocks: error: {url} did not answer within {args.timeout:g} s (last: {last}); "
                "is `mailblocks serve` running on that port?",
                file=sys.stderr,
            )
            return 1
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "verify":
        return verify(args)
    if args.command == "wait":
        return wait(args)
    parser.print_help()
    return 2
