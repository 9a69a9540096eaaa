#!/usr/bin/env bash
# Big result benchmark (issue 18): one snippet returning a million rows,
#   SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
# run by psql -X on a throw-away cluster (the reference) and by `pgbook test` and
# `pgbook build` (release) on a one-chapter book, in the same run. Prints each tool's peak RSS
# (`/usr/bin/time -v`, maximum resident set size) and wall time (median of RUNS), and
# pgbook's ratios to psql's. pgbook's figures include starting and stopping its own scratch
# cluster; psql's server is already running. Also prints the sizes of what build wrote.
# Usage: bench/bigresult.sh   (from anywhere; RUNS=3 by default; ROWS=1000000)
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
ROWS="${ROWS:-1000000}"
. bench/lib.sh

cargo build --release -q --bin pgbook
PGBOOK="${CARGO_TARGET_DIR:-$PWD/target}/release/pgbook"

bench_workdir bigresult
PORT=5439
start_cluster "$PORT" lc_messages=C
QUERY="SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g;"

# The book: one chapter, the snippet, an expected block that the first and last rows must
# match with `...` between them (so test verifies the whole transcript).
book="$WORK/book"
mkdir -p "$book/content"
printf '[book]\ntitle = "Big result"\n' > "$book/book.toml"
printf '# Summary\n\n- [Big](big.md)\n' > "$book/content/SUMMARY.md"
last_md5=$(printf '%s' "$ROWS" | md5sum | cut -d' ' -f1)
cat > "$book/content/big.md" <<MD
# Big

\`\`\`sql
$QUERY
\`\`\`

\`\`\`output
 g | md5
---+----
...
 $ROWS | $last_md5
($ROWS rows)
\`\`\`
MD
# The expected header widths depend on the data; take them from psql.
echo "$QUERY" > "$WORK/q.sql"
"$PG_BIN/psql" -X -h "$WORK" -p "$PORT" -U postgres -d postgres < "$WORK/q.sql" > "$WORK/psql.out" 2>&1
python3 - "$book/content/big.md" "$WORK/psql.out" <<'PY'
import sys
md, out = sys.argv[1], open(sys.argv[2]).read().split("\n")
text = open(md).read()
lines = text.split("\n")
i = lines.index("```output")
lines[i + 1:i + 3] = out[0:2]
lines[i + 4] = out[-4]
open(md, "w").write("\n".join(lines))
PY
export PGBOOK_RUN_DIR="$WORK/run"
mkdir -p "$PGBOOK_RUN_DIR"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "query: $QUERY  (psql output $(wc -c < "$WORK/psql.out") bytes)"

# measure NAME COMMAND...: runs COMMAND RUNS times under /usr/bin/time -v, prints the median
# wall time and the largest peak RSS, and stores them for the ratios.
declare -A wall rss
measure() {
    local name=$1
    shift
    local times=() peak=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$WORK/$name.stdout" 2> "$WORK/$name.stderr" \
            || { echo "$name failed:"; tail -20 "$WORK/$name.stderr" "$WORK/$name.stdout"; exit 1; }
        local kb s
        kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$WORK/time.txt")
        s=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$WORK/time.txt" | awk -F: '{print ($1*60)+$2}')
        times+=("$s")
        (( kb > peak )) && peak=$kb
    done
    wall[$name]=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    rss[$name]=$peak
    printf '%-13s peak RSS %7.1f MB   wall %6.2f s (median of %s: %s)\n' "$name" \
        "$(echo "$peak / 1024" | bc -l)" "${wall[$name]}" "$RUNS" "${times[*]}"
}

measure psql sh -c "\"$PG_BIN/psql\" -X -h $WORK -p $PORT -U postgres -d postgres < $WORK/q.sql > $WORK/psql.run 2>&1"
measure pgbook-test "$PGBOOK" test "$book"
# Each build starts from an empty results cache, so that it runs the snippet.
measure pgbook-build sh -c "rm -rf $book/.pgbook-cache $book/book && exec \"$PGBOOK\" build $book"

for name in pgbook-test pgbook-build; do
    printf '%-13s RSS %.2fx psql   time %.2fx psql\n' "$name" \
        "$(echo "${rss[$name]} / ${rss[psql]}" | bc -l)" "$(echo "${wall[$name]} / ${wall[psql]}" | bc -l)"
done
page=$(find "$book/book" -name 'big.html')
echo "page big.html: $(stat -c %s "$page") bytes; files beside it: $(cd "$(dirname "$page")" && ls | grep -v '\.html$' | grep big || true)"
echo "results cache: $(du -sb "$book/.pgbook-cache" | cut -f1) bytes"
