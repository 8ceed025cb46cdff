#!/bin/sh
# test_uploads.sh -- a big CSV upload is hashed, written and parsed off the
# daemon's loop: while it is being parsed, /healthz still answers at once;
# the dataset is stored with every row; two uploads of the same bytes in
# flight at once both succeed, as one dataset; temporary files a crash left
# are removed when scannd starts; a client that gives up mid-parse leaves
# nothing behind; SIGTERM during a parse lets it finish and answer first.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# What a crash mid-upload leaves behind is removed at start-up.
mkdir -p "$T/data/datasets/.upload-0123abcd"
echo 'a,label' >"$T/data/datasets/.upload-4242-1.csv"
echo x >"$T/data/datasets/.upload-0123abcd/train-images"
e2e_start
eq "crash leftovers removed at start" \
	"$(ls -a "$T/data/datasets" | grep -c '^\.upload')" 0

# ~50 MB: satellite.csv's rows 60 times (386,100 rows).  Parsing it takes
# about a second here (several under ASan) -- the window the check needs.
big=$T/big.csv
head -1 "$DATA/satellite.csv" >"$big"
for i in $(seq 1 60); do tail -n +2 "$DATA/satellite.csv"; done >>"$big"
rows=$(( $(wc -l <"$big") - 1 ))

curl -s -o "$T/up.json" -w '%{http_code} %{time_total}\n' \
	-H 'Content-Type: text/csv' --data-binary "@$big" \
	"$URL/api/v1/datasets?name=big" >"$T/up.timing" &
up=$!
# /healthz every 20 ms while the upload runs; keep the slowest answer.
slow=0 probes=0
while kill -0 $up 2>/dev/null; do
	t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 "$URL/healthz")
	probes=$((probes + 1))
	slow=$(echo "$t $slow" | awk '{print ($1 > $2) ? $1 : $2}')
	sleep 0.02
done
wait $up
read -r code total <"$T/up.timing"
eq "big upload status" "$code" 201
eq "big upload rows" "$(jv "$T/up.json" '$.rows')" "$rows"
# The server's processing time, from its log: body received -> stored.
# Parsing on the loop made every probe in that window wait for it.
proc=$(grep -E 'dataset upload: [0-9]+ bytes received|dataset [0-9a-f]+ stored' \
	"$T/scannd.log" | head -2 |
	awk '{ split(substr($1, 15, 12), t, ":"); s[NR] = t[1] * 3600 + t[2] * 60 + t[3] }
	     END { printf "%.3f", s[2] - s[1] }')
say "upload: ${total}s in all, ${proc}s processing; $probes /healthz probes, slowest ${slow}s"
check "the upload's processing is long enough to tell (${proc}s >= 0.3s)" \
	awk -v p="$proc" 'BEGIN { exit !(p >= 0.3) }'
check "/healthz answered during the upload's processing (slowest ${slow}s < half of ${proc}s)" \
	awk -v s="$slow" -v p="$proc" 'BEGIN { exit !(s < p / 2) }'

# The same bytes twice at once: both succeed, one dataset.
small=$T/small.csv
{ head -1 "$DATA/satellite.csv"; for i in 1 2 3 4 5; do tail -n +2 "$DATA/satellite.csv"; done; } >"$small"
pids=
for k in 1 2; do
	curl -s -o "$T/dup$k.json" -w '%{http_code}\n' -H 'Content-Type: text/csv' \
		--data-binary "@$small" "$URL/api/v1/datasets" >"$T/dup$k.code" &
	pids="$pids $!"
done
wait $pids	# not a bare wait: scannd is a child too
codes=$(cat "$T/dup1.code" "$T/dup2.code" | sort | tr '\n' ' ')
eq "two identical uploads at once" "$codes" "200 201 "
eq "one dataset id for both" "$(jv "$T/dup1.json" '$.id')" "$(jv "$T/dup2.json" '$.id')"
eq "no temporary file left" "$(ls -a "$T/data/datasets" | grep -c '^\.upload')" 0

# A client that gives up while its upload is being parsed: the daemon
# finishes (the dataset is stored) and leaves no temporary file.
head -1 "$DATA/satellite.csv" >"$T/gone.csv"
for i in $(seq 1 40); do tail -n +2 "$DATA/satellite.csv"; done >>"$T/gone.csv"
echo "6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,1" >>"$T/gone.csv"
stored=$(grep -c 'dataset [0-9a-f]* stored' "$T/scannd.log")
received=$(grep -c 'bytes received' "$T/scannd.log")
curl -s -o /dev/null -H 'Content-Type: text/csv' --data-binary "@$T/gone.csv" \
	"$URL/api/v1/datasets?name=gone" &
cpid=$!
# Give up once scannd has the whole body and is parsing it.
for i in $(seq 1 300); do
	[ "$(grep -c 'bytes received' "$T/scannd.log")" -gt "$received" ] && break
	sleep 0.02
done
kill $cpid 2>/dev/null
wait $cpid 2>/dev/null
for i in $(seq 1 300); do
	[ "$(grep -c 'dataset [0-9a-f]* stored' "$T/scannd.log")" -gt "$stored" ] && break
	sleep 0.1
done
eq "the abandoned upload was stored" "$(grep -c 'dataset [0-9a-f]* stored' "$T/scannd.log")" $((stored + 1))
sleep 0.5
eq "no temporary file left by it" "$(ls -a "$T/data/datasets" | grep -c '^\.upload')" 0
eq "scannd still serves" "$(api GET /healthz)" 200

# SIGTERM while an upload is being parsed: scannd finishes it, answers it,
# then exits cleanly (MHD cannot stop with its connection suspended).
echo "7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,1" >>"$T/gone.csv"
received=$(grep -c 'bytes received' "$T/scannd.log")
curl -s -o "$T/last.json" -w '%{http_code}' -H 'Content-Type: text/csv' \
	--data-binary "@$T/gone.csv" "$URL/api/v1/datasets?name=last" >"$T/last.code" &
cpid=$!
for i in $(seq 1 300); do
	[ "$(grep -c 'bytes received' "$T/scannd.log")" -gt "$received" ] && break
	sleep 0.02
done
kill -TERM $SPID
wait $cpid
eq "the upload in flight at SIGTERM is answered" "$(cat "$T/last.code")" 201
eq "with its rows" "$(jv "$T/last.json" '$.rows')" $((6435 * 40 + 2))
wait $SPID
eq "scannd exits 0 after it (no crash, no leak)" "$?" 0
SPID=
check "the log says it waited" grep -q "closing HTTP after 1 upload" "$T/scannd.log"
e2e_done
