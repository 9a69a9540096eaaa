#!/bin/sh
# Benchmark of the sessions scheduler (issue 5). Three books of one chapter each, run with
# `pgbook test` (scratch cluster included), and one reference:
#   single   200 steps on the main session (the straight path, no lock monitor)
#   multi    the same 200 steps alternating between sessions alice and bob (scheduler,
#            lock monitor, deadlock_timeout setup)
#   waits    10 lock waits, each released by the next step (each lasts until the waiting
#            backend's deadlock check shows in the server log; see bench/waits.sh)
#   psql     the reference: the same 200 statements through psql on a running cluster
# Run from the repository root as root (the clusters run as `postgres`); PGBOOK defaults to
# the debug binary of CARGO_TARGET_DIR. Prints hyperfine tables (copied into bench/sessions.md).
cd "$(dirname "$0")/.."
set -eu

. bench/lib.sh
PGBOOK=${PGBOOK:-${CARGO_TARGET_DIR:-$PWD/target}/debug/pgbook}
bench_workdir sessions
PORT=5437

python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
def book(name, chapter):
    os.makedirs(f"{work}/{name}/content")
    open(f"{work}/{name}/book.toml", "w").write('[book]\ntitle = "bench"\nsrc = "content"\n')
    open(f"{work}/{name}/content/SUMMARY.md", "w").write("- [Bench](bench.md)\n")
    open(f"{work}/{name}/content/bench.md", "w").write("# Bench\n\n" + chapter)
def step(session, sql, out):
    attr = f",session={session}" if session else ""
    return f"```sql{attr}\n{sql}\n```\n\n```output\n{out}```\n\n"
def select(n):
    return f" ?column? \n----------\n {n:>8} \n(1 row)\n\n"
book("single", "".join(step(None, f"SELECT {n};", select(n)) for n in range(200)))
book("multi", "".join(step(("alice", "bob")[n % 2], f"SELECT {n};", select(n)) for n in range(200)))
chapter = step(None, "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);", "CREATE TABLE\nINSERT 0 1\n")
for n in range(10):
    chapter += step("alice", "BEGIN;\nUPDATE t SET id = id WHERE id = 1;", "BEGIN\nUPDATE 1\n")
    chapter += step("bob", "UPDATE t SET id = id WHERE id = 1;", "<waiting ...>\nUPDATE 1\n")
    chapter += step("alice", "COMMIT;", "COMMIT\n")
book("waits", chapter)
open(f"{work}/select.sql", "w").write("".join(f"SELECT {n};\n" for n in range(200)))
PY

start_cluster "$PORT"

for name in single multi waits; do
    "$PGBOOK" test "$WORK/$name" >/dev/null || { echo "book $name does not pass" >&2; exit 1; }
done
hyperfine --warmup 1 --runs 10 -N \
    -n psql "$PG_BIN/psql -X -q -h $WORK -p $PORT -U postgres -d postgres -f $WORK/select.sql -o /dev/null" \
    -n single "$PGBOOK test $WORK/single" \
    -n multi "$PGBOOK test $WORK/multi" \
    -n waits "$PGBOOK test $WORK/waits"
