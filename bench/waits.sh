#!/bin/sh
# Benchmark of lock waits (issue 12, item 6): what one wait costs, and that waits and
# deadlocks come out the same on every run while the machine is busy.
#
# Two books of one multi-session chapter each, generated here, with the same steps and
# statements:
#   waits    16 waits: 10 row-lock waits each released by the next step, two two-way
#            deadlocks and one three-way deadlock (the step closing each cycle is the
#            victim), and a lock queue (a migration and a read queued behind a report)
#   nowaits  the reference: the same steps on rows and tables that do not conflict
# Per-wait cost = (mean time of `pgbook test waits` - mean time of `pgbook test nowaits`) / 16,
# printed next to the 300 ms every wait cost before (deadlock_timeout 50 ms + 250 ms margin).
#
# Determinism: with two `pgbook build`s of this repository's guide running in a loop in the
# background (each from a clean cache, so they execute every chapter), the waits book is
# built RUNS (20) times, each from a fresh copy, and the 20 chapter pages (transcripts,
# `<waiting ...>` lines, the steps waits completed during, deadlock victims, transaction ids)
# must be byte-identical once backend pids are masked: the page shows each deadlock report's
# DETAIL, which names the backends' process ids, and those differ from run to run.
#
# Run from the repository root as root; PGBOOK defaults to the debug binary of
# CARGO_TARGET_DIR. It changes no file of the repository.
cd "$(dirname "$0")/.."
set -eu

PGBOOK=${PGBOOK:-${CARGO_TARGET_DIR:-$PWD/target}/debug/pgbook}
RUNS=${RUNS:-20}
WAITS=16
WORK=$(mktemp -d /tmp/pgbook-bench-waits-XXXXXX)
LOADERS=""
cleanup() {
    for pid in $LOADERS; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

python3 - "$WORK" "$WAITS" <<'PY'
import os, sys
work, expected_waits = sys.argv[1], int(sys.argv[2])

def book(name, chapter):
    os.makedirs(f"{work}/{name}/content")
    open(f"{work}/{name}/book.toml", "w").write(
        '[book]\ntitle = "bench"\nsrc = "content"\n\n[build]\nbuild-dir = "site"\n')
    open(f"{work}/{name}/content/SUMMARY.md", "w").write("- [Waits](waits.md)\n")
    open(f"{work}/{name}/content/waits.md", "w").write("# Waits\n\n" + chapter)

def chapter(conflict):
    # Without conflicts each session works on rows (and a table) of its own.
    other = (lambda row: row) if conflict else (lambda row: row + 100)
    steps = []
    def step(session, sql, victim=False):
        attr = f",session={session}" if session else ""
        if victim and conflict:
            attr += ",error=40P01"
        steps.append(f"```sql{attr}\n{sql}\n```\n\n")
    step(None, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);\n"
               "INSERT INTO t SELECT g, 0 FROM generate_series(1, 200) AS g;\n"
               "CREATE TABLE orders (id int);\nCREATE TABLE other_orders (id int);")
    for session in ("alice", "bob", "carol"):
        step(session, "SELECT 1;")
    for n in range(10):
        step("alice", f"BEGIN;\nUPDATE t SET v = v + 1 WHERE id = {n + 1};")
        step("bob", f"UPDATE t SET v = v + 1 WHERE id = {other(n + 1)};")
        step("alice", "COMMIT;")
    for first, second in (("alice", "bob"), ("bob", "alice")):
        step(first, "BEGIN;\nUPDATE t SET v = v + 1 WHERE id = 20;")
        step(second, "BEGIN;\nUPDATE t SET v = v + 1 WHERE id = 21;")
        step(first, f"UPDATE t SET v = v + 1 WHERE id = {other(21)};")
        step(second, f"UPDATE t SET v = v + 1 WHERE id = {other(20)};", victim=True)
        step(second, "ROLLBACK;")
        step(first, "COMMIT;")
    cycle = ("alice", "bob", "carol")
    for i, session in enumerate(cycle):
        step(session, f"BEGIN;\nUPDATE t SET v = v + 1 WHERE id = {30 + i};")
    for i, session in enumerate(cycle):
        sql = f"UPDATE t SET v = v + 1 WHERE id = {other(30 + (i + 1) % 3)};"
        step(session, sql, victim=session == "carol")
    step("carol", "ROLLBACK;")
    step("bob", "COMMIT;")
    step("alice", "COMMIT;")
    step("carol", "BEGIN;\nSELECT count(*) FROM orders;")
    table = "orders" if conflict else "other_orders"
    step("alice", f"ALTER TABLE {table} ADD COLUMN note text;")
    step("bob", f"SELECT count(*) FROM {table};")
    step("carol", "COMMIT;")
    return "".join(steps)

