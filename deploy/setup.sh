#!/usr/bin/env bash
# deploy/setup.sh -- bring a Debian 12 machine from nothing to a built scann,
# then optionally run the demo or the whole test suite.
#
#   deploy/setup.sh [build]   install missing packages, build in build/
#   deploy/setup.sh demo      ... then run the main job on bundled data
#   deploy/setup.sh test      install build + test packages and the browser
#                             test's npm packages, build with ASan + UBSan
#                             and -Werror in build-test/, run `make check`,
#                             then check_net under ThreadSanitizer in
#                             build-tsan/ (the engine's thread pool on two
#                             threads, OpenBLAS on one)
#
# Idempotent: a package already installed is not reinstalled, autoreconf runs
# only when a build file changed, configure only when there is no build yet
# or configure changed, and make rebuilds only what changed.  Run as root, or
# as a user who may sudo.
set -euo pipefail

mode=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

case "$mode" in
build | demo | test) ;;
-h | --help)
	sed -n '2,14s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*) die "unknown mode '$mode' (build, demo or test)" ;;
esac

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo)
else
	as_root=()
fi

# Packages listed in FILE (one a line, '#' comments) that are not installed.
missing_packages() {
	local pkg
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r pkg; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$pkg"
	done
}

install_packages() {
	local missing=()
	local file
	for file in "$@"; do
		mapfile -t -O "${#missing[@]}" missing < <(missing_packages "$file")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || [ "${#as_root[@]}" -gt 0 ] ||
		die "need root (or sudo) to install: ${missing[*]}"
	say "installing Debian packages: ${missing[*]}"
	"${as_root[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${as_root[@]}" \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node.js and npm for the browser tests: an existing installation is kept.
install_node() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		say "installing Debian packages: nodejs npm"
		"${as_root[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${as_root[@]}" \
			apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
	fi
	local dir=tests/browser
	[ -f "$dir/package.json" ] || return 0
	if [ ! -d "$dir/node_modules" ] ||
		[ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ] ||
		{ [ -f "$dir/package-lock.json" ] &&
			[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
		say "installing npm packages in $dir"
		if [ -f "$dir/package-lock.json" ]; then
			(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		else
			(cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
		fi
	fi
}

# autoreconf when configure is missing or older than any build input.
regenerate() {
	local stale=0 f
	[ -x configure ] || stale=1
	if [ "$stale" -eq 0 ]; then
		for f in configure.ac Makefile.am */*.mk; do
			[ "$f" -nt configure ] || [ "$f" -nt Makefile.in ] && stale=1
		done
	fi
	if [ "$stale" -eq 1 ]; then
		say "autoreconf -fi"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
}

# configure_in DIR ARGS...: configure in DIR unless it is configured already.
configure_in() {
	local dir=$1
	shift
	mkdir -p "$dir"
	if [ ! -f "$dir/config.status" ] || [ configure -nt "$dir/config.status" ]; then
		say "configure $* (in $dir)"
		(cd "$dir" && "$top/configure" -q "$@")
	fi
}

jobs=$(nproc 2>/dev/null || echo 2)

install_packages deploy/packages-build.txt
[ "$mode" = test ] && install_packages deploy/packages-test.txt && install_node
regenerate

case "$mode" in
build | demo)
	configure_in build
	make -s -C build -j"$jobs"
	say "built: build/worker/scann-worker"
	[ "$mode" = demo ] && exec bash deploy/demo.sh build
	;;
test)
	configure_in build-test --enable-sanitizers --enable-werror
	make -s -C build-test -j"$jobs"
	status=0
	make -C build-test -j"$jobs" check || status=$?
	# Print every failing test's log, then one closing line for CI.
	passed=0 failed=0
	for trs in $(find build-test -name '*.trs' | sort); do
		result=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
		case "$result" in
		PASS | SKIP | XFAIL) passed=$((passed + 1)) ;;
		*)
			failed=$((failed + 1))
			log=${trs%.trs}.log
			say "---- $log ----"
			tail -n 60 "$log" >&2 || true
			;;
		esac
	done
	# The thread pool (worker/par.c) under ThreadSanitizer: check_net
	# trains with one and two pool threads and compares the weights.
	# OpenBLAS runs on one thread here, the pool still on two: OpenBLAS is
	# not instrumented, so TSan never sees it hand work to its threads and
	# wait for them, and reports the memset of its beta kernel (Haswell's)
	# as racing with the caller's own writes before and after the call --
	# tests/tsan/openblas_handoff.c shows that with no engine code at all.
	# No suppressions: TSan sees every thread that runs.
	configure_in build-tsan --enable-sanitizers=thread --enable-werror
	make -s -C build-tsan -j"$jobs" tests/check_net
	if OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1 \
		build-tsan/tests/check_net \
		>build-tsan/check_net.log 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)) status=1
		say "---- build-tsan/check_net.log (ThreadSanitizer) ----"
		tail -n 60 build-tsan/check_net.log >&2 || true
	fi
	echo "tests: $passed passed, $failed failed"
	exit "$status"
	;;
esac
