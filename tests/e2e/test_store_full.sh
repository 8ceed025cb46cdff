#!/bin/sh
# test_store_full.sh -- when the store refuses a job's events (a full disk;
# here scannd's --max-db cap, which fails writes the same way), the job is
# stopped and failed with the reason, instead of running on with a record
# nobody can read; the daemon itself keeps serving.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1 --max-db 400K --epoch-rate 0
DS=$(upload "$DATA/iris.csv" iris)
# iris trains thousands of epochs a second: its epoch events fill the cap
# in moments, where a real job would take hours to fill a disk.
ID=$(submit "{\"dataset\":\"$DS\",$LONG}")
check "the job stops, failed" wait_state "$ID" failed 120
eq "job GET" "$(api GET "/api/v1/jobs/$ID")" 200
msg=$(jv "$T/body" '$.error.message')
say "error: $msg"
check "the error says events could not be stored" \
	sh -c "echo '$msg' | grep -q 'could not be stored'"
check "and that the job was stopped" sh -c "echo '$msg' | grep -q 'stopped'"
check "the log says so" grep -q "event not stored" "$T/scannd.log"
check "no worker left running" sh -c "! pgrep -P $SPID -f scann-worker >/dev/null"
eq "scannd still serves" "$(api GET /api/v1/jobs)" 200
eq "but /healthz reports the full store" "$(api GET /healthz)" 503
eq "a bad --max-db is named" "$("$SCANND" --max-db lots 2>&1 >/dev/null | grep -c 'max-db')" 1
e2e_stop
e2e_done
