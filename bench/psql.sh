#!/bin/sh
# Benchmark of pgbook-psql against psql itself: the same SQL file run through
#   psql -X -h DIR -p PORT -U postgres -d postgres < FILE 2>&1      (the reference)
#   pgbook-psql's `transcript` example (split -> Connection::execute -> format)
# on a throw-away cluster this script starts and stops. Both outputs are first checked to
# be byte-identical, then timed with hyperfine. Run from the repository root, as root or as
# a user that can run PostgreSQL; it prints hyperfine tables (copied into bench/psql.md).
cd "$(dirname "$0")/.."
set -eu

. bench/lib.sh
bench_workdir psql
PORT=5433
start_cluster "$PORT" lc_messages=C

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p pgbook-psql --example transcript
TRANSCRIPT="$CARGO_TARGET_DIR/release/examples/transcript"
URL="postgres://postgres@$(echo "$WORK" | sed 's,/,%2F,g'):$PORT/postgres"

# Workload 1: many small statements (DDL, DML, selects, errors, notices).
python3 - "$WORK/many.sql" <<'PY'
import sys
parts = ["create temp table t (id int primary key, name text);"]
for i in range(1, 501):
    parts.append(f"insert into t values ({i}, 'name {i}');")
    parts.append(f"select id, name, id * 2 as twice from t where id = {i};")
    parts.append(f"select {i} / 0;" if i % 10 == 0 else f"update t set name = name || '!' where id = {i};")
    if i % 50 == 0:
        parts.append(f"do $$ begin raise notice 'progress {i}'; end $$;")
open(sys.argv[1], "w").write("\n".join(parts) + "\n")
PY
# Workload 2: one large result set to format (100k rows, numbers, text, NULLs, multi-line).
cat > "$WORK/big.sql" <<'SQL'
select g as id, g * 1.5 as price, repeat('x', g % 20) as text,
       case when g % 7 = 0 then null else 'v' || g end as maybe,
       case when g % 1000 = 0 then E'two\nlines' else 'one line' end as note
from generate_series(1, 100000) g;
SQL

for name in many big; do
    file="$WORK/$name.sql"
    "$PG_BIN/psql" -X -h "$WORK" -p $PORT -U postgres -d postgres < "$file" > "$WORK/$name.psql" 2>&1
    "$TRANSCRIPT" "$URL" "$file" > "$WORK/$name.pgbook"
    cmp "$WORK/$name.psql" "$WORK/$name.pgbook" || { echo "outputs differ for $name"; exit 1; }
    echo "$name: outputs identical ($(wc -c < "$WORK/$name.psql") bytes)"
done

RESULTS="$WORK/results.md"
: > "$RESULTS"
for name in many big; do
    file="$WORK/$name.sql"
    hyperfine --warmup 2 --runs 15 -N --export-markdown "$WORK/$name.md" \
        -n "psql ($name)" "sh -c '\"$PG_BIN/psql\" -X -h $WORK -p $PORT -U postgres -d postgres < $file > /dev/null 2>&1'" \
        -n "pgbook-psql ($name)" "sh -c '\"$TRANSCRIPT\" \"$URL\" $file > /dev/null'"
    cat "$WORK/$name.md" >> "$RESULTS"
    echo >> "$RESULTS"
done
cat "$RESULTS"
