#!/bin/bash
# test_slurm.sh -- the Slurm runner (scannd --runner slurm) on a real
# one-node cluster (deploy/slurm-local.sh): the same spec and seed give the
# same events and the same model files as the local runner; a job pending
# in Slurm shows as queued with Slurm's reason; cancel (pending and
# running) is scancel; scannd killed with SIGKILL and started again follows
# its Slurm job on with no event lost or repeated and no resubmission; a
# job Slurm lost while scannd was down fails saying so; N jobs of two users
# through a 2-job limit all finish, served in turn.
#
# Without a cluster the test is skipped -- except under CI=true, where it
# starts one (as root; deploy/slurm-local.sh installs what is missing).
# SLURM_FAIR_JOBS (default 16) sets N; the bench runs it with 50.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# Options checked before any cluster is needed.
"$SCANND" --data-dir "$T/o" --runner bogus 2>"$T/o.err"
eq "--runner bogus refused" "$?" 2
check "saying which option" grep -q -- "--runner bogus" "$T/o.err"
"$SCANND" --data-dir "$T/o" --runner slurm 2>"$T/o.err"
eq "--runner slurm without a spool refused" "$?" 2
check "saying what is missing" grep -q -- "--slurm-spool" "$T/o.err"

if ! timeout 10 sinfo -h >/dev/null 2>&1 ||
	! timeout 10 sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
	if [ "${CI:-}" = true ]; then
		"$S/deploy/slurm-local.sh" start || { say "FAIL: no Slurm cluster"; exit 1; }
	else
		say "SKIP: no Slurm cluster (deploy/slurm-local.sh start makes one)"
		exit 77
	fi
fi
FAIR=${SLURM_FAIR_JOBS:-16}
SLURM_ARGS=(--runner slurm --slurm-spool "$T/spool" --slurm-max-jobs 2 --epoch-rate 0 --user-limit 0)

# slurm_id ID: the Slurm job id scannd shows for job ID.
slurm_id() {
	curl -s -o "$T/sj" "$URL/api/v1/jobs/$1" ${AUTH:+-H "Authorization: Bearer $AUTH"}
	jv "$T/sj" '$.runner.job_id'
}
# events ID FILE: the job's whole stream.
events() {
	curl -sN --max-time 120 "$URL/api/v1/jobs/$1/events?format=ndjson" >"$2"
}
# ms_to_first ID: submit to first worker event, in ms (from the store).
ms_to_first() {
	sqlite3 "$1" "SELECT e.created_at - j.created_at FROM jobs j JOIN events e
		ON e.job_id = j.id WHERE j.id = $2 AND e.type != 'state'
		ORDER BY e.seq LIMIT 1"
}
SEEDED=',"split":{"seed":7}'

# --- the same job through the local and the Slurm runner ----------------
# One data dir for both, so the dataset's path (which the model records)
# is the same.
e2e_start --data-dir "$T/sdata" --epoch-rate 0
DS=$(upload "$DATA/iris.csv")
L=$(submit "{\"dataset\":\"$DS\",$QUICK$SEEDED}")
check "local job succeeded" wait_state "$L" succeeded 120
events "$L" "$T/local.ndjson"
e2e_stop

e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}"
J=$(submit "{\"dataset\":\"$DS\",$QUICK$SEEDED}")
check "slurm job succeeded" wait_state "$J" succeeded 120
events "$J" "$T/slurm.ndjson"
SJ=$(slurm_id "$J")
case "$SJ" in [0-9]*) ok ;; *) fail "no Slurm job id shown: $(cat "$T/sj")" ;; esac
eq "runner kind" "$(jv "$T/sj" '$.runner.kind')" slurm
check "same events through Slurm as locally" cmp "$T/local.ndjson" "$T/slurm.ndjson"
for f in model.json model-c.tar model-c-int8.tar; do
	check "same $f byte for byte" cmp "$T/sdata/jobs/$L/$f" "$T/sdata/jobs/$J/$f"
done
say "submit to first event: local $(ms_to_first "$T/sdata/scann.db" "$L") ms, Slurm $(ms_to_first "$T/sdata/scann.db" "$J") ms"

# --- pending in Slurm, cancel --------------------------------------------
SLOW_DS=$(upload "$DATA/$SLOW_DATA")
A=$(submit "{\"dataset\":\"$SLOW_DS\",$LONG,\"resources\":{\"threads\":$(nproc)}}")
check "long job running" wait_state "$A" running 60
P=$(submit "{\"dataset\":\"$SLOW_DS\",$LONG,\"resources\":{\"threads\":$(nproc)}}")
for i in $(seq 1 40); do
	curl -s -o "$T/p" "$URL/api/v1/jobs/$P"
	case "$(jv "$T/p" '$.runner.note')" in "PENDING (None)" | "") ;; PENDING*) break ;; esac
	sleep 0.25
