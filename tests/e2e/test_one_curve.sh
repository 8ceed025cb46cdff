#!/bin/bash
# test_one_curve.sh -- after kill -9 of scannd (and of its worker) the
# resumed worker redoes the events since its last checkpoint, with the same
# worker numbers; the store keeps one copy of each (issue 16: 67 of 1,173
# events were stored twice, with new seqs and the same worker_seq).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# A baseline that checkpoints early, then one long scheme step with no
# checkpoint until its end: every epoch of the step before the kill is
# redone after it.
SPEC='"baseline":{"hidden":[32]},"train":{"epochs":3},"scann":{"search":"recipe","iterations":1,"epochs_per_step":1000}'
db="$T/data/scann.db"
last_seq() { sqlite3 "$db" "SELECT last_seq FROM jobs WHERE id=$1"; }

e2e_start --workers 1 --epoch-rate 0
SD=$(upload "$DATA/$SLOW_DATA")
ID=$(submit "{\"dataset\":\"$SD\",$SPEC}")
check "running" wait_state "$ID" running 30
check "the baseline's checkpoint written" wait_checkpoint "$ID"
s0=$(last_seq "$ID")
for i in $(seq 1 600); do
	[ "$(last_seq "$ID")" -ge $((s0 + 60)) ] && break
	sleep 0.05
done
P=$(worker_pid)
e2e_kill
kill -9 "$P" 2>/dev/null
before=$(last_seq "$ID")
say "killed at seq $before, 60+ events after the checkpoint (seq ~$s0)"

e2e_start --workers 1 --epoch-rate 0
check "resumed and succeeded" wait_state "$ID" succeeded 300
curl -s "$URL/api/v1/jobs/$ID/events?format=ndjson" >"$T/all"
check "seqs 1..n, no gap, no repeat" seqs_ok "$T/all"
eq "no worker event stored twice" "$(sqlite3 "$db" "SELECT count(*) FROM
	(SELECT coalesce(json_extract(data, '\$.worker_seq'), seq) AS w FROM events
	 WHERE job_id=$ID AND type <> 'state' GROUP BY w HAVING count(*) > 1)")" 0
eq "worker numbers only rise" "$(sqlite3 "$db" "SELECT count(*) FROM
	(SELECT coalesce(json_extract(data, '\$.worker_seq'), seq) AS w,
	        lag(coalesce(json_extract(data, '\$.worker_seq'), seq)) OVER (ORDER BY seq) AS p
	 FROM events WHERE job_id=$ID AND type <> 'state') WHERE w <= p")" 0
eq "each epoch of each step once" "$(sqlite3 "$db" "SELECT count(*) FROM
	(SELECT json_extract(data, '\$.stage'), json_extract(data, '\$.iteration'), json_extract(data, '\$.operation'),
	        json_extract(data, '\$.epoch') FROM events
	 WHERE job_id=$ID AND type = 'epoch' GROUP BY 1, 2, 3, 4 HAVING count(*) > 1)")" 0
e2e_stop

# Nor lost: events the worker printed before its checkpoint that scannd had
# not read when it died (in the pipe) are printed again by the resumed
# worker, from its event log.  Here the worker alone: killed past a
# checkpoint, the consumer having read all but the last events before it.
SPEC_W="{\"dataset\":\"$DATA/$SLOW_DATA\",$SLOW}"
echo "$SPEC_W" >"$T/w.json"
"$WORKER" run --out "$T/w" "$T/w.json" >"$T/w1.nd" 2>/dev/null &
W=$!
for i in $(seq 1 600); do
	[ -s "$T/w/checkpoint.json" ] && [ "$(wc -l <"$T/w1.nd")" -gt $(( $(jv "$T/w/checkpoint.json" '$.seq') + 2 )) ] && break
	sleep 0.05
done
kill -9 $W; wait $W 2>/dev/null
C=$(jv "$T/w/checkpoint.json" '$.seq')
sed -n "1,$((C - 3))p" "$T/w1.nd" >"$T/read.nd"	# events C-2..C unread
"$WORKER" run --resume "$T/w" >"$T/w2.nd" 2>/dev/null
"$WORKER" run --out "$T/wref" "$T/w.json" >"$T/wref.nd" 2>/dev/null
got=$(cat "$T/read.nd" "$T/w2.nd" | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' | sort -nu | wc -l)
eq "read before the crash + the resumed run: every event" "$got" "$(wc -l <"$T/wref.nd")"
eq "the events before the checkpoint printed again, as they were" \
	"$(sed -n "$((C - 2)),${C}p" "$T/w1.nd" | grep -cxFf "$T/w2.nd")" 3
e2e_done
