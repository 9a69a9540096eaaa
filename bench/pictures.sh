#!/usr/bin/env bash
# Pictures benchmark (see bench/pictures.md): what drawing plan profiles, charts and session
# timelines adds to rendering this repository's guide. The guide is built twice from the same
# cached results (no SQL runs during the timings): once with the default theme, once with a
# theme override that shows every EXPLAIN ANALYZE plan as the plain text plan, charts not at
# all and no timeline — the pages as they were before pictures. Alternating hyperfine rounds;
# prints the ratio of the medians.
# Usage: bench/pictures.sh   (from the repository root; needs hyperfine)
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
RUNS="${RUNS:-10}"
cargo build --release -q --bin pgbook
PGBOOK="${CARGO_TARGET_DIR:-$PWD/target}/release/pgbook"
work="$(mktemp -d /tmp/pictures-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/with" "$work/without"
cp -r book.toml content snippets "$work/with/"
"$PGBOOK" build "$work/with" --keep-going >/dev/null 2>&1 || true   # fills the results cache
cp -r "$work/with/." "$work/without/"
rm -rf "$work/without/book"
# The override: the same output partial, with profiles drawn as text plans and charts left out.
theme="$work/without/theme/partials"
mkdir -p "$theme"
sed -e 's/item.kind == "profile"/item.kind == "no-profile"/' \
    -e 's/item.kind == "chart"/item.kind == "no-chart"/' \
    -e 's/item.kind == "plan"/item.kind in ["plan", "profile"]/' \
    crates/pgbook-render/themes/default/partials/output.html > "$theme/output.html"
printf '' > "$theme/timeline.html"
"$PGBOOK" build "$work/without" --keep-going >/dev/null 2>&1 || true
profiles=$(grep -o 'plan-wrap profile' "$work/with/book/"*.html | grep -vc print.html || true)
without=$(grep -o 'plan-wrap profile' "$work/without/book/"*.html | grep -vc print.html || true)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "profiles in the guide's chapter pages: with $profiles, without $without"

with_cmd="$PGBOOK build $work/with --keep-going"
without_cmd="$PGBOOK build $work/without --keep-going"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then a=with; b=without; else a=without; b=with; fi
  a_cmd="${a}_cmd"; b_cmd="${b}_cmd"
  hyperfine -N --warmup 2 --runs "$RUNS" --style basic --export-json "$work/round-$round.json" \
    -n "$a" "${!a_cmd}" -n "$b" "${!b_cmd}" >/dev/null
done
python3 - "$work" "$ROUNDS" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times = {"with": [], "without": []}
for r in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{r}.json"))["results"]:
        times[result["command"]].extend(result["times"])
for name, ts in times.items():
    print(f"{name:8s} pictures ({len(ts)} runs): median {statistics.median(ts)*1000:7.1f} ms   min {min(ts)*1000:7.1f} ms")
ratio = statistics.median(times["with"]) / statistics.median(times["without"])
print(f"ratio with / without pictures (medians): {ratio:.3f}x   (goal <= 1.20x)")
PY
