.PHONY: test lint type bench ci wheel-check

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

wheel-check:
	bash .ci/wheel-check
