#!/usr/bin/env bats
# The lab for remote syslog, the firewall and XDMCP: a server namespace with a bridge
# (the thin-client interface), a thin client in the thin-client subnet
# (192.0.2.0/25) and an outsider on the same wire but outside it (192.0.2.200).
#   syslog: the real syslog-ng and rsyslogd run the files ltspcfg-ts renders;
#           the client's messages (UDP and TCP) land in <log_dir>/<address>.log,
#           the outsider's nowhere.
#   firewall: the rendered nftables table and iptables chain, loaded in the
#           server namespace: the client reaches NFS's port, the outsider does
#           not, a port the rules do not name stays reachable.
#   xdmcp: the real xdm with the Xaccess and xdm-config ltspcfg-ts edits
#           answers the client's XDMCP Query with Willing, the outsider's with
#           Unwilling, and nobody before the edit (requestPort 0).
# Needs root; makes and removes its own namespaces (ltsfw<pid>*).

load ../support/bats
load ../support/wire

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	T=$(mktemp -d)
	P="ltsfw$$"
	SRV="${P}s" CLI="${P}c" OUT="${P}o" BR="${P}b"
	wire_up "$SRV" "$CLI" "$OUT" "$BR"
	mkdir -p "$T/root" "$T/log"
	cat >"$T/site.toml" <<-EOF
		[server]
		address   = "192.0.2.1"
		interface = "$BR"
		[network]
		subnet = "192.0.2.0/25"
		[dhcp]
		mode = "none"
		[syslog]
		log_dir = "$T/log"
		[firewall]
		enabled = true
		[xdmcp]
		display_manager = "xdm"
	EOF
	export T P SRV CLI OUT BR
}

teardown_file() {
	[ -n "${P:-}" ] || return 0
	wire_down "$SRV" "$CLI" "$OUT"
	rm -rf "$T"
}

setup() {
	skip_if_file_skipped
}

