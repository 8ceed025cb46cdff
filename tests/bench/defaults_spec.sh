# tests/bench/defaults_spec.sh -- sourced by defaults.sh and
# defaults_study.sh: the spec of issue 11's runs, nothing tuned.
#
#   default_spec NAME CSV [EXTRA]   prints {"dataset", "split", EXTRA...}
#
# The Statlog files keep the test set they ship with (their last rows);
# the others take the default stratified split.
default_spec() {
	local split
	case $1 in
	satellite) split='{"test_last": 2000}' ;;
	dna) split='{"test_last": 1186}' ;;
	*) split='{}' ;;
	esac
	printf '{"dataset": "%s", "split": %s, %s"resources": {"threads": 2}}\n' \
		"$2" "$split" "${3:+$3, }"
}
