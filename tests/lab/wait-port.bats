#!/usr/bin/env bats
# The lab's waiting helpers (tests/support/wait.bash) against real sockets in
# a network namespace of the test's own (ltswp<pid>, loopback only): a wait
# ends as soon as the port opens or closes, and fails within its bound, naming
# the port, the namespace and what it waited for, when it never does.
# Needs root (network namespaces).

load ../support/bats

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	command -v python3 >/dev/null || { skip_file "python3 is not installed"; return; }
	NS="ltswp$$"
	T=$(mktemp -d "/tmp/$NS.XXXXXX")
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	export NS T
}

teardown_file() {
	if file_skipped; then return; fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$T"
}

setup() {
	skip_if_file_skipped
	: >"$T/pids"
}

teardown() {
	if file_skipped; then return; fi
	# shellcheck disable=SC2046
	stop_pids 5 $(cat "$T/pids")
}

# a listener on $1 (udp | tcp) port $2 in the namespace, after $3 seconds
# (default 0), for at most 60 s; its pid in $T/pids
listen_later() {
	ip netns exec "$NS" python3 -c '
import socket, sys, time
time.sleep(float(sys.argv[3]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
if sys.argv[1] == "tcp":
    s.listen()
time.sleep(60)' "$1" "$2" "${3:-0}" </dev/null >/dev/null 2>&1 3>&- &
	echo $! >>"$T/pids"
}

@test "wait_port: returns once a UDP or a TCP port opens in the namespace, and names the listener's pid" {
	listen_later udp 5067 1
	listen_later tcp 5080 1
	refute listens -n "$NS" udp 5067
	wait_port -n "$NS" -t 20 udp 5067 "a UDP listener"
	wait_port -n "$NS" -t 20 tcp 5080 "a TCP listener"
	listens -n "$NS" udp 5067
	listens -n "$NS" tcp 5080
	# the protocols are told apart: nothing listens on TCP 5067
	refute listens -n "$NS" tcp 5067
	[ "$(port_pids -n "$NS" tcp 5080)" = "$(sed -n 2p "$T/pids")" ]
}

@test "wait_port: a port that never opens fails within the bound, naming the port, the namespace and what was awaited" {
	local t0=$SECONDS
	run wait_port -n "$NS" -t 2 udp 5999 "a dhcpd that never starts"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "UDP port 5999 in netns $NS: nothing listening after 2 s (waited for a dhcpd that never starts)" ]
	[ $((SECONDS - t0)) -le 5 ]
	run wait_port -n "$NS" -t 1 tcp 5998
	[ "$status" -eq 1 ]
	[ "$output" = "TCP port 5998 in netns $NS: nothing listening after 1 s (waited for a listener)" ]
}

@test "wait_port --closed: returns once the listener is gone, fails naming it while it stays" {
	listen_later tcp 5081
	wait_port -n "$NS" -t 20 tcp 5081
	run wait_port -n "$NS" -t 1 --closed tcp 5081 "the old server to stop"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "TCP port 5081 in netns $NS: still listened on after 1 s, by: users:((\"python3\",pid=$(cat "$T/pids"),"*"(waited for the old server to stop)" ]]
	stop_pids 5 "$(cat "$T/pids")"
	wait_port -n "$NS" -t 20 --closed tcp 5081
	refute listens -n "$NS" tcp 5081
}

@test "wait_port without -n: the current namespace (here, the test's, entered by ip netns exec)" {
	listen_later udp 5069 1
	run ip netns exec "$NS" bash -c '. "$1/tests/support/wait.bash" && wait_port -t 20 udp 5069 && wait_port -t 1 udp 5070 dnsmasq' _ "$BATS_TEST_DIRNAME/../.."
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "UDP port 5070 on this host: nothing listening after 1 s (waited for dnsmasq)" ]
}

@test "wait_port: a wrong call is refused (status 2) with what was expected" {
	run wait_port -n "$NS" sctp 5067
	[ "$status" -eq 2 ]
	[ "$output" = 'wait_port: the protocol is udp or tcp, not "sctp"' ]
	run wait_port -n "$NS" udp
	[ "$status" -eq 2 ]
	[ "$output" = 'wait_port: the port is a number, not ""' ]
	run wait_port -t 0.5 udp 67
	[ "$status" -eq 2 ]
	[[ "$output" == *'-t takes whole seconds'* ]]
}

@test "wait_until and wait_gone: done as soon as the condition holds; a timeout names what was awaited" {
	run wait_until 1 "a file that never appears" test -e "$T/never"
	[ "$status" -eq 1 ]
	[ "$output" = "gave up waiting for a file that never appears after 1 s" ]
	(sleep 1 && touch "$T/later") 3>&- &
	wait_until 20 "the file" test -e "$T/later"
	listen_later udp 5071
	local pid
	pid=$(cat "$T/pids")
	run wait_gone 1 "$pid"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "still running after 1 s: $pid ("*"python3 -c "*")" ]]
	stop_pids 5 "$pid"
	wait_gone 1 "$pid"
}
