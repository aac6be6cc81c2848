# Helpers for every .bats file (load ../support/bats).
#
# Skipping a whole file: bats 1.8 (Debian 12's) reports `skip` in setup_file as
# "not ok 1 setup_file failed" and runs nothing, so setup_file records the
# reason and returns, and each test skips with it (counted by scripts/test.sh):
#
#   setup_file() {
#       [ "$(id -u)" = 0 ] || { skip_file "needs root (network namespaces)"; return; }
#       ...
#   }
#   setup() { skip_if_file_skipped; ...; }
#   teardown() { if file_skipped; then return; fi; ...; }
#
# Asserting that something fails: bats 1.8 fails a test on the status of any
# command but one negated with `!` (set -e ignores those), unless it is the
# last line. Use `run ! cmd` or `refute cmd`, never a bare `! cmd`.
#
# Waiting: wait_until, wait_port, listens, port_pids, wait_gone and stop_pids
# (tests/support/wait.bash, loaded here) and logged (below); no fixed sleeps.

# shellcheck source=tests/support/wait.bash
. "$(dirname "${BASH_SOURCE[0]}")/wait.bash"

# $1: why every test of this file is skipped (call it in setup_file, then return)
skip_file() {
	BATS_FILE_SKIP=$1
	export BATS_FILE_SKIP
}

# the first line of setup(): skips the test when setup_file called skip_file
skip_if_file_skipped() {
	if [ -n "${BATS_FILE_SKIP:-}" ]; then
		skip "$BATS_FILE_SKIP"
	fi
}

# true when setup_file called skip_file (for teardown and teardown_file)
file_skipped() {
	[ -n "${BATS_FILE_SKIP:-}" ]
}

# fails when the command (a function is fine) succeeds
refute() {
	if "$@"; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
}

# Waits until file $1 has a line matching the extended regular expression $2,
# at most ${3:-30} seconds (wait_until). On a timeout it says so, with
# the file's last lines, or what its directory holds when there is no file.
logged() {
	local file=$1 pattern=$2 limit=${3:-30}
	wait_until "$limit" "$file to log $pattern" grep -qsE -- "$pattern" "$file" 2>/dev/null && return 0
	if [ -e "$file" ]; then
		echo "$file never logged $pattern in $limit s; its last lines:" >&2
		tail -n 5 "$file" >&2
	else
		echo "$file never logged $pattern in $limit s: there is no such file; $(dirname "$file") has:" >&2
		ls -l "$(dirname "$file")" >&2
	fi
	return 1
}
