#!/bin/bash
# test_restart.sh -- scannd killed with SIGKILL mid-job and started again
# finds the job, resumes it from its checkpoint, and the event stream goes
# on with no gap and no repeated seq; SIGTERM drains (workers checkpoint and
# stop, scannd exits cleanly) and the next start resumes the job too.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

epoch_of() {	# the job's latest epoch number
	curl -s -o "$T/ep" "$URL/api/v1/jobs/$1" >/dev/null
	jv "$T/ep" '$.latest.epoch'
}
wait_epoch() {	# wait_epoch ID N: until the job reached epoch N
	local i
	for i in $(seq 1 300); do
		[ "$(epoch_of "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

e2e_start --workers 1
upload "$DATA/iris.csv" iris >/dev/null
ID=$(submit '{"name":"restart me","dataset":"iris","train":{"epochs":25}}')
check "running" wait_state "$ID" running 30
check "some epochs done" wait_epoch "$ID" 3
e2e_kill
check "job still marked running in the store" test \
	"$(sqlite3 "$T/data/scann.db" "SELECT state FROM jobs WHERE id=$ID")" = running
sleep 0.5	# the orphaned worker dies of SIGPIPE at its next event

e2e_start --workers 1
check "resumed and succeeded" wait_state "$ID" succeeded 120
curl -sN "$URL/api/v1/jobs/$ID/events?format=ndjson" >"$T/all"
check "seqs 1..n, no gap, no repeat" seqs_ok "$T/all"
check "requeued with a reason" grep -q '"state":"queued".*"reason":"scannd restarted' "$T/all"
check "second start says resumed" grep -q '"resumed":true' "$T/all"
eq "two attempts" "$(sqlite3 "$T/data/scann.db" "SELECT attempts FROM jobs WHERE id=$ID")" 2
eq "one terminal state, last" "$(grep -c '"state":"succeeded"' "$T/all")" 1
check "reached the last epoch" grep -q '"epoch":25,' "$T/all"
eq "rows = last_seq" "$(sqlite3 "$T/data/scann.db" "SELECT count(*) = max(seq) FROM events WHERE job_id=$ID")" 1

# SIGTERM drains: the worker stops at a checkpoint, scannd exits 0, the
# job is resumed at the next start.
ID2=$(submit '{"name":"drain me","dataset":"iris","train":{"epochs":20}}')
check "second job running" wait_state "$ID2" running 30
check "some epochs" wait_epoch "$ID2" 2
curl -sN "$URL/api/v1/jobs/$ID2/events?format=ndjson" >"$T/live" &
FOLLOW=$!
e2e_stop
wait $FOLLOW
check "a live stream ends at shutdown" true
e2e_start --workers 1
check "drained job resumes and succeeds" wait_state "$ID2" succeeded 120
curl -sN "$URL/api/v1/jobs/$ID2/events?format=ndjson" >"$T/all2"
check "drained job: seqs 1..n" seqs_ok "$T/all2"
check "drained job: the stream seen before shutdown is a prefix" \
	sh -c "head -c \$(wc -c <'$T/live') '$T/all2' | cmp -s - '$T/live'"
e2e_stop
e2e_done
