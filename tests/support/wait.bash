# Waiting for a condition instead of for a fixed time, always bounded in count
# and in time, with a failure message that says what was waited for. Sourced by
# tests/support/bats.bash, the lab's libraries (tests/lab/lib/*.bash) and the
# benchmarks that use them; plain bash, no bats needed.
#
#   wait_until SECONDS WHAT COMMAND...      until COMMAND succeeds
#   wait_port [-n NETNS] [-t SECONDS] [--closed] udp|tcp PORT [WHAT]
#                                           until something listens on PORT
#                                           (--closed: until nothing does)
#   listens [-n NETNS] udp|tcp PORT         is something listening now?
#   port_pids [-n NETNS] udp|tcp PORT       the pids of the listeners, one a line
#   wait_gone SECONDS PID...                until each process has ended
#   holds_or_ended PID COMMAND...           (for wait_until) COMMAND succeeds,
#                                           or process PID has ended
#   stop_pids SECONDS PID...                SIGTERM, wait_gone, SIGKILL what is left

# Runs COMMAND (a function is fine) every 0.1 s until it succeeds: at most
# SECONDS seconds and SECONDS * 10 tries. On a timeout it says "gave up
# waiting for WHAT after N s" on stderr and fails.
wait_until() {
	local limit=$1 what=$2 end _
	shift 2
	end=$((SECONDS + limit))
	for _ in $(seq 1 $((limit * 10))); do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	"$@" && return 0
	echo "gave up waiting for $what after $limit s" >&2
	return 1
}

# parses [-n NETNS] [-t SECONDS] [--closed] udp|tcp PORT [WHAT] into the
# caller's locals ns, limit, closed, proto, port, what; status 2 on bad usage
_port_args() {
	ns="" limit=30 closed="" what=""
	while [ $# -gt 0 ]; do
		case $1 in
		-n)
			ns=$2
			shift 2
			;;
		-t)
			limit=$2
			shift 2
			;;
		--closed)
			closed=1
			shift
			;;
		*) break ;;
		esac
	done
	proto=${1:-} port=${2:-} what=${3:-}
	case $proto in
	udp | tcp) ;;
	*)
		echo "wait_port: the protocol is udp or tcp, not \"$proto\"" >&2
		return 2
		;;
	esac
	case $port in
	'' | *[!0-9]*)
		echo "wait_port: the port is a number, not \"$port\"" >&2
		return 2
		;;
	esac
	case $limit in
	'' | *[!0-9]* | 0)
		echo "wait_port: -t takes whole seconds, at least 1, not \"$limit\"" >&2
		return 2
		;;
	esac
}

# the ss lines of the sockets listening on $proto port $port (in $ns); $1: more ss options
_port_sockets() {
	if [ -n "$ns" ]; then
		ip netns exec "$ns" ss -H -l -n ${1:+"$1"} "--$proto" "sport = :$port"
	else
		ss -H -l -n ${1:+"$1"} "--$proto" "sport = :$port"
	fi
}

# exit 0 when something listens on the port now
listens() {
	local ns limit closed proto port what
	_port_args "$@" || return
	[ -n "$(_port_sockets)" ]
}

# the pids of the processes listening on the port, one a line (none: nothing)
port_pids() {
	local ns limit closed proto port what
	_port_args "$@" || return
	_port_sockets -p | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un
}

# Waits until something listens on the port (with --closed: until nothing
# does), at most -t SECONDS (default 30). On a timeout, for example:
#   UDP port 67 in netns ltsdh42srv: nothing listening after 30 s (waited for dhcpd)
wait_port() {
	local ns limit closed proto port what end _
	_port_args "$@" || return
	end=$((SECONDS + limit))
	for _ in $(seq 1 $((limit * 10))); do
		if [ -n "$(_port_sockets)" ]; then
			[ -z "$closed" ] && return 0
		else
			[ -n "$closed" ] && return 0
		fi
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	local where=${ns:+in netns $ns}
	if [ -n "$closed" ]; then
		echo "${proto^^} port $port ${where:-on this host}: still listened on after $limit s, by: $(_port_sockets -p | sed 's/.*users:/users:/' | tr '\n' ' ')(waited for ${what:-it to close})" >&2
	else
		echo "${proto^^} port $port ${where:-on this host}: nothing listening after $limit s (waited for ${what:-a listener})" >&2
	fi
	return 1
}

# true when process $1 has ended: gone, or a zombie nobody has reaped yet
_ended() {
	[ ! -e "/proc/$1" ] || grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

# true when COMMAND succeeds or process PID has ended: a client that gives
# up on its own ends the wait early (the caller then checks what it got)
holds_or_ended() {
	local pid=$1
	shift
	"$@" && return 0
	_ended "$pid"
}

# Waits until each process has ended (gone, or a zombie its parent has not
# reaped), at most SECONDS for them all; on a timeout names those left.
wait_gone() {
	local limit=$1 end p _
	shift
	end=$((SECONDS + limit))
	for p in "$@"; do
		for _ in $(seq 1 $((limit * 10))); do
			_ended "$p" && break
			[ "$SECONDS" -lt "$end" ] || break
			sleep 0.1
		done
	done
	local left=""
	for p in "$@"; do
		_ended "$p" || left="$left $p ($(tr '\0\n' '  ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-60))"
	done
	[ -z "$left" ] && return 0
	echo "still running after $limit s:$left" >&2
	return 1
}

# Stops processes by their pids: SIGTERM, then at most SECONDS for them to
# end, then SIGKILL to any left. Fails only when one survives even that.
stop_pids() {
	local limit=$1 p
	shift
	[ $# -gt 0 ] || return 0
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
	done
	wait_gone "$limit" "$@" 2>/dev/null && return 0
	for p in "$@"; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait_gone 5 "$@"
}
