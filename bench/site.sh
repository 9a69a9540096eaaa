#!/usr/bin/env bash
# Site build benchmark (see bench/site.md): build the mdBook corpus `rust-book` (111 chapters,
# no SQL) with pgbook and with mdBook, in alternating hyperfine rounds on this machine, and
# print pgbook's time as a ratio of mdBook's. Also times pgbook on this repository's own book
# with its results cached (a rebuild after a prose edit: no SQL runs).
# Usage: bench/site.sh   (from the repository root; needs hyperfine, mdbook, python3)
set -euo pipefail

cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-$PWD/../shared/corpus/rust-book}"
ROUNDS="${ROUNDS:-3}"
RUNS="${RUNS:-10}"
MDBOOK="${MDBOOK:-$(command -v mdbook || echo "$HOME/.cargo/bin/mdbook")}"

cargo build --release -q --bin pgbook
PGBOOK="${CARGO_TARGET_DIR:-$PWD/target}/release/pgbook"
# Both tools write their sites into a tmpfs when there is one, so that the figures measure the
# tools rather than the disk: on an ext4 that has just had many files deleted, creating files
# costs an inode scan under the directory's lock (`recently_deleted`), which varies from run to
# run. BENCH_TMP overrides the place (e.g. BENCH_TMP=/tmp to include the disk).
bench_tmp="${BENCH_TMP:-/dev/shm}"
[[ -d "$bench_tmp" && -w "$bench_tmp" ]] || bench_tmp=/tmp
work="$(mktemp -d "$bench_tmp/site-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Each tool builds its own copy, so neither writes into the shared corpus.
cp -r "$CORPUS" "$work/pg-src"
cp -r "$CORPUS" "$work/md-src"

echo "work directory: $work"
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pgbook: $PGBOOK"
echo "mdbook: $("$MDBOOK" --version)"
echo

pg_cmd="$PGBOOK build $work/pg-src --dest $work/pg-out"
md_cmd="$MDBOOK build $work/md-src --dest-dir $work/md-out"
for round in $(seq "$ROUNDS"); do
  # Alternate which tool goes first, so drifting machine load hits both alike.
  if (( round % 2 )); then first="$pg_cmd"; second="$md_cmd"; else first="$md_cmd"; second="$pg_cmd"; fi
  hyperfine -N --warmup 2 --runs "$RUNS" --style basic \
    --export-json "$work/round-$round.json" -n "$( [[ $first == "$pg_cmd" ]] && echo pgbook || echo mdbook)" "$first" \
    -n "$( [[ $second == "$pg_cmd" ]] && echo pgbook || echo mdbook)" "$second" >/dev/null
done

python3 - "$work" "$ROUNDS" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times = {"pgbook": [], "mdbook": []}
for r in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{r}.json"))["results"]:
        times[result["command"]].extend(result["times"])
for name, ts in times.items():
    print(f"{name:7s} rust-book ({len(ts)} runs): median {statistics.median(ts)*1000:7.1f} ms"
          f"   mean {statistics.mean(ts)*1000:7.1f} ms   min {min(ts)*1000:7.1f} ms")
ratio = statistics.median(times["pgbook"]) / statistics.median(times["mdbook"])
print(f"ratio pgbook / mdBook (medians): {ratio:.2f}x   (goal <= 0.35x)")
PY

pages=$(find "$work/pg-out" -name '*.html' | wc -l)
echo "pgbook wrote $pages HTML pages; search index (manifest + fragments) $(cat "$work/pg-out/searchindex.js" "$work"/pg-out/search/* | wc -c) bytes;" \
  "mdBook searchindex $(stat -c %s "$work"/md-out/searchindex*.js | head -1) bytes"

if [[ -f book.toml ]]; then
  echo
  echo "== this repository's book: cold build (empty results cache) vs cached rebuild (no SQL runs) =="
  mkdir -p "$work/guide"
  cp -r book.toml content snippets "$work/guide/"
  cold_runs=$(( RUNS < 5 ? RUNS : 5 ))
  hyperfine -N --runs "$cold_runs" --style basic --export-json "$work/cold.json" \
    --prepare "rm -rf $work/guide/.pgbook-cache" \
    -n "pgbook build (cold)" "$PGBOOK build $work/guide --keep-going" >/dev/null
  "$PGBOOK" build "$work/guide" --keep-going 2>/dev/null || true   # fills the results cache
  hyperfine -N --warmup 1 --runs "$RUNS" --style basic --export-json "$work/cached.json" \
    -n "pgbook build (cached)" "$PGBOOK build $work/guide --keep-going" >/dev/null
  python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
cold = statistics.median(json.load(open(f"{work}/cold.json"))["results"][0]["times"])
cached = statistics.median(json.load(open(f"{work}/cached.json"))["results"][0]["times"])
print(f"guide cold build: median {cold*1000:.1f} ms; cached rebuild: median {cached*1000:.1f} ms")
print(f"ratio cached / cold: {cached/cold:.3f}x   (goal <= 0.05x)")
PY
fi
