# Sourced by .ci/run: a throwaway PostgreSQL server for the tests of the production instance
# (dagster-postgres), on 127.0.0.1 and a socket in its own folder, stopped and removed on exit.
# Debian's `postgresql` package is installed when no server binaries are there. The server refuses to
# run as root, so as root it runs as the package's `postgres` user. Exports what the tests read:
# SOZIALMONITOR_TEST_POSTGRES_HOST, _PORT, _USER (trust authentication: a test cluster only).

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "installing Debian's postgresql (server for the production-instance tests)"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_owner=()
[ "$(id -u)" = 0 ] && as_owner=(runuser -u postgres --)
pg_dir=$(mktemp -d /tmp/sozialmonitor-postgres.XXXXXX)
chmod 755 "$pg_dir"
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_owner[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust >/dev/null
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-h 127.0.0.1 -p $pg_port -k $pg_dir" start >/dev/null
stop_postgres() {
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
export SOZIALMONITOR_TEST_POSTGRES_HOST=127.0.0.1
export SOZIALMONITOR_TEST_POSTGRES_PORT=$pg_port
export SOZIALMONITOR_TEST_POSTGRES_USER=postgres
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$pg_port"
