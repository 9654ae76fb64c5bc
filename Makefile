.PHONY: test lint type bench ci

test:
	python -m pytest -n 2

lint:
	ruff check src tests benchmarks
	ruff format --check src tests benchmarks

type:
	mypy

bench:
	python benchmarks/bench.py

ci:
	./.ci/run
