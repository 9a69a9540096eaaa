#!/usr/bin/env bash
# Big-book benchmark (issue 18, items 3-4; see BENCHMARKS.md): the rust-book corpus once
# (111 chapters) and ten times over in one book (1,110 chapters, `bench/bigbook.py`), each
# built by pgbook and by mdBook in alternating hyperfine rounds on this machine. Prints
#   - pgbook's 10x build time as a ratio of its 1x time (goal <= 11x) and of mdBook's 10x
#     time measured in the same run (goal <= 0.35x);
#   - site sizes, 10x / 1x (goal <= 11x), and against mdBook's;
#   - what a reader's first search downloads on the 10x book (bench/search_probe.js runs the
#     site's own js/search.js; goal: a few hundred kilobytes), for a few queries.
# Usage: bench/bigbook.sh   (from the repository root; needs hyperfine, mdbook, python3, node)
# PGBOOK_BEFORE=/path/to/older/pgbook adds that binary to the same rounds, for a before/after.
set -euo pipefail

cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-$PWD/../shared/corpus/rust-book}"
ROUNDS="${ROUNDS:-3}"
RUNS="${RUNS:-3}"
MDBOOK="${MDBOOK:-$(command -v mdbook || echo "$HOME/.cargo/bin/mdbook")}"
BEFORE="${PGBOOK_BEFORE:-}"

cargo build --release -q --bin pgbook
PGBOOK="${CARGO_TARGET_DIR:-$PWD/target}/release/pgbook"
# Sites are written to a tmpfs when there is one (see bench/site.sh for why).
bench_tmp="${BENCH_TMP:-/dev/shm}"
[[ -d "$bench_tmp" && -w "$bench_tmp" ]] || bench_tmp=/tmp
work="$(mktemp -d "$bench_tmp/bigbook-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT

cp -r "$CORPUS" "$work/x1"
python3 bench/bigbook.py "$CORPUS" "$work/x10" 10

echo "work directory: $work"
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pgbook: $PGBOOK"
echo "mdbook: $("$MDBOOK" --version)"
echo

declare -A cmd
for size in x1 x10; do
  cmd[pgbook-$size]="$PGBOOK build $work/$size --dest $work/pg-$size"
  cmd[mdbook-$size]="$MDBOOK build $work/$size --dest-dir $work/md-$size"
  [[ -n "$BEFORE" ]] && cmd[before-$size]="$BEFORE build $work/$size --dest $work/before-$size"
done
names=(pgbook-x1 pgbook-x10 mdbook-x1 mdbook-x10)
[[ -n "$BEFORE" ]] && names+=(before-x1 before-x10)

for round in $(seq "$ROUNDS"); do
  # Alternate the order between rounds, so drifting machine load hits every command alike.
  order=("${names[@]}")
  if (( round % 2 == 0 )); then
    order=(); for (( i=${#names[@]}-1; i>=0; i-- )); do order+=("${names[$i]}"); done
  fi
  args=()
  for name in "${order[@]}"; do args+=(-n "$name" "${cmd[$name]}"); done
  hyperfine -N --warmup 1 --runs "$RUNS" --style basic \
    --export-json "$work/round-$round.json" "${args[@]}" >/dev/null 2>&1
done

python3 - "$work" "$ROUNDS" <<'PY'
import json, os, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times, cpu = {}, {}
for r in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{r}.json"))["results"]:
        times.setdefault(result["command"], []).extend(result["times"])
        # CPU time (user + system, mean of the round): steadier than wall time under load.
        cpu.setdefault(result["command"], []).append(result["user"] + result["system"])

def size(d):
    return sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(d) for f in fs)

def median(name):
    return statistics.median(times[name])

def cpu_time(name):
    return statistics.mean(cpu[name])

print(f"{'build':12s} {'runs':>4s} {'median':>10s} {'min':>10s} {'CPU':>10s} {'site bytes':>13s} {'files':>6s}")
for name in sorted(times):
    tool, book = name.split("-")
    out = f"{work}/{ {'pgbook': 'pg', 'mdbook': 'md', 'before': 'before'}[tool] }-{book}"
    files = sum(len(fs) for _, _, fs in os.walk(out))
    print(f"{name:12s} {len(times[name]):4d} {median(name)*1000:8.1f}ms {min(times[name])*1000:8.1f}ms"
          f" {cpu_time(name)*1000:8.1f}ms {size(out):13,d} {files:6d}")
print()
print(f"pgbook 10x / 1x build time (medians): {median('pgbook-x10') / median('pgbook-x1'):.2f}x   (goal <= 11x)")
print(f"pgbook 10x / 1x CPU time:             {cpu_time('pgbook-x10') / cpu_time('pgbook-x1'):.2f}x")
print(f"pgbook 10x / 1x site size:            {size(work + '/pg-x10') / size(work + '/pg-x1'):.2f}x   (goal <= 11x)")
print(f"pgbook / mdBook, 10x build time:      {median('pgbook-x10') / median('mdbook-x10'):.2f}x   (goal <= 0.35x)")
print(f"pgbook / mdBook, 10x CPU time:        {cpu_time('pgbook-x10') / cpu_time('mdbook-x10'):.2f}x")
print(f"pgbook / mdBook, 1x build time:       {median('pgbook-x1') / median('mdbook-x1'):.2f}x")
print(f"pgbook / mdBook, 10x site size:       {size(work + '/pg-x10') / size(work + '/md-x10'):.2f}x")
if "before-x10" in times:
    print(f"before: 10x / 1x build time {median('before-x10') / median('before-x1'):.2f}x, "
          f"10x / 1x site size {size(work + '/before-x10') / size(work + '/before-x1'):.2f}x, "
          f"10x vs mdBook {median('before-x10') / median('mdbook-x10'):.2f}x")
page = "copy01/ch01-01-installation.html"
print(f"one page ({page}): {os.path.getsize(f'{work}/pg-x10/{page}'):,d} bytes at 10x, "
      f"{os.path.getsize(work + '/pg-x1/ch01-01-installation.html'):,d} bytes at 1x")
PY

echo
echo "== first search on the 10x book: what js/search.js loads (fresh page per query) =="
echo "manifest searchindex.js: $(stat -c %s "$work/pg-x10/searchindex.js") bytes;" \
  "whole index: $(cat "$work/pg-x10/searchindex.js" "$work"/pg-x10/search/* | wc -c) bytes in" \
  "$(ls "$work/pg-x10/search" | wc -l) fragments"
node bench/search_probe.js "$work/pg-x10" ownership "borrow checker" rust trait iterator cargo se \
  > "$work/first-search.jsonl"
python3 - "$work/first-search.jsonl" <<'PY'
import json, sys
worst = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    terms = sum(1 for f, _ in r["loaded"] if "/t-" in f)
    docs = sum(1 for f, _ in r["loaded"] if "/d-" in f)
    worst = max(worst, r["bytes"])
    query, found, files, kb = r["query"], len(r["results"]), len(r["loaded"]), r["bytes"] / 1024
    print(f"{query:16s} {found:3d} results  {files:3d} files"
          f" (manifest, {terms} term, {docs} document fragments)  {kb:7.1f} KB")
print(f"largest first-search download: {worst / 1024:.1f} KB   (goal: a few hundred KB)")
PY
