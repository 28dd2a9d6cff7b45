#!/usr/bin/env bash
# Runs the installed unit under a real systemd (the distribution's /lib/systemd/systemd as PID 1)
# on a machine where systemd is not the init (a container or CI VM), without touching the host:
#
#   sudo scripts/systemd-sandbox-check.sh [--binary PATH] [--keep]
#
# In new pid/mount/network/uts/ipc/cgroup namespaces it lays overlays over /etc, /var and
# /usr/local, runs scripts/install.sh for real (user creation included), boots systemd with a
# minimal unit set (journald, a local SMTP server with STARTTLS + AUTH, a Standard Webhooks
# receiver), and checks the hardened diacert.service end to end: start (READY=1), SMTP with the
# password from LoadCredential= and the CA store in /etc/ssl, signed webhooks, operator commands as
# the diacert user, reload (RELOADING=1 ... READY=1), watchdog pings and a watchdog restart, a
# missing credential file, and a clean stop (exit 0). Everything disappears with the namespaces.
#
# Needs root, util-linux (unshare, nsenter), overlayfs, a cgroup2 mount, openssl, and the test
# peers' Python (scripts/setup.sh; $DIACERT_VENV, default .venv). --binary defaults to the debug
# build (.build/debug/diacert); --keep leaves the sandbox running and prints how to enter it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
binary="$repo/.build/debug/diacert"
keep=false
while (($#)); do
    case "$1" in
        --binary) binary="$(realpath "$2")"; shift 2 ;;
        --keep) keep=true; shift ;;
        *) echo "usage: $0 [--binary PATH] [--keep]" >&2; exit 2 ;;
    esac
done
python="${DIACERT_VENV:-$repo/.venv}/bin/python"
[ "$(id -u)" -eq 0 ] || { echo "sandbox-check: needs root" >&2; exit 2; }
[ -d /run/systemd/system ] && { echo "sandbox-check: systemd runs here; install and test the unit directly" >&2; exit 2; }
[ -x "$binary" ] || { echo "sandbox-check: no binary at $binary" >&2; exit 2; }
[ -x "$python" ] || { echo "sandbox-check: no Python at $python (run scripts/setup.sh)" >&2; exit 2; }
cgroup2="$(findmnt -n -f -t cgroup2 -o TARGET || true)"
[ -n "$cgroup2" ] || { echo "sandbox-check: no cgroup2 mount" >&2; exit 2; }

W="$repo/.build/systemd-sandbox"
host_passwd="$(md5sum /etc/passwd)"
rm -rf "$W"
mkdir -p "$W/units" "$W/peer/mail"
cgroup="$cgroup2/diacert-sandbox-$$"

# The unit set systemd boots with (SYSTEMD_UNIT_PATH: nothing from the host's configuration).
for unit in sysinit.target basic.target shutdown.target network.target network-online.target multi-user.target \
    sockets.target paths.target timers.target slices.target local-fs.target \
    systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket; do
    cp "/lib/systemd/system/$unit" "$W/units/"
done
printf '[Unit]\nDescription=DiaCert sandbox\nWants=systemd-journald.socket systemd-journald.service\n' > "$W/units/sandbox.target"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/peer/key.pem" \
    -out "$W/peer/cert.pem" -days 2 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
password="sandbox-$RANDOM$RANDOM"
secret="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
cat > "$W/units/smtp-sink.service" <<EOF
[Service]
ExecStart=$python $repo/Tests/Peers/smtp_sink.py $W/peer/mail --port 2525 --starttls $W/peer/cert.pem $W/peer/key.pem --auth dia-notify:$password
EOF
cat > "$W/units/webhook-receiver.service" <<EOF
[Service]
ExecStart=$python $repo/Tests/Peers/webhook_receiver.py --secret $secret --log $W/peer/webhooks.jsonl --port 8080
EOF

# PID 1 of the namespaces: private mounts, overlays, the real install, then systemd.
cat > "$W/init.sh" <<EOF
#!/bin/bash
set -euo pipefail
mount --make-rprivate /
mount -t proc proc /proc
umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=755 tmpfs /run
for d in /etc /var /usr/local; do
    mkdir -p "$W/upper\$d" "$W/work\$d"
    mount -t overlay overlay -o "lowerdir=\$d,upperdir=$W/upper\$d,workdir=$W/work\$d" "\$d"
