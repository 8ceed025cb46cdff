#!/bin/sh
# fake-worker.sh -- a stand-in for `scann-worker run` that speaks the same
# contract (DESIGN.md "Events"): spec on stdin with "-", NDJSON events on
# stdout, artifacts and a checkpoint in --out DIR, --resume DIR continues
# from the checkpoint, SIGTERM stops at an epoch boundary.  The end-to-end
# tests use it where the real engine is not built yet, and to fault on
# purpose: a spec whose name contains "crash" dies with status 7 after two
# epochs, "hang" ignores SIGTERM.  FAKE_EPOCH_S sets the pace (default 0.2).
set -u
[ "${1:-}" = run ] || { echo "usage: fake-worker run - --out DIR" >&2; exit 2; }
shift
out=. resume=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift ;;
	--resume) resume=$2; shift ;;
	-) ;;
	*) echo "fake-worker: unexpected $1" >&2; exit 2 ;;
	esac
	shift
done
spec=$(cat)
epochs=$(printf '%s' "$spec" | sed -n 's/.*"epochs":\([0-9]*\).*/\1/p')
name=$(printf '%s' "$spec" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
[ -n "$epochs" ] || epochs=5
pace=${FAKE_EPOCH_S:-0.2}
start=1 seq=0
if [ -n "$resume" ] && [ -f "$resume/checkpoint" ]; then
	start=$(( $(cat "$resume/checkpoint") + 1 ))
	seq=$(cat "$resume/checkpoint.seq")
fi
stop=0
case "$name" in
*hang*) trap '' TERM ;;
*) trap 'stop=1' TERM ;;
esac
emit() { seq=$((seq + 1)); printf '{"seq":%d,%s}\n' "$seq" "$1"; }
emit '"type":"stage","stage":"scann","status":"start"'
e=$start
while [ "$e" -le "$epochs" ]; do
	sleep "$pace" & wait $! 2>/dev/null
	emit "\"type\":\"epoch\",\"stage\":\"scann\",\"iteration\":1,\"operation\":\"train\",\"epoch\":$e,\"train_loss\":0.5,\"val_acc\":0.9,\"params\":$((100 - e)),\"flops\":200,\"hidden\":10,\"depth\":2"
	echo "$e" > "$out/checkpoint"
	echo "$seq" > "$out/checkpoint.seq"
	case "$name" in
	*crash*) [ "$e" -ge 2 ] && { echo "fake-worker: simulated crash at epoch $e" >&2; exit 7; } ;;
	esac
	if [ "$stop" = 1 ]; then
		echo "fake-worker: stopped at epoch $e" >&2
		exit 3
	fi
	e=$((e + 1))
done
emit '"type":"stage","stage":"scann","status":"end"'
printf '{"layers":[],"params":90}\n' > "$out/model.json"
printf '{"baseline":{"params":100},"best":{"params":90}}\n' > "$out/report.json"
emit '"type":"result","baseline":{"params":100,"test_acc":0.9},"best":{"params":90,"test_acc":0.9},"compression":1.11,"model":"model.json"'
exit 0
