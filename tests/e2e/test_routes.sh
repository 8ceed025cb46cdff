#!/bin/bash
# test_routes.sh -- the routes users expect (issue 16): DELETE a job (its
# record, events and files; a live one refused, 409 naming state) and a
# dataset (its file too, unless another user's record of the same bytes
# names it; refused while a live job trains on it); retention by age
# (--retain-days) and by database size (--retain-db); downloads of the
# baseline model and a study's report.md; POST .../predict, CSV rows in,
# one class per row out.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

ANN=$("$SCANND" --data-dir "$T/data" token add ann 2>/dev/null)
BOB=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
as() { local who=$1; shift; api "$@" -H "Authorization: Bearer $who"; }
db="$T/data/scann.db"
n_pred() { sqlite3 :memory: "SELECT json_array_length(readfile('$T/body'), '\$.predictions')"; }
rows_of() { sqlite3 "$db" "SELECT count(*) FROM events WHERE job_id=$1"; }

e2e_start --workers 1
IR=$(AUTH=$ANN upload "$DATA/iris.csv" iris)
Q=$(AUTH=$ANN submit "{\"dataset\":\"$IR\",$QUICK}")
AUTH=$ANN check "a finished job" wait_state "$Q" succeeded 120

# Downloads.
eq "the baseline model" "$(as "$ANN" GET /api/v1/jobs/$Q/baseline)" 200
check "is a model file" grep -q '"classes"' "$T/body"
eq "no report.md for a synthesis job" "$(as "$ANN" GET /api/v1/jobs/$Q/report.md)" 404
S=$(AUTH=$ANN submit "{\"dataset\":\"$IR\",\"task\":\"study\",\"dr\":{\"methods\":[\"pca\"]},$QUICK}")
AUTH=$ANN check "a study" wait_state "$S" succeeded 120
eq "the study's report.md" "$(as "$ANN" GET /api/v1/jobs/$S/report.md)" 200
check "a Markdown table" grep -q '^|' "$T/body"
eq "not bob's to read" "$(as "$BOB" GET /api/v1/jobs/$S/report.md)" 404

# Predict.
{ head -1 "$DATA/iris.csv" | cut -d, -f1-4
  sed -n '2p;52p;102p' "$DATA/iris.csv" | cut -d, -f1-4; } >"$T/rows.csv"
eq "predict three rows" "$(as "$ANN" POST /api/v1/jobs/$Q/predict \
	-H 'Content-Type: text/csv' --data-binary "@$T/rows.csv")" 200
eq "three classes" "$(jv "$T/body" '$.rows') $(n_pred)" "3 3"
sed -n '2p;52p;102p' "$DATA/iris.csv" | cut -d, -f1-4 | awk '{ print $0 "," NR % 2 }' |
	{ head -1 "$DATA/iris.csv"; cat; } >"$T/lab.csv"
"$WORKER" predict --each "$T/data/jobs/$Q/model.json" "$T/lab.csv" >"$T/cli" 2>/dev/null || true
eq "the classes scann-worker predict gives" \
	"$(sqlite3 :memory: "SELECT group_concat(value, ' ') FROM json_each(json_extract(readfile('$T/body'), '\$.predictions'))")" \
	"$(tr '\n' ' ' <"$T/cli" | sed 's/ $//')"
"$WORKER" predict --each --features "$T/data/jobs/$Q/model.json" "$T/rows.csv" >"$T/cli-f" 2>"$T/cli-f.err"
eq "predict --features reads rows without a label, the same classes" \
	"$(tr '\n' ' ' <"$T/cli-f" | sed 's/ $//')" "$(tr '\n' ' ' <"$T/cli" | sed 's/ $//')"
