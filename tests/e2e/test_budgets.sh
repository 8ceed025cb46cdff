#!/bin/bash
# test_budgets.sh -- one user cannot hold a shared server (issue 16: 10,000
# jobs were accepted in 33 s, a job could ask for 30 days, and there was no
# bulk cancel): a cap on queued jobs per user (429 naming "queued", nothing
# stored), a cap on resources.timeout_s (400 naming the field, default one
# day), running jobs per user capped at half the slots by default (more
# wait queued), and POST /api/v1/jobs/cancel by owner and state (an admin
# for other users' jobs).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

ANN=$("$SCANND" --data-dir "$T/data" token add ann 2>/dev/null)
BOB=$("$SCANND" --data-dir "$T/data" token add bob 2>/dev/null)
ROOT=$("$SCANND" --data-dir "$T/data" token add root --admin 2>/dev/null)
as() { local who=$1; shift; api "$@" -H "Authorization: Bearer $who"; }
jobs_of() { sqlite3 "$T/data/scann.db" "SELECT count(*) FROM jobs WHERE owner='$1'"; }

# Defaults: two slots, so at most one running job per user.
e2e_start --workers 2
SA=$(AUTH=$ANN upload "$DATA/$SLOW_DATA")
SB=$(AUTH=$BOB upload "$DATA/$SLOW_DATA")
eq "a 30-day job is refused by default" \
	"$(as "$ANN" POST /api/v1/jobs -d "{\"dataset\":\"$SA\",\"resources\":{\"timeout_s\":2592000}}")" 400
eq "naming resources.timeout_s" "$(jv "$T/body" '$.error.field')" resources.timeout_s
A1=$(AUTH=$ANN submit "{\"dataset\":\"$SA\",$LONG}")
A2=$(AUTH=$ANN submit "{\"dataset\":\"$SA\",$LONG}")
AUTH=$ANN check "ann's first runs" wait_state "$A1" running 30
sleep 1
eq "ann's second waits: half the two slots each" "$(AUTH=$ANN state "$A2")" queued
B1=$(AUTH=$BOB submit "{\"dataset\":\"$SB\",$LONG}")
AUTH=$BOB check "bob's runs in the other slot" wait_state "$B1" running 30
eq "bob may not cancel ann's jobs in bulk" \
	"$(as "$BOB" POST '/api/v1/jobs/cancel?owner=ann')" 403
eq "naming owner" "$(jv "$T/body" '$.error.field')" owner
eq "a bad state" "$(as "$ANN" POST '/api/v1/jobs/cancel?state=done')" 400
eq "naming state" "$(jv "$T/body" '$.error.field')" state
eq "ann cancels her queued jobs" "$(as "$ANN" POST '/api/v1/jobs/cancel?state=queued')" 200
eq "one of them" "$(jv "$T/body" '$.cancelled') $(jv "$T/body" '$.jobs[0]')" "1 $A2"
eq "her running job runs on" "$(AUTH=$ANN state "$A1")" running
eq "the admin cancels everyone's" "$(as "$ROOT" POST '/api/v1/jobs/cancel?owner=*')" 200
eq "two running jobs" "$(jv "$T/body" '$.cancelled')" 2
AUTH=$ANN check "ann's job cancelled" wait_state "$A1" cancelled 30
AUTH=$BOB check "bob's job cancelled" wait_state "$B1" cancelled 30
e2e_stop

# Set by hand: three queued jobs per user, one hour.
e2e_start --workers 1 --user-queue 3 --job-timeout 3600
eq "timeout_s at the cap is taken" \
	"$(as "$ANN" POST /api/v1/jobs -d "{\"dataset\":\"$SA\",$LONG,\"resources\":{\"timeout_s\":3600}}")" 201
eq "one second over is refused" \
	"$(as "$ANN" POST /api/v1/jobs -d "{\"dataset\":\"$SA\",\"resources\":{\"timeout_s\":3601}}")" 400
AUTH=$ANN wait_state "$(jv "$T/sub" '$.id')" running 30 >/dev/null
for i in 1 2 3; do AUTH=$ANN submit "{\"dataset\":\"$SA\",$LONG}" >/dev/null; done
n=$(jobs_of ann)
eq "the fourth queued job is refused" \
	"$(as "$ANN" POST /api/v1/jobs -d "{\"dataset\":\"$SA\",$LONG}")" 429
eq "naming queued" "$(jv "$T/body" '$.error.field')" queued
eq "nothing stored" "$(jobs_of ann)" "$n"
eq "bob has his own quota" \
	"$(as "$BOB" POST /api/v1/jobs -d "{\"dataset\":\"$SB\",$LONG}")" 201
eq "ann cancels all hers" "$(as "$ANN" POST /api/v1/jobs/cancel)" 200
eq "four of them" "$(jv "$T/body" '$.cancelled')" 4
eq "then she may queue again" \
	"$(as "$ANN" POST /api/v1/jobs -d "{\"dataset\":\"$SA\",$QUICK}")" 201
as "$ROOT" POST '/api/v1/jobs/cancel?owner=*' >/dev/null
e2e_stop
e2e_done
