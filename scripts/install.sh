#!/usr/bin/env bash
# Installs DiaCert as a systemd service: the diacert binary, the rule set, the unit, the example
# configuration (never over an existing one), the operations guide, the diacert system user and
# its state directory. Safe to run again for an upgrade. See docs/operations.md.
#
#   sudo scripts/install.sh                       # build (release) and install under /usr/local
#   sudo scripts/install.sh --binary PATH         # install a diacert binary built elsewhere
#   DESTDIR=/tmp/root scripts/install.sh --binary .build/debug/diacert   # into a staging root
#
# Options:
#   --prefix DIR     where the binary, rules and docs go (default /usr/local)
#   --destdir DIR    staging root prepended to every path (default: $DESTDIR)
#   --binary PATH    skip the build and install this binary
#   --unitdir DIR    where the unit goes (default: PREFIX/lib/systemd/system for /usr and
#                    /usr/local, which systemd searches; /etc/systemd/system otherwise)
#
# With a DESTDIR, nothing outside it is touched: no user is created, nothing is chowned and
# systemd is not told. Without one, the diacert user is created if missing and, when systemd
# runs, `systemctl daemon-reload` is run. The daemon is never started or restarted by this script.
set -euo pipefail
origin="$PWD"
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir="${DESTDIR:-}"
unitdir=""
binary=""
user=diacert

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($#)); do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#*=}"; shift ;;
        --destdir) destdir="$2"; shift 2 ;;
        --destdir=*) destdir="${1#*=}"; shift ;;
        --binary) binary="$2"; shift 2 ;;
        --binary=*) binary="${1#*=}"; shift ;;
        --unitdir) unitdir="$2"; shift 2 ;;
        --unitdir=*) unitdir="${1#*=}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
