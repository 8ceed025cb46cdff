#!/bin/bash
# test_jobs.sh -- submit, follow (SSE and NDJSON, two clients at once,
# Last-Event-ID resume), long-poll, artifacts, list paging and filters,
# cancel (queued and running), the datasets resource, /healthz, /metrics.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1
J="$URL/api/v1"

# Datasets: upload, dedupe by content, describe, list.
eq "upload status" "$(api POST /api/v1/datasets?name=iris --data-binary @$DATA/iris.csv)" 201
DS=$(jv "$T/body" '$.id')
eq "iris rows" "$(jv "$T/body" '$.rows')" 150
eq "iris features" "$(jv "$T/body" '$.features')" 4
eq "iris classes" "$(jv "$T/body" '$.classes')" 3
eq "same bytes again: 200" "$(api POST /api/v1/datasets --data-binary @$DATA/iris.csv)" 200
eq "dedupe keeps the id" "$(jv "$T/body" '$.id')" "$DS"
eq "describe" "$(api GET /api/v1/datasets/$DS)" 200
eq "by name" "$(api GET /api/v1/datasets/iris)" 200
eq "list" "$(api GET /api/v1/datasets)" 200
eq "list has one" "$(jv "$T/body" '$.datasets[0].id')" "$DS"
WINE=$(upload "$DATA/wine.csv" wine)
check "wine id" test -n "$WINE"
SD=$(upload "$DATA/$SLOW_DATA")

# IDX: four parts in one multipart body, one of them gzip'd.
make_idx "$T/idx"
gzip -c "$T/idx/train-images" >"$T/idx/train-images.gz"
eq "IDX upload" "$(api POST '/api/v1/datasets?name=tiny-idx' \
	-F "train-images=@$T/idx/train-images.gz" -F "train-labels=@$T/idx/train-labels" \
	-F "t10k-images=@$T/idx/t10k-images" -F "t10k-labels=@$T/idx/t10k-labels")" 201
eq "IDX format" "$(jv "$T/body" '$.format')" idx
eq "IDX rows (train + t10k)" "$(jv "$T/body" '$.rows')" 26
eq "IDX features" "$(jv "$T/body" '$.features')" 4
eq "IDX classes" "$(jv "$T/body" '$.classes')" 2
eq "IDX missing part" "$(api POST /api/v1/datasets -F "train-images=@$T/idx/train-images" \
	-F "train-labels=@$T/idx/train-labels" -F "t10k-images=@$T/idx/t10k-images")" 400
eq "IDX missing part named" "$(jv "$T/body" '$.error.field')" t10k-labels
eq "IDX unknown part" "$(api POST /api/v1/datasets -F "colour=@$T/idx/train-images")" 400
eq "IDX unknown part named" "$(jv "$T/body" '$.error.field')" colour
eq "IDX labels as images" "$(api POST /api/v1/datasets -F "train-images=@$T/idx/train-labels" \
	-F "train-labels=@$T/idx/train-labels" -F "t10k-images=@$T/idx/t10k-images" \
	-F "t10k-labels=@$T/idx/t10k-labels")" 400
check "no upload leftovers" sh -c "! ls -a '$T/data/datasets' | grep -q '^.upload'"

# Submit: 201, Location, defaults filled in -- from the server's own
# origin, as the dashboard sends it (a foreign one is refused:
# test_malformed.sh).
code=$(curl -s -D "$T/h" -o "$T/body" -w '%{http_code}' -X POST \
	-H "Origin: $URL" \
	-d "{\"name\":\"first\",\"dataset\":\"iris\",$QUICK}" "$J/jobs")
eq "submit" "$code" 201
ID=$(jv "$T/body" '$.id')
check "Location header" grep -qi "^Location: /api/v1/jobs/$ID" "$T/h"
eq "defaults stored" "$(jv "$T/body" '$.spec.train.optimizer')" adam
eq "dataset resolved to id" "$(jv "$T/body" '$.spec.dataset')" "$DS"

# Two followers at once, SSE and NDJSON, from the start.
curl -sN --max-time 120 "$J/jobs/$ID/events" >"$T/sse" &
C1=$!
curl -sN --max-time 120 "$J/jobs/$ID/events?format=ndjson" >"$T/nd" &
C2=$!
check "job succeeds" wait_state "$ID" succeeded 120
eq "progress of a finished job" "$(jv "$T/ws" '$.progress')" 1.0
check "best val acc is the best epoch's" test "$(jv "$T/ws" '$.best_val_acc')" = \
	"$(sqlite3 "$T/data/scann.db" "SELECT max(json_extract(data, '\$.val_acc')) FROM events WHERE job_id=$ID AND type='epoch'")"
