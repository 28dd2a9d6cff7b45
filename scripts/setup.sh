#!/usr/bin/env bash
# Installs what DiaCert needs on a fresh Debian 12 machine: the C libraries it links, the Python
# packages its tests talk to (a real SMTP server, a webhook receiver), and a venv for PyPI packages.
# The Swift toolchain is expected on PATH or at /opt/swift (swift.org's Debian 12 tarball).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    pkg-config libyaml-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev tzdata git ca-certificates
    python3 python3-venv python3-yaml python3-aiosmtpd systemd sqlite3
)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PyPI packages (the Standard Webhooks reference library) live in a venv of our own, built on
# Debian's Python so that Debian's python3-aiosmtpd stays importable next to them.
venv="${DIACERT_VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$venv/bin/python" -c "import standardwebhooks" 2>/dev/null; then
    "$venv/bin/pip" install -q standardwebhooks
fi

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
    echo "setup: no Swift toolchain found; install Swift 6.3 for Debian 12 from swift.org (e.g. to /opt/swift)" >&2
    exit 1
fi
