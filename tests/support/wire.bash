# One wire with a thin client and an outsider on it, for the tests that show
# who a service lets in (load ../support/wire):
#   $1: the server's namespace, with a bridge $4 holding 192.0.2.1/24;
#   $2: a thin client's namespace, 192.0.2.10;
#   $3: an outsider's namespace on the same wire, 192.0.2.200.
# A site.toml with subnet 192.0.2.0/25 has the client inside and the outsider out.

wire_up() {
	local srv=$1 cli=$2 out=$3 br=$4 ns addr
	ip netns add "$srv"
	ip netns add "$cli"
	ip netns add "$out"
	ip -n "$srv" link add "$br" type bridge
	ip -n "$srv" addr add 192.0.2.1/24 dev "$br"
	ip -n "$srv" link set "$br" up
	ip -n "$srv" link set lo up
	for ns in "$cli" "$out"; do
		[ "$ns" = "$cli" ] && addr=192.0.2.10 || addr=192.0.2.200
		ip link add "${ns}p" netns "$srv" type veth peer name "${ns}v" netns "$ns"
		ip -n "$srv" link set "${ns}p" master "$br" up
		ip -n "$ns" addr add "$addr/24" dev "${ns}v"
		ip -n "$ns" link set "${ns}v" up
		ip -n "$ns" link set lo up
	done
}

# removes the namespaces wire_up made (the links go with them)
wire_down() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