wait $C1 $C2	# streams close at the job's end
check "NDJSON seqs 1..n" seqs_ok "$T/nd"
check "NDJSON ends with succeeded" sh -c "tail -1 '$T/nd' | grep -q '\"state\":\"succeeded\"'"
check "NDJSON has epochs" grep -q '"type":"epoch"' "$T/nd"
check "NDJSON has a result" grep -q '"type":"result"' "$T/nd"
N=$(wc -l <"$T/nd")
eq "SSE has as many ids" "$(grep -c '^id: ' "$T/sse")" "$N"
eq "SSE event lines" "$(grep -c '^event: ' "$T/sse")" "$N"
check "SSE first is queued" sh -c "sed -n 3p '$T/sse' | grep -q '\"state\":\"queued\"'"
# Resume with Last-Event-ID: only what follows.
curl -sN --max-time 120 -H "Last-Event-ID: 2" "$J/jobs/$ID/events" >"$T/sse2"
eq "resume after 2" "$(sed -n 1p "$T/sse2")" "id: 3"
eq "resume count" "$(grep -c '^id: ' "$T/sse2")" $((N - 2))
curl -sN --max-time 120 "$J/jobs/$ID/events?format=ndjson&after=$((N - 1))" >"$T/nd2"
eq "after=n-1 gives the last" "$(wc -l <"$T/nd2")" 1

# The job view: timestamps, latest metrics, result, events count.
eq "get" "$(api GET /api/v1/jobs/$ID)" 200
check "started_at" test "$(jv "$T/body" '$.started_at')" != ""
check "finished_at" test "$(jv "$T/body" '$.finished_at')" != ""
check "latest epoch" test -n "$(jv "$T/body" '$.latest.epoch')"
eq "events count" "$(jv "$T/body" '$.events')" "$N"
check "result stored" test -n "$(jv "$T/body" '$.result.best')"
# A finished job answers ?wait at once.
t0=$(date +%s%N)
eq "wait on finished" "$(api GET "/api/v1/jobs/$ID?wait=30")" 200
check "wait on finished is immediate" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000

# Artifacts.
eq "model" "$(api GET /api/v1/jobs/$ID/model)" 200
eq "report" "$(api GET /api/v1/jobs/$ID/report)" 200
# The network as C: a tar of scann_model.h and scann_model.c, float or int8.
for fmt in c c-int8; do
	eq "model.c?format=$fmt" "$(api GET "/api/v1/jobs/$ID/model.c?format=$fmt")" 200
	check "model.c?format=$fmt is a tar of the pair" sh -c \
		"tar tf '$T/body' | sort | tr '\n' ' ' | grep -qx 'scann_model.c scann_model.h '"
	check "model.c?format=$fmt compiles as C99, warning-free" sh -c \
		"rm -rf '$T/cx' && mkdir '$T/cx' && tar xf '$T/body' -C '$T/cx' &&
		 cc -std=c99 -Wall -Wextra -Wpedantic -Werror -c '$T/cx/scann_model.c' -o '$T/cx/m.o'"
done
eq "model.c with the plain format" "$(api GET /api/v1/jobs/$ID/model.c)" 200
eq "model.c?format=rust is refused" "$(api GET "/api/v1/jobs/$ID/model.c?format=rust")" 400
check "and the error names format" grep -q '"field": *"format"' "$T/body"

# What follows races running jobs: LONG runs until it is cancelled.
e2e_stop
e2e_start --workers 1
J="$URL/api/v1"
SD=$(upload "$DATA/$SLOW_DATA")

