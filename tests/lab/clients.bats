#!/usr/bin/env bats
# `ltspcfg-ts clients` and `trace` on the logs of real daemons: the generated
# dhcpd.conf served by ISC dhcpd (primary mode) and ltsp-tftpd (in.tftpd -v)
# in a server namespace, each logging through syslog to files of the test;
# syslog-ng with the generated config receiving the clients' own logs; real
# clients in a client namespace: dhclient (PXE vendor class), the tftp-hpa
# client, logger. Each test is one thin client of the site (its own MAC and
# fixed address), so their boots do not mix, and each creates one fault and
# asserts the diagnosis. Addresses from 192.0.2.0/24, names ltscl<pid>*.
#   server ns: 192.0.2.1 dhcpd, in.tftpd, syslog-ng   router ns: 192.0.2.2 another DHCP server (dnsmasq)
#   client ns: bridge (dhclient, tftp and logger run on it, with each host's MAC and address)

load ../support/bats
load lib/client-lab

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	pxe_init "ltscl$$"
	pxe_netns_up
	BR="${PX}br"
	# the name pxe_tftpd_service gives the service copy: every test (a subshell of its own) needs it
	PXE_SVC="${PX}tftpd"
	cat >"$T/site.toml" <<-EOF
		[server]
		address   = "$PXE_SERVER"
		interface = "$SIF"
		[network]
		subnet  = "192.0.2.0/24"
		routers = ["$PXE_SERVER"]
		[dhcp]
		mode  = "primary"
		range = ["192.0.2.100", "192.0.2.149"]
		[boot]
		pxe_filename = "/pxelinux.0"
		kernel       = "/lts/vmlinuz"
		initrd       = "/lts/initramfs.gz"
		[tftp]
		root    = "$T/tftpboot"
		user    = "nobody"
		group   = "$(id -gn nobody)"
		verbose = true
		[syslog]
		daemon  = "syslog-ng"
		log_dir = "$T/log"
		[xdmcp]
		display_manager = "xdm"
	EOF
	local i
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '[[host]]\nname = "ws%s"\nmac = "02:00:5e:00:00:2%s"\naddress = "192.0.2.2%s"\n' "$i" "$i" "$i" >>"$T/site.toml"
	done
	mkdir -p "$T/log"
	pxe_apply
	mkdir -p "$T/tftpboot/lts"
	head -c 200000 /dev/urandom >"$T/tftpboot/lts/vmlinuz"
	head -c 100000 /dev/urandom >"$T/tftpboot/lts/initramfs.gz"
	chown -R root:root "$T/tftpboot"
	# the same site with XDMCP disabled, and with the firewall target on
	sed 's/^display_manager = "xdm"$/enabled = false/' "$T/site.toml" >"$T/site-noxdmcp.toml"
	printf '[firewall]\nenabled = true\n' | cat "$T/site.toml" - >"$T/site-firewall.toml"
	export BR PXE_SVC
}

teardown_file() {
	if file_skipped; then return; fi
	pxe_teardown
}

setup() {
	skip_if_file_skipped
}

# ---- the server's daemons (started once, on first use) -----------------------

# dhcpd with the generated dhcpd.conf, logging through syslog to $T/messages
start_dhcpd() {
	[ -f "$T/dhcpd.started" ] && return 0
	: >"$T/dhcpd.leases"
	ip netns exec "$SNS" unshare -m --propagation private sh "$PXE_LIB/pxe-devlog.sh" "$T/devns-dhcpd" "$T/messages" "$T/syslogd-dhcpd.pid" \
		dhcpd -4 -f -cf "$T/sys/etc/dhcp/dhcpd.conf" -lf "$T/dhcpd.leases" -pf "$T/dhcpd.pid" "$SIF" </dev/null >"$T/dhcpd.out" 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$SNS" -t 10 udp 67 dhcpd || { cat "$T/dhcpd.out" >&2; return 1; }
	cat "$T/syslogd-dhcpd.pid" >>"$T/pids"
	touch "$T/dhcpd.started"
}

