#!/usr/bin/env bash
# The README's first command: set everything up and run the hotline with demo data, on the embedded
# defaults (SQLite under instance/, Redis on 127.0.0.1:6379) and with no Twilio account.
#
# Starts, in this terminal: the loopback Twilio (every text the hotline sends is printed here), an RQ
# worker, the scheduler (dispatcher, allocations, daily scan) and the web app on http://127.0.0.1:5000.
# Then you call or text it from a second terminal with `flask phone ...`. Ctrl-C stops everything.
#
# `bash scripts/demo.sh --fresh` starts over: the database emptied and the hotline's Redis state (queues,
# rate limits, call state, the scheduler's run ids) cleared before the demo data goes in again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fill=--if-empty
case "${1:-}" in
    --fresh) fill=--reset ;;
    "") ;;
    *) echo "usage: bash scripts/demo.sh [--fresh]" >&2; exit 2 ;;
esac

HOTLINE_LOCK=requirements.txt source scripts/python-env.sh
bash scripts/services.sh --demo

WEB_PORT=5000
LOOPBACK_PORT="${HOTLINE_LOOPBACK_PORT:-8089}"
# The loopback Twilio stands in for Twilio: the real twilio client talks HTTP to it.
export HOTLINE_TWILIO_API_URL="${HOTLINE_TWILIO_API_URL:-http://127.0.0.1:$LOOPBACK_PORT}"
export HOTLINE_PUBLIC_URL="${HOTLINE_PUBLIC_URL:-http://127.0.0.1:$WEB_PORT}"
# Notices wait for 08:00-21:00 China time in production; the demo sends them whenever you try it.
export HOTLINE_SEND_WINDOW="${HOTLINE_SEND_WINDOW:-00:00-24:00}"
export HOTLINE_LOG_JSON="${HOTLINE_LOG_JSON:-false}"
# Production allows 30 keyword texts an hour per number; trying every keyword of the demo goes past that.
export HOTLINE_SMS_QUERY_LIMIT="${HOTLINE_SMS_QUERY_LIMIT:-1000}"
export FLASK_APP=app.py

port_taken() { { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null && exec 3<&- 3>&-; }
for port in "$WEB_PORT" "$LOOPBACK_PORT"; do
    if port_taken "$port"; then
        echo "demo: port $port on 127.0.0.1 is taken (is a demo already running?)" >&2
        exit 1
    fi
done

flask db upgrade
flask demo-data --people 200 "$fill"

pids=()
stop_all() {
    trap - EXIT INT TERM
    ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

"$PYTHON" -m hotline.sandbox.loopback_twilio --port "$LOOPBACK_PORT" --print &
pids+=($!)
flask worker &
pids+=($!)
# Today's scan is left to you (`flask notices scan`, as the README says); the next days' run at 07:30.
flask scheduler --leave-todays-scan &
pids+=($!)
flask run --host 127.0.0.1 --port "$WEB_PORT" --no-reload &
pids+=($!)

healthy() {
    "$PYTHON" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$WEB_PORT/healthz', timeout=1)" \
        >/dev/null 2>&1
}
deadline=$((SECONDS + 60))
until healthy; do
    if ((SECONDS > deadline)); then
        echo "demo: the web app did not answer on port $WEB_PORT" >&2
        exit 1
    fi
    sleep 0.3
done

activate=""
[[ "$PYTHON" == "$PWD/.venv/"* ]] && activate="source .venv/bin/activate && "
cat <<TRY

The hotline is running on http://127.0.0.1:$WEB_PORT with demo data and no Twilio account: every text it
sends (codes, replies, notices) is printed in this terminal. In a second terminal, in this folder:

  ${activate}flask phone call +8613800138000        林小明: PIN 135790; licence, vehicles, violations, inspection
  flask phone call +8613800138001        the Chen family's shared phone: choose by ID last 4, code by SMS
  flask phone call +8613800138002        an organisation (PIN 246810): its lorries and their violations
  flask phone sms +8613800138000 WZ      violations by text (try JSZ, CL, JY, YY KM2, BZ, EN)
  flask notices scan                     plan today's date-triggered notices; they go out within a minute

The staff desk: http://127.0.0.1:$WEB_PORT/desk/login as demo-agent (password desk-demo-agent) or
demo-supervisor (desk-demo-supervisor); press 0 in a call to wait for a person and see the caller there.

The demo people are listed above (after "demo people"); the README tells their stories. Ctrl-C stops it all.

TRY

# Stop everything as soon as any part stops.
wait -n "${pids[@]}"
echo "demo: stopping" >&2
exit 1