done
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount --make-rshared /
hostname diacert-sandbox
ip link set lo up
cd "$repo"
scripts/install.sh --binary "$binary" > "$W/install-1.log" 2>&1
scripts/install.sh --binary "$binary" > "$W/install-2.log" 2>&1
exec env -i container=diacert-sandbox PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    SYSTEMD_UNIT_PATH="$W/units:/usr/local/lib/systemd/system" \\
    /lib/systemd/systemd --unit=sandbox.target --log-target=journal > "$W/pid1.log" 2>&1
EOF
chmod +x "$W/init.sh"
mkdir "$cgroup"
(
    echo "$BASHPID" > "$cgroup/cgroup.procs"
    exec unshare --mount --pid --net --uts --ipc --cgroup --fork --propagation private -- "$W/init.sh"
) &
unshare_pid=$!

cleanup() {
    if [ "$keep" = false ]; then
        [ -n "${pid1:-}" ] && kill -KILL "$pid1" 2>/dev/null || true
        kill -KILL "$unshare_pid" 2>/dev/null || true
        wait "$unshare_pid" 2>/dev/null || true
        # The namespace's processes die asynchronously; their cgroups go once they are empty.
        for _ in $(seq 50); do
            find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [ -d "$cgroup" ] || break
            sleep 0.1
        done
    fi
}
trap cleanup EXIT

pid1=""
for _ in $(seq 100); do
    pid1="$(pgrep -P "$unshare_pid" -x systemd || true)"
    [ -n "$pid1" ] && nsenter -t "$pid1" -m -p -n -u -i systemctl is-system-running >/dev/null 2>&1 && break
    sleep 0.2
done
[ -n "$pid1" ] || { echo "sandbox-check: systemd did not come up"; cat "$W/install-1.log" "$W/pid1.log"; exit 1; }
inside() { nsenter -t "$pid1" -m -p -n -u -i --wd=/ "$@"; }
as_diacert() { inside runuser -u diacert -- /usr/local/bin/diacert "$@"; }
show() { inside systemctl show diacert -P "$1"; }
export pid1
export -f inside as_diacert show

