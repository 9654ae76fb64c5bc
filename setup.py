"""The package layout; the metadata is in pyproject.toml.

The recorded provider responses stay at the repository's top level (``fixtures/``,
as DESIGN.md lays the repository out) and install as the package
``pytest_mailblocks.fixtures``, so the contract suite reads them through
``importlib.resources`` from a wheel, an sdist or an editable install alike. A
package mapped from outside ``src/`` is one ``packages.find`` in pyproject.toml
cannot express, hence these few lines.
"""

from setuptools import find_namespace_packages, setup

FIXTURES = "pytest_mailblocks.fixtures"

setup(
    package_dir={"": "src", FIXTURES: "fixtures"},
    packages=[
        *find_namespace_packages("src", include=["pytest_mailblocks", "pytest_mailblocks.*"]),
        FIXTURES,
        *(f"{FIXTURES}.{name}" for name in find_namespace_packages("fixtures")),
    ],
)
