#!/usr/bin/env bash
# Runs every test: formatting, Rust unit and integration tests, the
# sqllogictest files, the CLI tests, and each bench once in test mode.
# Everything builds in the dev profile into target/, so DataFusion is
# compiled once for all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo test --workspace --all-targets "$@"
