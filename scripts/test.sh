#!/usr/bin/env bash
# THE test command: environment setup, format check, lints, all tests
# (including the #[ignore]d interop tests that need xmllint / Python tools).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "setup test environment"
bash scripts/setup-test-env.sh
# shellcheck source=/dev/null
source .venv-test/env.sh
echo "SDMXGW_PYTHON=$SDMXGW_PYTHON"
echo "SDMXGW_XSD21_DIR=$SDMXGW_XSD21_DIR"
echo "SDMXGW_XSD30_DIR=$SDMXGW_XSD30_DIR"
echo "SDMXGW_XMLLINT=$SDMXGW_XMLLINT"

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy --all-targets --locked -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test --locked -- --include-ignored"
cargo test --locked -- --include-ignored

step "all checks passed"
