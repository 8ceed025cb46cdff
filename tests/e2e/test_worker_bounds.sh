#!/bin/bash
# test_worker_bounds.sh -- a worker's time and memory are bounded (issue 16,
# "memory and CPU have no bound"): one batch of a [4096, 4096] network
# takes tens of seconds (minutes under ASan), and SIGTERM used to wait for
# it (20-30 s in a -O2 build); now the worker is gone within seconds,
# with its final event, resumable.  --max-memory caps the worker's address
# space: a network past it fails with an error event naming the cap, and
# scannd passes --worker-memory to every worker it starts.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"
# Under ASan an allocation past the cap must return NULL, as in a plain
# build, not abort the process.
export ASAN_OPTIONS=$ASAN_OPTIONS:allocator_may_return_null=1

BIG='"baseline":{"hidden":[4096,4096]},"train":{"epochs":3,"batch":4096},"resources":{"threads":1}'

# gone_within SECONDS PID: the process ends in time (else it is killed).
gone_within() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		kill -0 "$2" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$2" 2>/dev/null
	return 1
}

# SIGTERM in the middle of one huge batch.
echo "{\"dataset\":\"$DATA/satellite.csv\",$BIG}" >"$T/big.json"
"$WORKER" run --out "$T/big" "$T/big.json" >"$T/big.ndjson" 2>"$T/big.err" &
W=$!
sleep 4
kill -TERM $W
check "the worker stops within 8 s of SIGTERM mid-batch" gone_within 8 $W
wait $W
eq "exit status: stopped, resumable" $? 143
eq "its last event says cancelled" \
	"$(tail -1 "$T/big.ndjson" | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')" cancelled
check "the stream file is written for --resume" test -s "$T/big/stream.json"
check "events are numbered without a gap" seqs_ok "$T/big.ndjson"

# The memory cap, on the command line.
echo "{\"dataset\":\"$DATA/satellite.csv\",$BIG}" >"$T/mem.json"
"$WORKER" run --max-memory 300M --out "$T/mem" "$T/mem.json" \
	>"$T/mem.ndjson" 2>"$T/mem.err"
eq "over the cap: exit 1" $? 1
check "an error event names the cap" \
	grep -q '"message":"out of memory training: the worker.s memory cap (--max-memory) is 300 MiB","code":"ENOMEM","state":"failed"' "$T/mem.ndjson"
"$WORKER" run --max-memory lots "$T/mem.json" >/dev/null 2>"$T/bad.err"
eq "a bad --max-memory: usage error" $? 2
check "it names the option" grep -q -- "--max-memory wants a byte count" "$T/bad.err"

# Through scannd: --worker-memory reaches every worker.
e2e_start --workers 1 --worker-memory 300M
DS=$(upload "$DATA/satellite.csv" sat)
ID=$(submit "{\"dataset\":\"$DS\",$BIG}")
check "the job fails" wait_state "$ID" failed 120
curl -s "$URL/api/v1/jobs/$ID/events?format=ndjson" >"$T/ev"
check "its error event names the cap" grep -q 'memory cap (--max-memory) is 300 MiB' "$T/ev"
S=$(upload "$DATA/$SLOW_DATA")
L=$(submit "{\"dataset\":\"$S\",$LONG}")
wait_state "$L" running 30
P=$(worker_pid)
check "the worker's command line carries the cap" \
	sh -c "tr '\\0' ' ' </proc/$P/cmdline | grep -q -- '--max-memory=314572800 '"
api POST "/api/v1/jobs/$L/cancel" >/dev/null
wait_state "$L" cancelled 30
e2e_stop
e2e_done
