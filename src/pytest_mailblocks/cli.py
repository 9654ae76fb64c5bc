"""The ``mailblocks`` command (also ``python -m pytest_mailblocks``).

``mailblocks serve`` runs the standalone fake server until Ctrl-C or SIGTERM:
it prints the base URL, the control plane and every provider's default
credentials, then serves. Exit status: 0 after a clean stop, 2 for bad usage or
a bad seed file (the message names the line or key).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .core.control import apply_seed
from .core.errors import ControlError
from .core.fake import FakeServer, NotLoopbackWarning
from .core.server import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, tune_allocator
from .options import JOURNAL_OPTIONS, parse_credentials, parse_size
from .providers import REGISTRY

__all__ = ["build_parser", "load_seed_file", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailblocks",
        description=f"Stateful fakes of email providers' block/suppression APIs ({', '.join(REGISTRY)}).",
    )
    parser.add_argument("--version", action="version", version=f"mailblocks {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run the standalone fake server",
        description="Serve every provider's fake at its real paths on one port, until Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default: 0, a free port)")
    serve.add_argument("--seed", type=Path, metavar="FILE.json", help="seed state from a JSON file")
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
        "--control-token", metavar="TOKEN", help="require X-Mailblocks-Token: TOKEN on the control plane"
    )
    serve.add_argument("--no-control", action="store_true", help="disable the /_mailblocks/ control plane")
    for name, what in JOURNAL_OPTIONS.items():
        serve.add_argument(f"--{name}", type=_size, metavar="BYTES", help=f"{what}; K, M, G units")
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
    serve.add_argument("--quiet", action="store_true", help="print only the base URL")

    verify = sub.add_parser(
        "verify",
        help="run the contract suite",
        description="Run the contract scenarios against the fake, the recorded responses or the live provider; "
        "print a table per provider and exit 1 on drift.",
    )
    verify.add_argument("--target", choices=("fake", "recorded", "live"), default="fake")
    verify.add_argument(
        "--provider", action="append", choices=list(REGISTRY), metavar="NAME", help="only this provider (repeatable)"
    )
    verify.add_argument(
        "--scenarios",
        type=Path,
        default=Path("tests/contract/scenarios"),
        metavar="DIR",
        help="scenario folders, one per provider (default: tests/contract/scenarios)",
    )
    verify.add_argument(
        "--fixtures",
        type=Path,
        default=Path("fixtures"),
        metavar="DIR",
        help="recorded responses, one folder per provider (default: fixtures)",
    )
    verify.add_argument(
        "--record", type=Path, metavar="DIR", help="with --target live: write what came back as fixtures under DIR"
    )
    verify.add_argument("-v", "--verbose", action="store_true", help="list every scenario, not only failures")
    return parser


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ControlError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_seed_file(path: Path) -> dict[str, Any]:
    """Read and parse a seed file; ControlError names the line/column or key."""
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
    for key, provider in server.app.providers.items():
        creds = "  ".join(f"{k}={v}" for k, v in provider.credentials.items())
        lines.append(f"  {key:<10} {provider.title}: {server.url} (for {provider.real_host})")
        lines.append(f"  {'':<10} {creds}")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> int:
    try:
        credentials = parse_credentials(args.credential)
        seed = load_seed_file(args.seed) if args.seed else None
        server = FakeServer(
            args.host,
            args.port,
            providers=args.provider,
            credentials=credentials,
            control=not args.no_control,
            control_token=args.control_token,
            max_connections=args.max_connections,
            idle_timeout=args.idle_timeout,
            **{k: v for k, v in vars(args).items() if k.startswith("journal_") and v is not None},
        )
        if seed is not None:
            apply_seed(server.app, seed, str(args.seed))
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
    try:
        while not stop.wait(3600):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        server.stop()
    if not args.quiet:
        print("mailblocks: stopped", flush=True)
    return 0


def verify(args: argparse.Namespace) -> int:
    from .contract import load_scenarios, run, summary_table

    if not args.scenarios.is_dir():
        print(f"mailblocks: error: no scenario folder at {args.scenarios}", file=sys.stderr)
        return 2
    try:
        scenarios = load_scenarios(args.scenarios, args.provider)
    except ValueError as exc:
        print(f"mailblocks: error: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        print(f"mailblocks: error: no scenarios under {args.scenarios}", file=sys.stderr)
        return 2
    results = run(scenarios, args.target, args.fixtures, record=args.record)
    for r in results:
        if args.verbose or r.status == "failed":
            line = f"{r.status.upper():7s} {r.scenario}"
            print(f"{line}: {r.detail}" if r.detail else line)
    print(f"target: {args.target}")
    print(summary_table(results))
    return 1 if any(r.status == "failed" for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "verify":
        return verify(args)
    parser.print_help()
    return 2
