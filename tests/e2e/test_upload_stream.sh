#!/bin/bash
# test_upload_stream.sh -- a dataset upload goes to disk as it arrives, not
# into scannd's memory: two clients that stall 100 MB into their uploads
# leave scannd's resident memory where it was, their bytes are in spool
# files under datasets/ (mode 0600), and the files are gone once the
# clients leave.  Uploads in flight are capped at four times --max-dataset:
# one past it is answered 503 naming the body, and nothing is stored.
# (Issue 16: four stalled 250 MB uploads took scannd from 8 to 1,006 MB.)
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SPID/status"; }

# stall FD BYTES DECLARED: open a connection on FD, send the headers of a
# CSV upload of DECLARED bytes, then BYTES of it, and keep the socket open.
stall() {
	local fd=$1 bytes=$2 declared=$3
	eval "exec $fd<>/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'POST /api/v1/datasets?name=s%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: text/csv\r\nContent-Length: %s\r\n\r\n' \
		"$fd" "$PORT" "$declared" >&"$fd"
	head -c "$bytes" /dev/zero | tr '\0' 'a' >&"$fd"
}

# spooled: bytes in upload spool files under datasets/.
spooled() {
	find "$T/data/datasets" -maxdepth 1 -name '.upload-body-*' -printf '%s\n' 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}

e2e_start --max-dataset 300M
before=$(rss_kb)
stall 5 100000000 200000000
stall 6 100000000 200000000
# On disk but for what stdio still buffers (4 KiB a file).
for i in $(seq 1 100); do [ "$(spooled)" -ge 199900000 ] && break; sleep 0.1; done
check "200 MB of two stalled uploads are on disk ($(spooled))" \
	test "$(spooled)" -ge 199900000
during=$(rss_kb)
check "scannd's memory did not grow with them (${before} kB -> ${during} kB)" \
	test $((during - before)) -lt 65536
check "spool files are the daemon's alone (0600)" \
	test -z "$(find "$T/data/datasets" -name '.upload-body-*' ! -perm 600)"
exec 5>&- 6>&-
for i in $(seq 1 100); do [ "$(spooled)" -eq 0 ] && break; sleep 0.1; done
eq "the clients gone, their spool files are gone" "$(spooled)" 0
e2e_stop

# Bytes in flight: four stalled uploads of 0.9 MB under --max-dataset 1M
# (a flight cap of 4 MB); a fifth whole upload of 1 MB goes past it.
e2e_start --max-dataset 1M
for fd in 5 6 7 8; do stall $fd 900000 1000000; done
for i in $(seq 1 100); do [ "$(spooled)" -ge 3580000 ] && break; sleep 0.1; done
check "four stalled uploads spooled ($(spooled))" test "$(spooled)" -ge 3580000
head -1 "$DATA/satellite.csv" >"$T/one.csv"
head -c 999000 /dev/zero | tr '\0' '1' | fold -w 999 | sed 's/$/,a/' >>"$T/one.csv"
truncate -s 1000000 "$T/one.csv"
code=$(curl -s -o "$T/busy.json" -w '%{http_code}' -H 'Content-Type: text/csv' \
	--data-binary @"$T/one.csv" "$URL/api/v1/datasets?name=fifth")
eq "past the bytes in flight: 503" "$code" 503
eq "... naming the body" "$(jv "$T/busy.json" '$.error.field')" body
eq "... storing nothing" "$(curl -s "$URL/api/v1/datasets" | grep -c fifth)" 0
exec 5>&- 6>&- 7>&- 8>&-
for i in $(seq 1 100); do [ "$(spooled)" -eq 0 ] && break; sleep 0.1; done
eq "the stalled clients gone, nothing spooled" "$(spooled)" 0
e2e_stop
e2e_done