done
eq "a job pending in Slurm is queued" "$(jv "$T/p" '$.state')" queued
case "$(jv "$T/p" '$.runner.note')" in
"PENDING (Resources)" | "PENDING (Priority)") ok ;;
*) fail "no Slurm reason for the pending job: $(cat "$T/p")" ;;
esac
PS=$(jv "$T/p" '$.runner.job_id')
# A restart finds the pending job where it was: queued, in Slurm's queue.
e2e_kill
e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}"
curl -s -o "$T/p" "$URL/api/v1/jobs/$P"
eq "pending job still queued after a restart" "$(jv "$T/p" '$.state')" queued
eq "with the same Slurm job" "$(jv "$T/p" '$.runner.job_id')" "$PS"
check "the running one too" wait_state "$A" running 10
eq "cancel a pending job" "$(api POST "/api/v1/jobs/$P/cancel")" 202
check "pending job cancelled" wait_state "$P" cancelled 30
check "its Slurm job is gone" sh -c "! squeue -h -j $PS -t PENDING,RUNNING 2>/dev/null | grep -q ."
AS=$(slurm_id "$A")
eq "cancel a running job" "$(api POST "/api/v1/jobs/$A/cancel")" 202
check "running job cancelled" wait_state "$A" cancelled 60
check "its Slurm job is not running" sh -c "! squeue -h -j $AS -t RUNNING 2>/dev/null | grep -q ."
events "$A" "$T/a.ndjson"
check "cancelled job: seqs 1..n" seqs_ok "$T/a.ndjson"

# --- the pool's timeout stops a Slurm job --------------------------------
O=$(submit "{\"dataset\":\"$SLOW_DS\",$LONG,\"resources\":{\"timeout_s\":3}}")
check "timed-out job failed" wait_state "$O" failed 60
curl -s -o "$T/oj" "$URL/api/v1/jobs/$O"
case "$(jv "$T/oj" '$.error.message')" in "timed out after 3 s") ok ;; *) fail "timeout: $(cat "$T/oj")" ;; esac
OS=$(jv "$T/oj" '$.runner.job_id')
check "its Slurm job is not running" sh -c "! squeue -h -j $OS -t RUNNING 2>/dev/null | grep -q ."

# --- SIGTERM: scannd leaves its Slurm jobs running, the next start follows
D=$(submit "{\"dataset\":\"$SLOW_DS\",$SLOW}")
check "job running" wait_state "$D" running 60
DS_=$(slurm_id "$D")
sleep 1
curl -sN --max-time 120 "$URL/api/v1/jobs/$D/events?format=ndjson" >"$T/live" &
FOLLOW=$!
sleep 1
e2e_stop
wait $FOLLOW
check "the live stream had worker events" grep -q '"type":"epoch"' "$T/live"
check "its Slurm job runs on without scannd" sh -c "squeue -h -j $DS_ -t RUNNING | grep -q ."
e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}"
check "followed again after SIGTERM and succeeded" wait_state "$D" succeeded 180
events "$D" "$T/d.ndjson"
check "after SIGTERM: seqs 1..n" seqs_ok "$T/d.ndjson"
check "the stream seen live is a prefix of the whole" \
	sh -c "head -c \$(wc -c <'$T/live') '$T/d.ndjson' | cmp -s - '$T/live'"
eq "after SIGTERM: one attempt" "$(sqlite3 "$T/sdata/scann.db" "SELECT attempts FROM jobs WHERE id=$D")" 1

# --- scannd killed: the Slurm job runs on and is followed again ----------
K=$(submit "{\"dataset\":\"$SLOW_DS\",$SLOW}")
check "job running" wait_state "$K" running 60
sleep 1
e2e_kill
sleep 2		# the worker goes on writing to the spool meanwhile
e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}"
check "followed again and succeeded" wait_state "$K" succeeded 180
events "$K" "$T/k.ndjson"
check "seqs 1..n, no gap, no repeat" seqs_ok "$T/k.ndjson"
eq "one attempt (not resubmitted)" \
	"$(sqlite3 "$T/sdata/scann.db" "SELECT attempts FROM jobs WHERE id=$K")" 1