for path in "$prefix" ${unitdir:+"$unitdir"}; do
    case "$path" in /*) ;; *) echo "install: $path must be an absolute path" >&2; exit 2 ;; esac
done
prefix="${prefix%/}"
destdir="${destdir%/}"
# Relative paths on the command line mean relative to where the script was started.
case "$destdir" in "" | /*) ;; *) destdir="$origin/$destdir" ;; esac
case "$binary" in "" | /*) ;; *) binary="$origin/$binary" ;; esac
if [ -z "$unitdir" ]; then
    case "$prefix" in
        /usr | /usr/local) unitdir="$prefix/lib/systemd/system" ;;
        *) unitdir=/etc/systemd/system ;;
    esac
fi
if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install: installing into / needs root (or give DESTDIR= / --destdir for a staging root)" >&2
    exit 1
fi

# 1. The binary: built here in release mode unless one is given. The Swift runtime is linked in
#    statically, so the installed binary does not depend on the toolchain's directory.
if [ -z "$binary" ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
    echo "install: building diacert (release)"
    swift build -c release --product diacert --static-swift-stdlib
    binary="$(swift build -c release --product diacert --static-swift-stdlib --show-bin-path)/diacert"
fi
if [ ! -x "$binary" ]; then
    echo "install: $binary is not an executable file" >&2
    exit 1
fi

bindir="$prefix/bin"
datadir="$prefix/share/diacert"
docdir="$prefix/share/doc/diacert"
sysusersdir="$prefix/lib/sysusers.d"
# Fixed by the unit: ConfigurationDirectory=diacert is /etc/diacert, and LoadCredential= looks
# for credentials by name in /etc/credstore.
confdir=/etc/diacert
credstore=/etc/credstore
statedir=/var/lib/diacert

# Replaces a file only when its content changed, so that a second run changes nothing.
put() { # mode source target
    local mode="$1" source="$2" target="$3"
    if [ -f "$target" ] && cmp -s "$source" "$target"; then
        chmod "$mode" "$target"
        return
    fi
    install -D -m "$mode" "$source" "$target.tmp-install"
    mv -f "$target.tmp-install" "$target"
    echo "install: ${target#"$destdir"}"
}

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

# 2. Binary, docs, sysusers.d entry.
put 0755 "$binary" "$destdir$bindir/diacert"
put 0644 docs/operations.md "$destdir$docdir/operations.md"
put 0644 systemd/diacert.yaml "$destdir$docdir/diacert.yaml.example"
printf '%s\n' "# DiaCert daemon user (scripts/install.sh); the state directory is its home." \
    "u $user - \"DiaCert daemon\" $statedir /usr/sbin/nologin" > "$staging/sysusers.conf"
put 0644 "$staging/sysusers.conf" "$destdir$sysusersdir/diacert.conf"

# 3. The rule set, without its tests (they refer to the repository's fixtures/): copied whole
#    into a new directory that then replaces the old one, so a reload never sees half of an update.
rules="$destdir$datadir/rules"
if [ ! -d "$rules" ] || ! diff -r -q -x tests rules "$rules" >/dev/null 2>&1; then
    mkdir -p "$destdir$datadir"
    rm -rf "$rules.new" "$rules.old"
    cp -R rules "$rules.new"
    rm -rf "$rules.new/tests"
    find "$rules.new" -type d -exec chmod 0755 {} + && find "$rules.new" -type f -exec chmod 0644 {} +
    [ -d "$rules" ] && mv "$rules" "$rules.old"
    mv "$rules.new" "$rules"
    rm -rf "$rules.old"
    echo "install: ${rules#"$destdir"}/ (reload the daemon to use it)"
fi

# 4. The unit, with this installation's paths.
sed -e "s|/usr/local/bin/diacert|$bindir/diacert|g" -e "s|/usr/local/share/doc/diacert|$docdir|g" \
    systemd/diacert.service > "$staging/diacert.service"
put 0644 "$staging/diacert.service" "$destdir$unitdir/diacert.service"

# 5. The configuration: only when there is none (an operator's file is never replaced).
if [ -e "$destdir$confdir/diacert.yaml" ]; then
    echo "install: keeping ${confdir}/diacert.yaml (the current example is $docdir/diacert.yaml.example)"
else
    sed -e "s|/usr/local/share/diacert/rules|$datadir/rules|g" systemd/diacert.yaml > "$staging/diacert.yaml"
    install -d -m 0755 "$destdir$confdir"
    put 0644 "$staging/diacert.yaml" "$destdir$confdir/diacert.yaml"
fi

# 6. Where the secrets go (LoadCredential= looks there by name): root only.
install -d -m 0700 "$destdir$credstore"

# 7. The user and its state directory (systemd would create the directory at the first start,
#    but the operator CLI may run before that).
install -d -m 0755 "$destdir/var/lib"
if [ -n "$destdir" ]; then
    install -d -m 0700 "$destdir$statedir"
    echo "install: DESTDIR given: not creating the $user user; sysusers.d/diacert.conf describes it"
else
    if ! getent passwd "$user" >/dev/null; then
        if command -v systemd-sysusers >/dev/null 2>&1; then
            systemd-sysusers "$sysusersdir/diacert.conf"
        else
            useradd --system --user-group --home-dir "$statedir" --no-create-home \
                --shell /usr/sbin/nologin --comment "DiaCert daemon" "$user"
        fi
        echo "install: created the system user $user"
    fi
    install -d -m 0700 -o "$user" -g "$user" "$statedir"
fi

# 8. Tell systemd, when it is the running init (not in containers or chroots without it).
if [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    echo "install: systemctl daemon-reload done"
fi

cat <<EOF
install: done. Next steps (docs/operations.md):
  edit $confdir/diacert.yaml; secrets into $credstore/diacert.smtp-password and
  $credstore/diacert.webhook-secret (root, 0600);
  systemctl enable --now diacert     (first installation)
  systemctl restart diacert          (after an upgrade of the binary)
  systemctl reload diacert           (after a rule change only)
EOF
