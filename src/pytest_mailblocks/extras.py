"""Optional dependencies: the error raised when a feature's extra is not installed.

Faker and Hypothesis come with the ``generators`` extra
(``pip install 'pytest-mailblocks[generators]'``), not with the package: both
register pytest plugins of their own, which every pytest session would otherwise
import whether or not it generates anything (issue 18).
"""

from __future__ import annotations

__all__ = ["MissingExtra", "missing_extra"]


class MissingExtra(ImportError):
    """A feature was used without the extra that installs its dependency."""


def missing_extra(project: str, feature: str, extra: str = "generators") -> MissingExtra:
    """The error to raise (``from`` the ImportError) when ``project`` is missing."""
    return MissingExtra(
        f"{feature} needs {project}, which comes with pytest-mailblocks' {extra!r} extra: "
        f"pip install 'pytest-mailblocks[{extra}]'"
    )
