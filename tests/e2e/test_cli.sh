#!/usr/bin/env bash
# test_cli.sh -- scannd's command line in the GNU style: --help and
# --version on stdout with status 0, even when the config file named is bad;
# an unknown option is status 2 with a pointer to --help.
. "$(dirname "$0")/lib.sh"

out=$("$SCANND" --version); rc=$?
eq "--version status" "$rc" 0
eq "--version line" "$out" "scannd (scann) $(sed -n 's/^PACKAGE_VERSION = //p' "$B/Makefile")"
eq "-V same as --version" "$("$SCANND" -V)" "$out"
eq "--version with a missing config file" \
	"$("$SCANND" --config "$T/none.conf" --version)" "$out"

"$SCANND" --help >"$T/help" 2>"$T/help.err"; rc=$?
eq "--help status" "$rc" 0
check "--help on stdout, nothing on stderr" test ! -s "$T/help.err"
check "--help starts with Usage" grep -q '^Usage: scannd ' "$T/help"
for key in listen data-dir max-body max-dataset user-limit --version; do
	check "--help lists $key" grep -q -- "$key" "$T/help"
done
check "-h same as --help" cmp -s "$T/help" <("$SCANND" -h)

"$SCANND" --no-such-option >"$T/o" 2>"$T/e"; rc=$?
eq "unknown option status" "$rc" 2
check "unknown option names it and --help" \
	grep -q "unexpected argument '--no-such-option' (try --help)" "$T/e"
"$SCANND" --no-such-key 1 >"$T/o" 2>"$T/e"; rc=$?
eq "unknown key status" "$rc" 2
check "unknown key named" grep -q "unknown setting 'no-such-key'" "$T/e"
check "nothing made for a bad command line" test ! -e "$T/data"

e2e_done
