#!/bin/bash
# test_orphans.sh -- a scann-worker that outlives a killed scannd never
# runs beside its replacement: the next start finds it by the pid and
# start time stored with the job's run, kills it, and only then resumes the
# job.  The worker is stopped (SIGSTOP) before scannd is killed, so it
# cannot die of SIGPIPE at its next write -- as a worker in a long silent
# phase would not.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# gone PID: the process has ended (gone, or a zombie nobody reaps).
gone() {
	local i
	for i in $(seq 1 50); do
		[ -e "/proc/$1/stat" ] || return 0
		sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]' && return 0
		sleep 0.1
	done
	return 1
}

e2e_start --workers 1
SD=$(upload "$DATA/$SLOW_DATA")
ID=$(submit "{\"dataset\":\"$SD\",$LONG}")
check "running" wait_state "$ID" running 30
OLD=$(worker_pid)
eq "its pid stored with the run" \
	"$(sqlite3 "$T/data/scann.db" "SELECT kind || ' ' || ref FROM job_runs WHERE job_id=$ID")" \
	"local $OLD"
kill -STOP "$OLD"
e2e_kill
check "the orphan outlives scannd" test -e "/proc/$OLD/stat"

e2e_start --workers 1
check "the orphan is killed at the next start" gone "$OLD"
check "the job runs again" wait_state "$ID" running 30
NEW=$(worker_pid)
check "by a new worker" test "$NEW" != "$OLD"
grep -q "worker (pid $OLD) outlived the last scannd" "$T/scannd.log" && ok ||
	fail "the kill is not logged"
eq "cancel" "$(api POST "/api/v1/jobs/$ID/cancel")" 202
check "cancelled" wait_state "$ID" cancelled 30
kill -KILL "$OLD" 2>/dev/null	# in case the check failed: leave nothing
e2e_stop
e2e_done
