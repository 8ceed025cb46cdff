#!/bin/bash
# slurm_bench.sh BUILD_DIR [JOBS] -- what running a job through Slurm costs:
# JOBS (default 10) small jobs (iris, 2 epochs), one after the other,
# through scannd's local runner and then through its Slurm runner on the
# cluster deploy/slurm-local.sh starts; prints, per runner, the time from
# submission to the job's first worker event and to its end (from the
# store's timestamps: min / median / max, ms).
set -euo pipefail
B=$(cd "${1:?usage: slurm_bench.sh BUILD_DIR [JOBS]}" && pwd)
N=${2:-10}
S=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/scann-slurm-bench-XXXXXX")
PORT=$((20000 + $$ % 20000))
URL=http://127.0.0.1:$PORT
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
sinfo -h >/dev/null 2>&1 || { echo "no Slurm cluster: deploy/slurm-local.sh start"; exit 1; }

jv() { sqlite3 :memory: "SELECT json_extract('$(cat "$1")', '$2');"; }

run() {	# run NAME ARGS...: N jobs through scannd started with ARGS
	local name=$1 i id ds
	shift
	"$B/server/scannd" --listen 127.0.0.1:$PORT --worker "$B/worker/scann-worker" \
		--data-dir "$T/$name" --epoch-rate 0 "$@" 2>"$T/$name.log" &
	SPID=$!
	until curl -s -o /dev/null "$URL/healthz"; do sleep 0.1; done
	curl -s -o "$T/up" -X POST --data-binary "@$S/tests/data/iris.csv" "$URL/api/v1/datasets"
	ds=$(jv "$T/up" '$.id')
	for i in $(seq 1 "$N"); do
		curl -s -o "$T/sub" -X POST -d "{\"dataset\":\"$ds\",\"baseline\":{\"hidden\":[16]},\"train\":{\"epochs\":2},\"target\":{\"max_steps\":1},\"scann\":{\"epochs_per_step\":1}}" "$URL/api/v1/jobs"
		id=$(jv "$T/sub" '$.id')
		until curl -s "$URL/api/v1/jobs/$id?wait=30&since=running" -o "$T/j" &&
			case "$(jv "$T/j" '$.state')" in succeeded | failed | cancelled) true ;; *) false ;; esac; do :; done
	done
	kill "$SPID"
	wait "$SPID" || true
	SPID=
	sqlite3 "$T/$name/scann.db" "
		WITH f AS (SELECT j.id, (SELECT min(e.created_at) FROM events e
			WHERE e.job_id = j.id AND e.type != 'state') - j.created_at AS first,
			j.finished_at - j.created_at AS total, j.state FROM jobs j),
		o AS (SELECT first, total, row_number() OVER (ORDER BY first) AS r1,
			row_number() OVER (ORDER BY total) AS r2, count(*) OVER () AS n FROM f)
		SELECT '$name: ' || n || ' jobs, ' ||
			(SELECT count(*) FROM f WHERE state = 'succeeded') || ' succeeded; submit -> first event ms min/median/max ' ||
			min(first) || ' / ' || (SELECT first FROM o WHERE r1 = (n + 1) / 2) || ' / ' || max(first) ||
			'; submit -> end ms ' || min(total) || ' / ' ||
			(SELECT total FROM o WHERE r2 = (n + 1) / 2) || ' / ' || max(total) FROM o;"
}

run local
run slurm --runner slurm --slurm-spool "$T/spool"
