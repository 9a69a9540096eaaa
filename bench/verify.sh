#!/bin/sh
# Verification cost on large transcripts (matching, masks, normalising, diff), against GNU
# `diff -u` on the same texts in the same run. Prints a Markdown table for bench/verify.md.
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo run --quiet --release -p pgbook-verify --example matcher_bench
