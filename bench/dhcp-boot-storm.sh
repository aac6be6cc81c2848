#!/bin/bash
# Boot storm: N Etherboot thin clients (default 200), each with its own MAC
# listed in the site, ask dhcpd.1067 for a lease at the same moment.
# dhcpd.1067 is started through its OpenRC script (Debian's openrc-run) in a
# server namespace; bench/dhcp-boot-storm.mjs plays every client from one UDP
# socket in the client namespace, from 0.0.0.0 as a boot ROM does (port 1068
# -> 1067, the full DISCOVER/OFFER/REQUEST/ACK). Prints the time until the
# last ACK, how many clients failed and how many DISCOVERs and REQUESTs were
# retransmitted. Goal: <= 10 s, none lost. Needs root.
#
#   bench/dhcp-boot-storm.sh [--dynamic] [COUNT|max [-- GENERATOR-OPTIONS]]
#
# Every client holds its address at once, one each, and the addresses come
# from the two documentation networks the lab may use: 192.0.2.0/24 (the
# server has .1, the site's ws1 .11) and 198.51.100.0/24, a second subnet on
# the same wire (network.extra_subnet). Fixed addresses: 192.0.2.2-254 but
# .11, then 198.51.100.1-254, so COUNT is at most 506 ("max"). --dynamic: the
# hosts have no fixed address; dhcpd leases them addresses from dhcp.range,
# 192.0.2.12-254 (one range a subnet, above ws1), then 198.51.100.1-254:
# at most 497 (lease database writes and its ping check before each offer).
# A larger COUNT is refused: it cannot be played without addresses from
# elsewhere or clients sharing one.
set -eu
cd "$(dirname "$0")/.."
# node as a Gentoo server runs it (bench/user-env.mjs): the service's render
unset NODE_EXTRA_CA_CERTS

usage="usage: $0 [--dynamic] [COUNT|max [-- GENERATOR-OPTIONS]]"
dynamic=
if [ "${1:-}" = --dynamic ]; then
	dynamic=--dynamic
	shift
fi
count=${1:-200}
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
# the rest goes to the generator, e.g. -- --retry-ms 4000

# the clients' addresses, in the order the clients take them; $main of them
# in 192.0.2.0/24, the rest in 198.51.100.0/24
if [ -n "$dynamic" ]; then
	main=243
	pool=192.0.2.12-192.0.2.254,198.51.100.1-198.51.100.254
else
	main=252
	pool=192.0.2.2-192.0.2.10,192.0.2.12-192.0.2.254,198.51.100.1-198.51.100.254
fi
max=$((main + 254))
[ "$count" = max ] && count=$max
case $count in
'' | *[!0-9]* | 0*) echo "dhcp-boot-storm: COUNT \"$count\" is not a number from 1 to $max; $usage" >&2; exit 2 ;;
esac
if [ "${#count}" -gt 6 ] || [ "$count" -gt "$max" ]; then
	where="beside the server's and ws1's"
	[ -z "$dynamic" ] || where="in their dynamic ranges, one a subnet"
	echo "dhcp-boot-storm: $count clients need $count addresses at once; 192.0.2.0/24 and 198.51.100.0/24, the only networks a test may use, hold $max $where (COUNT 1..$max)" >&2
	exit 2
fi
# client i's fixed address: the i-th of $pool
address() {
	if [ "$1" -lt 9 ]; then
		echo "192.0.2.$((2 + $1))"
	elif [ "$1" -lt "$main" ]; then
		echo "192.0.2.$((3 + $1))"
	else
		echo "198.51.100.$(($1 - main + 1))"
	fi
}
second=$((count > main ? count - main : 0))
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
# the generator sends from 0.0.0.0, as a boot ROM does: no address, only a
# way to 255.255.255.255
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
		[ -z "$dynamic" ] || printf 'range = ["198.51.100.1", "198.51.100.%d"]\n' "$second"
	fi
)
dh_site port-1067 false "$hosts"
# dhcp.range: the first clients' addresses (--dynamic), or none: fixed hosts only
if [ -n "$dynamic" ]; then
	sed -i "s/^range = \[\"192\.0\.2\..*/range = [\"192.0.2.12\", \"192.0.2.$((11 + (count < main ? count : main)))\"]/" "$T/site.toml"
else
	sed -i '/^range = \["192\.0\.2\./d' "$T/site.toml"
fi

t0=$(date +%s%N)
svc start >"$T/start.log" 2>&1 || { cat "$T/start.log" >&2; exit 1; }
t1=$(date +%s%N)
dh_wait_dhcpd 5 >/dev/null

echo "dhcpd.1067 boot storm ($(dhcpd --version 2>&1), via openrc-run)"
echo "site:             $((count + 1)) hosts, rendered and checked by the service's start"
echo "service start:    $(((t1 - t0) / 1000000)) ms (render, dhcpd -t, supervise-daemon, dhcpd listening)"
rc=0
ip netns exec "$CLI" node bench/dhcp-boot-storm.mjs --count "$count" --mac-prefix 02:1d:0f:00 \
	--addresses "$pool" --file /lts/vmlinuz-lab --deadline 30 $dynamic "$@" || rc=$?
svc stop >/dev/null 2>&1 || true
exit "$rc"
