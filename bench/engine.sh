#!/usr/bin/env bash
# Engine benchmarks (see bench/engine.md):
#  1. scratch cluster from the template cache to the answer of a first query, against
#     initdb + start with an empty cache;
#  2. a file of 10,000 small statements through the engine (run_sql example: a fresh chapter
#     database, one session, send/poll per statement, transcript), against psql on the same
#     server, in alternating runs;
#  3. what a chapter's own cluster and a streaming standby cost (node_times example).
# Usage: bench/engine.sh   (from the repository root; needs python3, psql, PostgreSQL)
cd "$(dirname "$0")/.."
set -euo pipefail

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q -p pgbook-engine --examples
ex="$CARGO_TARGET_DIR/release/examples"
work="$(mktemp -d /tmp/engine-bench-XXXXXX)"
chmod 755 "$work"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== 1. scratch cluster start (ms; median of runs) =="
export PGBOOK_CACHE_DIR="$work/cache"
"$ex/scratch_cluster" time >/dev/null            # fill the cache
: >"$work/cached.txt"
: >"$work/phases.txt"
for _ in $(seq 15); do
  "$ex/scratch_cluster" time 2>>"$work/phases.txt" \
    | awk '/first-query-ms/ {print $4}' >>"$work/cached.txt"
done
: >"$work/fresh.txt"
for i in $(seq 5); do
  PGBOOK_CACHE_DIR="$work/fresh-$i" "$ex/scratch_cluster" time \
    | awk '/first-query-ms/ {print $4}' >>"$work/fresh.txt"
  rm -rf "$work/fresh-$i"
done
cached=$(median <"$work/cached.txt")
fresh=$(median <"$work/fresh.txt")
echo "from cache to first query:        $cached ms (goal <= 150 ms)"
echo "initdb + start to first query:    $fresh ms"
awk -v c="$cached" -v f="$fresh" 'BEGIN {printf "cache speed-up:                   %.1fx\n", f / c}'
echo "where the cached start goes (median ms since the start call):"
for phase in "found binaries" "template ready" "template copied" "server spawned" "server ready"; do
  printf '  %-16s %s\n' "$phase" "$(grep "$phase after" "$work/phases.txt" | awk '{print $(NF-1)}' | median)"
done

echo
echo "== 2. 10,000 small statements: engine vs psql on the same cluster =="
sql="$work/statements.sql"
{
  echo "DROP TABLE IF EXISTS bench_t;"
  echo "CREATE TABLE bench_t (id int PRIMARY KEY, label text);"
  for i in $(seq 1 9997); do
    if (( i % 10 == 0 )); then
      echo "SELECT id, label FROM bench_t WHERE id = $((i - 1));"
    else
      echo "INSERT INTO bench_t VALUES ($i, 'row $i');"
    fi
  done
  echo "SELECT count(*) FROM bench_t;"
} >"$sql"
echo "statements: $(grep -c ';' "$sql")"

"$ex/scratch_cluster" wait >"$work/ready.txt" &
server_pid=$!
until [ -s "$work/ready.txt" ]; do sleep 0.05; done
socket_dir=$(awk '{print $2}' "$work/ready.txt")
url="postgresql://postgres@/postgres?host=$socket_dir&port=5432"

# Same output, or the comparison means nothing.
psql -X -h "$socket_dir" -U postgres -d postgres <"$sql" >"$work/psql.out" 2>&1
"$ex/run_sql" "$sql" "$url" >"$work/engine.out"
if cmp -s "$work/psql.out" "$work/engine.out"; then
  echo "transcripts: identical"
else
  echo "transcripts: DIFFER (first lines of the diff follow)"
  diff "$work/psql.out" "$work/engine.out" | head -5 || true
fi

# The machine is shared, so load drifts: alternate the two commands and compare each pair
# of neighbouring runs, rather than all runs of one then all of the other.
python3 - "$socket_dir" "$url" "$sql" "$ex/run_sql" <<'PY'
import statistics, subprocess, sys, time
socket_dir, url, sql, run_sql = sys.argv[1:]
def timed(cmd):
    with open(sql) as stdin:
        began = time.perf_counter()
        subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - began
psql = ["psql", "-X", "-h", socket_dir, "-U", "postgres", "-d", "postgres"]
engine = [run_sql, sql, url]
for _ in range(2):  # warm-up
    timed(psql); timed(engine)
pairs = [(timed(psql), timed(engine)) for _ in range(15)]
p = statistics.median(a for a, _ in pairs)
e = statistics.median(b for _, b in pairs)
r = statistics.median(b / a for a, b in pairs)
print(f"psql median {p*1000:.0f} ms, engine median {e*1000:.0f} ms (15 alternating pairs)")
print(f"ratio engine/psql: median of pairwise ratios {r:.2f} (goal <= 1.0)")
PY
kill -TERM "$server_pid"
wait "$server_pid" || true
echo
echo "== 3. nodes: a cluster per chapter, a streaming standby (ms; median of 9 runs) =="
"$ex/node_times" 9 >"$work/nodes.txt"
for what in cluster-start standby-start backup restore-start discard; do
  printf '%-15s %s\n' "$what" "$(awk -v w="$what" '$1 == w {print $2}' "$work/nodes.txt" | median)"
done
echo "(goals: standby-start <= 1000, restore-start <= 2000)"

echo
echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), load: $(cut -d' ' -f1-3 /proc/loadavg)"
