#!/bin/sh
# How long `pgbook test .` takes on this repository's guide from a cold start: an empty cache
# directory, so the scratch cluster's template is made by initdb first, then every chapter is
# executed and verified. The goal is ≤ 30 s on a 2-core machine. Run from the repository root
# after `cargo build --release`; it builds nothing and changes no file of the repository.
set -eu
PGBOOK=${PGBOOK:-target/release/pgbook}
RUNS=${RUNS:-3}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ "$i" -lt "$RUNS" ]; do
    cache=$(mktemp -d /tmp/pgbook-bench-guide-XXXXXX)
    start=$(date +%s.%N)
    XDG_CACHE_HOME=$cache "$PGBOOK" test . >"$cache.out" 2>&1 || { tail -20 "$cache.out"; exit 1; }
    end=$(date +%s.%N)
    echo "cold run $((i + 1)): $(echo "$end - $start" | bc) s, $(tail -1 "$cache.out")"
    rm -rf "$cache" "$cache.out"
    i=$((i + 1))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