KS=$(jv "$T/sj" '$.runner.job_id')
eq "every line of the spool stored once" \
	"$(grep -vc '"type":"state"' "$T/k.ndjson")" \
	"$(wc -l <"$T/spool/job-$K-1/events.ndjson")"
eq "one running state" "$(grep -c '"state":"running"' "$T/k.ndjson")" 1
eq "one terminal state" "$(grep -c '"state":"succeeded"' "$T/k.ndjson")" 1

# --- a job Slurm lost while scannd was down -------------------------------
X=$(submit "{\"dataset\":\"$SLOW_DS\",$LONG}")
check "job running" wait_state "$X" running 60
XS=$(slurm_id "$X")
e2e_kill
# Every process of the job killed (as by the OOM killer or a crash):
# the script never records an exit status.
kill -KILL $(scontrol listpids "$XS" | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }')
sleep 1
e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}"
check "lost job failed" wait_state "$X" failed 60
curl -s -o "$T/x" "$URL/api/v1/jobs/$X"
case "$(jv "$T/x" '$.error.message')" in
"Slurm job $XS "*"no exit status"*) ok ;;
*) fail "lost job's error: $(cat "$T/x")" ;;
esac
e2e_stop

# --- sbatch refusing a job fails it, with sbatch's word -----------------
e2e_start --data-dir "$T/sdata" "${SLURM_ARGS[@]}" --slurm-partition nosuchpartition
N=$(submit "{\"dataset\":\"$DS\",$QUICK}")
check "refused job failed" wait_state "$N" failed 30
curl -s -o "$T/n" "$URL/api/v1/jobs/$N"
case "$(jv "$T/n" '$.error.message')" in
"sbatch failed"*nosuchpartition*) ok ;;
*) fail "refused job's error: $(cat "$T/n")" ;;
esac
e2e_stop

# --- two users, $FAIR jobs through a 2-job limit ---------------------------
ANN=$("$SCANND" --data-dir "$T/fdata" token add ann 2>/dev/null)
BOB=$("$SCANND" --data-dir "$T/fdata" token add bob 2>/dev/null)
e2e_start --data-dir "$T/fdata" "${SLURM_ARGS[@]/$T\/spool/$T/fspool}"
ADS=$(AUTH=$ANN upload "$DATA/iris.csv")
BDS=$(AUTH=$BOB upload "$DATA/iris.csv")
T0=$(date +%s)
for i in $(seq 1 $((FAIR / 2))); do AUTH=$ANN submit "{\"dataset\":\"$ADS\",$QUICK}" >/dev/null; done
for i in $(seq 1 $((FAIR / 2))); do AUTH=$BOB submit "{\"dataset\":\"$BDS\",$QUICK}" >/dev/null; done
for i in $(seq 1 600); do
	[ "$(sqlite3 "$T/fdata/scann.db" "SELECT count(*) FROM jobs WHERE state IN ('succeeded','failed','cancelled')")" = "$FAIR" ] && break
	sleep 0.5
done
say "$FAIR jobs through 2 Slurm slots in $(( $(date +%s) - T0 )) s"
eq "all succeeded" "$(sqlite3 "$T/fdata/scann.db" "SELECT count(*) FROM jobs WHERE state='succeeded'")" "$FAIR"
eq "each started once" "$(sqlite3 "$T/fdata/scann.db" "SELECT count(*) FROM jobs WHERE attempts=1")" "$FAIR"
# Fair share: bob, who came last, is served in turn with ann -- among the
# first half of the starts, both have at least a third.
ORDER=$(sqlite3 "$T/fdata/scann.db" "SELECT owner FROM jobs ORDER BY started_at, id" | tr '\n' ' ')
BOB_FIRST=$(sqlite3 "$T/fdata/scann.db" "SELECT count(*) FROM (SELECT owner FROM jobs ORDER BY started_at, id LIMIT $((FAIR / 2))) WHERE owner='bob'")
say "start order: $ORDER"
# At most 2: how many overlap depends on the build's speed (an optimised
# build on fast kernels may finish each quick job before the next starts).
MAXRUN=$(sqlite3 "$T/fdata/scann.db" "SELECT max((SELECT count(*)
	FROM jobs k WHERE k.started_at <= j.started_at AND j.started_at < k.finished_at)) FROM jobs j")
check "never more than 2 running at once ($MAXRUN)" test "${MAXRUN:-9}" -le 2
check "bob served in turn (start order: $ORDER)" test "$BOB_FIRST" -ge $((FAIR / 6))
check "ann served in turn (start order: $ORDER)" test $((FAIR / 2 - BOB_FIRST)) -ge $((FAIR / 6))
e2e_stop
e2e_done
