# The two commands a newcomer types first: `make run` and `make test`.
# Both install what is missing: uv (pinned, into .tools/) and the locked dependencies (.venv/):
# `make run` only what running needs, `make test` (and every other target) the dev group too.

UV_VERSION := 0.13.9
UV := .tools/bin/uv
PYTHON := .venv/bin/python

.PHONY: install install-runtime run test lint typecheck unit integration e2e e2e-balanced clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# The project's dependencies alone; --inexact leaves the dev group alone where it is installed.
.venv/.synced-runtime: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --no-dev --inexact
	touch $@

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

install-runtime: .venv/.synced-runtime

install: .venv/.synced

# The npm clients the tests drive (graphql-ws, graphql-http), with the machine's Node; only the
# test targets need them, never `make run`.
NODE_CLIENTS := tests/clients/node_modules/.installed

$(NODE_CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund
	touch $@

## Migrate, seed the demo catalogue when empty, and serve on the embedded default.
run: install-runtime
	$(PYTHON) main.py run

## ruff, mypy and the whole test suite against the real PostgreSQL, Redis and RabbitMQ: the
## tiers (with coverage, the processes they start included; on two pytest-xdist workers, a file
## on one of them), the HTTP end-to-end tests again through HAProxy in front of the cluster, the
## faults.
test: install lint typecheck $(NODE_CLIENTS)
	.venv/bin/pytest --cov --cov-report=term -n 2 --dist loadfile tests/unit tests/repository tests/integration tests/e2e
	.venv/bin/pytest tests/e2e --through-balancer
	.venv/bin/pytest tests/faults

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: install
	.venv/bin/mypy .

unit: install
	.venv/bin/pytest tests/unit

integration: install
	.venv/bin/pytest tests/integration

e2e: install $(NODE_CLIENTS)
	.venv/bin/pytest tests/e2e

## The HTTP end-to-end tests through HAProxy, against every role running as processes.
e2e-balanced: install $(NODE_CLIENTS)
	.venv/bin/pytest tests/e2e --through-balancer

clean:
	rm -rf .venv .tools var/* .mypy_cache .ruff_cache .pytest_cache .hypothesis tests/clients/node_modules \
		bench/postgraphile/node_modules

## Benchmarks against raw baselines, and reads against PostGraphile (bench/README.md);
## BENCH_ARGS=--quick for a short check.
.PHONY: bench
bench: install
	command -v wrk >/dev/null || apt-get install -y wrk
	$(PYTHON) -m bench.seed
	$(PYTHON) -m bench.reads $(BENCH_ARGS)
	$(PYTHON) -m bench.cached_reads $(BENCH_ARGS)
	$(PYTHON) -m bench.cached_cpu
	$(PYTHON) -m bench.writes $(BENCH_ARGS)
	$(PYTHON) -m bench.pipeline $(BENCH_ARGS)

## Every role replicated behind HAProxy on this machine's services, until Ctrl-C or the time
## limit (README "A cluster on this machine"); CLUSTER_ARGS="--seconds 120 --port 8081".
.PHONY: cluster
cluster: install
	command -v haproxy >/dev/null || PATH="$$PATH:/usr/sbin" command -v haproxy >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy)
	$(PYTHON) -m cluster $(CLUSTER_ARGS)
