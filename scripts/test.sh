#!/usr/bin/env bash
# Runs every test: formatting, Rust unit and integration tests, the
# sqllogictest files, the CLI, S3 and server tests, each bench once in test
# mode, then the Python wheel's pytest suite and the example notebook.
# Everything builds in the dev profile into target/, so DataFusion is
# compiled once for all of them, the wheel included.
# Arguments (such as --locked) go to cargo and maturin.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-tools.sh

cargo fmt --all -- --check
cargo test --workspace --all-targets "$@"

rm -rf target/wheels
python3 -m maturin build --quiet --profile dev --manifest-path python/Cargo.toml --out target/wheels "$@"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  --force-reinstall --no-deps target/wheels/cdpfusion-*.whl
CDPFUSION_BIN="$PWD/target/debug/cdpfusion" python3 -m pytest python/tests -q -p no:cacheprovider --timeout=900
