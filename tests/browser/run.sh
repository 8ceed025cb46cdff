#!/bin/sh
# run.sh -- make check's entry for the dashboard's browser tests.
#
# Runs suite.mjs (headless Debian chromium driven by playwright-core) against
# the scannd built in this tree.  Skips (exit 77) when chromium, node or
# tests/browser/node_modules are missing -- but only outside CI: with CI=true
# a missing piece is a failure, so CI really runs these tests.  scannd not
# built is a skip too while the tree has no daemon sources at all, and so
# is a tree unpacked from the tarball (make distcheck), which has neither
# node_modules nor .git.
#
# Screenshots: $SCANN_BUILDDIR/tests/artifacts/*.png; scannd's log beside them.

here=$(cd "$(dirname "$0")" && pwd)
: "${SCANN_SRCDIR:=$(cd "$here/../.." && pwd)}"
: "${SCANN_BUILDDIR:=$SCANN_SRCDIR}"
: "${SCANN_TEST_DATA:=$SCANN_SRCDIR/tests/data}"
: "${SCANN_CHROMIUM:=/usr/bin/chromium}"
export SCANN_SRCDIR SCANN_BUILDDIR SCANN_TEST_DATA SCANN_CHROMIUM

missing() {
	if [ "${CI:-}" = true ]; then
		echo "browser tests: $1 (CI=true, so this is a failure)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "browser tests skipped: $1"
	exit 77
}

command -v node >/dev/null 2>&1 || missing "node not found"
[ -x "$SCANN_CHROMIUM" ] || missing "$SCANN_CHROMIUM not found (apt-get install chromium)"
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
	# A tree unpacked from the tarball (make distcheck) has no node_modules
	# and no .git: the checkout's own run is the one that must not skip.
	if [ ! -e "$SCANN_SRCDIR/.git" ]; then
		echo "browser tests skipped: no node_modules in this unpacked tarball"
		exit 77
	fi
	missing "playwright-core not installed (cd tests/browser && npm ci)"
fi
if [ ! -x "$SCANN_BUILDDIR/server/scannd" ]; then
	if ls "$SCANN_SRCDIR"/server/*.c >/dev/null 2>&1; then
		missing "$SCANN_BUILDDIR/server/scannd not built"
	fi
	echo "browser tests skipped: this tree has no scannd yet"
	exit 77
fi

mkdir -p "$SCANN_BUILDDIR/tests/artifacts"
exec node "$here/suite.mjs" "$@"
