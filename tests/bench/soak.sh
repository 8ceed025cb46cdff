#!/bin/bash
# soak.sh -- crash soak of scannd (issue 16), run by hand (not in make
# check; minutes to an hour):
#   1. KILLS (100) times, scannd is killed with SIGKILL at a random moment
#      (0.3 to 3 s after its start) while two jobs run, and started again;
#      its orphaned workers are killed too (start-up does that once issue
#      15 lands).  Then every job must have succeeded (no job lost), and
#      each job's stored worker events must be exactly the stream an
#      uninterrupted `scann-worker run` of its stored spec prints -- every
#      worker_seq once, none missing, same content (no event lost, doubled
#      or altered).  Epoch thinning is off (--epoch-rate 0) so all are kept.
#   2. WORKER_KILLS (100) times, a running job's worker is killed with
#      SIGKILL at a random moment: the job must end failed, saying the
#      worker was killed by signal 9, and scannd stay healthy.
#
# Usage: tests/bench/soak.sh [BUILDDIR]   (an optimised build is quickest)
# Environment: KILLS, WORKER_KILLS, PORT (18189), SEED (for $RANDOM).
set -u
B=$(cd "${1:-build}" && pwd)
S=$(cd "$(dirname "$0")/../.." && pwd)
KILLS=${KILLS:-100}
WORKER_KILLS=${WORKER_KILLS:-100}
PORT=${PORT:-18189}
RANDOM=${SEED:-16}
T=$(mktemp -d /tmp/scann-soak-XXXXXX)
URL=http://127.0.0.1:$PORT
DB=$T/data/scann.db
SPID=
say() { printf 'soak: %s\n' "$*" >&2; }
trap '[ -n "$SPID" ] && kill -9 $SPID 2>/dev/null' EXIT

start() {
	"$B/server/scannd" --listen 127.0.0.1:$PORT --data-dir "$T/data" \
		--workers 2 --user-limit 2 --epoch-rate 0 --grace 1 "$@" \
		--worker "$B/worker/scann-worker" >>"$T/scannd.out" 2>>"$T/scannd.log" &
	SPID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "$URL/healthz" && return 0
		sleep 0.05
	done
	say "scannd did not start"; tail "$T/scannd.log"; exit 1
}
workers() { pgrep -f -- "--out $T/data/jobs/" ; }
crash() {
	kill -9 "$SPID"; wait "$SPID" 2>/dev/null; SPID=
	local p; for p in $(workers); do kill -9 "$p"; done
}
live() { sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state IN ('queued','running')"; }
seed=0
submit() {	# a job of several kill intervals, checkpointing every two epochs
	seed=$((seed + 1))
	curl -s -o /dev/null -X POST "$URL/api/v1/jobs" -d "{\"dataset\":\"sat\",
		\"baseline\":{\"hidden\":[128,64]},\"train\":{\"epochs\":4,\"seed\":$seed},
		\"scann\":{\"search\":\"recipe\",\"iterations\":30,\"epochs_per_step\":2}}"
}

# ---- 1. scannd killed ------------------------------------------------------
start
curl -s -o /dev/null -X POST --data-binary "@$S/tests/data/satellite.csv" \
	"$URL/api/v1/datasets?name=sat"
t0=$(date +%s)
for i in $(seq 1 "$KILLS"); do
	while [ "$(live)" -lt 2 ]; do submit; done
	sleep "$((RANDOM % 28 / 10 + 0)).$((RANDOM % 10))"
	sleep 0.3
	crash
	start
	[ $((i % 10)) = 0 ] && say "$i kills, $(sqlite3 "$DB" "SELECT count(*) FROM jobs") jobs, $(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state='succeeded'") succeeded"
done
say "all kills done in $(( $(date +%s) - t0 )) s; letting the jobs finish"
for _ in $(seq 600); do [ "$(live)" = 0 ] && break; sleep 1; done
curl -s -o /dev/null -X POST "$URL/api/v1/jobs/cancel?owner=*"
kill -TERM "$SPID"; wait "$SPID"; SPID=

jobs=$(sqlite3 "$DB" "SELECT count(*) FROM jobs")
ok=$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state='succeeded'")
resumed=$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE attempts > 1")
starts=$(sqlite3 "$DB" "SELECT sum(attempts) FROM jobs")
say "jobs: $jobs, succeeded: $ok, resumed: $resumed ($starts starts)"
# Each job against an uninterrupted run of its stored spec, on the same file.
bad=0; events=0; lost=0; doubled=0; altered=0
for id in $(sqlite3 "$DB" "SELECT id FROM jobs ORDER BY id"); do
	path=$(sqlite3 "$DB" "SELECT d.path FROM jobs j JOIN datasets d ON d.id = j.dataset_id WHERE j.id=$id")
	sqlite3 "$DB" "SELECT spec FROM jobs WHERE id=$id" |
		OPENBLAS_NUM_THREADS=1 "$B/worker/scann-worker" run - --dataset "$path" \
			--out "$T/ref/$id" >"$T/ref-$id.ndjson" 2>/dev/null
	sqlite3 "$DB" "SELECT data FROM events WHERE job_id=$id AND type <> 'state' ORDER BY seq" >"$T/got-$id.ndjson"
	read -r n l d a < <(python3 "$S/tests/bench/soak_check.py" "$T/ref-$id.ndjson" "$T/got-$id.ndjson")
	events=$((events + n)); lost=$((lost + l)); doubled=$((doubled + d)); altered=$((altered + a))
	[ "$l$d$a" = 000 ] || { bad=$((bad + 1)); say "job $id: $l lost, $d doubled, $a altered"; }
done
echo "scannd SIGKILLs: $KILLS; jobs: $jobs, succeeded: $ok, interrupted and resumed: $resumed ($starts worker starts); worker events checked: $events; lost: $lost, doubled: $doubled, altered: $altered; jobs with a difference: $bad"

# ---- 2. workers killed -----------------------------------------------------
start
clean=0
for i in $(seq 1 "$WORKER_KILLS"); do
	id=$(curl -s -X POST "$URL/api/v1/jobs" -d '{"dataset":"sat","baseline":{"hidden":[64]},"train":{"epochs":100000,"patience":100000}}' |
		sed 's/^{"id":\([0-9]*\).*/\1/')
	p=
	for _ in $(seq 200); do
		p=$(pgrep -f -- "--out $T/data/jobs/$id\$" | head -1)
		[ -n "$p" ] && break; sleep 0.02
	done
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$p" 2>/dev/null
	st=
	for _ in $(seq 100); do
		st=$(sqlite3 "$DB" "SELECT state FROM jobs WHERE id=$id")
		[ "$st" = running ] || [ "$st" = queued ] || break; sleep 0.05
	done
	err=$(sqlite3 "$DB" "SELECT json_extract(error, '\$.message') FROM jobs WHERE id=$id")
	if [ "$st" = failed ] && [ "$err" = "worker killed by signal 9 (Killed)" ]; then
		clean=$((clean + 1))
	else
		say "worker kill $i (job $id): state $st, error '$err'"
	fi
done
health=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
left=$(workers | wc -l)
kill -TERM "$SPID"; wait "$SPID"; rc=$?; SPID=
echo "worker SIGKILLs: $WORKER_KILLS; failed cleanly: $clean; /healthz after: $health; workers left: $left; scannd exit: $rc"
[ "$bad" = 0 ] && [ "$ok" = "$jobs" ] && [ "$clean" = "$WORKER_KILLS" ] && rm -rf "$T"
