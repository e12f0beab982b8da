#!/usr/bin/env bash
# The benchmark programs (not part of the test command: they take minutes and
# several GB for the peer). Prints figures to paste into the README.
#   scripts/bench.sh            all benchmarks, pysdmx included
#   scripts/bench.sh --no-peer  skip pysdmx
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -f .venv-test/env.sh ]; then
  # shellcheck source=/dev/null
  source .venv-test/env.sh
else
  echo "note: .venv-test missing (run scripts/setup-test-env.sh) — pysdmx will not be measured" >&2
fi
echo "==> structure load"
cargo bench --bench structure_load
echo "==> data: read and convert a 2,000,000-observation message"
cargo bench --bench data_convert -- "$@"
echo "==> mapping: a 1,000,000-row CSV table"
cargo bench --bench mapping
