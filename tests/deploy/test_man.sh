#!/usr/bin/env bash
# test_man.sh -- the manual pages render without a warning (mandoc's lint
# and groff's -ww), and say what the programs' --help says: every scannd
# option and every scann-worker command has its entry.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
need mandoc groff
MAN=$S/deploy/man

for page in scannd.8 scann-worker.1; do
	out=$(mandoc -T lint -W warning "$MAN/$page" 2>&1); rc=$?
	eq "mandoc -T lint $page status" "$rc" 0
	eq "mandoc -T lint $page messages" "$out" ""
	out=$(groff -ww -z -mdoc "$MAN/$page" 2>&1)
	eq "groff -ww $page warnings" "$out" ""
done

"$SCANND" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' |
	while read -r opt; do
		esc=$(printf '%s' "${opt#--}" | sed 's/-/\\\\-/g')
		grep -qE "^\.It Fl (.*, )?\\\\-$esc( |$)" "$MAN/scannd.8" || echo "$opt"
	done >"$T/undocumented"
eq "scannd --help options missing from scannd(8)" "$(tr '\n' ' ' <"$T/undocumented")" ""
check "scannd(8) was checked against a real --help" \
	test "$("$SCANND" --help | grep -c -- '^  --')" -ge 15

"$B/worker/scann-worker" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }' |
	while read -r cmd; do
		grep -q "^\.It Cm $cmd\$" "$MAN/scann-worker.1" || echo "$cmd"
	done >"$T/undocumented"
eq "scann-worker commands missing from scann-worker(1)" "$(tr '\n' ' ' <"$T/undocumented")" ""

e2e_done
