#!/usr/bin/env bash
# The main job on one machine with embedded defaults: builds DiaCert, starts the daemon on the Dia
# rules (SQLite file and mail folder under demo/state), hands it the fixture dossiers (and two
# broken ones, to show a rejection), closes round 2027-1 as an operator would, waits until every
# notice is delivered, stops the daemon and shows where the mails are.
#
#   scripts/demo.sh            # everything above; leaves demo/state/mail/*.eml
#   scripts/demo.sh --keep     # same, but leaves the daemon running (stop it with: kill $(cat demo/state/daemon.lock))
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true

scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
echo "demo: building (the first build takes a few minutes)"
swift build --product diacert 2>&1 | tail -1
diacert="$PWD/.build/debug/diacert"

# A fresh state each time: the demo shows a whole round from the start.
if [ -f demo/state/daemon.lock ] && ! flock -n demo/state/daemon.lock true; then
    kill "$(cat demo/state/daemon.lock)" 2>/dev/null || true
    sleep 1
fi
rm -rf demo/state
mkdir -p demo/state
cat > demo/diacert.yaml <<YAML
# Written by scripts/demo.sh. Paths are relative to this file.
rules: ../rules
state_dir: state
mail:
  from: {address: office@dia5-cities.example.jp, name: ダイア5市脱炭素経営推進協議会}
  # No smtp: here, so mails are written as .eml files into state/mail.
delivery: {timeout_s: 10, max_attempts: 5}
YAML
config=demo/diacert.yaml

"$diacert" serve --config "$config" 2> demo/state/daemon.log &
daemon=$!
trap '[ "$keep" = true ] || kill "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "event=daemon.started" demo/state/daemon.log 2>/dev/null && break
    kill -0 "$daemon" 2>/dev/null || { cat demo/state/daemon.log; exit 1; }
    sleep 0.2
done
echo "demo: daemon running (pid $daemon, log demo/state/daemon.log)"

"$diacert" submit --config "$config" fixtures/dossiers/ fixtures/faulty/typo-field-name.yaml fixtures/faulty/bad-city-code.yaml | tail -1
# Wait until the spool is empty: every file stored or rejected.
for _ in $(seq 150); do
    [ -z "$(ls -A demo/state/incoming)" ] && break
    sleep 0.2
done

echo "demo: closing round 2027-1 (an operator's action; the daemon also does it by itself at the deadline)"
"$diacert" rounds close 2027-1 --config "$config"

# Wait until nothing is left to send.
for _ in $(seq 150); do
    pending=$("$diacert" status --config "$config" --format json | /usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin)["outbox"]; print(o["pending"]+o["sending"])')
    [ "$pending" = 0 ] && break
    sleep 0.2
done
"$diacert" status --config "$config"

if [ "$keep" = false ]; then
    kill -TERM "$daemon"
    wait "$daemon" || true
    echo "demo: daemon stopped"
fi

mails=(demo/state/mail/*.eml)
echo
echo "demo: ${#mails[@]} notification mails in demo/state/mail/ (open them in any mail client, or read them here):"
echo "      scripts/read_mail.py demo/state/mail/*.eml | less"
echo "demo: rejected files and their problems: demo/state/rejected/*.error.txt"
echo
echo "demo: one of the round's mails:"
echo
sample=$(grep -l "^X-DiaCert-Notice: round" demo/state/mail/*.eml | head -1)
/usr/bin/python3 scripts/read_mail.py "$sample"
if [ "$keep" = true ]; then
    echo
    echo "demo: the daemon is still running (pid $daemon); try:"
    echo "      .build/debug/diacert status --config $config"
    echo "      .build/debug/diacert outbox list --config $config"
    echo "demo: stop it with: kill \$(cat demo/state/daemon.lock)   (SIGTERM: it finishes in-flight sends and exits 0)"
fi