# ltsp-tftpd (the OpenRC service) logging to $T/tftpd.log
start_tftpd() {
	[ -f "$T/tftpd.started" ] && return 0
	pxe_tftpd_service
	touch "$T/tftpd.started"
}

# syslog-ng with the rendered client-log config, on 192.0.2.1:514
start_syslog_ng() {
	[ -f "$T/syslog-ng.pid" ] && return 0
	command -v syslog-ng >/dev/null || skip "syslog-ng is not installed"
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" render syslog --path /etc/syslog-ng/conf.d/ltsp-ts.conf >"$T/ltsp-ts.conf"
	printf '@version: current\n@include "%s"\n' "$T/ltsp-ts.conf" >"$T/syslog-ng.conf"
	ip netns exec "$SNS" syslog-ng -F --no-caps -f "$T/syslog-ng.conf" -p "$T/sng.pidfile" \
		-c "$T/sng.ctl" -R "$T/sng.persist" </dev/null >"$T/syslog-ng.out" 2>&1 3>&- &
	echo $! >"$T/syslog-ng.pid"
	pxe_track "$(cat "$T/syslog-ng.pid")"
	wait_port -n "$SNS" -t 10 udp 514 syslog-ng || { cat "$T/syslog-ng.out" >&2; return 1; }
}

# ---- the clients -----------------------------------------------------------------

# the client side takes host $1's MAC and fixed address (ws<N> -> 02:00:5e:00:00:2N, 192.0.2.2N)
become() {
	local n=${1#ws}
	MAC="02:00:5e:00:00:2$n" ADDR="192.0.2.2$n"
	ip -n "$CNS" addr flush dev "$BR"
	ip -n "$CNS" link set "$BR" address "$MAC"
}

# dhclient as a PXE ROM asks for a lease; $1: more dhclient.conf lines. Returns once bound (at most 30 s).
dhcp_ask() {
	local run
	run=$(mktemp -d "$T/dhc.XXXXXX")
	cat >"$run/conf" <<-EOF
		send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
		timeout 30; retry 1; initial-interval 1;
		${1:-}
	EOF
	printf '#!/bin/sh\necho "$reason $new_ip_address $new_dhcp_server_identifier" >>%s/reasons\n' "$run" >"$run/script"
	chmod +x "$run/script"
	ip netns exec "$CNS" timeout 40 dhclient -4 -1 -d -v -cf "$run/conf" -lf "$run/leases" -pf "$run/pid" -sf "$run/script" "$BR" >"$run/log" 2>&1 3>&- &
	local pid=$!
	pxe_track "$pid"
	# bound, or dhclient gave up; what it got is checked below
	wait_until 30 "dhclient's lease" holds_or_ended "$pid" grep -qs '^BOUND' "$run/reasons" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	DHCP_GOT=$(sed -n 's/^BOUND //p' "$run/reasons" 2>/dev/null)
	[ -n "$DHCP_GOT" ] || { cat "$run/log"; return 1; }
}

# the tftp-hpa client fetches $1 as the client ($ADDR); fails when the server refuses
tftp_get() {
	ip -n "$CNS" addr replace "$ADDR/24" dev "$BR"
	ip netns exec "$CNS" timeout 30 tftp -m binary "$PXE_SERVER" -c get "$1" "$T/got" 2>&1 | tee "$T/tftp.out"
	refute grep -q '^Error\|Transfer timed out' "$T/tftp.out"
}

# SITE: another site.toml of the test (default $T/site.toml)
clients() {
	"$T/bin/ltspcfg-ts" --config "${SITE:-$T/site.toml}" --no-color clients --log "$T/messages" --log "$T/tftpd.log" "$@"
}

trace() {
	"$T/bin/ltspcfg-ts" --config "${SITE:-$T/site.toml}" --no-color trace --log "$T/messages" --log "$T/tftpd.log" "$@"
}

# clients in the server namespace: its sockets and its firewall are the server's
server_clients() {
	ip netns exec "$SNS" "$T/bin/ltspcfg-ts" --config "${SITE:-$T/site.toml}" --no-color clients --log "$T/messages" --log "$T/tftpd.log" "$@"
}

# what the client's initramfs and session script send once its root is
# mounted (src/targets/image/*.hbs), over UDP to the server's syslog-ng
client_says() {
	ip netns exec "$CNS" logger --rfc3164 -n "$PXE_SERVER" -P 514 -d -t "$1" "$2"
}

# a thin client of the site (host $1) that booted to its root and started X
booted_to_x() {
	start_dhcpd
	start_tftpd
	start_syslog_ng
	become "$1"
	dhcp_ask "reject $PXE_ROUTER;"
	pxe_fetches
	client_says ltsp-init "root mounted: nfs:$PXE_SERVER:/opt/ltsp/i386"
	client_says ltsp "$1 ($ADDR, $MAC) up after 9 s; logging to $PXE_SERVER"
	client_says ltsp "starting X: XDMCP query to $PXE_SERVER"
	logged "$T/log/$ADDR.log" "starting X"
}

# the opcode the server's XDMCP port answers a Query from the client with (5 Willing, 6 Unwilling, none): at most 3 tries
xdmcp_answer() {
	local i a=none
	for i in 1 2 3; do
		a=$(ip netns exec "$CNS" perl "$PXE_LIB/xdmcp-query.pl" "$ADDR" "$PXE_SERVER")
		[ "$a" = none ] || break
	done
	echo "$a"
}

# the JSON row of host $1 from `clients --json` output in $output
row() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); const r = j.clients.find((c) => c.name === process.argv[1] || c.mac === process.argv[1]); console.log(JSON.stringify(r ?? null))' "$1" <<<"$output"
}

