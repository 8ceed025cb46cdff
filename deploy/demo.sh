#!/usr/bin/env bash
# deploy/demo.sh BUILDDIR -- the end of the README's first command: start
# scannd on loopback, upload the bundled Statlog satellite data, submit a
# synthesis job (deploy/demo-job.json) with curl, follow its events live,
# print the result, and leave scannd running for the dashboard.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
port=${SCANN_DEMO_PORT:-8080}
data=${SCANN_DEMO_DIR:-$top/demo-data}
api=http://127.0.0.1:$port/api/v1
scannd=$top/$build/server/scannd

json() {	# json FILE PATH: one field of a JSON document
	sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2');"
}

if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
	echo "demo: something already answers on port $port; stop it or set SCANN_DEMO_PORT" >&2
	exit 1
fi
mkdir -p "$data"
"$scannd" --listen "127.0.0.1:$port" --data-dir "$data" \
	--worker "$top/$build/worker/scann-worker" --web-dir "$top/web" \
	>>"$data/scannd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$data/scannd.log" >&2; exit 1; }
	sleep 0.1
done
echo "== scannd is up (pid $pid, data in $data, log $data/scannd.log)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== POST $api/datasets  <- tests/data/satellite.csv"
curl -fsS -X POST -H 'Content-Type: text/csv' \
	--data-binary @"$top/tests/data/satellite.csv" "$api/datasets?name=satellite" >"$tmp/ds.json"
cat "$tmp/ds.json"; echo
dataset=$(json "$tmp/ds.json" '$.id')

sed "s/@DATASET@/$dataset/" "$top/deploy/demo-job.json" >"$tmp/job.json"
echo "== POST $api/jobs  <- deploy/demo-job.json"
curl -fsS -X POST -H 'Content-Type: application/json' \
	--data-binary @"$tmp/job.json" "$api/jobs" >"$tmp/job-created.json"
cat "$tmp/job-created.json"; echo
job=$(json "$tmp/job-created.json" '$.id')

echo "== GET $api/jobs/$job/events?format=ndjson  (live; one line per event)"
curl -fsSN "$api/jobs/$job/events?format=ndjson" | cut -c1-200

curl -fsS "$api/jobs/$job" >"$tmp/job.json"
echo "== GET $api/jobs/$job/report"
curl -fsS "$api/jobs/$job/report" >"$tmp/report.json" || true
echo "state:       $(json "$tmp/job.json" '$.state')"
if [ -s "$tmp/report.json" ]; then
	echo "baseline:    test accuracy $(json "$tmp/report.json" '$.baseline.test_acc'), $(json "$tmp/report.json" '$.baseline.params') parameters"
	echo "synthesized: test accuracy $(json "$tmp/report.json" '$.best.test_acc'), $(json "$tmp/report.json" '$.best.params') parameters, depth $(json "$tmp/report.json" '$.best.depth')"
	echo "compression: $(json "$tmp/report.json" '$.compression')x"
	echo "target met:  $(json "$tmp/report.json" '$.target_met') (validation accuracy at least $(json "$tmp/report.json" '$.target.val_acc'))"
	echo "model:       curl -O $api/jobs/$job/model"
fi
echo
echo "The dashboard is at http://127.0.0.1:$port/ (scannd keeps running: stop it with 'kill $pid')."
