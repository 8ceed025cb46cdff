#!/bin/bash
# test_restart.sh -- scannd killed with SIGKILL mid-job and started again
# finds the job, resumes it from its checkpoint, and the event stream goes
# on with no gap and no repeated seq; SIGTERM drains (workers checkpoint and
# stop, scannd exits cleanly) and the next start resumes the job too.  A
# recovered job keeps the threads its spec asked for (the pool reads them
# from the job's row, not from the spec).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 2
SD=$(upload "$DATA/$SLOW_DATA")
ID=$(submit "{\"name\":\"restart me\",\"dataset\":\"$SD\",$SLOW,\"resources\":{\"threads\":2}}")
check "running" wait_state "$ID" running 30
check "a checkpoint written" wait_checkpoint "$ID"
e2e_kill
check "job still marked running in the store" test \
	"$(sqlite3 "$T/data/scann.db" "SELECT state FROM jobs WHERE id=$ID")" = running
sleep 0.5	# the orphaned worker dies of SIGPIPE at its next event

e2e_start --workers 2
check "resumed and succeeded" wait_state "$ID" succeeded 120
curl -sN --max-time 120 "$URL/api/v1/jobs/$ID/events?format=ndjson" >"$T/all"
check "seqs 1..n, no gap, no repeat" seqs_ok "$T/all"
check "requeued with a reason" grep -q '"state":"queued".*"reason":"scannd restarted' "$T/all"
check "second start says resumed" grep -q '"resumed":true' "$T/all"
eq "both starts took the spec's two threads" \
	"$(grep -c '"state":"running".*"threads":2' "$T/all")" 2
case "$(jv "$T/data/jobs/$ID/spec.json" '$.dataset')" in
"$T/data/"*) ok ;;
*) fail "the worker did not get the dataset's path: $(jv "$T/data/jobs/$ID/spec.json" '$.dataset')" ;;
esac
eq "two attempts" "$(sqlite3 "$T/data/scann.db" "SELECT attempts FROM jobs WHERE id=$ID")" 2
eq "one terminal state, last" "$(grep -c '"state":"succeeded"' "$T/all")" 1
check "a result" grep -q '"type":"result"' "$T/all"
eq "rows = last_seq" "$(sqlite3 "$T/data/scann.db" "SELECT count(*) = max(seq) FROM events WHERE job_id=$ID")" 1

# SIGTERM drains: the worker stops at a checkpoint, scannd exits 0, the
# job is resumed at the next start.
ID2=$(submit "{\"name\":\"drain me\",\"dataset\":\"$SD\",$SLOW}")
check "second job running" wait_state "$ID2" running 30
check "second job checkpointed" wait_checkpoint "$ID2"
curl -sN --max-time 120 "$URL/api/v1/jobs/$ID2/events?format=ndjson" >"$T/live" &
FOLLOW=$!
e2e_stop
wait $FOLLOW
check "a live stream ends at shutdown" true
e2e_start --workers 1
check "drained job resumes and succeeds" wait_state "$ID2" succeeded 120
curl -sN --max-time 120 "$URL/api/v1/jobs/$ID2/events?format=ndjson" >"$T/all2"
check "drained job: seqs 1..n" seqs_ok "$T/all2"
check "drained job: the stream seen before shutdown is a prefix" \
	sh -c "head -c \$(wc -c <'$T/live') '$T/all2' | cmp -s - '$T/live'"
e2e_stop
e2e_done
