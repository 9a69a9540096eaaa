#!/bin/sh
# Load on `pgbook serve`: wrk GETs + 200 live-reload streams (50 reset mid-stream) while a
# chapter is edited every second. Usage: bench/load.sh [SECONDS] [GET_CONNECTIONS]
# Needs wrk (apt-get install wrk). Build first: cargo build --release --bin pgbook
set -eu
cd "$(dirname "$0")/.."
BIN="${PGBOOK:-${CARGO_TARGET_DIR:-target}/release/pgbook}"
[ -x "$BIN" ] || { echo "no pgbook binary at $BIN (cargo build --release --bin pgbook)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
exec python3 bench/load.py "$BIN" "${1:-30}" "${2:-64}"