# Long poll answers when the state changes, well before the wait ends.
ID2=$(submit "{\"name\":\"poll\",\"dataset\":\"$SD\",$LONG}")
wait_state "$ID2" running 30 >/dev/null
sleep 1
curl -s -o "$T/p2" "$J/jobs/$ID2" >/dev/null
check "a running job reports progress in (0, 1)" sh -c "p=\$(sqlite3 :memory: \"SELECT json_extract(readfile('$T/p2'), '\\\$.progress') > 0 AND json_extract(readfile('$T/p2'), '\\\$.progress') < 1\"); test \"\$p\" = 1"
t0=$(date +%s%N)
curl -s -o "$T/lp" "$J/jobs/$ID2?wait=2" >/dev/null
dt=$(( ($(date +%s%N) - t0) / 1000000 ))
check "wait=2 on a steady job takes ~2s ($dt ms)" test $dt -ge 1500 -a $dt -lt 4000
# One worker slot: a second job queues behind it; cancel it while queued.
ID3=$(submit "{\"name\":\"queued\",\"dataset\":\"iris\",$QUICK}")
eq "second job queued" "$(state "$ID3")" queued
curl -s -o "$T/lp3" "$J/jobs/$ID3?wait=20" >/dev/null &
LP=$!
sleep 0.3
eq "cancel queued" "$(api POST /api/v1/jobs/$ID3/cancel)" 202
wait $LP
eq "long poll woke on cancel" "$(jv "$T/lp3" '$.state')" cancelled
eq "cancel again: 409" "$(api POST /api/v1/jobs/$ID3/cancel)" 409
eq "409 names state" "$(jv "$T/body" '$.error.field')" state
# Cancel the running one: SIGTERM, then it is cancelled.
curl -sN --max-time 120 "$J/jobs/$ID2/events?format=ndjson" >"$T/nd3" &
C3=$!
eq "cancel running" "$(api POST /api/v1/jobs/$ID2/cancel)" 202
check "running job cancelled" wait_state "$ID2" cancelled 30
wait $C3
check "cancelled stream ends with cancelled" sh -c "tail -1 '$T/nd3' | grep -q '\"state\":\"cancelled\"'"
check "cancelled stream seqs" seqs_ok "$T/nd3"

# List: paging with a cursor, filters.
eq "list" "$(api GET '/api/v1/jobs?limit=2')" 200
eq "page 1 newest first" "$(jv "$T/body" '$.jobs[0].id')" "$ID3"
CUR=$(jv "$T/body" '$.next_cursor')
check "a next cursor" test -n "$CUR"
eq "page 2" "$(api GET "/api/v1/jobs?limit=2&cursor=$CUR")" 200
eq "page 2 holds the first job" "$(jv "$T/body" '$.jobs[0].id')" "$ID"
eq "no more pages" "$(jv "$T/body" '$.next_cursor')" ""
eq "filter state" "$(api GET '/api/v1/jobs?state=succeeded')" 200
eq "only succeeded" "$(jv "$T/body" '$.jobs[0].state')" succeeded
eq "just the one" "$(jv "$T/body" '$.jobs[1].id')" ""
eq "filter owner" "$(api GET '/api/v1/jobs?owner=nobody')" 200
eq "nobody has none" "$(jv "$T/body" '$.jobs[0].id')" ""

# The dashboard's static files: types, CSP, caching, no way out.
if [ -f "$S/web/index.html" ]; then
	curl -s -D "$T/sh" -o "$T/index" "$URL/"
	check "index served" grep -q '^HTTP/1.1 200' "$T/sh"
	check "index is html" grep -qi '^Content-Type: text/html' "$T/sh"
	check "CSP header" grep -qi "^Content-Security-Policy: default-src 'self'" "$T/sh"
	check "html revalidates" grep -qi '^Cache-Control: no-cache' "$T/sh"
	check "nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$T/sh"
	curl -s -D "$T/sh" -o /dev/null "$URL/js/app.js"
	check "js type" grep -qi '^Content-Type: text/javascript' "$T/sh"
	curl -s -D "$T/sh" -o /dev/null "$URL/style.css"
	check "css type" grep -qi '^Content-Type: text/css' "$T/sh"
	eq "no escape via .." "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL/js/../../configure.ac")" 404
	eq "no escape via %2e%2e" "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL/js/%2e%2e/%2e%2e/configure.ac")" 404
fi

# Health and metrics.
eq "healthz" "$(api GET /healthz)" 200
eq "metrics" "$(api GET /metrics)" 200
check "metrics: jobs by state" grep -q '^scann_jobs{state="succeeded"} 1$' "$T/body"
check "metrics: slots" grep -q '^scann_worker_slots 1$' "$T/body"
check "metrics: events" grep -q '^scann_events_stored_total [1-9]' "$T/body"
check "metrics: http" grep -q '^scann_http_requests_total{code="200"}' "$T/body"

e2e_stop
e2e_done