failures=0
check() { # description, command...
    local what="$1"; shift
    if "$@" >/dev/null 2>&1; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
wait_for() { # seconds, command...
    local seconds="$1"; shift
    for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}

check "install.sh created the diacert user (inside the sandbox; the host's /etc/passwd is unchanged)" \
    bash -c "inside getent passwd diacert && [ \"\$(md5sum /etc/passwd)\" = '$host_passwd' ]"
check "a second install.sh run rewrote nothing" bash -c "! grep -q '^install: /' '$W/install-2.log'"

# Test configuration: the example, pointed at the local peers; secrets in /etc/credstore.
inside bash -c "
    set -e
    cp '$W/peer/cert.pem' /usr/local/share/ca-certificates/diacert-sandbox.crt
    update-ca-certificates >/dev/null 2>&1
    sed -e 's|smtp://mail.dia5-cities.example.jp:587|smtp://127.0.0.1:2525|' -e 's|username: diacert|username: dia-notify|' \
        -e 's|url: https://www.city.sayama.example.jp/diacert/hooks|url: http://127.0.0.1:8080/hooks\n    allow_plain_http: true|' \
        -e 's|events: \[round.closed, loan.evaluated\]|events: [round.closed, loan.evaluated, dossier.received]|' \
        /usr/local/share/doc/diacert/diacert.yaml.example > /etc/diacert/diacert.yaml
    umask 077
    printf '%s\n' '$password' > /etc/credstore/diacert.smtp-password
    printf '%s\n' '$secret' > /etc/credstore/diacert.webhook-secret
    systemctl start smtp-sink webhook-receiver"
sleep 1

check "systemctl start diacert (Type=notify: READY=1 received)" inside systemctl start diacert
check "active (running) as User=diacert" bash -c \
    '[ "$(inside systemctl is-active diacert)" = active ] && [ "$(inside ps -o user= -p "$(show MainPID)")" = diacert ]'
check "credentials: \$CREDENTIALS_DIRECTORY holds smtp-password and webhook-secret" \
    inside test -f /run/credentials/diacert.service/smtp-password -a -f /run/credentials/diacert.service/webhook-secret
check "status as the diacert user: daemon running" bash -c 'as_diacert status | grep -q "daemon: *running"'
as_diacert submit "$repo/fixtures/dossiers/" > /dev/null
as_diacert rounds close 2027-1 > /dev/null
check "every notice delivered (nothing pending or dead)" wait_for 60 bash -c \
    "as_diacert status --format json | $python -c 'import json,sys; o=json.load(sys.stdin)[\"outbox\"]; sys.exit(0 if o[\"sent\"] > 0 and o[\"pending\"] + o[\"sending\"] + o[\"dead\"] == 0 else 1)'"
check "SMTP: every message after STARTTLS and AUTH (password from the credential, CA from /etc/ssl)" $python -c "
import json, sys
events = [json.loads(line) for line in open('$W/peer/mail/events.jsonl')]
data = [e for e in events if e['event'] == 'DATA' and e['reply'] == 250]
sys.exit(0 if data and all(e['tls'] and e['authenticated'] for e in events) else 1)"
check "webhooks: every request verified with the credential's secret" $python -c "
import json, sys
hooks = [json.loads(line) for line in open('$W/peer/webhooks.jsonl')]
sys.exit(0 if hooks and all(h['verified'] for h in hooks) else 1)"

check "systemctl reload: RELOADING=1 then READY=1, rules.reloaded logged" bash -c '
    inside systemctl reload diacert
    for _ in $(seq 50); do
        [ "$(inside systemctl is-active diacert)" = active ] && inside journalctl -u diacert -o cat | grep -q event=rules.reloaded && exit 0
        sleep 0.2
    done
    exit 1'

# Watchdog: a short interval in a drop-in, pings seen; a stopped process is aborted and restarted.
mkdir -p "$W/units/diacert.service.d"
printf '[Service]\nWatchdogSec=4\n' > "$W/units/diacert.service.d/watchdog.conf"
inside systemctl daemon-reload
inside systemctl restart diacert
first="$(show WatchdogTimestampMonotonic)"
sleep 5
check "WATCHDOG=1 pings arrive (WatchdogSec=4)" bash -c "[ \"\$(show WatchdogTimestampMonotonic)\" -gt '$first' ]"
main="$(show MainPID)"
inside kill -STOP "$main"
check "a hung main loop trips the watchdog" wait_for 15 bash -c '[ "$(show Result)" = watchdog ]'
inside kill -CONT "$main" || true
check "... and Restart=on-failure starts it again" wait_for 60 bash -c \
    '[ "$(show NRestarts)" -ge 1 ] && [ "$(inside systemctl is-active diacert)" = active ]'
rm "$W/units/diacert.service.d/watchdog.conf"
inside systemctl daemon-reload

check "systemctl stop: exit status 0, result success" bash -c \
    'inside systemctl stop diacert && [ "$(show ExecMainStatus)" = 0 ] && [ "$(show Result)" = success ]'
inside mv /etc/credstore/diacert.webhook-secret /etc/credstore/.webhook-secret.away
check "a missing credential file does not stop the service from starting" inside systemctl start diacert
inside systemctl stop diacert
inside mv /etc/credstore/.webhook-secret.away /etc/credstore/diacert.webhook-secret
check "status while stopped (the CLI works on the database itself)" bash -c 'as_diacert status | grep -q "daemon: *stopped"'
check "systemd-analyze security on the loaded unit: at most 2.0" inside systemd-analyze security --threshold=20 diacert.service
# libdispatch logs "Failed to set thread priority ... errno=1" when seccomp refuses setpriority.
check "no system call refused by the filter (EPERM, SIGSYS)" bash -c \
    '! inside journalctl -u diacert -o cat | grep -E -q "errno=1$|Bad system call|SIGSYS"'

echo
inside systemd-analyze security diacert.service | tail -1
if [ "$keep" = true ]; then
    echo "sandbox-check: left running; enter with: sudo nsenter -t $pid1 -m -p -n -u -i bash"
    echo "               stop with: sudo kill -KILL $unshare_pid $pid1; sudo rmdir $cgroup"
fi
if ((failures)); then
    echo "sandbox-check: $failures check(s) failed; the daemon's journal:"
    inside journalctl -u diacert -o cat --no-pager | tail -40
    exit 1
fi
echo "sandbox-check: all checks passed"
