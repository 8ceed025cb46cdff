#!/bin/bash
# test_isolation.sh -- datasets belong to their uploader (issue 16, "a
# colleague's dataset can be swapped"): a name resolves in the caller's own
# namespace, so bob's upload under alice's name never reaches alice's jobs;
# lists and GET show only the caller's datasets (an admin sees all, and
# names another user's as OWNER:NAME); the same bytes uploaded by another
# user are stored once but give the uploader a record of their own, never
# the first uploader's id, name or owner.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

mkdir -p "$T/data"
ALICE=$("$SCANND" --data-dir "$T/data" token add alice 2>/dev/null)
BOB=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
ROOT=$("$SCANND" --data-dir "$T/data" token add root --admin 2>/dev/null)
as() { local who=$1; shift; api "$@" -H "Authorization: Bearer $who"; }

# bob's label-shuffled copy of iris (the same header, other labels).
awk -F, -v OFS=, 'NR == 1 { print; next }
	{ split("setosa versicolor virginica", c, " "); $NF = c[NR % 3 + 1]; print }' \
	"$DATA/iris.csv" >"$T/shuffled.csv"

e2e_start --workers 1
eq "alice uploads iris" "$(as "$ALICE" POST '/api/v1/datasets?name=alice-iris' --data-binary "@$DATA/iris.csv")" 201
AID=$(jv "$T/body" '$.id')
sleep 0.01
eq "bob uploads his copy under her name" "$(as "$BOB" POST '/api/v1/datasets?name=alice-iris' --data-binary "@$T/shuffled.csv")" 201
BID=$(jv "$T/body" '$.id')
check "two datasets" test -n "$AID" -a -n "$BID" -a "$AID" != "$BID"

# alice's name is hers: her job trains on her bytes, not bob's newer ones.
eq "alice submits by name" "$(as "$ALICE" POST /api/v1/jobs -d "{\"dataset\":\"alice-iris\",$QUICK}")" 201
eq "her job's dataset is hers" "$(jv "$T/body" '$.dataset')" "$AID"
eq "bob submits by the same name" "$(as "$BOB" POST /api/v1/jobs -d "{\"dataset\":\"alice-iris\",$QUICK}")" 201
eq "his job's dataset is his" "$(jv "$T/body" '$.dataset')" "$BID"
eq "bob cannot use alice's by id" "$(as "$BOB" POST /api/v1/jobs -d "{\"dataset\":\"$AID\",$QUICK}")" 400

# Private by default.
eq "bob cannot GET alice's by id" "$(as "$BOB" GET "/api/v1/datasets/$AID")" 404
eq "bob GETs his by name" "$(as "$BOB" GET /api/v1/datasets/alice-iris)" 200
eq "and gets his" "$(jv "$T/body" '$.id')" "$BID"
eq "bob's list" "$(as "$BOB" GET /api/v1/datasets)" 200
eq "holds his only" "$(jv "$T/body" '$.datasets[0].id')|$(jv "$T/body" '$.datasets[1].id')" "$BID|"
eq "admin's list" "$(as "$ROOT" GET /api/v1/datasets)" 200
eq "holds both" "$(jv "$T/body" '$.datasets[0].id') $(jv "$T/body" '$.datasets[1].id')" "$BID $AID"
eq "admin GETs alice's by id" "$(as "$ROOT" GET "/api/v1/datasets/$AID")" 200
eq "admin: a bare name is the admin's own" "$(as "$ROOT" GET /api/v1/datasets/alice-iris)" 404
eq "admin: OWNER:NAME" "$(as "$ROOT" GET /api/v1/datasets/alice:alice-iris)" 200
eq "is alice's" "$(jv "$T/body" '$.id')" "$AID"
eq "bob cannot say OWNER:NAME" "$(as "$BOB" GET /api/v1/datasets/alice:alice-iris)" 404

# The same bytes again: stored once, but no membership test.
eq "bob uploads alice's exact bytes" "$(as "$BOB" POST '/api/v1/datasets?name=mine' --data-binary "@$DATA/iris.csv")" 201
B2=$(jv "$T/body" '$.id')
eq "his own owner" "$(jv "$T/body" '$.owner')" bob
eq "his own name" "$(jv "$T/body" '$.name')" mine
check "not alice's id" test -n "$B2" -a "$B2" != "$AID"
eq "again: his record, 200" "$(as "$BOB" POST '/api/v1/datasets?name=mine' --data-binary "@$DATA/iris.csv")" 200
eq "the same id" "$(jv "$T/body" '$.id')" "$B2"
eq "the bytes are stored once" "$(ls "$T/data/datasets" | grep -c '\.csv$')" 2
eq "bob's job on his copy runs" "$(as "$BOB" POST /api/v1/jobs -d "{\"dataset\":\"mine\",$QUICK}")" 201
J=$(jv "$T/body" '$.id')
AUTH=$BOB check "and succeeds" wait_state "$J" succeeded 60
e2e_stop
e2e_done
