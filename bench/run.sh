#!/usr/bin/env bash
# Builds the benchmark in release mode and runs it pinned to one core (options pass through:
# --n, --runs, --only peer|dia, --shared DIR, ...). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product diacert-bench >&2
# The peers' shared/ folder beside the checkout (or beside the folder of worktrees).
shared=()
[ -d ../shared ] || { [ -d ../../shared ] && shared=(--shared ../../shared); }
exec taskset -c 0 .build/release/diacert-bench "${shared[@]}" "$@"