# a field of the row in $ROW, e.g. last_boot.problem.code
field() {
	node -e 'let v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v == null ? v : v[k]; console.log(typeof v === "object" ? JSON.stringify(v) : String(v))' "$ROW" "$1"
}

# runs `clients --json` with options $3...: true when host $1's problem code is
# $2 (the answer stays in $output, the host's row in ROW)
problem_is() {
	local host=$1 code=$2
	shift 2
	run clients --json "$@"
	ROW=$(row "$host")
	[ "$(field last_boot.problem.code)" = "$code" ]
}

# a boot through DHCP and TFTP as pxelinux does it: bootloader, per-host config, kernel, initrd
pxe_fetches() {
	tftp_get pxelinux.0
	tftp_get ldlinux.c32
	tftp_get pxelinux.cfg/default
	tftp_get lts/vmlinuz
	tftp_get lts/initramfs.gz
}

@test "a client that fetched kernel and initrd: every stage with its time, the boot time, then no mount request diagnosed" {
	start_dhcpd
	start_tftpd
	become ws1
	dhcp_ask
	[ "$DHCP_GOT" = "$ADDR $PXE_SERVER" ]
	pxe_fetches
	logged "$T/tftpd.log" "RRQ from $ADDR filename /?lts/initramfs.gz"
	run clients --json
	echo "$output"
	ROW=$(row ws1)
	[ "$(field last_boot.stage)" = initrd ]
	[ "$(field address)" = "$ADDR" ]
	[ "$(node -e 'console.log(JSON.parse(process.argv[1]).last_boot.stages.map((s) => s.stage).join(","))' "$ROW")" = "dhcp,bootloader,config,kernel,initrd" ]
	node -e 'const b = JSON.parse(process.argv[1]).last_boot; if (!(b.boot_seconds >= 0 && b.boot_seconds < 120)) process.exit(1)' "$ROW"
	[ "$(field last_boot.problem)" = null ]
	# nothing asked to mount the root since: stuck after the initrd, once a second has passed
	wait_until 30 "clients to find ws1 stuck after its initrd" problem_is ws1 no-mount --stuck-after 1 || echo "$output"
	ROW=$(row ws1)
	[ "$(field last_boot.problem.code)" = no-mount ]
	[[ "$(field last_boot.problem.diagnosis)" == *"fetched its kernel and initrd but never asked to mount its root ($PXE_SERVER:/opt/ltsp/i386)"* ]]
}

