"""The Hypothesis profiles (tests/conftest.py; issue 19): the README's test command runs
"ci", which draws the same examples on every run; "explore" draws fresh ones, more."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import CI_EXAMPLES, examples


def test_the_readme_command_runs_the_ci_profile(pytestconfig: pytest.Config) -> None:
    if pytestconfig.getoption("hypothesis_profile", None) is not None:
        pytest.skip("a profile was chosen on the command line")
    assert settings.get_current_profile_name() == "ci"
    assert examples(60) == 60


def test_ci_is_deterministic_and_independent_of_the_machine() -> None:
    ci = settings.get_profile("ci")
    assert (ci.derandomize, ci.database, ci.deadline, ci.print_blob) == (True, None, None, True)
    assert HealthCheck.too_slow in ci.suppress_health_check
    assert ci.max_examples == CI_EXAMPLES


def test_explore_draws_fresh_and_more_examples_and_longer_runs() -> None:
    ci, explore = settings.get_profile("ci"), settings.get_profile("explore")
    assert not explore.derandomize
    assert explore.max_examples >= 10 * ci.max_examples
    assert explore.stateful_step_count > ci.stateful_step_count


def test_ci_draws_the_same_examples_on_every_run() -> None:
    def run() -> list[str]:
        drawn: list[str] = []

        @settings(settings.get_profile("ci"), max_examples=30)
        @given(st.text())
        def body(value: str) -> None:
            drawn.append(value)

        body()
        return drawn

    assert run() == run()
