#!/bin/bash
# Boot storm: N Etherboot thin clients (default 200), each with its own MAC
# listed in the site, ask dhcpd.1067 for a lease at the same moment. Their
# addresses come from the documentation networks the lab may use:
# 192.0.2.20-219, then 198.51.100.2-253 (a second subnet on the same wire,
# network.extra_subnet), so N is at most 452. dhcpd.1067 is started through its OpenRC script (Debian's
# openrc-run) in a server namespace; bench/dhcp-boot-storm.mjs plays every
# client from one UDP socket in the client namespace (port 1068 -> 1067, the
# full DISCOVER/OFFER/REQUEST/ACK). Prints the time until the last ACK and how
# many clients failed. Goal: <= 10 s, none lost. Needs root.
#
#   bench/dhcp-boot-storm.sh [--dynamic] [COUNT [-- GENERATOR-OPTIONS]]
#
# --dynamic: the hosts have no fixed address; dhcpd leases them addresses from
# dhcp.range (lease database writes and its ping check before each offer).
set -eu
cd "$(dirname "$0")/.."

dynamic=
if [ "${1:-}" = --dynamic ]; then
	dynamic=--dynamic
	shift
fi
count=${1:-200}
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
# the rest goes to the generator, e.g. -- --retry-ms 4000
max=452
case $count in '' | *[!0-9]*) echo "usage: $0 [--dynamic] [COUNT [-- GENERATOR-OPTIONS]]   (COUNT 1..$max)" >&2; exit 2 ;; esac
if [ "$count" -lt 1 ] || [ "$count" -gt "$max" ]; then
	echo "dhcp-boot-storm: COUNT must be 1..$max: the clients' addresses come from 192.0.2.20-219 and 198.51.100.2-253, the documentation networks a test may use" >&2
	exit 2
fi
# client i's address: 192.0.2.(20 + i), past 199 198.51.100.(i - 198)
address() { if [ "$1" -lt 200 ]; then echo "192.0.2.$((20 + $1))"; else echo "198.51.100.$(($1 - 198))"; fi; }
second=$((count > 200 ? count - 200 : 0))
if [ "$(id -u)" != 0 ]; then
	echo "dhcp-boot-storm: needs root (network namespaces)" >&2
	exit 2
fi
[ -f dist/ltspcfg-ts.js ] || npm run --silent build

# shellcheck source=tests/lab/lib/dhcp-1067.bash
. tests/lab/lib/dhcp-1067.bash
dh_init "ltsdh$$"
trap dh_teardown EXIT
trap 'exit 130' INT TERM
dh_netns_up
# the generator's socket needs an address and a way to 255.255.255.255
ip -n "$CLI" addr add 192.0.2.254/24 dev "$CIF"
ip -n "$CLI" route add 255.255.255.255/32 dev "$CIF"

# the hosts: with fixed addresses (see address), or (--dynamic) none, their
# addresses then come from dhcp.range and the second subnet's range
hosts=$(
	echo '[[group]]'
	echo 'name = "STORM"'
	for i in $(seq 0 $((count - 1))); do
		printf '[[group.host]]\nname = "storm%03d"\nmac = "02:1d:0f:00:%02x:%02x"\ndhcp_port = 1067\n' \
			"$i" $((i >> 8)) $((i & 255))
		[ -n "$dynamic" ] || printf 'address = "%s"\n' "$(address "$i")"
	done
	if [ "$second" -gt 0 ]; then
		printf '[[network.extra_subnet]]\nsubnet = "198.51.100.0/24"\n'
		[ -z "$dynamic" ] || printf '  range = ["198.51.100.2", "198.51.100.%d"]\n' $((1 + second))
	fi
)
dh_site port-1067 false "$hosts"
if [ -n "$dynamic" ]; then
	last=$((count > 200 ? 200 : count))
	sed -i "s/^range = .*/range = [\"192.0.2.20\", \"192.0.2.$((19 + last))\"]/" "$T/site.toml"
fi
addresses=192.0.2.20-192.0.2.219
[ "$second" = 0 ] || addresses=$addresses,198.51.100.2-198.51.100.253

t0=$(date +%s%N)
svc start >"$T/start.log" 2>&1 || { cat "$T/start.log" >&2; exit 1; }
t1=$(date +%s%N)
dh_wait_dhcpd 50 >/dev/null

echo "dhcpd.1067 boot storm ($(dhcpd --version 2>&1), via openrc-run)"
echo "site:             $((count + 1)) hosts, rendered and checked by the service's start"
echo "service start:    $(((t1 - t0) / 1000000)) ms (render, dhcpd -t, supervise-daemon, dhcpd listening)"
rc=0
ip netns exec "$CLI" node bench/dhcp-boot-storm.mjs --count "$count" --mac-prefix 02:1d:0f:00 \
	--addresses "$addresses" --file /lts/vmlinuz-lab --deadline 30 $dynamic "$@" || rc=$?
svc stop >/dev/null 2>&1 || true
exit "$rc"
