#!/bin/bash
# test_schema.sh -- GET /api/v1/schema serves what clients build a spec
# from and read a job with, and each list agrees with what the server does:
# the defaults are the spec a job stores from {"dataset"} alone, every DR
# method is one the validator names, every state is one the jobs list
# filters by, every artifact route answers for a finished job.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1
DS=$(upload "$DATA/iris.csv" iris)

eq "schema" "$(api GET /api/v1/schema)" 200
cp "$T/body" "$T/schema"
# each PATH: the members of the array at PATH, one a line (objects as JSON).
each() {
	sqlite3 :memory: "SELECT value FROM json_each(json_extract(readfile('$T/schema'), '$1'));"
}
eq "defaults: dataset left empty" "$(jv "$T/schema" '$.defaults.dataset')" ""
eq "defaults: DR off" "$(jv "$T/schema" '$.defaults.dr')" ""
eq "defaults: resources.threads" "$(jv "$T/schema" '$.defaults.resources.threads')" 1
check "opt-in: dr.ratios" test -n "$(jv "$T/schema" '$.opt_in_defaults.dr.ratios[0]')"
check "opt-in: scann.pruning" test -n "$(jv "$T/schema" '$.opt_in_defaults.scann.pruning.fraction')"
eq "unknown query parameter" "$(api GET '/api/v1/schema?x=1')" 400

# The defaults are exactly what a job stores from its dataset alone.
eq "bare submit" "$(api POST /api/v1/jobs -d '{"dataset":"iris"}')" 201
BARE=$(jv "$T/body" '$.id')
same=$(sqlite3 :memory: "SELECT json_set(json_extract(readfile('$T/schema'),
	'\$.defaults'), '\$.dataset', '$DS') = json_extract(readfile('$T/body'),
	'\$.spec');")
eq "defaults = a bare job's stored spec" "$same" 1
eq "cancel the bare job" "$(api POST /api/v1/jobs/$BARE/cancel)" 202
check "bare job cancelled" wait_state "$BARE" cancelled 30

# DR methods: the validator's own list of names, in full.
api POST /api/v1/jobs -d '{"dataset":"iris","dr":{"methods":["nope"]}}' >/dev/null
msg=$(jv "$T/body" '$.error.message')
n=0
for m in $(each '$.dr_methods'); do
	n=$((n + 1))
	case "$msg" in *"\"$m\""*) ok ;; *) fail "dr method $m not in: $msg" ;; esac
done
eq "as many methods as the validator names" "$n" \
	"$(printf '%s' "$msg" | grep -o '"[a-z-]*"' | grep -vc '"nope"')"

# Front presets and layer types (issue 13): the validator's own names.
api POST /api/v1/jobs -d '{"dataset":"iris","front":{"preset":"nope"}}' >/dev/null
msg=$(jv "$T/body" '$.error.message')
for p in $(each '$.front.presets'); do
	case "$msg" in *"\"$p\""*) ok ;; *) fail "front preset $p not in: $msg" ;; esac
done
check "lenet5 is a preset" test "$(each '$.front.presets' | grep -c '^lenet5$')" = 1
api POST /api/v1/jobs -d '{"dataset":"iris","front":{"layers":[{"type":"nope"}]}}' >/dev/null
msg=$(jv "$T/body" '$.error.message')
for p in $(each '$.front.layer_types'); do
	case "$msg" in *"\"$p\""*) ok ;; *) fail "layer type $p not in: $msg" ;; esac
done
api POST /api/v1/jobs -d '{"dataset":"iris","preset":"nope"}' >/dev/null
msg=$(jv "$T/body" '$.error.message')
for p in $(each '$.presets'); do
	case "$msg" in *"\"$p\""*) ok ;; *) fail "job preset $p not in: $msg" ;; esac
done

# States: each filters the jobs list; the refusal names them all.
names=
for s in $(each '$.states' | sed 's/.*"name":"\([a-z]*\)".*/\1/'); do
	eq "jobs?state=$s" "$(api GET "/api/v1/jobs?state=$s")" 200
	names="$names${names:+, }$s"
done
eq "bad state" "$(api GET '/api/v1/jobs?state=done')" 400
eq "refusal lists the states" "$(jv "$T/body" '$.error.message')" \
	"state must be one of $names"
eq "terminal states" "$(each '$.states' | grep -c '"terminal":true')" 3

# Artifacts: every route answers for a finished job, with its type.
ID=$(submit "{\"dataset\":\"iris\",$QUICK}")
check "a finished job" wait_state "$ID" succeeded 120
k=0
while IFS= read -r a; do
	k=$((k + 1))
	r=$(printf '%s' "$a" | sed 's/.*"route":"\([^"]*\)".*/\1/')
	ct=$(printf '%s' "$a" | sed 's/.*"content_type":"\([^"]*\)".*/\1/')
	code=$(curl -s -D "$T/h" -o "$T/a" -w '%{http_code}' "$URL/api/v1/jobs/$ID/$r")
	case "$code" in
	200) check "$r: Content-Type $ct" grep -qiF "Content-Type: $ct" "$T/h" ;;
	404) eq "$r: absent, not unrouted" "$(jv "$T/a" '$.error.field')" artifact ;;
	*) fail "$r: $code" ;;
	esac
done < <(each '$.artifacts')
check "artifact routes listed ($k)" test "$k" -ge 3
eq "model served" "$(api GET /api/v1/jobs/$ID/model)" 200
eq "report served" "$(api GET /api/v1/jobs/$ID/report)" 200
# A file of the job without a route is not reachable by its name.
eq "spec.json has no route" "$(api GET /api/v1/jobs/$ID/spec.json)" 404
eq "... and is no resource" "$(jv "$T/body" '$.error.field')" path
eq "an artifact is GET only" "$(api POST /api/v1/jobs/$ID/model)" 405

e2e_stop
e2e_done
