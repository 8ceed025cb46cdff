# lib.sh -- shared by the end-to-end tests: start the real scannd on a free
# loopback port with a temporary data dir, talk to it with curl, read JSON
# with the sqlite3 shell's json_extract (no jq needed), stop it and check it
# exited cleanly (under ASan a leak makes the exit status non-zero).
#
# Source it, then: e2e_start [scannd args...]; ... ; e2e_stop; e2e_done.

set -u
B=${SCANN_BUILDDIR:?run through make check}
S=${SCANN_SRCDIR:?run through make check}
DATA=${SCANN_TEST_DATA:-$S/tests/data}
SCANND=$B/server/scannd
T=$(mktemp -d "${TMPDIR:-/tmp}/scann-e2e-XXXXXX")
FAILS=0
CHECKS=0
SPID=
PORT=
# Quieter sanitizer reports land in the daemon's log, not on the terminal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# The worker the tests run: the real engine, built in this tree.
WORKER=${SCANN_E2E_WORKER:-$B/worker/scann-worker}

# Job specs (the JSON members after "dataset"):
# QUICK finishes in a moment; SLOW runs several seconds, printing epochs
# and writing checkpoints all along (the dataset SLOW_DATA); LONG, on
# SLOW_DATA too, trains for 100000 epochs -- hours in any build -- so a
# check that races a running job (cancel, queueing, limits, signals) has all
# the time it needs, whatever the build's speed, and ends it by cancelling.
QUICK='"baseline":{"hidden":[16]},"train":{"epochs":2},"target":{"max_steps":1},"scann":{"epochs_per_step":1}'
SLOW='"baseline":{"hidden":[256,128]},"train":{"epochs":4},"scann":{"search":"recipe","iterations":30,"epochs_per_step":2}'
LONG='"baseline":{"hidden":[64]},"train":{"epochs":100000,"patience":100000}'
SLOW_DATA=satellite.csv

# worker_pid: the pid of scannd's (one) running scann-worker child.
worker_pid() {
	local i pid
	for i in $(seq 1 100); do
		pid=$(pgrep -P "$SPID" -f "$(basename "$WORKER")" | head -1)
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.1
	done
	return 1
}

# wait_checkpoint ID: until the job's directory holds a checkpoint.
wait_checkpoint() {
	local i
	for i in $(seq 1 600); do
		ls "$T/data/jobs/$1/" 2>/dev/null | grep -q '^checkpoint' && return 0
		sleep 0.1
	done
	return 1
}

# make_idx DIR: a tiny IDX dataset (2x2 images, two classes: 20 training
# rows, 6 test rows) as the four files of the MNIST layout.
make_idx() {
	local d=$1 n i
	mkdir -p "$d"
	for set in train:20 t10k:6; do
		n=${set#*:}
		{ printf '\000\000\010\003\000\000\000'; printf "\\$(printf %03o "$n")"
		  printf '\000\000\000\002\000\000\000\002'
		  for i in $(seq 1 "$n"); do
			if [ $((i % 2)) = 0 ]; then printf '\377\377\000\000'; else printf '\000\000\377\377'; fi
		  done; } >"$d/${set%:*}-images"
		{ printf '\000\000\010\001\000\000\000'; printf "\\$(printf %03o "$n")"
		  for i in $(seq 1 "$n"); do printf "\\$(printf %03o $((i % 2)))"; done; } >"$d/${set%:*}-labels"
	done
}

say() { printf '%s\n' "$*"; }
ok() { CHECKS=$((CHECKS + 1)); }
fail() {
	CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1))
	say "FAIL: $*"
}
check() {	# check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then ok; else fail "$what"; fi
}
eq() {	# eq DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi
}

# jv FILE PATH: a value from a JSON file ($.a.b[0]); objects come out as JSON.
jv() {
	sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2');"
}

