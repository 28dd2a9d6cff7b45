#!/usr/bin/env bash
# Runs every test: the Swift test suite (unit, conformance, fuzzing, end-to-end with real SQLite,
# SMTP and HTTP peers) after installing what the tests need. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
export DIACERT_VENV="${DIACERT_VENV:-$PWD/.venv}"
swift build --build-tests
swift test --skip-build
# The release build the install step ships (its optimiser sees code paths a debug build does not).
swift build -c release --product diacert
