#!/bin/bash
# test_connections.sh -- one client cannot lock everyone out (issue 16):
# 2,100 sockets from one address (127.0.0.2; Linux routes all of 127/8 to
# loopback) each dribbling a header byte every two seconds leave /healthz
# answering at once for another address, because scannd keeps at most
# --per-ip connections from an address (default 64); and a slow-loris
# request -- a byte a second, never idle long enough for the idle timeout --
# is cut off once its headers and body are not in after --request-deadline
# seconds, while a long-poll past its body is not.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

# loris.py ADDR PORT N SECONDS: N sockets from ADDR, each sending a byte of
# an endless header every 2 s for SECONDS; prints how many are still open.
cat >"$T/loris.py" <<'PY'
import resource, socket, sys, time
src, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except OSError:
        s.close()
open(sys.argv[5], "w").write("started\n")
end = time.time() + secs
while time.time() < end:
    alive = []
    for s in socks:
        try:
            s.send(b"X")
            alive.append(s)
        except OSError:
            s.close()
    socks = alive
    time.sleep(2)
# Closed by the server: reads end-of-file (or an error) at once.
n = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1, socket.MSG_PEEK) != b"":
            n += 1
    except BlockingIOError:
        n += 1
    except OSError:
        pass
print(n)
PY

# One byte a second, for SECONDS, on one socket from ADDR: prints how many
# seconds it lasted before the server closed it (SECONDS if it never did).
cat >"$T/drip.py" <<'PY'
import socket, sys, time
src, port, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(); s.bind((src, 0)); s.connect(("127.0.0.1", port))
s.settimeout(1)
t0 = time.time()
req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
for b in req:
    if time.time() - t0 > secs:
        break
    try:
        s.send(bytes([b]))
        if s.recv(1, socket.MSG_PEEK) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
print(int(time.time() - t0))
PY

e2e_start
python3 "$T/loris.py" 127.0.0.2 "$PORT" 2100 12 "$T/started" >"$T/alive" &
LORIS=$!
for i in $(seq 1 300); do [ -f "$T/started" ] && break; sleep 0.1; done
check "the sockets were opened" test -f "$T/started"
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
eq "/healthz answers beside 2,100 sockets from one address" "$code" 200
check "within a second (took ${ms} ms)" test "$ms" -lt 1000
wait $LORIS
alive=$(cat "$T/alive")
say "sockets of the one address still open after 12 s: $alive"
check "at most 64 kept from one address" test "${alive:-9999}" -le 64
eq "/healthz still answers" "$(api GET /healthz)" 200
e2e_stop

e2e_start --request-deadline 3 --per-ip 8
lasted=$(python3 "$T/drip.py" 127.0.0.3 "$PORT" 12)
say "a request sent a byte a second was cut after ${lasted} s"
check "a slow request is cut off by the deadline" test "$lasted" -ge 2 -a "$lasted" -le 6
# A long poll is past its body: the deadline does not cut it.
DS=$(upload "$DATA/iris.csv" iris)
# LONG, but 14 steps an epoch: an optimised build on fast kernels ran
# LONG's 100,000 one-step epochs in 4 s, under the poll's 6.
J=$(submit "{\"dataset\":\"$DS\",\"baseline\":{\"hidden\":[64]},\"train\":{\"epochs\":100000,\"patience\":100000,\"batch\":8}}")
wait_state "$J" running 30
t0=$(date +%s)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$URL/api/v1/jobs/$J?wait=6&since=running")
eq "a long poll of 6 s answers" "$code" 200
check "after its 6 s" test $(( $(date +%s) - t0 )) -ge 5
eq "--per-ip 8: the ninth connection from an address is refused" \
	"$(python3 "$T/loris.py" 127.0.0.4 "$PORT" 12 2 "$T/started2")" 8
api POST "/api/v1/jobs/$J/cancel" >/dev/null
e2e_stop
e2e_done