@test "TFTP File not found: the file asked for, where it maps under the TFTP root, the nearest existing file" {
	start_dhcpd
	start_tftpd
	become ws2
	dhcp_ask
	# the admin copied the kernel under its versioned name; the config asks for /lts/vmlinuz
	mv "$T/tftpboot/lts/vmlinuz" "$T/tftpboot/lts/vmlinuz-6.1.0-28-amd64"
	tftp_get pxelinux.0
	run tftp_get lts/vmlinuz
	[ "$status" -ne 0 ]
	logged "$T/tftpd.log" "sending NAK \\(1, File not found\\) to $ADDR"
	run clients --json
	mv "$T/tftpboot/lts/vmlinuz-6.1.0-28-amd64" "$T/tftpboot/lts/vmlinuz"
	echo "$output"
	ROW=$(row ws2)
	[ "$(field last_boot.problem.code)" = tftp-not-found ]
	local d
	d=$(field last_boot.problem.diagnosis)
	[[ "$d" == *'asked for "lts/vmlinuz"'* ]]
	[[ "$d" == *"$T/tftpboot/lts/vmlinuz under tftp.root"* ]]
	[[ "$d" == *"nearest existing file is /lts/vmlinuz-6.1.0-28-amd64"* ]]
}

@test "TFTP Permission denied (the wiki's chown case): diagnosed, and the fix it names works" {
	start_dhcpd
	start_tftpd
	become ws3
	dhcp_ask
	# a file copied in by root after ltsp-tftpd started: not readable by in.tftpd's user
	cp "$T/tftpboot/lts/initramfs.gz" "$T/tftpboot/lts/initramfs-new.gz"
	chmod 0600 "$T/tftpboot/lts/initramfs-new.gz"
	tftp_get pxelinux.0
	run tftp_get lts/initramfs-new.gz
	[ "$status" -ne 0 ]
	run clients --json
	echo "$output"
	ROW=$(row ws3)
	[ "$(field last_boot.problem.code)" = tftp-denied ]
	[[ "$(field last_boot.problem.diagnosis)" == *'cannot read "lts/initramfs-new.gz"'* ]]
	[[ "$(field last_boot.problem.fix)" == "rc-service ltsp-tftpd restart"* ]]
	# the fix: the service's start (a restart is stop, then start) gives the tree to the TFTP user
	ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_SVC" stop || ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_SVC" zap
	wait_port -n "$SNS" -t 10 --closed udp 69 "the stopped in.tftpd to let go of it"
	pxe_with_syslog openrc-run "$T/init.d/$PXE_SVC" start
	wait_port -n "$SNS" -t 10 udp 69 "the restarted in.tftpd"
	tftp_get lts/initramfs-new.gz
	cmp "$T/got" "$T/tftpboot/lts/initramfs-new.gz"
}

@test "another DHCP server answered: the client requested its server identifier, the fix names dhcp.mode" {
	start_dhcpd
	pxe_router_dhcp
	become ws4
	# both servers offer; this client takes the router's offer (as a PXE ROM taking the first one would)
	dhcp_ask "reject $PXE_SERVER;"
	[[ "$DHCP_GOT" == *" $PXE_ROUTER" ]]
	logged "$T/messages" "DHCPREQUEST for [0-9.]+ \\($PXE_ROUTER\\) from $MAC"
	run clients --json
	echo "$output"
	ROW=$(row ws4)
	[ "$(field last_boot.problem.code)" = foreign-dhcp ]
	[[ "$(field last_boot.problem.diagnosis)" == *"it asked $PXE_ROUTER"*"not this server ($PXE_SERVER)"* ]]
	[[ "$(field last_boot.problem.fix)" == *'mode = "proxy"'*'mode = "port-1067"'* ]]
}