# stops the test's daemons by pid and waits until they are gone: the next
# test's daemon binds the same ports
teardown() {
	if file_skipped; then return; fi
	# shellcheck disable=SC2046
	stop_pids 5 $(cat "$T"/*.pid 2>/dev/null)
	rm -f "$T"/*.pid
	ip netns exec "$SRV" nft flush ruleset 2>/dev/null || true
	ip netns exec "$SRV" iptables -F 2>/dev/null || true
	ip netns exec "$SRV" iptables -X 2>/dev/null || true
	rm -rf "${T:?}"/log/*
}

ltspcfg() {
	node "$REPO/dist/ltspcfg-ts.js" --gentoo --root "$T/root" --config "$T/site.toml" --no-color "$@"
}

# site.toml with $1 = value for syslog.daemon or firewall.backend
use() {
	sed -i -e "/^daemon = /d" -e "/^backend = /d" "$T/site.toml"
	case $1 in
	syslog-ng | rsyslog) sed -i "s/^\[syslog\]$/[syslog]\ndaemon = \"$1\"/" "$T/site.toml" ;;
	*) sed -i "s/^\[firewall\]$/[firewall]\nbackend = \"$1\"/" "$T/site.toml" ;;
	esac
}

# the client and the outsider each send one message over UDP 514 and one over TCP 5140
send_all() {
	local ns
	for ns in "$CLI" "$OUT"; do
		ip netns exec "$ns" timeout 5 logger -n 192.0.2.1 -P 514 -d -t ltsplab "udp-from-$ns" || true
		ip netns exec "$ns" timeout 5 logger -n 192.0.2.1 -P 5140 -T -t ltsplab "tcp-from-$ns" || true
	done
}

assert_per_host_logs() {
	logged "$T/log/192.0.2.10.log" "udp-from-$CLI"
	logged "$T/log/192.0.2.10.log" "tcp-from-$CLI"
	# the client speaks last, on each transport after the outsider: once its last
	# messages are logged, the daemon has read the outsider's before them (one
	# UDP socket read in order; the outsider's TCP connection was closed before
	# the client's last one opened), so where they went is settled
	ip netns exec "$CLI" timeout 5 logger -n 192.0.2.1 -P 514 -d -t ltsplab "udp-last-from-$CLI"
	ip netns exec "$CLI" timeout 5 logger -n 192.0.2.1 -P 5140 -T -t ltsplab "tcp-last-from-$CLI"
	logged "$T/log/192.0.2.10.log" "udp-last-from-$CLI"
	logged "$T/log/192.0.2.10.log" "tcp-last-from-$CLI"
	refute grep -rqs "from-$OUT" "$T/log"
	[ "$(find "$T/log" -type f | wc -l)" = 1 ]
}

@test "syslog-ng runs the rendered conf.d file: the client's UDP and TCP logs in its own file, the outsider's nowhere" {
	command -v syslog-ng >/dev/null || skip "syslog-ng is not installed"
	use syslog-ng
	ltspcfg render syslog --path /etc/syslog-ng/conf.d/ltsp-ts.conf >"$T/ltsp-ts.conf"
	printf '@version: current\n@include "%s"\n' "$T/ltsp-ts.conf" >"$T/syslog-ng.conf"
	ip netns exec "$SRV" syslog-ng -F --no-caps -f "$T/syslog-ng.conf" -p "$T/sng.pidfile" \
		-c "$T/sng.ctl" -R "$T/sng.persist" >"$T/syslog-ng.out" 2>&1 3>&- &
	echo $! >"$T/syslog-ng.pid"
	{ wait_port -n "$SRV" udp 514 syslog-ng && wait_port -n "$SRV" tcp 5140 syslog-ng; } || { cat "$T/syslog-ng.out"; false; }
	send_all
	assert_per_host_logs
	# dated by the server when received, to the millisecond, as `clients` reads it
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} 192\.0\.2\.10 .*udp-from-$CLI" "$T/log/192.0.2.10.log" ||
		{ cat "$T/log/192.0.2.10.log"; false; }
}

@test "rsyslogd runs the rendered rsyslog.d file: the client's UDP and TCP logs in its own file, the outsider's nowhere" {
	use rsyslog
	ltspcfg render syslog --path /etc/rsyslog.d/ltsp-ts.conf >"$T/rsyslog.conf"
	local tool bin moddir libs
	tool=$(cd "$REPO" && node --import tsx -e 'const t = require("./tests/support/debtools.ts").rsyslogd(); console.log([t.bin, t.moduleDir, t.env.LD_LIBRARY_PATH].join("\n"))')
	bin=$(sed -n 1p <<<"$tool") moddir=$(sed -n 2p <<<"$tool") libs=$(sed -n 3p <<<"$tool")
	ip netns exec "$SRV" env LD_LIBRARY_PATH="$libs" "$bin" -n -M "$moddir" -f "$T/rsyslog.conf" \
		-i "$T/rsyslogd.pidfile" >"$T/rsyslogd.out" 2>&1 3>&- &
	echo $! >"$T/rsyslogd.pid"
	{ wait_port -n "$SRV" udp 514 rsyslogd && wait_port -n "$SRV" tcp 5140 rsyslogd; } || { cat "$T/rsyslogd.out"; false; }
	send_all
	assert_per_host_logs
}

# a TCP listener on port $1 in the server namespace (busybox nc, one connection)
serve() {
	ip netns exec "$SRV" busybox nc -l -p "$1" >/dev/null 2>&1 </dev/null 3>&- &
	echo $! >"$T/nc-$1.pid"
	wait_port -n "$SRV" tcp "$1" "busybox nc"
}

# does a TCP connection from namespace $1 to the server's port $2 get through?
reaches() {
	serve "$2"
	ip netns exec "$1" busybox nc -w 2 192.0.2.1 "$2" </dev/null >/dev/null 2>&1
	local rc=$?
	# the listener has exited after one connection, or is still waiting for one
	kill "$(cat "$T/nc-$2.pid")" 2>/dev/null || true
	wait "$(cat "$T/nc-$2.pid")" 2>/dev/null || true
	rm -f "$T/nc-$2.pid"
	return $rc
}

assert_firewall() {
	# NFS from the thin-client subnet: through; from the outsider on the same wire: dropped
	reaches "$CLI" 2049
	refute reaches "$OUT" 2049
	# mountd's pinned port likewise
	reaches "$CLI" 32767
	refute reaches "$OUT" 32767
	# a port the rules do not name is none of their business
	reaches "$OUT" 8080
}

@test "firewall: the nftables table, loaded as Gentoo's service loads rules-save, lets the subnet in and keeps the outsider out" {
	command -v nft >/dev/null || skip "nft is not installed"
	command -v busybox >/dev/null || skip "busybox is not installed"
	use nftables
	# before: the outsider reaches NFS's port
	reaches "$OUT" 2049
	ltspcfg render firewall >"$T/rules-save"
	ip netns exec "$SRV" nft -c -f "$T/rules-save"
	ip netns exec "$SRV" nft -f "$T/rules-save"
	assert_firewall
}

@test "firewall: the iptables chain, restored as Gentoo's service restores rules-save, lets the subnet in and keeps the outsider out" {
	command -v iptables-restore >/dev/null || skip "iptables is not installed"
	command -v busybox >/dev/null || skip "busybox is not installed"
	use iptables
	reaches "$OUT" 2049
	ltspcfg render firewall >"$T/rules-save"
	ip netns exec "$SRV" iptables-restore --test "$T/rules-save"
	ip netns exec "$SRV" iptables-restore "$T/rules-save"
	assert_firewall
}

# the xdm of Debian's package (unpacked in the test cache) on xdm-config $1, in the server namespace
start_xdm() {
	local bin
	bin=$(cd "$REPO" && node --import tsx -e 'console.log(require("./tests/support/debtools.ts").xdm().bin)')
	ip netns exec "$SRV" "$bin" -nodaemon -config "$1" >"$T/xdm.out" 2>&1 3>&- &
	echo $! >"$T/xdm.pid"
}

# the opcode xdm answers a Query from $1 in namespace $2 with (5 Willing, 6 Unwilling, none)
query() {
	ip netns exec "$2" perl "$BATS_TEST_DIRNAME/lib/xdmcp-query.pl" "$1" 192.0.2.1
}

# the same, asking again while nothing answers (a busy xdm): at most 5 Queries, 3 s each
answer() {
	local i a=none
	for i in 1 2 3 4 5; do
		a=$(query "$1" "$2")
		[ "$a" = none ] || break
	done
	echo "$a"
}

@test "xdmcp: xdm with the edited Xaccess and xdm-config is willing for the thin client and unwilling for the outsider" {
	command -v perl >/dev/null || skip "perl is not installed"
	# the files as xdm's package leaves them, where ltspcfg-ts edits them
	mkdir -p "$T/root/etc/X11/xdm" "$T/xdm"
	cp "$REPO/tests/fixtures/system/Xaccess" "$REPO/tests/fixtures/system/xdm-config" "$T/root/etc/X11/xdm/"
	ltspcfg render xdmcp --path /etc/X11/xdm/Xaccess >"$T/xdm/Xaccess"
	ltspcfg render xdmcp --path /etc/X11/xdm/xdm-config >"$T/xdm/xdm-config.rendered"
	grep -q '^192\.0\.2\.10	# thin client$' "$T/xdm/Xaccess"
	# run it from the test directory: its files there, no local X server, no Xwilling script
	local cfg
	for cfg in before edited; do
		if [ $cfg = before ]; then src="$T/root/etc/X11/xdm/xdm-config"; else src="$T/xdm/xdm-config.rendered"; fi
		sed -e "s|/etc/X11/xdm/|$T/xdm/|g" -e "s|/var/log/xdm.log|$T/xdm/xdm.log|" \
			-e "s|/var/run/xdm.pid|$T/xdm/xdm.pidfile|" -e '/^DisplayManager\.willing:/d' "$src" >"$T/xdm/xdm-config.$cfg"
		printf 'DisplayManager.authDir:\t%s\n' "$T/xdm" >>"$T/xdm/xdm-config.$cfg"
	done
	: >"$T/xdm/Xservers"
	# as shipped (requestPort 0): nothing answers XDMCP (with no local display either, xdm exits)
	# xdm reads its config, finds nothing to manage and exits: wait for that
	# (at most 30 s), so the query below asks an xdm that has made up its mind
	start_xdm "$T/xdm/xdm-config.before"
	wait_gone 30 "$(cat "$T/xdm.pid")"
	refute listens -n "$SRV" udp 177
	[ "$(query 192.0.2.10 "$CLI")" = none ]
	wait "$(cat "$T/xdm.pid")" 2>/dev/null || true
	rm -f "$T/xdm.pid" "$T/xdm/xdm.pidfile"
	# edited: port 177, the thin-client subnet's addresses in Xaccess
	start_xdm "$T/xdm/xdm-config.edited"
	wait_port -n "$SRV" udp 177 xdm || { cat "$T/xdm.out" "$T/xdm/xdm.log"; false; }
	[ "$(answer 192.0.2.10 "$CLI")" = 5 ]
	[ "$(answer 192.0.2.200 "$OUT")" = 6 ]
}
