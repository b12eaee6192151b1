.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck bench

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

demo: ## run rightful on SQLite with demo data (the README's first command)
	./scripts/demo

test: ## every check and test (the README's second command; CI runs it)
	./scripts/test

lint: ## ruff lint and format check
	./scripts/bootstrap test  # the test tools, which the demo's .venv lacks
	.venv/bin/ruff check src tests bench && .venv/bin/ruff format --check src tests bench

typecheck: ## mypy strict on the domain, and the import contracts
	./scripts/bootstrap test
	.venv/bin/mypy && .venv/bin/lint-imports

bench: ## benchmarks (see README, Performance)
	./scripts/bootstrap
	.venv/bin/python bench/collect.py --customers 100000 --devices 200000 --recordings 2000000
	.venv/bin/python bench/package.py --small
	.venv/bin/python bench/requests.py
