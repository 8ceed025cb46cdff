#!/bin/bash
# test_malformed.sh -- a table of bad requests, each answered with the
# right 4xx and a JSON error naming the problem; afterwards the daemon is
# still up, nothing stored has changed (database dump and files compared)
# and it exits cleanly (no leak under ASan).
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

mkdir -p "$T/data"
TOK=$("$SCANND" --data-dir "$T/data" token add ann 2>/dev/null)
check "token made" test -n "$TOK"
e2e_start --workers 1 --max-body 4096 --max-dataset 65536
AUTH=$TOK
H="Authorization: Bearer $TOK"
upload "$DATA/iris.csv" iris >/dev/null
ID=$(submit "{\"dataset\":\"iris\",$QUICK}")
check "a job to poke at" wait_state "$ID" succeeded 120

before() {
	sqlite3 "$T/data/scann.db" .dump >"$T/dump.before"
	(cd "$T/data" && find . -type f ! -name 'scann.db*' | sort) >"$T/files.before"
}
after() {
	sqlite3 "$T/data/scann.db" .dump >"$T/dump.after"
	(cd "$T/data" && find . -type f ! -name 'scann.db*' | sort) >"$T/files.after"
}
before

# bad STATUS FIELD METHOD PATH [curl args...]: expect STATUS and, unless
# FIELD is -, error.field == FIELD; always a JSON error with a code.
N=0
bad() {
	local want=$1 field=$2 m=$3 p=$4 code got c
	shift 4
	N=$((N + 1))
	code=$(curl -s --path-as-is -o "$T/bad" -w '%{http_code}' -X "$m" \
		"$@" "$URL$p")
	if [ "$code" != "$want" ]; then
		fail "#$N $m $p: status $code, want $want ($(head -c 200 "$T/bad"))"
		return
	fi
	c=$(jv "$T/bad" '$.error.code' 2>/dev/null)
	if [ -z "$c" ]; then
		fail "#$N $m $p: no JSON error body: $(head -c 200 "$T/bad")"
		return
	fi
	if [ "$field" != - ]; then
		got=$(jv "$T/bad" '$.error.field')
		[ "$got" = "$field" ] || { fail "#$N $m $p: field '$got', want '$field'"; return; }
	fi
	ok
}
JOBS=/api/v1/jobs
big=$(head -c 10000 /dev/zero | tr '\0' ' ')
deep=$(printf '%0.s[' $(seq 1 3000))	# past jansson's depth limit
# Job specs: syntax, types, unknown fields, ranges, references.
bad 400 body POST $JOBS -H "$H" -d '{"dataset":'
bad 400 body POST $JOBS -H "$H" -d ''
bad 400 - POST $JOBS -H "$H" -d '[]'
bad 400 dataset POST $JOBS -H "$H" -d '{}'
bad 400 dataset POST $JOBS -H "$H" -d '{"dataset":5}'
bad 400 colour POST $JOBS -H "$H" -d '{"dataset":"iris","colour":"red"}'
bad 400 train.speed POST $JOBS -H "$H" -d '{"dataset":"iris","train":{"speed":1}}'
bad 400 train.lr POST $JOBS -H "$H" -d '{"dataset":"iris","train":{"lr":-0.1}}'
# A page on another site cannot make a browser submit a job (issue 16):
# a state-changing request with a foreign Origin is refused (the server's
# own origin, the dashboard's, is accepted: test_jobs.sh).
bad 403 Origin POST $JOBS -H 'Content-Type: text/plain' -H 'Origin: http://attacker.example' -d '{"dataset":"iris"}'
bad 403 Origin POST $JOBS -H "$H" -H 'Origin: null' -d '{"dataset":"iris"}'
# A network whose dense matrix would take gigabytes (issue 16: 6.7 GB).
bad 400 baseline.hidden POST $JOBS -H "$H" -d '{"dataset":"iris","baseline":{"hidden":[8192,8192]}}'
bad 400 train.epochs POST $JOBS -H "$H" -d '{"dataset":"iris","train":{"epochs":1e30}}'
# An integer past 64 bits is a JSON syntax error to jansson.
bad 400 body POST $JOBS -H "$H" -d '{"dataset":"iris","train":{"epochs":99999999999999999999999}}'
bad 400 train.epochs POST $JOBS -H "$H" -d '{"dataset":"iris","train":{"epochs":"ten"}}'
bad 400 scheme POST $JOBS -H "$H" -d '{"dataset":"iris","scheme":"Z"}'
bad 400 'dr.methods[1]' POST $JOBS -H "$H" -d '{"dataset":"iris","dr":{"methods":["pca","magic"]}}'
bad 400 split.validation POST $JOBS -H "$H" -d '{"dataset":"iris","split":{"validation":1.5}}'
bad 400 dataset POST $JOBS -H "$H" -d '{"dataset":"no-such-data"}'
bad 400 dataset POST $JOBS -H "$H" -d '{"dataset":"../../etc/passwd"}'
bad 400 body POST $JOBS -H "$H" --data-binary $'{"dataset":"\xff\xfe"}'
bad 400 body POST $JOBS -H "$H" -d "$deep"
bad 413 body POST $JOBS -H "$H" -d "{\"dataset\":\"iris\",\"name\":\"$big\"}"
bad 413 body POST $JOBS -H "$H" -H 'Transfer-Encoding: chunked' -d "{\"name\":\"$big\"}"
bad 400 foo POST "$JOBS?foo=1" -H "$H" -d '{"dataset":"iris"}'
# Ids, paths, methods.
bad 404 id GET $JOBS/abc -H "$H"
bad 404 id GET $JOBS/0 -H "$H"
bad 404 id GET $JOBS/-1 -H "$H"
bad 404 id GET $JOBS/99999999999999999999999 -H "$H"
bad 404 id GET $JOBS/424242 -H "$H"
bad 404 path GET /api/v1/nothing -H "$H"
bad 404 path GET "$JOBS/$ID/../../datasets/x/y" -H "$H"
bad 404 path GET "$JOBS/$ID/model/../../../../../../etc/passwd" -H "$H"
bad 404 path GET "/../../../../etc/passwd"
bad 404 path GET "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"
bad 404 path GET "/.git/config"
bad 405 method DELETE $JOBS -H "$H"
bad 405 method PUT "$JOBS/$ID" -H "$H" -d '{}'
bad 405 method POST "$JOBS/$ID" -H "$H" -d '{}'
bad 405 method GET "$JOBS/$ID/cancel" -H "$H"
bad 405 method POST /healthz
bad 405 method DELETE /index.html
# Tokens.
bad 401 Authorization GET $JOBS
bad 401 Authorization GET $JOBS -H "Authorization: Bearer scann_not_a_real_token"
bad 401 Authorization GET $JOBS -H "Authorization: Basic YW5uOnB3"
bad 401 Authorization GET $JOBS -H "Authorization: Bearer "
bad 401 Authorization POST $JOBS -d '{"dataset":"iris"}'
# Query parameters.
bad 400 limit GET "$JOBS?limit=0" -H "$H"
bad 400 limit GET "$JOBS?limit=abc" -H "$H"
bad 400 limit GET "$JOBS?limit=1e400" -H "$H"
bad 400 state GET "$JOBS?state=bogus" -H "$H"
bad 400 cursor GET "$JOBS?cursor=-5" -H "$H"
bad 400 wait GET "$JOBS/$ID?wait=100000" -H "$H"
bad 400 wait GET "$JOBS/$ID?wait=-1" -H "$H"
bad 400 format GET "$JOBS/$ID/events?format=xml" -H "$H"
bad 400 Last-Event-ID GET "$JOBS/$ID/events" -H "$H" -H "Last-Event-ID: abc"
bad 409 state POST "$JOBS/$ID/cancel" -H "$H"
# Datasets.
head -c 30000 "$B/server/scannd" >"$T/garbage"
bad 400 - POST /api/v1/datasets -H "$H" --data-binary @"$T/garbage"
bad 400 body POST /api/v1/datasets -H "$H" --data-binary ''
bad 400 - POST /api/v1/datasets -H "$H" --data-binary $'a,b\n1,x\n'
bad 400 name POST '/api/v1/datasets?name=../../x' -H "$H" --data-binary @"$DATA/wine.csv"
bad 400 label POST '/api/v1/datasets?label=' -H "$H" --data-binary @"$DATA/wine.csv"
bad 413 body POST /api/v1/datasets -H "$H" --data-binary @"$DATA/satellite.csv"
bad 404 id GET /api/v1/datasets/nope -H "$H"

check "at least 30 cases ($N)" test $N -ge 30
eq "still up" "$(api GET /healthz)" 200
after
check "database unchanged" cmp -s "$T/dump.before" "$T/dump.after"
check "files unchanged" cmp -s "$T/files.before" "$T/files.after"
e2e_stop
e2e_done
