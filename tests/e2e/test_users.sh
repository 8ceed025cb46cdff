#!/bin/bash
# test_users.sh -- tokens and ownership: two users see and cancel only their
# own jobs, an admin sees and cancels all, the store keeps only token
# hashes, and scannd refuses a non-loopback address without tokens; GET
# /api/v1/me names the caller; token list and token revoke (effective on
# the running server at once).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

mkdir -p "$T/data" "$T/open"
# No tokens + a non-loopback address: refuse to start.
rc=0
"$SCANND" --listen 0.0.0.0:1 --data-dir "$T/open" 2>"$T/refuse" || rc=$?
eq "refuses 0.0.0.0 without tokens" "$rc" 2
check "says why" grep -q "without API tokens" "$T/refuse"

ANN=$("$SCANND" --data-dir "$T/data" token add ann 2>/dev/null)
BOB=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
ROOT=$("$SCANND" --data-dir "$T/data" token add root --admin 2>/dev/null)
check "tokens differ" test "$ANN" != "$BOB" -a "$BOB" != "$ROOT"
check "no token in the database" sh -c "! sqlite3 '$T/data/scann.db' .dump | grep -q '$ANN'"

e2e_start --workers 1
AUTH=$ANN upload "$DATA/iris.csv" iris >/dev/null
AUTH=$BOB upload "$DATA/iris.csv" iris >/dev/null	# datasets are private
SD=$(AUTH=$ANN upload "$DATA/$SLOW_DATA")
A1=$(AUTH=$ANN submit "{\"name\":\"ann-1\",\"dataset\":\"$SD\",$LONG}")
B1=$(AUTH=$BOB submit "{\"name\":\"bob-1\",\"dataset\":\"iris\",$QUICK}")
check "ids" test -n "$A1" -a -n "$B1"
eq "owner ann" "$(jv "$T/sub" '$.owner')" bob

as() { local who=$1; shift; api "$@" -H "Authorization: Bearer $who"; }
eq "ann sees her job" "$(as "$ANN" GET /api/v1/jobs/$A1)" 200
eq "ann cannot see bob's" "$(as "$ANN" GET /api/v1/jobs/$B1)" 404
eq "bob cannot see ann's events" "$(as "$BOB" GET /api/v1/jobs/$A1/events)" 404
eq "bob cannot cancel ann's" "$(as "$BOB" POST /api/v1/jobs/$A1/cancel)" 404
eq "bob cannot fetch ann's report" "$(as "$BOB" GET /api/v1/jobs/$A1/report)" 404
eq "ann's list" "$(as "$ANN" GET /api/v1/jobs)" 200
eq "ann's list: only hers" "$(jv "$T/body" '$.jobs[0].id') $(jv "$T/body" '$.jobs[1].id')" "$A1 "
eq "ann asks for bob's list" "$(as "$ANN" GET '/api/v1/jobs?owner=bob')" 403
eq "admin lists all" "$(as "$ROOT" GET /api/v1/jobs)" 200
eq "admin sees two" "$(jv "$T/body" '$.jobs[1].id')" "$A1"
eq "admin filters by owner" "$(as "$ROOT" GET '/api/v1/jobs?owner=bob')" 200
eq "bob's only" "$(jv "$T/body" '$.jobs[0].owner') $(jv "$T/body" '$.jobs[1].id')" "bob "
eq "admin sees ann's job" "$(as "$ROOT" GET /api/v1/jobs/$A1)" 200
eq "admin cancels ann's job" "$(as "$ROOT" POST /api/v1/jobs/$A1/cancel)" 202
AUTH=$ANN check "ann's job cancelled" wait_state "$A1" cancelled 30
AUTH=$BOB check "bob's job runs and succeeds" wait_state "$B1" succeeded 60
eq "datasets are private" "$(as "$BOB" GET /api/v1/datasets/$SD)" 404
eq "a name is the caller's" "$(as "$BOB" GET /api/v1/datasets/iris)" 200
eq "public healthz" "$(api GET /healthz)" 200

