#!/usr/bin/env bash
# Builds the benchmark in release mode and runs it pinned to one core (options pass through:
# --n, --runs, --only peer|dia, --shared DIR, ...). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product diacert-bench >&2
shared=()
[ -d ../shared ] || { [ -d /work/shared ] && shared=(--shared /work/shared); }
exec taskset -c 0 .build/release/diacert-bench "${shared[@]}" "$@"
