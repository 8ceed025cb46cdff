#!/bin/bash
# test_storage.sh -- one job cannot fill the disk, and storage trouble shows
# (issue 16): a worker printing thousands of epochs a second has them
# thinned to --epoch-rate a second (every other event kept, and the last
# epoch of each burst), and once the --max-db cap is reached /healthz
# answers 503 naming the storage, not "ok".
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1 --epoch-rate 10
DS=$(upload "$DATA/iris.csv" iris)
ID=$(submit "{\"dataset\":\"$DS\",$LONG}")
wait_state "$ID" running 30
sleep 4
api POST "/api/v1/jobs/$ID/cancel" >/dev/null
wait_state "$ID" cancelled 30
db="$T/data/scann.db"
n=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE job_id=$ID AND type='epoch'")
last=$(sqlite3 "$db" "SELECT max(json_extract(data,'\$.epoch')) FROM events WHERE job_id=$ID AND type='epoch'")
span=$(sqlite3 "$db" "SELECT (max(created_at)-min(created_at))/1000.0 FROM events WHERE job_id=$ID")
say "epoch events stored: $n over $span s, up to epoch $last"
check "epoch events thinned to about 10 a second" test "$n" -le 80
check "yet the job trained thousands of epochs" test "${last:-0}" -gt 1000
# A short job: its last epoch is kept, and every other event.
Q=$(submit "{\"dataset\":\"$DS\",\"train\":{\"epochs\":5},\"baseline\":{\"hidden\":[4]}}")
wait_state "$Q" succeeded 60
eq "a short job's last epoch is stored" \
	"$(sqlite3 "$db" "SELECT max(json_extract(data,'\$.epoch')) FROM events WHERE job_id=$Q AND type='epoch'")" \
	"$(sqlite3 "$db" "SELECT json_extract(data,'\$.epoch') FROM events WHERE job_id=$Q AND type='epoch' ORDER BY seq DESC LIMIT 1")"
eq "its result is stored" "$(sqlite3 "$db" "SELECT count(*) FROM events WHERE job_id=$Q AND type='result'")" 1
eq "healthy storage: /healthz 200" "$(api GET /healthz)" 200
e2e_stop

# The cap reached: the job is failed and /healthz says storage is in trouble.
e2e_start --workers 1 --max-db 400K --epoch-rate 0
ID=$(submit "{\"dataset\":\"$DS\",$LONG}")
check "the job stops, failed" wait_state "$ID" failed 120
eq "/healthz at the cap" "$(api GET /healthz)" 503
eq "says storage" "$(jv "$T/body" '$.status')" storage
say "healthz: $(cat "$T/body")"
e2e_stop

# The failure does not stick: a job running when scannd died, restarted
# over a store with no room, is failed -- not re-queued into the same fault.
e2e_start --workers 1 --epoch-rate 0
ID=$(submit "{\"dataset\":\"$DS\",$LONG}")
wait_state "$ID" running 30
for i in $(seq 1 100); do
	[ "$(stat -c %s "$T/data/scann.db-wal" 2>/dev/null || echo 0)" -gt 600000 ] && break
	sleep 0.1
done
WP=$(worker_pid)
e2e_kill
[ -n "$WP" ] && kill -KILL "$WP" 2>/dev/null
e2e_start --workers 1 --max-db 300K
eq "the job is failed at start-up" "$(state "$ID")" failed
check "saying its events cannot be stored" grep -q "cannot be stored" "$T/st"
e2e_stop
e2e_done