book("waits", chapter(True))
book("nowaits", chapter(False))
PY

"$PGBOOK" test -q --bless "$WORK/waits" >/dev/null 2>&1 || true
"$PGBOOK" test -q --bless "$WORK/nowaits" >/dev/null 2>&1 || true
for name in waits nowaits; do
    "$PGBOOK" test -q "$WORK/$name" >/dev/null || { echo "book $name does not pass" >&2; exit 1; }
done
found=$(grep -c '^<waiting \.\.\.>$' "$WORK/waits/content/waits.md" || true)
victims=$(grep -c '^ERROR:  deadlock detected$' "$WORK/waits/content/waits.md" || true)
none=$(grep -c '^<waiting \.\.\.>$' "$WORK/nowaits/content/waits.md" || true)
echo "waits book: $found waits, $victims deadlock victims; nowaits book: $none waits"
[ "$found" = "$WAITS" ] && [ "$victims" = 3 ] && [ "$none" = 0 ] || {
    echo "the books do not wait as designed" >&2
    exit 1
}

echo "== cost of a wait (load: $(cut -d' ' -f1-3 /proc/loadavg))"
hyperfine --warmup 1 --runs 10 -N --export-json "$WORK/cost.json" \
    -n nowaits "$PGBOOK test -q $WORK/nowaits" \
    -n waits "$PGBOOK test -q $WORK/waits"
python3 - "$WORK/cost.json" "$WAITS" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
waits = int(sys.argv[2])
per_wait = (results["waits"]["mean"] - results["nowaits"]["mean"]) / waits * 1000
print(f"per wait: {per_wait:.1f} ms (({results['waits']['mean']*1000:.0f} ms - "
      f"{results['nowaits']['mean']*1000:.0f} ms) / {waits}); before: 300 ms, "
      f"ratio {per_wait / 300:.2f}")
PY

echo "== $RUNS builds of the waits book under load"
mkdir "$WORK/guide"
cp -r book.toml content "$WORK/guide/"
for loader in 1 2; do
    cp -r "$WORK/guide" "$WORK/guide$loader"
    (
        while :; do
            "$PGBOOK" clean "$WORK/guide$loader" >/dev/null 2>&1 || true
            "$PGBOOK" build -q --keep-going --dest "$WORK/guide$loader/site" "$WORK/guide$loader" \
                >/dev/null 2>&1 || true
        done
    ) &
    LOADERS="$LOADERS $!"
done
sleep 2
i=1
start=$(date +%s.%N)
while [ "$i" -le "$RUNS" ]; do
    cp -r "$WORK/waits" "$WORK/run$i"
    "$PGBOOK" build -q --dest "$WORK/run$i/site" "$WORK/run$i" >/dev/null 2>&1 || { echo "build $i failed" >&2; exit 1; }
    sed -E 's/([Pp]rocess) [0-9]+/\1 PID/g' "$WORK/run$i/site/waits.html" >"$WORK/page$i.html"
    if [ "$i" -gt 1 ] && ! cmp -s "$WORK/page1.html" "$WORK/page$i.html"; then
        echo "run $i differs from run 1:" >&2
        diff "$WORK/page1.html" "$WORK/page$i.html" | head -20 >&2
        exit 1
    fi
    i=$((i + 1))
done
end=$(date +%s.%N)
echo "all $RUNS pages byte-identical ($(echo "($end - $start) / $RUNS" | bc -l | cut -c1-5) s per build," \
    "load: $(cut -d' ' -f1-3 /proc/loadavg))"
