#!/bin/sh
# Edit-to-reload latency of `pgbook serve` against mdBook's `watch`, in the same run.
# Usage: bench/serve.sh [ITERATIONS]   (PGBOOK=path/to/pgbook to use another binary)
# Build first: cargo build --release --bin pgbook
set -eu
cd "$(dirname "$0")/.."
BIN="${PGBOOK:-${CARGO_TARGET_DIR:-target}/release/pgbook}"
ITERATIONS="${1:-10}"
[ -x "$BIN" ] || { echo "no pgbook binary at $BIN (cargo build --release --bin pgbook)" >&2; exit 2; }
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $(mdbook --version 2>/dev/null || echo 'no mdbook')"
if [ -f book.toml ] && [ -d content ]; then
    exec python3 bench/serve.py "$BIN" "$ITERATIONS" "$PWD"
else
    exec python3 bench/serve.py "$BIN" "$ITERATIONS"
fi
