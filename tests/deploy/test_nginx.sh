#!/usr/bin/env bash
# test_nginx.sh -- deploy/nginx/scannd.conf in a real nginx, with a
# certificate openssl makes now, in front of a real scannd with API tokens:
# TLS, the Authorization header passed on, an upload over nginx's default
# 1 MB body limit, a browser-style submit (Origin checked against Host),
# and a job's events followed live through the proxy (SSE not buffered).
# Only the listen ports, the certificate paths and scannd's port are
# changed from the example (and its IPv6 listens dropped).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
need nginx openssl

check "client_max_body_size matches the example config's max-dataset" \
	test "$(sed -n 's/^[[:space:]]*client_max_body_size \([0-9]*\)m;/\1/p' "$S/deploy/nginx/scannd.conf")M" = \
	"$(sed -n 's/^max-dataset = //p' "$S/deploy/scannd.conf.example")"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" \
	>"$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; fail "openssl"; e2e_done; }

tok=$("$SCANND" --data-dir "$T/data" token add ann --admin 2>/dev/null)
e2e_start --max-dataset 256M
AUTH=$tok

NPID=
trap '[ -n "$SPID" ] && kill -9 $SPID 2>/dev/null; [ -n "$NPID" ] && kill -9 $NPID 2>/dev/null' EXIT
mkdir -p "$T/nginx"
for try in 1 2 3 4 5; do
	NPORT=$((20000 + (RANDOM * 7 + try * 131) % 40000))
	HPORT=$((NPORT + 1))
	sed -e "s|127.0.0.1:8080|127.0.0.1:$PORT|" \
		-e "s|listen 443 ssl http2;|listen 127.0.0.1:$NPORT ssl http2;|" \
		-e "s|listen 80;|listen 127.0.0.1:$HPORT;|" \
		-e '/listen \[::\]/d' \
		-e "s|/etc/ssl/certs/scann.example.org.pem|$T/cert.pem|" \
		-e "s|/etc/ssl/private/scann.example.org.key|$T/key.pem|" \
		"$S/deploy/nginx/scannd.conf" >"$T/nginx/site.conf"
	{
		[ "$(id -u)" = 0 ] && echo "user root;"
		cat <<EOC
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 64; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	include $T/nginx/site.conf;
}
EOC
	} >"$T/nginx/nginx.conf"
	if [ "$try" = 1 ]; then
		out=$(nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>&1); rc=$?
		eq "nginx -t accepts the example" "$rc" 0
		[ "$rc" = 0 ] || { say "$out"; e2e_done; }
	fi
	nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>>"$T/nginx/start.log" &
	NPID=$!
	for i in $(seq 1 50); do
		curl -s -o /dev/null --cacert "$T/cert.pem" "https://127.0.0.1:$NPORT/healthz" && break 2
		kill -0 $NPID 2>/dev/null || break
		sleep 0.1
	done
	kill $NPID 2>/dev/null; wait $NPID 2>/dev/null; NPID=
done
[ -n "$NPID" ] || { cat "$T/nginx/start.log" "$T/nginx/error.log"; fail "nginx did not start"; e2e_done; }
DIRECT=$URL
URL=https://127.0.0.1:$NPORT
C=(--cacert "$T/cert.pem")

eq "TLS: /healthz through nginx" "$(curl -s "${C[@]}" -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
eq "plain HTTP redirects to https" \
	"$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HPORT/api/v1/jobs")" \
	"301 https://127.0.0.1/api/v1/jobs"
eq "no token through nginx" "$(curl -s "${C[@]}" -o /dev/null -w '%{http_code}' "$URL/api/v1/jobs")" 401
eq "the token through nginx (Authorization kept)" \
	"$(curl -s "${C[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$URL/api/v1/jobs")" 200

# 3.3 MB of CSV: over nginx's default client_max_body_size (1 MB).
{ cat "$DATA/$SLOW_DATA"; for i in 1 2 3; do tail -n +2 "$DATA/$SLOW_DATA"; done; } >"$T/big.csv"
code=$(curl -s "${C[@]}" -o "$T/up" -w '%{http_code}' -X POST --data-binary "@$T/big.csv" \
	-H "Authorization: Bearer $tok" "$URL/api/v1/datasets")
eq "a $(($(wc -c <"$T/big.csv") / 1000)) kB upload through nginx" "$code" 201
ds=$(jv "$T/up" '$.id')

# A browser's submit: Origin is the proxy's own origin, and scannd (which
# compares it with Host) accepts it.
code=$(curl -s "${C[@]}" -o "$T/sub" -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
	-H "Origin: https://127.0.0.1:$NPORT" -H 'Content-Type: application/json' \
	-d "{\"dataset\":\"$ds\",$SLOW}" "$URL/api/v1/jobs")
eq "submit with the proxy's Origin" "$code" 201
id=$(jv "$T/sub" '$.id')
eq "submit with another Origin refused" "$(curl -s "${C[@]}" -o /dev/null -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $tok" -H 'Origin: https://attacker.example' \
	-d "{\"dataset\":\"$ds\",$SLOW}" "$URL/api/v1/jobs")" 403

# Follow the job's events through nginx while it runs: an event arrives
# while the job is still running, so nothing holds the stream back.
curl -sN "${C[@]}" --max-time 600 -H "Authorization: Bearer $tok" \
	"$URL/api/v1/jobs/$id/events" >"$T/sse" &
cpid=$!
live=no
for i in $(seq 1 600); do
	if grep -q '"type":"epoch"' "$T/sse" 2>/dev/null; then
		[ "$(URL=$DIRECT state "$id")" = running ] && live=yes
		break
	fi
	sleep 0.1
done
eq "an epoch event came through nginx while the job ran" "$live" yes
wait $cpid; rc=$?
eq "the stream ended (after the job's last event), curl status" "$rc" 0
URL=$DIRECT check "the job succeeded" wait_state "$id" succeeded 5
curl -s -o "$T/direct" "$DIRECT/api/v1/jobs/$id/events?format=ndjson" -H "Authorization: Bearer $tok"
eq "every event came through, in order" \
	"$(sed -n 's/^id: //p' "$T/sse" | tr '\n' ' ')" \
	"$(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$T/direct" | tr '\n' ' ')"
check "the last one is the terminal state" sh -c "grep '^data: ' '$T/sse' | tail -1 | grep -q '\"succeeded\"'"

kill -QUIT $NPID; wait $NPID; NPID=
e2e_done