# Who am I; revoking a user's tokens takes effect on the running server.
eq "me (ann)" "$(as "$ANN" GET /api/v1/me)" 200
eq "me: ann, no admin" "$(jv "$T/body" '$.user') $(jv "$T/body" '$.admin')" "ann 0"
eq "me (root)" "$(as "$ROOT" GET /api/v1/me)" 200
eq "me: root, admin" "$(jv "$T/body" '$.user') $(jv "$T/body" '$.admin')" "root 1"
eq "me without a token" "$(api GET /api/v1/me)" 401
BOB2=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
"$SCANND" --data-dir "$T/data" token list >"$T/tokens" 2>&1
eq "token list: four tokens" "$(grep -c '\.\.\.$' "$T/tokens")" 4
check "token list shows no token" sh -c "! grep -q '$BOB' '$T/tokens'"
"$SCANND" --data-dir "$T/data" token revoke bob 2>"$T/revoke"
check "revoke says how many" grep -q "revoked 2 tokens of bob" "$T/revoke"
eq "bob's old token refused at once" "$(as "$BOB" GET /api/v1/me)" 401
eq "bob's new token too" "$(as "$BOB2" GET /api/v1/me)" 401
eq "ann unaffected" "$(as "$ANN" GET /api/v1/me)" 200
"$SCANND" --data-dir "$T/data" token revoke nobody 2>"$T/revoke"
eq "revoking an unknown user: exit 2" "$?" 2
check "and says so" grep -q "no user 'nobody'" "$T/revoke"
BOB=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
eq "bob's next new token works" "$(as "$BOB" GET /api/v1/me)" 200

# Fair dispatch with one slot: ann holds it and queues three more; bob
# queues one after them, yet runs next; then ann's, in order.
L=$(AUTH=$ANN submit "{\"name\":\"long\",\"dataset\":\"$SD\",$LONG}")
AUTH=$ANN wait_state "$L" running 30
A2=$(AUTH=$ANN submit "{\"name\":\"a2\",\"dataset\":\"iris\",$QUICK}")
A3=$(AUTH=$ANN submit "{\"name\":\"a3\",\"dataset\":\"iris\",$QUICK}")
A4=$(AUTH=$ANN submit "{\"name\":\"a4\",\"dataset\":\"iris\",$QUICK}")
B2=$(AUTH=$BOB submit "{\"name\":\"b2\",\"dataset\":\"iris\",$QUICK}")
as "$ANN" POST /api/v1/jobs/$L/cancel >/dev/null
AUTH=$ANN wait_state "$A4" succeeded 60
started() { as "$ROOT" GET /api/v1/jobs/$1 >/dev/null; jv "$T/body" '$.started_at'; }
order=$(for j in $A2 $A3 $A4 $B2; do echo "$(started $j) $j"; done | sort | cut -d' ' -f2 | tr '\n' ' ')
eq "round robin across owners" "$order" "$B2 $A2 $A3 $A4 "
e2e_stop

# --user-limit 1 with two slots: ann's second job waits though a slot is
# free; bob's takes it.
e2e_start --workers 2 --user-limit 1
U1=$(AUTH=$ANN submit "{\"name\":\"u1\",\"dataset\":\"$SD\",$LONG}")
U2=$(AUTH=$ANN submit "{\"name\":\"u2\",\"dataset\":\"iris\",$QUICK}")
AUTH=$ANN check "ann's first runs" wait_state "$U1" running 30
sleep 0.5
eq "ann's second waits for her limit" "$(AUTH=$ANN state "$U2")" queued
U3=$(AUTH=$BOB submit "{\"name\":\"u3\",\"dataset\":\"iris\",$QUICK}")
AUTH=$BOB check "bob's runs in the free slot" wait_state "$U3" succeeded 60
eq "ann's second still waits" "$(AUTH=$ANN state "$U2")" queued
as "$ANN" POST /api/v1/jobs/$U1/cancel >/dev/null
AUTH=$ANN check "then ann's second runs" wait_state "$U2" succeeded 60
e2e_stop
e2e_done
