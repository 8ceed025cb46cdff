#!/bin/bash
# test_faults.sh -- workers that fail: one that dies (a failed job with its
# exit status and stderr tail), one killed with SIGKILL, one that ignores
# SIGTERM on cancel (SIGKILL after the grace), a per-job timeout, a worker
# program that does not exist, and a read-only data dir reported, not crashed on.  Uses the fake worker, which
# can fail on request.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"
WORKER=$FAKE

e2e_start --workers 1 --grace 1
upload "$DATA/iris.csv" iris >/dev/null

C=$(submit '{"name":"crash","dataset":"iris","train":{"epochs":10}}')
check "crashing job fails" wait_state "$C" failed 60
eq "exit status recorded" "$(jv "$T/ws" '$.error.exit_status')" 7
check "stderr tail recorded" sh -c "sqlite3 :memory: \"select json_extract(readfile('$T/ws'), '\$.error.stderr')\" | grep -q 'simulated crash'"
check "message says status" sh -c "grep -q 'exited with status 7' '$T/ws'"

K=$(submit '{"name":"victim","dataset":"iris","train":{"epochs":100}}')
wait_state "$K" running 30
sleep 0.5
pid=$(pgrep -P "$SPID" -f fake-worker | head -1)
check "worker pid found" test -n "$pid"
[ -n "$pid" ] && kill -KILL "$pid"
check "SIGKILLed worker fails its job" wait_state "$K" failed 30
check "signal 9 recorded" test "$(jv "$T/ws" '$.error.signal')" = 9

H=$(submit '{"name":"hang","dataset":"iris","train":{"epochs":100}}')
wait_state "$H" running 30
sleep 0.3
t0=$(date +%s)
eq "cancel a stubborn worker" "$(api POST /api/v1/jobs/$H/cancel)" 202
check "cancelled after SIGKILL" wait_state "$H" cancelled 30
check "within the grace" test $(( $(date +%s) - t0 )) -le 5

TO=$(submit '{"name":"slow","dataset":"iris","train":{"epochs":100},"resources":{"timeout_s":1}}')
check "timeout fails the job" wait_state "$TO" failed 30
check "says timed out" grep -q 'timed out after 1 s' "$T/ws"

e2e_stop
check "log has no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/scannd.log'"

# A worker program that is not there: the job fails, scannd stays up.
e2e_start --workers 1 --worker "$T/no-such-worker"
N=$(submit '{"dataset":"iris","train":{"epochs":1}}')
check "missing worker fails the job" wait_state "$N" failed 30
check "says cannot start" grep -q 'cannot start' "$T/ws"
e2e_stop

# SSE keep-alive: an idle stream gets comment lines, which are not events.
FAKE_EPOCH_S=2.5 e2e_start --workers 1 --sse-ping 1
P=$(submit '{"name":"slow pace","dataset":"iris","train":{"epochs":2}}')
curl -sN --max-time 60 "$URL/api/v1/jobs/$P/events" >"$T/ping"
check "keep-alive comments sent" grep -q '^: ping$' "$T/ping"
check "events intact" sh -c "grep '^data: ' '$T/ping' | tail -1 | grep -q succeeded"
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