# e2e_start [args...]: scannd in the background on a free port, data in
# $T/data unless --data-dir is given; waits until /healthz answers.
e2e_start() {
	local try
	for try in 1 2 3 4 5 6 7 8; do
		PORT=$(( 20000 + ( $$ * 7 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
		"$SCANND" --listen 127.0.0.1:$PORT --worker "$WORKER" \
			--data-dir "$T/data" --grace 3 "$@" \
			>>"$T/scannd.out" 2>>"$T/scannd.log" &
		SPID=$!
		local i
		for i in $(seq 1 100); do
			# Any answer: a store in trouble is a 503 from a live scannd.
			if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" != 000 ]; then
				URL=http://127.0.0.1:$PORT
				return 0
			fi
			kill -0 $SPID 2>/dev/null || break
			sleep 0.1
		done
		kill -0 $SPID 2>/dev/null && { kill -9 $SPID; wait $SPID 2>/dev/null; }
		grep -q "cannot listen" "$T/scannd.log" 2>/dev/null || break
	done
	say "scannd did not start; its log:"; cat "$T/scannd.log"
	exit 1
}

# e2e_stop: SIGTERM, wait; fail unless it exits 0 (no leak, no crash).
e2e_stop() {
	local rc=0
	[ -n "$SPID" ] || return 0
	kill -TERM $SPID 2>/dev/null
	wait $SPID || rc=$?
	SPID=
	if [ $rc -ne 0 ]; then
		fail "scannd exited with status $rc"
		tail -40 "$T/scannd.log"
	else
		ok
	fi
}

# e2e_kill: SIGKILL (a crash, for the restart test).
e2e_kill() {
	kill -KILL $SPID 2>/dev/null
	wait $SPID 2>/dev/null
	SPID=
}

e2e_done() {
	[ -n "$SPID" ] && e2e_stop
	if [ $FAILS -ne 0 ]; then
		say "$FAILS of $CHECKS checks failed (worker: $WORKER); scannd log:"
		tail -60 "$T/scannd.log"
		exit 1
	fi
	say "all $CHECKS checks passed (worker: $WORKER)"
	rm -rf "$T"
	exit 0
}
trap '[ -n "$SPID" ] && kill -9 $SPID 2>/dev/null' EXIT

# api METHOD PATH [curl args...]: body to $T/body, status printed.
api() {
	local m=$1 p=$2; shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}

# upload FILE [NAME]: dataset id printed.
upload() {
	local q=
	[ $# -gt 1 ] && q="?name=$2"
	curl -s -o "$T/up" -X POST --data-binary "@$1" "$URL/api/v1/datasets$q" \
		${AUTH:+-H "Authorization: Bearer $AUTH"} >/dev/null
	jv "$T/up" '$.id'
}

# submit JSON: job id printed.
submit() {
	curl -s -o "$T/sub" -X POST -d "$1" "$URL/api/v1/jobs" \
		${AUTH:+-H "Authorization: Bearer $AUTH"} >/dev/null
	jv "$T/sub" '$.id'
}

# state ID: the job's state.
state() {
	curl -s -o "$T/st" "$URL/api/v1/jobs/$1" \
		${AUTH:+-H "Authorization: Bearer $AUTH"} >/dev/null
	jv "$T/st" '$.state'
}

# wait_state ID STATE [SECONDS]: long-polls (?wait&since) until the job is
# in STATE; fails if it ends in another state or time runs out.
wait_state() {
	local id=$1 want=$2 limit=${3:-60} t0 s=
	t0=$(date +%s)
	curl -s -o "$T/ws" "$URL/api/v1/jobs/$id" \
		${AUTH:+-H "Authorization: Bearer $AUTH"} >/dev/null
	while :; do
		s=$(jv "$T/ws" '$.state')
		[ "$s" = "$want" ] && return 0
		case "$s" in succeeded|failed|cancelled) return 1 ;; esac
		[ $(( $(date +%s) - t0 )) -ge "$limit" ] && return 1
		curl -s -o "$T/ws" "$URL/api/v1/jobs/$id?wait=5&since=$s" \
			${AUTH:+-H "Authorization: Bearer $AUTH"} >/dev/null
	done
}

# seqs_ok FILE: the NDJSON events in FILE number 1..n with no gap or repeat.
seqs_ok() {
	local n=0 s
	for s in $(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$1"); do
		n=$((n + 1))
		[ "$s" = "$n" ] || { say "seq $s where $n expected"; return 1; }
	done
	[ $n -gt 0 ]
}
