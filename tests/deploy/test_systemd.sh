#!/usr/bin/env bash
# test_systemd.sh -- deploy/scannd.service: `systemd-analyze verify` finds
# nothing wrong, `systemd-analyze security` rates its hardening (the score
# is printed and must stay under 2.0, "OK"), and its syscall filter allows
# every call that scannd and a worker training with OpenBLAS on two threads
# make (strace -f over a whole job), so the filter cannot break a job.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
need systemd-analyze strace

unit=$T/scannd.service
sed -e "s|@bindir@|$B/server|g" -e "s|@sysconfdir@|$T|g" \
	"$S/deploy/scannd.service.in" >"$unit"

# --man=no: the unit's man:scannd(8) is not installed here.
out=$(systemd-analyze verify --man=no "$unit" 2>&1); rc=$?
eq "systemd-analyze verify status" "$rc" 0
eq "systemd-analyze verify messages" "$out" ""

systemd-analyze security --offline=true "$unit" >"$T/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for scannd.service: \([0-9.]*\).*/\1/p' "$T/security")
say "systemd-analyze security: exposure $score ($(grep -o 'Overall exposure.*' "$T/security"))"
check "security exposure $score < 2.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s < 2.0) }'

# Graceful stop: systemd waits TimeoutStopSec for scannd, which gives each
# worker the config's grace between SIGTERM and SIGKILL; so the wait must
# be longer, with room for the last events to be stored.
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
grace_s=$(sed -n 's/^grace = //p' "$S/deploy/scannd.conf.example")
check "TimeoutStopSec ($stop_s s) > 2 x the example's grace ($grace_s s)" \
	test "${stop_s:-0}" -gt $((2 * ${grace_s:-999}))
check "SIGTERM goes to scannd alone (KillMode=mixed)" grep -q '^KillMode=mixed$' "$unit"

# expand @GROUP...: the syscall names in the groups, nested ones too.
expand() {
	systemd-analyze syscall-filter "$@" | sed -e 's/#.*//' -e 's/^ *//' -e '/^$/d' |
		while read -r w; do
			case "$w" in
			@*) [ "$w" = "$1" ] || expand "$w" ;;
			*) echo "$w" ;;
			esac
		done
}
# The unit's SystemCallFilter= lines in order (systemd.exec(5)): the first,
# an allow list, sets the calls; each later one adds, or with ~ removes.
allowed=$T/allowed
: >"$allowed"
sed -n 's/^SystemCallFilter=//p' "$unit" | while read -r line; do
	case "$line" in
	"~"*) expand ${line#"~"} | sort -u >"$T/groups"
		comm -23 "$allowed" "$T/groups" >"$T/next" ;;
	*) expand $line | sort -u | sort -u -m - "$allowed" >"$T/next" ;;
	esac
	mv "$T/next" "$allowed"
done
check "the filter allows something ($(wc -l <"$allowed") calls)" test -s "$allowed"

# scannd and its worker under strace, through a whole job with OpenBLAS on
# two threads.  The threads' spin-waits (sched_yield, futex: both allowed)
# run untraced, through strace's own seccomp filter, or the job would
# crawl.  LeakSanitizer is off for this run: its exit check ptraces the
# process, which strace already does (every other test checks leaks).
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
cat >"$T/scannd-traced" <<EOS
#!/bin/sh
exec strace -f -qq --seccomp-bpf -e trace='!sched_yield,futex' -o "$T/trace" "$B/server/scannd" "\$@"
EOS
chmod +x "$T/scannd-traced"
SCANND=$T/scannd-traced
e2e_start --workers 1
ds=$(upload "$DATA/$SLOW_DATA")
id=$(submit "{\"dataset\":\"$ds\",\"baseline\":{\"hidden\":[64]},\"train\":{\"epochs\":2},\"target\":{\"max_steps\":1},\"scann\":{\"epochs_per_step\":1},\"resources\":{\"threads\":2}}")
check "job under strace succeeds" wait_state "$id" succeeded 120
# SIGTERM to scannd itself: strace, SPID, would only detach.
kill -TERM "$(pgrep -P "$SPID" | head -1)"
wait "$SPID"; rc=$?
SPID=
eq "scannd under strace stopped, status" "$rc" 0
check "the trace saw a worker" grep -q 'execve(".*scann-worker"' "$T/trace"
check "the trace saw OpenBLAS's threads" grep -q 'clone' "$T/trace"
sed -n -e 's/^[0-9]* *<\.\.\. \([a-z0-9_]*\) resumed>.*/\1/p' \
	-e 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$T/trace" | sort -u >"$T/used"
say "syscalls used: $(wc -l <"$T/used")"
comm -23 "$T/used" "$allowed" >"$T/denied"
eq "calls the filter would deny" "$(tr '\n' ' ' <"$T/denied")" ""
e2e_done
