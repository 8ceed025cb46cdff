#!/usr/bin/env bash
# deploy/slurm-local.sh -- a one-node Slurm cluster on this machine, for the
# Slurm runner's tests and for trying `scannd --runner slurm` by hand.
#
#   deploy/slurm-local.sh start   install munge and Slurm when missing, write
#                                 the cluster's slurm.conf, start munged,
#                                 slurmctld and slurmd in the background and
#                                 wait until `sbatch --wrap true` runs
#   deploy/slurm-local.sh stop    stop the three daemons it started
#   deploy/slurm-local.sh status  exit 0 when the cluster answers
#
# No systemd is needed: the daemons run in the foreground mode (-D) in the
# background, their pids and logs in $SCANN_SLURM_DIR (default
# /var/lib/scann-slurm).  Run as root (the daemons and the jobs run as root,
# which is fine for a test machine and nothing else).  The node has this
# machine's CPUs; finished jobs leave squeue after MinJobAge=5 s (not 300 s),
# so the tests see Slurm forget a job quickly, and a submitted job is
# scheduled at once (batch_sched_delay=0; 3 s by default).  An
# /etc/slurm/slurm.conf this script did not write is left alone (and the
# start refused).
set -euo pipefail

mode=${1:-}
dir=${SCANN_SLURM_DIR:-/var/lib/scann-slurm}
conf=/etc/slurm/slurm.conf
mark="# written by scann deploy/slurm-local.sh"

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"

install_missing() {
	local pkg missing=()
	for pkg in munge slurmctld slurmd slurm-client; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
	local host cpus
	host=$(hostname -s)
	cpus=$(nproc)
	if [ -f "$conf" ] && ! grep -qF "$mark" "$conf"; then
		die "$conf exists and was not written here: not touching it"
	fi
	mkdir -p /etc/slurm "$dir/ctld" "$dir/d"
	cat >"$conf" <<EOF
$mark
ClusterName=scann-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Schedule a batch job when it is submitted, not up to 3 s later
# (batch_sched_delay's default), and rescan at most every 0.1 s (not 2 s):
# the tests submit many short jobs.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
MpiDefault=none
ReturnToService=2
MinJobAge=5
KillWait=10
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=scann Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

start_munge() {
	if running munged; then return 0; fi
	[ -f /etc/munge/munge.key ] || {
		mungekey --create --keyfile=/etc/munge/munge.key
		chown munge:munge /etc/munge/munge.key
		chmod 600 /etc/munge/munge.key
	}
	mkdir -p /run/munge /var/log/munge /var/lib/munge
	chown munge:munge /run/munge /var/log/munge /var/lib/munge
	runuser -u munge -- /usr/sbin/munged --force
	local i
	for i in $(seq 50); do
		[ -f /run/munge/munged.pid ] && break
		sleep 0.1
	done
	cp /run/munge/munged.pid "$dir/munged.pid"
}

start_daemon() {	# name, then its command line
	local name=$1
	shift
	if running "$name"; then return 0; fi
	setsid "$@" </dev/null >>"$dir/$name.out" 2>&1 &
	echo $! >"$dir/$name.pid"
}

answers() { timeout 5 sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

case "$mode" in
start)
	install_missing
	write_conf
	start_munge
	start_daemon slurmctld /usr/sbin/slurmctld -D -i
	start_daemon slurmd /usr/sbin/slurmd -D -N "$(hostname -s)"
	for i in $(seq 60); do
		answers && break
		sleep 0.5
	done
	answers || die "the node did not come up (see $dir/*.log)"
	# The whole path once: submit, schedule, run on the node.
	out=$(mktemp)
	id=$(sbatch --parsable --output="$out" --wrap 'echo ok')
	for i in $(seq 60); do
		grep -q ok "$out" 2>/dev/null && break
		sleep 0.5
	done
	grep -q ok "$out" || die "test job $id did not run (see $dir/*.log)"
	rm -f "$out"
	say "up: node $(hostname -s), $(nproc) CPUs, test job $id ran"
	;;
stop)
	for name in slurmd slurmctld munged; do
		if running "$name"; then
			kill "$(cat "$dir/$name.pid")"
			for i in $(seq 50); do
				running "$name" || break
				sleep 0.1
			done
		fi
		rm -f "$dir/$name.pid"
	done
	say "stopped"
	;;
status)
	answers
	;;
*)
	sed -n '2,17s/^# \{0,1\}//p' "$0"
	exit 2
	;;
esac
