# Helpers for the ltsp-tftpd tests: a network namespace of the test's own, a
# copy of the service under a unique name, a site.toml and an ltspcfg-ts
# wrapper. Loaded by tests/bats/ltsp-tftpd*.bats and tests/lab/tftp*.bats.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/support/wait.bash
. "$REPO/tests/support/wait.bash"

# $1: namespace/service name; $2: server address; $3: the service to copy
# (default ltsp-tftpd); sets up T (temp dir) and the service copy
tftpd_setup() {
	NAME=$1
	ADDR=$2
	T=$(mktemp -d "/tmp/${NAME}.XXXXXX")
	mkdir -p "$T/init.d" "$T/conf.d" "$T/bin" "$T/tftpboot" "$T/outside"
	cp "$REPO/init.d/${3:-ltsp-tftpd}" "$T/init.d/$NAME"
	cat >"$T/conf.d/$NAME" <<-EOF
		LTSP_SITE="$T/site.toml"
		LTSPCFG="$T/bin/ltspcfg-ts"
		TFTPD_RESPAWN_DELAY=1
	EOF
	cat >"$T/bin/ltspcfg-ts" <<-EOF
		#!/bin/sh
		exec node "$REPO/dist/ltspcfg-ts.js" "\$@"
	EOF
	chmod +x "$T/bin/ltspcfg-ts"
	[ -f "$REPO/dist/ltspcfg-ts.js" ] || (cd "$REPO" && npm run -s build)
	# OpenRC on Debian needs a softlevel before openrc-run works (DESIGN.md section 9)
	mkdir -p /run/openrc
	[ -e /run/openrc/softlevel ] || echo default >/run/openrc/softlevel
	export NAME ADDR T
}

# $1: tftp.root (default $T/tftpboot); $2: more [tftp] lines
write_site() {
	{
		cat <<-EOF
			[server]
			address = "$ADDR"
			interface = "${NAME}d"
			[network]
			subnet = "${ADDR%.*}.0/24"
			[tftp]
			root = "${1:-$T/tftpboot}"
			group = "nogroup"
		EOF
		printf '%s\n' "${2:-}"
	} >"$T/site.toml"
}

# a namespace with one interface holding $ADDR (a veth pair: no dummy module here)
netns_up() {
	ip netns add "$NAME"
	ip -n "$NAME" link set lo up
	ip -n "$NAME" link add "${NAME}d" type veth peer name "${NAME}p"
	ip -n "$NAME" link set "${NAME}p" up
	ip -n "$NAME" addr add "$ADDR/24" dev "${NAME}d"
	ip -n "$NAME" link set "${NAME}d" up
}

# runs the service copy inside the namespace
svc() {
	ip netns exec "$NAME" openrc-run "$T/init.d/$NAME" "$@"
}

# checkconfig and start both fail, each naming why ($1); nothing listens afterwards
refused_by_checkconfig_and_start() {
	local cmd
	for cmd in checkconfig start; do
		run svc "$cmd"
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$1"* ]]
	done
	[ -z "$(listeners)" ]
}

# the pids listening on UDP port $1 (default 69) in the namespace, one a line
listeners() {
	port_pids -n "$NAME" udp "${1:-69}"
}

# true when `listeners $2` prints something other than $1; keeps it in LISTENERS
listeners_other_than() {
	LISTENERS=$(listeners "$2")
	[ -n "$LISTENERS" ] && [ "$LISTENERS" != "$1" ]
}

# waits up to $1 seconds until `listeners $3` prints something other than $2
# (after a restart: a new pid); prints it
wait_listener() {
	local LISTENERS
	wait_until "$1" "a TFTP server on UDP port ${3:-69} in netns $NAME${2:+ other than pid $2}" \
		listeners_other_than "${2:-}" "${3:-69}" || return
	echo "$LISTENERS"
}

# fetches tftp://$ADDR/$1 into $2 with curl inside the namespace; more curl options after
fetch() {
	local path=$1 out=$2
	shift 2
	ip netns exec "$NAME" curl -sS --max-time 10 "$@" -o "$out" "tftp://$ADDR/$path"
}

tftpd_teardown() {
	[ -n "${T:-}" ] || return 0
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
	local p
	for p in $(listeners 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	ip netns del "$NAME" 2>/dev/null || true
	rm -rf "$T"
}