printf 'a,b,c,d\n1,2,3,4\n5,x,7,8\n' >"$T/bad.csv"
eq "a bad cell" "$(as "$ANN" POST /api/v1/jobs/$Q/predict --data-binary "@$T/bad.csv")" 400
eq "named by the body's line and column" "$(jv "$T/body" '$.error.message')" \
	"line 3 of the rows: column 2 (b): 'x' is not a number"
{ head -1 "$DATA/iris.csv" | cut -d, -f1-4; sed -n '2p' "$DATA/iris.csv" | cut -d, -f1-4; } >"$T/one.csv"
eq "one row" "$(as "$ANN" POST /api/v1/jobs/$Q/predict --data-binary "@$T/one.csv")" 200
eq "one class" "$(n_pred)" 1
printf 'a,b\n1,2\n' >"$T/two.csv"
eq "rows of the wrong width" "$(as "$ANN" POST /api/v1/jobs/$Q/predict --data-binary "@$T/two.csv")" 400
eq "say so" "$(jv "$T/body" '$.error.message')" "the rows have 2 features, the model 4"
check "naming no server path" sh -c "! grep -q '$T' '$T/body'"
eq "a header alone" "$(as "$ANN" POST /api/v1/jobs/$Q/predict --data-binary 'a,b,c,d')" 400
eq "not bob's to use" "$(as "$BOB" POST /api/v1/jobs/$Q/predict --data-binary "@$T/rows.csv")" 404
check "no temporary file left" sh -c "[ -z \"\$(ls '$T/data/tmp')\" ]"

# DELETE a job.
SD=$(AUTH=$ANN upload "$DATA/$SLOW_DATA" sat)
L=$(AUTH=$ANN submit "{\"dataset\":\"$SD\",$LONG}")
AUTH=$ANN wait_state "$L" running 30
eq "a running job is not deleted" "$(as "$ANN" DELETE /api/v1/jobs/$L)" 409
eq "naming state" "$(jv "$T/body" '$.error.field')" state
eq "nor its dataset" "$(as "$ANN" DELETE /api/v1/datasets/$SD)" 409
as "$ANN" POST /api/v1/jobs/$L/cancel >/dev/null
AUTH=$ANN check "cancelled" wait_state "$L" cancelled 30
eq "bob cannot delete ann's job" "$(as "$BOB" DELETE /api/v1/jobs/$L)" 404
eq "ann deletes it" "$(as "$ANN" DELETE /api/v1/jobs/$L)" 200
eq "gone" "$(as "$ANN" GET /api/v1/jobs/$L)" 404
eq "its events gone" "$(rows_of "$L")" 0
check "its directory gone" test ! -e "$T/data/jobs/$L"

# DELETE a dataset: shared bytes keep their file for the other user.
BS=$(AUTH=$BOB upload "$DATA/$SLOW_DATA" sat)
file=$(sqlite3 "$db" "SELECT path FROM datasets WHERE id='$SD'")
eq "bob cannot delete ann's dataset" "$(as "$BOB" DELETE /api/v1/datasets/$SD)" 404
eq "ann deletes hers" "$(as "$ANN" DELETE /api/v1/datasets/$SD)" 200
eq "gone for her" "$(as "$ANN" GET /api/v1/datasets/$SD)" 404
check "the file stays: bob's record names it" test -e "$file"
eq "bob deletes his" "$(as "$BOB" DELETE /api/v1/datasets/$BS)" 200
check "then the file goes" test ! -e "$file"
e2e_stop

# Retention by age: a job that ended two days ago goes, a recent one stays.
sqlite3 "$db" "UPDATE jobs SET finished_at = finished_at - 2 * 86400000 WHERE id = $Q"
e2e_start --workers 1 --retain-days 1
sleep 1.5
eq "the old job is deleted" "$(as "$ANN" GET /api/v1/jobs/$Q)" 404
check "its files too" test ! -e "$T/data/jobs/$Q"
eq "the recent one kept" "$(as "$ANN" GET /api/v1/jobs/$S)" 200
e2e_stop
# Retention by size: over the size, finished jobs go oldest first.
e2e_start --workers 1 --retain-db 1K
sleep 1.5
eq "the database over 1 KiB: finished jobs deleted" \
	"$(sqlite3 "$db" "SELECT count(*) FROM jobs WHERE state IN ('succeeded','failed','cancelled')")" 0
e2e_stop
e2e_done
