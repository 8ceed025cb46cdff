#!/bin/sh
# test_listen.sh -- --listen takes [IPv6]:PORT as well as IPv4:PORT: scannd
# serves on ::1, refuses a non-loopback IPv6 address without tokens like an
# IPv4 one, and names the bad address it cannot parse.  Skipped (77) when
# this machine has no IPv6 loopback.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

mkdir -p "$T/data"
"$SCANND" --data-dir "$T/data" --listen '[::]:8080' >"$T/out" 2>"$T/err"
eq "[::] without tokens refused" "$?" 2
check "says why" grep -q "refusing to listen on \[::\]:8080 without API tokens" "$T/err"
for bad in '[::1:8080' '[::1]:' '[nonsense]:8080' '::1:8080'; do
	"$SCANND" --data-dir "$T/data" --listen "$bad" >"$T/out" 2>"$T/err"
	eq "--listen $bad refused" "$?" 2
	check "--listen $bad named" grep -qF -- "--listen $bad: expected" "$T/err"
done

served=
for try in 1 2 3 4 5; do
	PORT=$(( 20000 + ( $$ * 13 + try * 7919 ) % 40000 ))
	"$SCANND" --listen "[::1]:$PORT" --worker "$WORKER" --data-dir "$T/data" \
		>>"$T/scannd.out" 2>>"$T/scannd.log" &
	SPID=$!
	for i in $(seq 1 50); do
		if curl -sgf "http://[::1]:$PORT/healthz" >"$T/h" 2>/dev/null; then
			served=1
			break 2
		fi
		kill -0 $SPID 2>/dev/null || break
		sleep 0.1
	done
	kill -9 $SPID 2>/dev/null
	wait $SPID 2>/dev/null
	SPID=
done
if [ -z "$served" ]; then
	say "SKIP: cannot serve on [::1] here (no IPv6 loopback?)"
	rm -rf "$T"
	exit 77
fi
URL="http://[::1]:$PORT"
eq "healthz over IPv6" "$(jv "$T/h" '$.status')" ok
eq "an upload over IPv6" "$(curl -sg -o "$T/body" -w '%{http_code}' \
	--data-binary "@$DATA/iris.csv" "$URL/api/v1/datasets?name=iris")" 201
check "not on IPv4 too" sh -c "! curl -sf http://127.0.0.1:$PORT/healthz >/dev/null 2>&1"
e2e_stop
e2e_done
