#!/usr/bin/env bash
# One command to set up and run the whole test suite (CI runs exactly this).
# The browser end-to-end test needs Debian's chromium + chromium-driver; they are installed
# here when we are root with apt-get, otherwise that test is skipped with its reason.
# The store and answer tests run twice, on SQLite and on PostgreSQL: as root with apt-get this
# installs Debian's postgresql, starts its cluster and points GONGKAI_TEST_DATABASE_URL at it
# (a URL set beforehand is used as it is). Without one, tests/conftest.py starts a throwaway
# cluster with the installed initdb, or skips the PostgreSQL half and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null && ! command -v chromedriver >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null) \
    || echo "note: could not install chromium; the browser test will be skipped"
fi

started_pg=""
start_postgres() {  # Debian's cluster (made by the package, or here), with a superuser role for root
  command -v pg_ctlcluster >/dev/null || return 1
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then  # the package made no cluster (createcluster.conf)
    pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main >/dev/null || return 1
  fi
  read -r pg_ver pg_name pg_port pg_status _ < <(pg_lsclusters -h | head -1) || return 1
  install -d -o postgres -g postgres /var/run/postgresql || return 1
  if [ "$pg_status" != "online" ]; then
    pg_ctlcluster "$pg_ver" "$pg_name" start || return 1
    started_pg="$pg_ver $pg_name"
  fi
  # the tests run as root: a superuser role of that name, reached by peer authentication on the socket
  runuser -u postgres -- psql -p "$pg_port" -qAtc "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles
    WHERE rolname = 'root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\$\$" || return 1
  export GONGKAI_TEST_DATABASE_URL="postgresql://root@/postgres?host=/var/run/postgresql&port=$pg_port"
  echo "PostgreSQL $pg_ver ($pg_name, port $pg_port) for the store tests"
}
if [ -z "${GONGKAI_TEST_DATABASE_URL:-}" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "note: could not install postgresql"
  fi
  start_postgres || echo "note: Debian's PostgreSQL did not start; tests/conftest.py tries a throwaway cluster, else skips"
fi
stop_pg() { if [ -n "$started_pg" ]; then pg_ctlcluster $started_pg stop || true; fi; }
trap stop_pg EXIT

set +e
.venv/bin/python -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
