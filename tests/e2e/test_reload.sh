#!/usr/bin/env bash
# test_reload.sh -- SIGHUP: scannd reads its config file again and takes
# the limits, log-level and token count from it; a key that needs a restart
# is named in a warning and keeps its value; a file that does not parse
# changes nothing.  Also: every log line has the documented key=value form.
. "$(dirname "$0")/lib.sh"

conf=$T/scannd.conf
printf 'max-body = 2k\nlog-level = info\n' >"$conf"
e2e_start --config "$conf"

# hup: SIGHUP, then wait for the log's Nth "reloaded" or "reload:" error.
hups=0
hup() {
	local i
	hups=$((hups + 1))
	kill -HUP "$SPID"
	for i in $(seq 1 100); do
		[ "$(grep -c 'msg="reload\(ed\|: .*nothing changed\)' "$T/scannd.log")" -ge "$hups" ] && return 0
		sleep 0.1
	done
	fail "no reload logged after SIGHUP $hups"
}

ds=$(upload "$DATA/iris.csv")
pad=$(printf '%3000s' '')
body="{\"dataset\":\"$ds\",$QUICK}"
big="{\"dataset\":\"$ds\",$QUICK,\"name\":\"padded\"$pad}"
eq "a 3 kB body over max-body 2k" "$(api POST /api/v1/jobs -d "$big")" 413

printf 'max-body = 1M\nlog-level = info\n' >"$conf"
hup
eq "the same body after max-body = 1M and SIGHUP" "$(api POST /api/v1/jobs -d "$big")" 201
check "the reload names max-body" grep -q 'level=info msg="reload: max-body changed"' "$T/scannd.log"

# A key read only at start: a warning, the old value kept.
printf 'max-body = 1M\nworkers = 7\n' >"$conf"
hup
check "workers named as needing a restart" \
	grep -q 'level=warn msg="reload: workers changed but needs a restart' "$T/scannd.log"

# A bad file: an error naming the line and key, nothing changed.
printf 'max-body = 2k\nmax-dataset = lots\n' >"$conf"
hup
check "the bad line named" \
	grep -q "level=error msg=\"reload: $conf:2: max-dataset: expected a number" "$T/scannd.log"
eq "max-body unchanged by the bad file" "$(api POST /api/v1/jobs -d "$big")" 201

# log-level = warn: info lines (a job queued) are no longer written.
printf 'max-body = 1M\nlog-level = warn\n' >"$conf"
hup
queued=$(grep -c 'msg="job [0-9]* queued' "$T/scannd.log")
eq "submit at log-level warn" "$(api POST /api/v1/jobs -d "$body")" 201
sleep 0.3
eq "no info line at log-level warn" "$(grep -c 'msg="job [0-9]* queued' "$T/scannd.log")" "$queued"
printf 'max-body = 1M\nlog-level = info\n' >"$conf"
hup
eq "submit at log-level info" "$(api POST /api/v1/jobs -d "$body")" 201
sleep 0.3
eq "info lines again at log-level info" \
	"$(grep -c 'msg="job [0-9]* queued' "$T/scannd.log")" "$((queued + 1))"

# Tokens: a token made while scannd runs turns auth on at the next SIGHUP.
eq "no token: the API is open" "$(api GET /api/v1/jobs)" 200
tok=$("$SCANND" --data-dir "$T/data" token add ann --admin 2>/dev/null)
check "token made" test -n "$tok"
eq "still open before SIGHUP" "$(api GET /api/v1/jobs)" 200
hup
eq "after SIGHUP a call without the token" "$(api GET /api/v1/jobs)" 401
eq "after SIGHUP a call with it" "$(api GET /api/v1/jobs -H "Authorization: Bearer $tok")" 200
check "the reload says auth is on" grep -q 'msg="reloaded (auth tokens, 1 token)"' "$T/scannd.log"

e2e_stop
# Every line: ts=TIME level=LEVEL msg="..." and nothing else.
bad=$(grep -cvE '^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=(error|warn|info|debug) msg="([^"\\]|\\.)*"$' "$T/scannd.log")
eq "log lines not in the key=value form" "$bad" 0

# Under systemd stderr is the journal (JOURNAL_STREAM=dev:ino): each line
# then starts with its syslog priority, for journalctl -p.
: >"$T/scannd.log"
printf 'log-level = info\n' >"$conf"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/scannd.log") e2e_start --config "$conf"
printf 'max-dataset = many\n' >"$conf"
kill -HUP "$SPID"
for i in $(seq 1 50); do grep -q '^<3>' "$T/scannd.log" && break; sleep 0.1; done
e2e_stop
check "journal: info lines start with <6>" grep -q '^<6>ts=[^ ]* level=info msg="listening on' "$T/scannd.log"
check "journal: error lines start with <3>" grep -q '^<3>ts=[^ ]* level=error msg="reload: ' "$T/scannd.log"
e2e_done
