#!/bin/bash
# test_faults.sh -- workers that fail, all of them real scann-worker
# processes: one whose dataset vanished from disk (a failed job with its
# exit status and stderr tail), one killed with SIGKILL, one that cannot
# answer SIGTERM on cancel (stopped with SIGSTOP: SIGKILL after the grace),
# a per-job timeout enforced by scannd, a worker program that does not exist,
# and a data dir that cannot be made, reported rather than crashed on.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1 --grace 1
upload "$DATA/iris.csv" iris >/dev/null
SD=$(upload "$DATA/$SLOW_DATA")

# The stored copy of a dataset disappears (a disk cleaned by hand): the
# worker cannot load it, exits 2, and the job fails with what it said.
WINE_ID=$(upload "$DATA/wine.csv" wine)
rm -f "$T/data/datasets/$(jv "$T/up" '$.sha256')"*
C=$(submit '{"name":"lost data","dataset":"wine","train":{"epochs":2}}')
check "job with lost data fails" wait_state "$C" failed 60
eq "exit status recorded" "$(jv "$T/ws" '$.error.exit_status')" 2
check "stderr tail recorded" sh -c "sqlite3 :memory: \"select json_extract(readfile('$T/ws'), '\$.error.stderr')\" | grep -q 'cannot open'"
check "message says status" sh -c "grep -q 'exited with status 2' '$T/ws'"

K=$(submit "{\"name\":\"victim\",\"dataset\":\"$SD\",$LONG}")
wait_state "$K" running 30
pid=$(worker_pid)
check "worker pid found" test -n "$pid"
[ -n "$pid" ] && kill -KILL "$pid"
check "SIGKILLed worker fails its job" wait_state "$K" failed 30
check "signal 9 recorded" test "$(jv "$T/ws" '$.error.signal')" = 9

# A stopped process keeps SIGTERM pending: only the SIGKILL after the
# grace period ends it.
H=$(submit "{\"name\":\"stuck\",\"dataset\":\"$SD\",$LONG}")
wait_state "$H" running 30
pid=$(worker_pid)
[ -n "$pid" ] && kill -STOP "$pid"
t0=$(date +%s)
eq "cancel a worker that cannot answer" "$(api POST /api/v1/jobs/$H/cancel)" 202
check "cancelled after SIGKILL" wait_state "$H" cancelled 30
check "within the grace" test $(( $(date +%s) - t0 )) -le 5

# scannd's own clock ends a job past resources.timeout_s, even one whose
# worker cannot notice (stopped).
TO=$(submit "{\"name\":\"slow\",\"dataset\":\"$SD\",$LONG,\"resources\":{\"timeout_s\":2}}")
wait_state "$TO" running 30
pid=$(worker_pid)
[ -n "$pid" ] && kill -STOP "$pid"
check "timeout fails the job" wait_state "$TO" failed 30
check "says timed out" grep -q 'timed out after 2 s' "$T/ws"

e2e_stop
check "log has no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/scannd.log'"

# A relative --worker is taken from scannd's working directory, not
# from the job directory the worker runs in.
cd "$B"
e2e_start --workers 1 --worker worker/scann-worker
upload "$DATA/iris.csv" iris >/dev/null
R=$(submit "{\"name\":\"relative\",\"dataset\":\"iris\",$QUICK}")
check "relative worker path runs the job" wait_state "$R" succeeded 60
e2e_stop
cd - >/dev/null

# A worker program that is not there: the job fails, scannd stays up.
e2e_start --workers 1 --worker "$T/no-such-worker"
N=$(submit '{"dataset":"iris","train":{"epochs":1}}')
check "missing worker fails the job" wait_state "$N" failed 30
check "says cannot start" grep -q 'cannot start' "$T/ws"
e2e_stop

# A worker's line that arrives over several reads, its end longer than its
# start (a study's result line can): scannd assembles it whole.  The
# stand-in worker writes one log event in two pieces with a pause between.
cat >"$T/split-worker" <<'SH'
#!/bin/sh
cat >/dev/null
start=$(head -c 1000 /dev/zero | tr '\0' x)
end=$(head -c 5000 /dev/zero | tr '\0' x)
printf '{"type":"log","level":"info","message":"%s' "$start"
sleep 0.5
printf '%s"}\n' "$end"
SH
chmod +x "$T/split-worker"
e2e_start --workers 1 --worker "$T/split-worker"
upload "$DATA/iris.csv" iris >/dev/null
L=$(submit '{"dataset":"iris","train":{"epochs":1}}')
wait_state "$L" failed 30 || true
curl -s "$URL/api/v1/jobs/$L/events?format=ndjson" >"$T/long"
check "a line split across reads is stored whole" \
	sh -c "grep '\"message\":\"xxxxxxxx' '$T/long' | tr -cd x | wc -c | grep -qx 6000"
check "scannd still answers" sh -c "curl -sf $URL/healthz >/dev/null"
e2e_stop
check "log has no sanitizer report (split line)" sh -c "! grep -q 'Sanitizer' '$T/scannd.log'"

# SSE keep-alive: an idle stream (its worker stopped) gets comment lines,
# which are not events; the stream then ends as the job does.
e2e_start --workers 1 --sse-ping 1 --grace 1
SD=$(upload "$DATA/$SLOW_DATA")
P=$(submit "{\"name\":\"idle\",\"dataset\":\"$SD\",$LONG}")
wait_state "$P" running 30
pid=$(worker_pid)
[ -n "$pid" ] && kill -STOP "$pid"
curl -sN --max-time 60 "$URL/api/v1/jobs/$P/events" >"$T/ping" &
CP=$!
sleep 3
api POST /api/v1/jobs/$P/cancel >/dev/null
wait $CP
check "keep-alive comments sent" grep -q '^: ping$' "$T/ping"
check "events intact" sh -c "grep '^data: ' '$T/ping' | tail -1 | grep -q cancelled"
e2e_stop

# A config file with the command line's keys; the command line wins.
cat >"$T/scannd.conf" <<CONF
# scannd settings
workers = 1
max-body = 2k
user-limit = 1
listen = 127.0.0.1:1
CONF
e2e_start --config "$T/scannd.conf"
eq "config: max-body 2k" "$(api POST /api/v1/jobs -d "{\"dataset\":\"iris\",\"name\":\"$(head -c 3000 /dev/zero | tr '\0' x)\"}")" 413
check "config: workers 1" sh -c "curl -s $URL/metrics | grep -q '^scann_worker_slots 1$'"
e2e_stop
rc=0
"$SCANND" --config "$T/nope.conf" 2>"$T/conf.err" || rc=$?
eq "missing config file: exit 2" "$rc" 2
printf 'colour = red\n' >"$T/bad.conf"
rc=0
"$SCANND" --config "$T/bad.conf" 2>"$T/conf.err" || rc=$?
eq "unknown config key: exit 2" "$rc" 2
check "names the key and line" grep -q "bad.conf:1: unknown setting 'colour'" "$T/conf.err"

# A data dir that cannot be made (read-only, or under a file): reported at
# start with the reason, not crashed on.  (Root ignores mode bits, so the
# test uses a path under a regular file, which fails for everyone.)
: >"$T/plainfile"
rc=0
"$SCANND" --listen 127.0.0.1:1 --data-dir "$T/plainfile/x" 2>"$T/ro.err" || rc=$?
eq "unusable data dir: exit 1" "$rc" 1
check "unusable data dir: says so" grep -q "data dir" "$T/ro.err"
e2e_done
