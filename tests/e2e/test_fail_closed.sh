#!/bin/bash
# test_fail_closed.sh -- the weak items of issue 16: running open takes an
# explicit flag; the data dir and everything in it is the daemon user's
# only (0700 directories, 0600 files -- they were 0755 and 0644); user names
# are checked ('a b/../c' was accepted); a label_column the dataset lacks
# is refused at submit (it was accepted, then failed in the worker); error
# messages a client reads carry no server path (nor an upload's temporary
# name, which held scannd's pid).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# Open on purpose only.
mkdir -p "$T/open"
rc=0
"$SCANND" --listen 0.0.0.0:1 --data-dir "$T/open" 2>"$T/refuse" || rc=$?
eq "no tokens, 0.0.0.0: refused" "$rc" 2
check "the refusal names the flag" grep -q -- "--insecure-open 1" "$T/refuse"
P=$(( 20000 + $$ % 30000 ))
"$SCANND" --listen "0.0.0.0:$P" --data-dir "$T/open" --insecure-open 1 \
	--worker "$WORKER" >/dev/null 2>"$T/open.log" &
O=$!
for i in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$P/healthz" && break
	kill -0 $O 2>/dev/null || break
	sleep 0.1
done
eq "--insecure-open 1: it serves" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")" 200
kill -TERM $O; wait $O
eq "and stops cleanly" $? 0

# User names.
rc=0
"$SCANND" --data-dir "$T/data" token add 'a b/../c' >/dev/null 2>"$T/name" || rc=$?
eq "a user name with a space and slashes: refused" "$rc" 2
check "saying what a name may hold" grep -q "1 to 64 of A-Z a-z 0-9" "$T/name"
for bad in '' '.hidden' 'x;y' "$(head -c 65 /dev/zero | tr '\0' a)"; do
	rc=0
	"$SCANND" --data-dir "$T/data" token add "$bad" >/dev/null 2>&1 || rc=$?
	eq "user name '$bad' refused" "$rc" 2
done
check "nothing stored: refused before the store is opened" test ! -e "$T/data/scann.db"

# File modes, a data dir made loose beforehand included.
mkdir -p "$T/data" && chmod 0755 "$T/data"
e2e_start --workers 1
DS=$(upload "$DATA/iris.csv" iris)
ID=$(submit "{\"dataset\":\"$DS\",$QUICK}")
check "a job" wait_state "$ID" succeeded 120
mode() { stat -c %a "$1"; }
eq "data dir" "$(mode "$T/data")" 700
eq "database" "$(mode "$T/data/scann.db")" 600
eq "datasets dir" "$(mode "$T/data/datasets")" 700
eq "a dataset" "$(mode "$(sqlite3 "$T/data/scann.db" "SELECT path FROM datasets WHERE id='$DS'")")" 600
eq "a job's dir" "$(mode "$T/data/jobs/$ID")" 700
eq "its model" "$(mode "$T/data/jobs/$ID/model.json")" 600
eq "nothing readable by others" "$(find "$T/data" -perm /077 | wc -l)" 0

# label_column at submit.
n=$(sqlite3 "$T/data/scann.db" "SELECT count(*) FROM jobs")
eq "a label_column the dataset lacks" \
	"$(api POST /api/v1/jobs -d "{\"dataset\":\"$DS\",\"label_column\":\"../../etc/passwd\"}")" 400
eq "naming label_column" "$(jv "$T/body" '$.error.field')" label_column
eq "nothing stored" "$(sqlite3 "$T/data/scann.db" "SELECT count(*) FROM jobs")" "$n"
eq "a column it has" "$(api POST /api/v1/jobs -d "{\"dataset\":\"$DS\",\"label_column\":\"label\",$QUICK}")" 201

# No server path in what a client reads.
printf 'a,b\n1\n' >"$T/bad.csv"
eq "a bad upload" "$(api POST /api/v1/datasets --data-binary "@$T/bad.csv")" 400
check "its message names the body, not a file" sh -c "grep -q '\"message\":\"not a usable CSV dataset: body' '$T/body' &&
	! grep -q -e '$T' -e '.upload-' '$T/body'"
VS=$(upload "$DATA/wine.csv" wine)
rm -f "$(sqlite3 "$T/data/scann.db" "SELECT path FROM datasets WHERE id='$VS'")"
F=$(submit "{\"dataset\":\"$VS\",$QUICK}")
check "a job whose data vanished fails" wait_state "$F" failed 60
api GET "/api/v1/jobs/$F" >/dev/null
check "its error names no server path" sh -c "! grep -q '$T' '$T/body'"
curl -s "$URL/api/v1/jobs/$F/events?format=ndjson" >"$T/ev"
check "nor do its events" sh -c "! grep -q '$T' '$T/ev'"
check "which say what was missing" grep -q 'datasets/' "$T/ev"
e2e_stop
e2e_done
