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
#
# Another program on a service's port: hold_port NETNS udp|tcp ADDRESS PORT
# starts a python3 socket there (bound without SO_REUSEADDR, as a foreign
# server would be) and sets HOLDER to its pid; release_port stops it by its pid.

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

# $1 namespace, $2 udp|tcp, $3 address (0.0.0.0, ::, ...), $4 port: held until release_port
hold_port() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
family = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind((sys.argv[2], int(sys.argv[3])))
if sys.argv[1] == "tcp":
    s.listen()
time.sleep(600)' "$2" "$3" "$4" 3>&- &
	HOLDER=$!
	wait_port -n "$1" -t 10 "$2" "$4" "a python3 socket holding the port"
}

# stops the holder of hold_port, if any
release_port() {
	[ -n "${HOLDER:-}" ] || return 0
	stop_pids 10 "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
	HOLDER=
}
