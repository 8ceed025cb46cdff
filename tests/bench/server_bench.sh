#!/bin/bash
# server_bench.sh -- scannd's load targets, run by hand (not part of make
# check): with two jobs running,
#   1. wrk on GET /api/v1/jobs/{id}: requests/s and latency percentiles
#      (target >= 5,000 req/s, p99 < 10 ms);
#   2. SSE_CLIENTS (200) concurrent SSE clients on one job, each checked to
#      receive every event of the job, in order, ids 1..n, none missed.
#
# Usage: tests/bench/server_bench.sh [BUILDDIR]   (an optimised build, e.g.
#   mkdir build-bench && cd build-bench && ../configure && make)
# Environment: WRK_THREADS (2), WRK_CONN (64), WRK_SECONDS (10),
#   SSE_CLIENTS (200), PORT (18089).
set -u
B=${1:-build-bench}
B=$(cd "$B" && pwd)
S=$(cd "$(dirname "$0")/../.." && pwd)
PORT=${PORT:-18089}
T=$(mktemp -d /tmp/scann-bench-XXXXXX)
URL=http://127.0.0.1:$PORT
N=${SSE_CLIENTS:-200}

"$B/server/scannd" --listen 127.0.0.1:$PORT --data-dir "$T/data" \
	--workers 2 --worker "$B/worker/scann-worker" 2>"$T/scannd.log" &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null' EXIT
for i in $(seq 50); do curl -sf $URL/healthz >/dev/null && break; sleep 0.1; done

SD=$(curl -s -X POST --data-binary @"$S/tests/data/satellite.csv" \
	"$URL/api/v1/datasets?name=satellite" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
job() {	# job EPOCHS ITERATIONS: id of a new job on satellite
	curl -s -X POST -d "{\"dataset\":\"$SD\",\"train\":{\"epochs\":$1},\"scann\":{\"iterations\":$2,\"epochs_per_step\":2}}" \
		$URL/api/v1/jobs | sed 's/^{"id":\([0-9]*\),.*/\1/'
}

# The SSE clients join job A before it starts, so each must see it all.
A=$(job 30 ${A_ITER:-60})
Bj=$(job 60 ${B_ITER:-120})
echo "jobs $A and $Bj submitted (2 worker slots)"
CLIENTS=
for i in $(seq 1 $N); do
	curl -sN "$URL/api/v1/jobs/$A/events" >"$T/sse.$i" 2>/dev/null &
	CLIENTS="$CLIENTS $!"
done
sleep 1
echo "== wrk: GET /api/v1/jobs/$Bj with both jobs running"
for j in $A $Bj; do
	echo "before wrk: job $j $(curl -s $URL/api/v1/jobs/$j | grep -o '"state":"[a-z]*"' | head -1)"
done
wrk -t${WRK_THREADS:-2} -c${WRK_CONN:-64} -d${WRK_SECONDS:-10}s --latency \
	"$URL/api/v1/jobs/$Bj" | tee "$T/wrk.txt"
for j in $A $Bj; do	# both must still run, or the figure is not "with two jobs running"
	echo "after wrk: job $j $(curl -s $URL/api/v1/jobs/$j | grep -o '"state":"[a-z]*"' | head -1)"
done

echo "== $N SSE clients on job $A: waiting for the job to end"
[ -n "$CLIENTS" ] && wait $CLIENTS
curl -sN "$URL/api/v1/jobs/$A/events?format=ndjson" >"$T/truth"
n=$(wc -l <"$T/truth")
bad=0
for i in $(seq 1 $N); do
	got=$(grep -c '^id: ' "$T/sse.$i")
	ids=$(grep '^id: ' "$T/sse.$i" | cut -c5- | tr '\n' ' ')
	want=$(seq 1 $n | tr '\n' ' ')
	if [ "$got" != "$n" ] || [ "$ids" != "$want" ]; then
		bad=$((bad + 1))
	fi
done
echo "job $A: $n events; $((N - bad)) of $N SSE clients got all $n, ids 1..$n in order"
grep -c '^data: ' "$T/sse.1" >/dev/null
[ $bad -eq 0 ] && cmp -s <(grep '^data: ' "$T/sse.1" | cut -c7-) "$T/truth" &&
	echo "client 1's data lines equal the stored events byte for byte"
curl -s -X POST $URL/api/v1/jobs/$Bj/cancel >/dev/null
kill -TERM $SPID; wait $SPID; trap - EXIT
rm -rf "$T"
