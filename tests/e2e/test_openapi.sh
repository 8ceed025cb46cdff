#!/bin/bash
# test_openapi.sh -- every route api/openapi.yaml lists answers: neither
# "no such resource" nor "method not allowed", with a finished job and a
# stored dataset standing in for {id}; and the document keeps up with the
# server's own lists (GET /api/v1/schema): every artifact route is a path
# of it, and every state enum in it is the server's list of states.
. "${SCANN_SRCDIR:?}/tests/e2e/lib.sh"

e2e_start --workers 1
DS=$(upload "$DATA/iris.csv" iris)
ID=$(submit "{\"dataset\":\"iris\",$QUICK}")
check "a finished job" wait_state "$ID" succeeded 120
# DELETE routes take these, so the others keep theirs.
DDS=$(upload "$DATA/wine.csv" spare)
DID=$(submit "{\"dataset\":\"iris\",$QUICK}")
check "a finished job to delete" wait_state "$DID" succeeded 120

path=
n=0
while IFS= read -r line; do
	case "$line" in
	"  /"*:) path=${line#  }; path=${path%:}; continue ;;
	"    get:"|"    post:"|"    delete:") ;;
	*) continue ;;
	esac
	m=${line#    }; m=${m%:}
	M=$(echo "$m" | tr a-z A-Z)
	p=$path
	case "$p" in
	/api/v1/datasets/*) p=${p/\{id\}/$DS} ;;
	*) p=${p/\{id\}/$ID} ;;
	esac
	args=()
	case "$M $path" in
	"DELETE /api/v1/datasets/"*) p=/api/v1/datasets/$DDS ;;
	"DELETE /api/v1/jobs/"*) p=/api/v1/jobs/$DID ;;
	esac
	case "$M $path" in
	"POST /api/v1/datasets") args=(--data-binary "@$DATA/wine.csv") ;;
	"POST /api/v1/jobs") args=(-d "{\"dataset\":\"iris\",$QUICK}") ;;
	esac
	code=$(curl -s -o "$T/r" -w '%{http_code}' -X "$M" "${args[@]}" "$URL$p")
	n=$((n + 1))
	field=$(jv "$T/r" '$.error.field' 2>/dev/null)
	if [ "$code" = 405 ] || { [ "$code" = 404 ] && [ "$field" = path ]; } ||
	   [ "$code" -ge 500 ]; then
		fail "$M $path ($p): $code $(head -c 200 "$T/r")"
	else
		ok
	fi
done <"$S/api/openapi.yaml"
check "the spec lists routes ($n)" test $n -ge 13

eq "schema" "$(api GET /api/v1/schema)" 200
for r in $(sqlite3 :memory: "SELECT json_extract(value, '\$.route') FROM
	json_each(json_extract(readfile('$T/body'), '\$.artifacts'));"); do
	check "artifact route $r documented" \
		grep -qxF "  /api/v1/jobs/{id}/$r:" "$S/api/openapi.yaml"
done
states=$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.name'),
	', ') FROM json_each(json_extract(readfile('$T/body'), '\$.states'));")
k=0
while IFS= read -r line; do
	k=$((k + 1))
	eq "a state enum of the document" "$line" "enum: [$states]"
done < <(grep -o 'enum: \[queued[^]]*\]' "$S/api/openapi.yaml")
check "state enums checked ($k)" test "$k" -ge 2
e2e_stop
e2e_done
