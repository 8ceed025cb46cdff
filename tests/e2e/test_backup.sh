#!/usr/bin/env bash
# test_backup.sh -- `scannd backup FILE` copies the database while scannd
# runs a job (the job keeps streaming events), and `scannd restore FILE`
# plus copying datasets/ and jobs/ (the steps scannd(8) gives) makes a new
# data directory whose scannd serves the same jobs, events and datasets.
. "$(dirname "$0")/lib.sh"

e2e_start
iris=$(upload "$DATA/iris.csv")
sat=$(upload "$DATA/$SLOW_DATA")
done_id=$(submit "{\"dataset\":\"$iris\",$QUICK}")
check "quick job succeeds" wait_state "$done_id" succeeded 120
run_id=$(submit "{\"dataset\":\"$sat\",$LONG}")
check "long job running" wait_state "$run_id" running 60
nev() { sqlite3 "$1" "SELECT count(*) FROM events WHERE job_id=$run_id"; }
for i in $(seq 1 100); do [ "$(nev "$T/data/scann.db")" -ge 3 ] && break; sleep 0.1; done

before=$(nev "$T/data/scann.db")
"$SCANND" --data-dir "$T/data" backup "$T/backup.db" 2>"$T/backup.err"; rc=$?
eq "backup status" "$rc" 0
check "backup says what to copy next" grep -q "copy .*/datasets and .*/jobs next" "$T/backup.err"
check "backup passes SQLite's integrity check" \
	test "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check')" = ok
check "backup is one file (no -wal beside it)" test ! -e "$T/backup.db-wal"
in_backup=$(nev "$T/backup.db")
check "the backup holds the running job's events so far ($in_backup >= $before)" \
	test "$in_backup" -ge "$before"
for i in $(seq 1 100); do [ "$(nev "$T/data/scann.db")" -gt "$in_backup" ] && break; sleep 0.1; done
check "the job kept streaming after the backup" test "$(nev "$T/data/scann.db")" -gt "$in_backup"
eq "still running" "$(state "$run_id")" running

cp "$T/backup.db" "$T/backup.copy"
"$SCANND" --data-dir "$T/data" backup "$T/backup.db" 2>"$T/again.err"; rc=$?
eq "a second backup onto the same file refused" "$rc" 1
check "... naming it" grep -q "backup.db exists; not overwritten" "$T/again.err"
check "... leaving it as it was" cmp -s "$T/backup.db" "$T/backup.copy"

# The original's view, then stop it (the long job is cancelled here; the
# restored copy still has it running, as at the backup).
curl -s "$URL/api/v1/jobs/$done_id/events?format=ndjson" >"$T/done.orig"
curl -s "$URL/api/v1/jobs/$done_id" >"$T/job.orig"
curl -s "$URL/api/v1/datasets/$iris" >"$T/ds.orig"
eq "cancel the long job" "$(api POST "/api/v1/jobs/$run_id/cancel")" 202
check "cancelled" wait_state "$run_id" cancelled 60
curl -s "$URL/api/v1/jobs/$run_id/events?format=ndjson" >"$T/run.orig"
e2e_stop

# Restore: into a directory that has a database already is refused.
"$SCANND" --data-dir "$T/data" restore "$T/backup.db" 2>"$T/r.err"; rc=$?
eq "restore over a live data dir refused" "$rc" 1
check "... saying why" grep -q "restore only into a new data directory" "$T/r.err"
echo "not a database" >"$T/junk.db"
"$SCANND" --data-dir "$T/junk" restore "$T/junk.db" 2>"$T/r.err"; rc=$?
eq "restore of a non-database refused" "$rc" 1
check "... naming it" grep -q "junk.db: not a scann database" "$T/r.err"
check "... making no database" test ! -e "$T/junk/scann.db"

"$SCANND" --data-dir "$T/new" restore "$T/backup.db" 2>"$T/r.err"; rc=$?
eq "restore status" "$rc" 0
cp -a "$T/data/datasets" "$T/data/jobs" "$T/new/"

e2e_start --data-dir "$T/new"
eq "restored: the finished job" "$(curl -s "$URL/api/v1/jobs/$done_id" | sed 's/"[a-z_]*_url":"[^"]*"//g')" \
	"$(sed 's/"[a-z_]*_url":"[^"]*"//g' "$T/job.orig")"
curl -s "$URL/api/v1/jobs/$done_id/events?format=ndjson" >"$T/done.new"
check "restored: the finished job's events, byte for byte" cmp -s "$T/done.orig" "$T/done.new"
check "... and there are some" seqs_ok "$T/done.new"
eq "restored: the dataset" "$(curl -s "$URL/api/v1/datasets/$iris")" "$(cat "$T/ds.orig")"
# The job running at the backup resumes; its events up to the backup are
# the original's.
api POST "/api/v1/jobs/$run_id/cancel" >/dev/null
check "the resumed job cancels" wait_state "$run_id" cancelled 60
curl -s "$URL/api/v1/jobs/$run_id/events?format=ndjson" >"$T/run.new"
eq "restored: the running job's first $in_backup events" \
	"$(head -n "$in_backup" "$T/run.new")" "$(head -n "$in_backup" "$T/run.orig")"
new_id=$(submit "{\"dataset\":\"$iris\",$QUICK}")
check "a new job on the restored dataset succeeds" wait_state "$new_id" succeeded 120
e2e_done
