#!/usr/bin/env bash
# Validate an SDMX-ML document against the official XSDs (for humans).
# Usage: scripts/xsd-validate.sh FILE [XSD]
#   XSD defaults to the SDMX-ML 2.1 SDMXMessage.xsd; pass e.g.
#   "$SDMXGW_XSD30_DIR/SDMXMessage.xsd" for SDMX-ML 3.0.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 FILE [XSD]" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${SDMXGW_XSD21_DIR:-}" ] || [ -z "${SDMXGW_XMLLINT:-}" ]; then
    bash "$ROOT/scripts/setup-test-env.sh"
    # shellcheck source=/dev/null
    source "$ROOT/.venv-test/env.sh"
fi
XSD="${2:-$SDMXGW_XSD21_DIR/SDMXMessage.xsd}"
exec "$SDMXGW_XMLLINT" --noout --nonet --schema "$XSD" "$1"
