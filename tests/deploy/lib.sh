# lib.sh -- shared by the deployment tests: need TOOL... skips (status 77)
# when a tool is missing outside CI, and fails under CI=true, where
# deploy/packages-test.txt installs every one of them.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		if [ "${CI:-}" = true ]; then
			echo "FAIL: $t is missing (deploy/packages-test.txt lists it)"
			exit 1
		fi
		echo "SKIP: $t is not installed"
		exit 77
	done
}
