"""What an installed, unused plugin imports, and the ``generators`` extra's error
(issue 18). Timing lives in benchmarks/pertest.py; these check the cause."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pytest_mailblocks.providers import CREDENTIALS, PREFIXES, REGISTRY, SECRETS, load_providers

pytest_plugins = ["pytester"]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_the_plugin_imports_no_provider_server_or_generator():
    out = _run(
        """
        import sys
        import pytest
        before = set(sys.modules)
        import pytest_mailblocks.plugin
        print(" ".join(sorted(set(sys.modules) - before)))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "pytest_mailblocks",
        "pytest_mailblocks.core",
        "pytest_mailblocks.core.errors",
        "pytest_mailblocks.options",
        "pytest_mailblocks.plugin",
        "pytest_mailblocks.providers",
    ]


REPORT_MODULES = """
import sys

def pytest_unconfigure(config):
    print("loaded:", " ".join(sorted(m for m in sys.modules if m.startswith("pytest_mailblocks"))))
"""
LIGHT = (
    "loaded: pytest_mailblocks pytest_mailblocks.core pytest_mailblocks.core.errors "
    "pytest_mailblocks.options pytest_mailblocks.plugin pytest_mailblocks.providers"
)


@pytest.mark.parametrize("args", [(), ("--fixtures",), ("--co",)])
def test_a_session_that_uses_no_fixture_imports_no_provider(pytester, args):
    pytester.makeconftest(REPORT_MODULES)
    pytester.makepyfile("def test_untouched(): pass")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-s", *args)
    assert result.ret == 0
    result.stdout.fnmatch_lines([LIGHT])
    if args == ("--fixtures",):  # registered all the same, one per provider
        result.stdout.fnmatch_lines([f"{key}_fake*" for key in sorted(REGISTRY)], consecutive=False)


def test_a_bad_credential_option_is_refused_without_importing_providers(pytester):
    pytester.makeconftest(REPORT_MODULES)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_subprocess("--mailblocks-credential", "cmc.secret=x", "-p", "no:randomly", "-s")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "pytest-mailblocks: unknown credential(s) ['secret'] for cmc; "
        "known: ['api_key', 'api_user', 'server_composition']" in result.stderr.str()
    )
    assert "pytest_mailblocks.providers." not in result.stdout.str()


def test_the_registry_tables_say_what_each_provider_class_says():
    classes = load_providers()
    assert list(CREDENTIALS) == list(PREFIXES) == list(SECRETS) == list(REGISTRY)
    assert {k: set(v) for k, v in CREDENTIALS.items()} == {k: set(c.default_credentials) for k, c in classes.items()}
    assert {k: c.prefixes for k, c in classes.items()} == PREFIXES
    assert {k: c.secrets for k, c in classes.items()} == SECRETS


def test_a_server_imports_and_builds_a_provider_when_first_served():
    out = _run(
        """
        import sys
        import httpx
        from pytest_mailblocks import FakeServer

        def loaded():
            return sorted({m.split(".")[2] for m in sys.modules if m.startswith("pytest_mailblocks.providers.")})

        with FakeServer() as server:
            server.reset()
            print(loaded(), [p.key for p in server.app.providers.built()])
            r = httpx.get(server.url + "/v3/suppression/blocks")  # routed: sendgrid is built
            print(r.status_code, loaded(), [p.key for p in server.app.providers.built()])
            server.reset()
            server.ncp  # a handle builds its provider
            print(loaded(), list(server.app.providers), sorted(server.app.journals))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "[] []",
        "401 ['sendgrid'] ['sendgrid']",
        "['ncp', 'sendgrid'] ['sendgrid', 'cmc', 'ncp', 'sendcloud'] "
        "['_mailblocks', 'cmc', 'ncp', 'sendcloud', 'sendgrid']",
    ]


def test_a_bad_credential_is_refused_when_the_server_is_made():
    from pytest_mailblocks import ControlError, FakeServer

    with pytest.raises(ControlError, match=r"unknown credential\(s\) \['x'\] for ncp; known: \['access_key'"):
        FakeServer(credentials={"ncp": {"x": "1"}})


def test_the_package_names_load_on_first_use():
    out = _run(
        """
        import sys
        import pytest_mailblocks
        assert "pytest_mailblocks.core.app" not in sys.modules
        from pytest_mailblocks import FakeServer, Journal
        from pytest_mailblocks.core import OrderedStore
        print(FakeServer.__module__, Journal.__module__, OrderedStore.__module__)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "pytest_mailblocks.core.fake",
        "pytest_mailblocks.core.journal",
        "pytest_mailblocks.core.store",
    ]
    import pytest_mailblocks
    from pytest_mailblocks import core

    assert sorted(core.__all__) == sorted(core._WHERE)
    assert all(getattr(pytest_mailblocks, name) is getattr(core, name) for name in pytest_mailblocks.__all__[:-1])
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        pytest_mailblocks.Nope  # noqa: B018


EXTRA = "pip install 'pytest-mailblocks[generators]'"


@pytest.mark.parametrize(
    ("missing", "code", "message"),
    [
        ("faker", "import pytest_mailblocks.faker", "pytest_mailblocks.faker (and handle.seed(n)) needs Faker"),
        (
            "faker",
            "from pytest_mailblocks import FakeServer\nFakeServer(providers=['sendgrid']).sendgrid.seed(3)",
            "pytest_mailblocks.faker (and handle.seed(n)) needs Faker",
        ),
        ("hypothesis", "import pytest_mailblocks.strategies", "pytest_mailblocks.strategies needs Hypothesis"),
    ],
)
def test_a_generator_without_its_extra_names_the_extra(missing, code, message):
    # sys.modules[name] = None makes ``import name`` fail as if it were not installed
    out = _run(f"import sys\nsys.modules[{missing!r}] = None\n{code}")
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last == (
        f"pytest_mailblocks.extras.MissingExtra: {message}, which comes with pytest-mailblocks' "
        f"'generators' extra: {EXTRA}"
    )
