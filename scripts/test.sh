#!/usr/bin/env bash
# Runs every test: formatting, Rust unit and integration tests, the
# sqllogictest files, the CLI tests, and each bench once in test mode.
# Everything builds in the release profile, so DataFusion is compiled once
# for the tests, the demo and the benches.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo test --release --workspace --all-targets "$@"
