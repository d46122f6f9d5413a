#!/usr/bin/env bash
# Makes sure a PostgreSQL server with PostGIS and a Redis server answer, and writes how to reach
# them into .env (only the keys that are not set already).
#  - DATABASE_URL / REDIS_URL set in the environment or .env: used as they are, only checked.
#  - otherwise: the machine's PostgreSQL 15 cluster is started if needed and given a `vigie`
#    role and database; without one, a project-local cluster is initialised under var/postgres.
#    Redis: the local server on 6379, started if it does not answer.
# Whatever this script starts is listed in var/run/started, so `make demo` can stop it on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/run var/log
started=var/run/started
touch "$started"

env_value() {  # value of KEY from the environment, else from .env
  local key=$1
  if [ -n "${!key:-}" ]; then echo "${!key}"; return; fi
  [ -f .env ] && sed -n "s/^$key=//p" .env | tail -n 1
}
set_env() {  # record KEY=VALUE in .env unless already set there
  local key=$1 value=$2
  touch .env
  grep -q "^$key=" .env || echo "$key=$value" >> .env
}
wait_for() {  # wait_for SECONDS COMMAND...
  local seconds=$1; shift
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}

pg_bin() { echo "/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -n 1)/bin"; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_role_and_database() {  # port
  local port=$1 psql=(psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc)
  if [ "$(id -u)" -eq 0 ]; then psql=(runuser -u postgres -- psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -tAc); fi
  # Superuser so that migrations and the test runner can CREATE EXTENSION postgis in new
  # databases; this role belongs to a local development cluster only.
  if [ "$("${psql[@]}" "SELECT 1 FROM pg_roles WHERE rolname='vigie'")" != "1" ]; then
    "${psql[@]}" "CREATE ROLE vigie LOGIN SUPERUSER PASSWORD 'vigie'" >/dev/null
  fi
  if [ "$("${psql[@]}" "SELECT 1 FROM pg_database WHERE datname='vigie'")" != "1" ]; then
    "${psql[@]}" "CREATE DATABASE vigie OWNER vigie" >/dev/null
  fi
}

start_machine_cluster() {
  local line version name port status
  line=$(pg_lsclusters -h | sort -k1,1V | tail -n 1)
  read -r version name port status _ <<< "$line"
  if [ "$status" != "online" ] && [ "${status%%,*}" != "online" ]; then
    echo "==> starting PostgreSQL $version/$name on port $port"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start 2>/dev/null || pg_ctlcluster "$version" "$name" start
    echo "pgcluster $version $name" >> "$started"
  fi
  wait_for 20 pg_isready -q -h 127.0.0.1 -p "$port" || { echo "ERROR: PostgreSQL $version/$name does not answer on port $port" >&2; exit 1; }
  ensure_role_and_database "$port"
  set_env DATABASE_URL "postgis://vigie:vigie@127.0.0.1:$port/vigie"
}

# Server settings are left at PostgreSQL's defaults, `random_page_cost = 4` included: the fan-out
# statements fix their own plans (docs/deployment.md, "PostgreSQL settings"), and tests and
# benchmarks running under the least favourable cost model show any statement that would not.
# SSD servers in production set random_page_cost = 1.1 in their own configuration.
start_local_cluster() {
  local data=var/postgres port=5433 bin
  bin=$(pg_bin)
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "==> initialising a project-local PostgreSQL cluster in $data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$data" -l var/log/postgres.log -o "-p $port -k /tmp" start >/dev/null
    echo "pglocal $data" >> "$started"
  fi
  wait_for 20 pg_isready -q -h 127.0.0.1 -p "$port" || { echo "ERROR: the local PostgreSQL does not answer" >&2; exit 1; }
  ensure_role_and_database "$port"
  set_env DATABASE_URL "postgis://vigie:vigie@127.0.0.1:$port/vigie"
}

ensure_database() {
  if [ -n "$(env_value DATABASE_URL)" ]; then
    echo "==> database: using DATABASE_URL"
  elif command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    start_machine_cluster
  elif [ -d /usr/lib/postgresql ]; then
    mkdir -p var/postgres
    [ "$(id -u)" -ne 0 ] || chown postgres var/postgres
    start_local_cluster
  else
    echo "ERROR: no PostgreSQL server here and DATABASE_URL is not set." >&2
    echo "       Run 'make system' as root, or set DATABASE_URL=postgis://USER:PASS@HOST:PORT/DB" >&2
    exit 1
  fi
}

ensure_redis() {
  local url
  url=$(env_value REDIS_URL)
  if [ -n "$url" ]; then
    echo "==> redis: using REDIS_URL"
    return
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null || { echo "ERROR: redis-server is not installed: run 'make system' as root" >&2; exit 1; }
    echo "==> starting Redis on 127.0.0.1:6379"
    mkdir -p var/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "$PWD/var/redis" --logfile "$PWD/var/log/redis.log" --pidfile "$PWD/var/run/redis.pid"
    echo "redis $PWD/var/run/redis.pid" >> "$started"
    wait_for 10 redis-cli -h 127.0.0.1 -p 6379 ping || { echo "ERROR: Redis did not start (var/log/redis.log)" >&2; exit 1; }
  fi
  set_env REDIS_URL "redis://127.0.0.1:6379/0"
}

stop_started() {
  [ -f "$started" ] || return 0
  while read -r kind a b; do
    case "$kind" in
      pgcluster) echo "==> stopping PostgreSQL $a/$b"; pg_ctlcluster --skip-systemctl-redirect "$a" "$b" stop 2>/dev/null || true ;;
      pglocal) echo "==> stopping the local PostgreSQL"; as_postgres "$(pg_bin)/pg_ctl" -D "$a" stop -m fast >/dev/null 2>&1 || true ;;
      redis) echo "==> stopping Redis"; [ -f "$a" ] && kill "$(cat "$a")" 2>/dev/null || true ;;
    esac
  done < "$started"
  : > "$started"
}

case "${1:-up}" in
  up) ensure_database; ensure_redis ;;
  down) stop_started ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