@test "an unknown MAC asking: shown with its MAC and the site.toml lines to add" {
	start_dhcpd
	local mac=02:00:5e:00:00:99
	ip -n "$CNS" addr flush dev "$BR"
	ip -n "$CNS" link set "$BR" address "$mac"
	dhcp_ask "reject $PXE_ROUTER;"
	run clients --json
	echo "$output"
	ROW=$(row "$mac")
	[ "$(field known)" = false ]
	[ "$(field last_boot.problem.code)" = unknown-mac ]
	[[ "$(field last_boot.problem.diagnosis)" == *"not in site.toml"*"MAC $mac"* ]]
	[[ "$(field last_boot.problem.fix)" == *"[[host]]"*"mac  = \"$mac\""* ]]
	# the same in the table
	run clients
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(unknown)"*"$mac"*"unknown-mac"* ]]
}

@test "the client's own syslog arrived but no XDMCP session followed: XDMCP disabled in site.toml" {
	start_dhcpd
	start_tftpd
	start_syslog_ng
	become ws5
	dhcp_ask "reject $PXE_ROUTER;"
	pxe_fetches
	client_says ltsp-init "root mounted: nfs:$PXE_SERVER:/opt/ltsp/i386"
	client_says ltsp "starting X: XDMCP query to $PXE_SERVER"
	logged "$T/log/$ADDR.log" "starting X"
	SITE=$T/site-noxdmcp.toml
	# no session, once a second has passed since the client's last line
	wait_until 30 "clients to find ws5 without a session" problem_is ws5 no-session --stuck-after 1 || true
	echo "$output"
	ROW=$(row ws5)
	[ "$(field last_boot.stage)" = syslog ]
	[ "$(field last_boot.problem.code)" = no-session ]
	[[ "$(field last_boot.problem.diagnosis)" == *"XDMCP is disabled (xdmcp.enabled = false)"* ]]
	[[ "$(field last_boot.problem.fix)" == *"[xdmcp] enabled = true"* ]]
	# trace: every line with its source, the client's own line among them
	run trace ws5 --stuck-after 1
	echo "$output"
	[[ "$output" == *"dhcpd"*"DHCPACK on $ADDR to $MAC"* ]]
	[[ "$output" == *"tftpd"*"RRQ from $ADDR filename"*"lts/initramfs.gz"* ]]
	[[ "$output" == *"client"*"ltsp-init: root mounted: nfs:$PXE_SERVER:/opt/ltsp/i386"*"($T/log/$ADDR.log)"* ]]
	[[ "$output" == *"client"*"ltsp: starting X"*"($T/log/$ADDR.log)"* ]]
	[[ "$output" == *"XDMCP is disabled"* ]]
}

@test "clients --follow without a terminal: one appended line per change, while a client boots" {
	start_dhcpd
	start_tftpd
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" --no-color clients --log "$T/messages" --log "$T/tftpd.log" --follow --interval 300 >"$T/follow.out" 2>&1 3>&- &
	local f=$!
	pxe_track "$f"
	become ws6
	dhcp_ask "reject $PXE_ROUTER;"
	logged "$T/follow.out" "ws6 $MAC $ADDR stage=dhcp"
	tftp_get pxelinux.0
	logged "$T/follow.out" "ws6 $MAC $ADDR stage=bootloader"
	kill "$f"
	wait "$f" || true
	cat "$T/follow.out"
	# appended lines, no screen control
	refute grep -q $'\x1b' "$T/follow.out"
}

# true when terminal output $2 holds at least $1 frames (screen cleared, cursor home)
frames_at_least() {
	[ "$(grep -o $'\x1b\[H\x1b\[2J' "$2" | wc -l)" -ge "$1" ]
}

