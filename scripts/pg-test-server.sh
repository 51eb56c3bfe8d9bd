#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test suite: `start` prints its URL, `stop`
# stops it and removes its data. `make test` runs the tests between the two.
#
#   start  install Debian's postgresql when no server binaries are found (root, or sudo), initdb
#          a temporary cluster (trust auth on 127.0.0.1 only, no Unix socket, fsync off), start
#          it on a free port and print postgresql://postgres@127.0.0.1:PORT/postgres on stdout.
#   stop   stop that server and delete its data directory (safe to run when none is running).
#
# The state (data directory, URL) is kept in $BRANCHFLOW_PG_STATE (default: .pg-test/ in the
# repository). Set BRANCHFLOW_PG_NO_INSTALL=1 to never install packages. Root cannot run
# postgres, so as root the server runs as the `postgres` user the package creates.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${BRANCHFLOW_PG_STATE:-$ROOT/.pg-test}"

say() { echo "pg-test-server: $*" >&2; }

find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

install_postgresql() {
  [ "${BRANCHFLOW_PG_NO_INSTALL:-}" = "1" ] && return 1
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || return 1
    sudo="sudo"
  fi
  say "installing Debian's postgresql (server binaries for the tests)"
  # No cluster of its own: the package would otherwise create and start one on port 5432.
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/branchflow-tests.conf >/dev/null
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >&2
}

free_port() {
  local python
  python="$(command -v python3 || command -v python || true)"
  if [ -n "$python" ]; then
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    echo $((20000 + RANDOM % 20000))
  fi
}

# Run a server binary as the user that may run it (root may not).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

start() {
  if [ -f "$STATE/url" ] && [ -f "$STATE/datadir" ]; then
    local bindir
    bindir="$(cat "$STATE/bindir" 2>/dev/null || true)"
    if [ -n "$bindir" ] && as_owner "$bindir/pg_ctl" -D "$(cat "$STATE/datadir")/data" status >/dev/null 2>&1; then
      cat "$STATE/url"
      return 0
    fi
    stop
  fi
  local bindir
  if ! bindir="$(find_bindir)"; then
    install_postgresql || true
    bindir="$(find_bindir)" || {
      say "no PostgreSQL server binaries (initdb, pg_ctl) and cannot install them;"
      say "install Debian's 'postgresql' package (or set BRANCHFLOW_TEST_PG_URL to a server)"
      return 1
    }
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    say "running as root, but there is no 'postgres' user to run the server as"
    return 1
  fi
  mkdir -p "$STATE"
  local datadir port url
  if [ "$(id -u)" -eq 0 ]; then  # somewhere the postgres user can reach
    datadir="$(mktemp -d /tmp/branchflow-pg.XXXXXX)"
    chown postgres: "$datadir"
  else
    datadir="$(mktemp -d "${TMPDIR:-/tmp}/branchflow-pg.XXXXXX")"
  fi
  echo "$bindir" >"$STATE/bindir"
  echo "$datadir" >"$STATE/datadir"
  as_owner "$bindir/initdb" -D "$datadir/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 || {
      say "initdb failed:"; cat "$STATE/initdb.log" >&2; return 1; }
  port="$(free_port)"
  as_owner "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 60 start -o \
    "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >&2 || { say "the server did not start:"; cat "$datadir/server.log" >&2 || true; return 1; }
  url="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "$url" >"$STATE/url"
  say "$("$bindir/postgres" --version) on 127.0.0.1:$port"
  echo "$url"
}

stop() {
  [ -f "$STATE/datadir" ] || return 0
  local bindir datadir
  bindir="$(cat "$STATE/bindir" 2>/dev/null || true)"
  datadir="$(cat "$STATE/datadir")"
  if [ -n "$bindir" ] && [ -d "$datadir/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$datadir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$datadir" in
    */branchflow-pg.*) rm -rf "$datadir" ;;
  esac
  rm -f "$STATE/url" "$STATE/datadir" "$STATE/bindir" "$STATE/initdb.log"
  rmdir "$STATE" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
