#!/usr/bin/env bash
# installcheck.sh BINDIR PKGDATADIR MANDIR CONFDIR -- run by `make
# installcheck` (and so by distcheck) after `make install`: the installed
# scannd, started with the installed config and no path options, serves the
# installed dashboard and runs a job with the installed worker; the manual
# pages and the example config are in place.
set -u
bindir=$1 pkgdatadir=$2 mandir=$3 confdir=$4
T=$(mktemp -d "${TMPDIR:-/tmp}/scann-installcheck-XXXXXX")
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
spid=
trap '[ -n "$spid" ] && kill -9 $spid 2>/dev/null; rm -rf "$T"' EXIT

"$bindir/scannd" --version | grep -q '^scannd (scann) ' || fail "scannd --version"
"$bindir/scann-worker" --version | grep -q '^scann-worker ' || fail "scann-worker --version"
for f in "$mandir/man8/scannd.8" "$mandir/man1/scann-worker.1" \
	"$confdir/scannd.conf.example" "$confdir/scannd.conf" \
	"$pkgdatadir/web/index.html"; do
	[ -f "$f" ] || fail "$f not installed"
done

# From another directory, so nothing is found relative to the build.
cd "$T" || exit 1
for try in 1 2 3 4 5; do
	port=$((20000 + (RANDOM * 7 + try) % 40000))
	"$bindir/scannd" --config "$confdir/scannd.conf" --data-dir "$T/data" \
		--listen "127.0.0.1:$port" --workers 1 2>"$T/log" &
	spid=$!
	for i in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] && break 2
		kill -0 $spid 2>/dev/null || break
		sleep 0.1
	done
	kill $spid 2>/dev/null; wait $spid 2>/dev/null; spid=
done
[ -n "$spid" ] || { cat "$T/log"; echo "installed scannd did not start"; exit 1; }
url=http://127.0.0.1:$port
grep -q "web $pkgdatadir/web)" "$T/log" || fail "dashboard not from $pkgdatadir/web: $(head -1 "$T/log")"
curl -s "$url/" >"$T/index.html"
cmp -s "$T/index.html" "$pkgdatadir/web/index.html" || fail "GET / is not the installed index.html"
ds=$(curl -s -X POST --data-binary "@$SCANN_TEST_DATA/iris.csv" "$url/api/v1/datasets" |
	sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
id=$(curl -s -X POST "$url/api/v1/jobs" -d "{\"dataset\":\"$ds\",\"baseline\":{\"hidden\":[8]},\"train\":{\"epochs\":2},\"target\":{\"max_steps\":1},\"scann\":{\"epochs_per_step\":1}}" |
	sed -n 's/.*"id":\([0-9]*\).*/\1/p')
for i in $(seq 1 300); do
	curl -s -o "$T/job.json" "$url/api/v1/jobs/$id"
	st=$(sqlite3 :memory: "SELECT json_extract(readfile('$T/job.json'), '\$.state')")
	case "$st" in succeeded | failed | cancelled) break ;; esac
	sleep 0.2
done
[ "$st" = succeeded ] || fail "a job with the installed worker: state '$st'"
grep -q "worker $bindir/scann-worker" "$T/log" || fail "worker not the installed one"
kill -TERM $spid; wait $spid || fail "scannd exit status"; spid=
[ $fails -eq 0 ] || { cat "$T/log"; exit 1; }
echo "installcheck: installed scannd, worker, dashboard, man pages and config OK"
