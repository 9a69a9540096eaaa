# Shared by the benchmark scripts that run a throw-away PostgreSQL cluster of their own
# (psql.sh, sessions.sh). Source it from the repository root after `set -eu`. It only makes
# the work directory and starts and stops the cluster; it knows nothing about what is timed.
# The server refuses to run as root, so as root it runs as the `postgres` user.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
AS_PG=""
[ "$(id -u)" = 0 ] && AS_PG="runuser -u postgres --"

# bench_workdir NAME: sets WORK to a fresh temporary directory the postgres user can write
# to; on exit (or interrupt) its cluster is stopped and the directory removed.
bench_workdir() {
    WORK=$(mktemp -d "/tmp/pgbook-bench-$1-XXXXXX")
    chmod 777 "$WORK"
    trap stop_cluster EXIT INT TERM
}

stop_cluster() {
    $AS_PG "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}

# start_cluster PORT [SETTING...]: initdb into $WORK/data and start it listening only on a
# socket in $WORK at PORT, with each `-c SETTING` and fsync and autovacuum off.
start_cluster() {
    port=$1
    shift
    settings=""
    for setting in "$@"; do
        settings="$settings -c $setting"
    done
    $AS_PG "$PG_BIN/initdb" -D "$WORK/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    $AS_PG "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w start \
        -o "-c listen_addresses= -k $WORK -p $port$settings -c fsync=off -c autovacuum=off" >/dev/null
}
