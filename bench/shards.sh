#!/usr/bin/env bash
# Sharded `pgbook test` on a generated 200-chapter book (bench/genbook.py): for each N, runs
# the N shards one after another (each as a CI runner would run it alone) and prints the
# slowest shard's wall time — what a CI matrix of N runners waits for — and the sum. It also
# checks that the N JSON reports together cover every chapter exactly once.
#
#   bench/shards.sh [PGBOOK_BINARY]     CHAPTERS=200 SLEEP_MS=0 SHARDS="1 2 4 8"
set -euo pipefail
cd "$(dirname "$0")/.."
PGBOOK=${1:-target/debug/pgbook}
CHAPTERS=${CHAPTERS:-200}
SLEEP_MS=${SLEEP_MS:-0}
SHARDS=${SHARDS:-1 2 4 8}
WORK=$(mktemp -d /tmp/pgbook-bench-shards-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
export PGBOOK_CACHE_DIR="$WORK/cache" CI=true
unset DATABASE_URL

python3 bench/genbook.py "$WORK/book" --chapters "$CHAPTERS" --sleep-ms "$SLEEP_MS"
# Warm the template cache so that every timed run pays the same cluster start.
"$PGBOOK" test "$WORK/book" content/part01/chapter-001.md >/dev/null 2>&1

now() { date +%s.%N; }
echo "chapters=$CHAPTERS sleep_ms=$SLEEP_MS cores=$(nproc) binary=$PGBOOK"
printf '%6s %14s %14s %14s\n' N slowest_shard_s sum_of_shards_s chapters_covered
for n in $SHARDS; do
    slowest=0 sum=0
    : >"$WORK/files"
    for k in $(seq 1 "$n"); do
        t0=$(now)
        "$PGBOOK" test "$WORK/book" --shard "$k/$n" --format json >"$WORK/report-$k.json" \
            2>"$WORK/stderr-$k.txt"
        t=$(echo "$(now) - $t0" | bc)
        sum=$(echo "$sum + $t" | bc)
        slowest=$(echo "if ($t > $slowest) $t else $slowest" | bc)
        python3 -c 'import json,sys; print("\n".join(sorted({s["file"] for s in json.load(open(sys.argv[1]))["snippets"]})))' \
            "$WORK/report-$k.json" >>"$WORK/files"
    done
    total=$(wc -l <"$WORK/files")
    unique=$(sort -u "$WORK/files" | wc -l)
    if [ "$total" != "$CHAPTERS" ] || [ "$unique" != "$CHAPTERS" ]; then
        echo "shards of $n cover $unique distinct of $total reported chapters, not $CHAPTERS" >&2
        exit 1
    fi
    printf '%6s %14.2f %14.2f %14s\n' "$n" "$slowest" "$sum" "$unique/$CHAPTERS"
done