@test "clients --follow on a terminal: the table is redrawn in place as a client boots" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	start_dhcpd
	start_tftpd
	script -qfec "$T/bin/ltspcfg-ts --config $T/site.toml --no-color clients --log $T/messages --log $T/tftpd.log --follow --interval 300" /dev/null >"$T/tty.out" 2>&1 3>&- &
	local s=$!
	pxe_track "$s"
	become ws7
	dhcp_ask "reject $PXE_ROUTER;"
	pxe_fetches
	logged "$T/tty.out" "ws7 +$MAC +$ADDR +initrd"
	# a screen cleared and redrawn, more than once (a busy machine may draw its first frame late)
	local redrawn=0
	wait_until 10 "a second frame of the table" frames_at_least 2 "$T/tty.out" || redrawn=$?
	kill "$s"
	wait "$s" || true
	[ "$redrawn" = 0 ]
	# the last frame, as the admin sees it
	sed -e 's/\r//g' -e 's/\x1b\[H\x1b\[2J/\n--- frame\n/g' "$T/tty.out" | awk '/^--- frame$/ { f = "" ; next } { f = f $0 "\n" } END { printf "%s", f }' >"$T/frame"
	cat "$T/frame"
	grep -q '^NAME  *MAC  *ADDRESS  *STAGE  *WHEN  *BOOT  *PROBLEM$' "$T/frame"
	grep -Eq "^ws7 +$MAC +$ADDR +initrd +[0-9:]{8} +[0-9.]+s +ok$" "$T/frame"
}

@test "no XDMCP session, the display manager not running: nothing listens on 177/udp" {
	booted_to_x ws8
	# nothing answers the client's XDMCP query: no display manager runs on the server
	[ "$(xdmcp_answer)" = none ]
	client_says ltsp "no XDMCP session: $PXE_SERVER did not open display :0 within 90 s"
	logged "$T/log/$ADDR.log" "no XDMCP session"
	run server_clients --json
	echo "$output"
	ROW=$(row ws8)
	[ "$(field last_boot.stage)" = syslog ]
	[ "$(field last_boot.problem.code)" = no-session ]
	[[ "$(field last_boot.problem.diagnosis)" == *"nothing on this server listens on 177/udp, the display manager (xdm) is not running"* ]]
	[[ "$(field last_boot.problem.fix)" == "rc-service display-manager start"* ]]
}

@test "no XDMCP session, the firewall dropping 177/udp: the firewall target's table and an admin's table with policy drop" {
	command -v nft >/dev/null || skip "nft is not installed"
	booted_to_x ws9
	client_xdm
	[ "$(xdmcp_answer)" = 5 ]
	# the rules the firewall target renders, and the admin's own table that
	# drops by default and accepts DHCP, TFTP and syslog but not XDMCP
	SITE=$T/site-firewall.toml "$T/bin/ltspcfg-ts" --config "$T/site-firewall.toml" render firewall >"$T/rules-save"
	grep -q 'ip saddr @clients udp dport {.* 177 }' "$T/rules-save"
	cat >>"$T/rules-save" <<-EOF
		table inet filter {
			chain input {
				type filter hook input priority filter; policy drop;
				ct state established,related accept
				iif "lo" accept
				tcp dport 22 accept
				udp dport { 67, 69, 514 } accept
			}
		}
	EOF
	ip netns exec "$SNS" nft -f "$T/rules-save"
	local dropped
	dropped=$(xdmcp_answer)
	client_says ltsp "no XDMCP session: $PXE_SERVER did not open display :0 within 90 s"
	logged "$T/log/$ADDR.log" "no XDMCP session"
	SITE=$T/site-firewall.toml run server_clients --json
	ip netns exec "$SNS" nft flush ruleset
	kill "$XDM_PID"
	echo "$output"
	# the query is really dropped now
	[ "$dropped" = none ]
	ROW=$(row ws9)
	[ "$(field last_boot.problem.code)" = no-session ]
	[[ "$(field last_boot.problem.diagnosis)" == *"the display manager listens on 177/udp, but the firewall drops $ADDR's query: table inet filter, chain input: its policy is drop and no rule accepts udp dport 177 from $ADDR"* ]]
	[[ "$(field last_boot.problem.fix)" == *"an accept in table ltsp_ts does not override a drop in another table"* ]]
}
