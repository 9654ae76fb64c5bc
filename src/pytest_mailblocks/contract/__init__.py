"""The contract suite: one scenario set, three targets.

- ``fake``: every scenario against the fake, compared with its expectation;
- ``recorded``: every file under ``fixtures/<provider>/`` replayed through the
  scenario that reproduces it, the fake's answer compared with the recording after
  scrubbing volatile fields;
- ``live``: the read-only scenarios against the real provider with credentials
  from environment variables (skipped, with the reason, without them); ``record``
  writes what came back as new fixtures, secrets and personal addresses redacted.

Entry points: ``mailblocks verify`` and ``tests/contract/``.
"""

from .runner import Result, run, summary_table
from .scenario import Scenario, load_scenarios

__all__ = ["Result", "Scenario", "load_scenarios", "run", "summary_table"]
