#!/usr/bin/env bats
# From power-on to the login screen: a QEMU thin client (TCG, e1000 with
# Debian's iPXE ROM, 192 MB, VGA) boots through everything ltspcfg-ts makes:
# dhcpd.conf and the pxelinux tree (apply), the kernel and the generated
# initramfs (image), its root from the squashfs `ltspcfg-ts image` built,
# served by ltsp-nbd (nbd-server) through OpenRC, lts.conf by TFTP, then X
# with an XDMCP query to the server's xdm. The proof is a screendump of
# xdm's greeter, checked by greeter.py (which must also refuse the console
# and X without a greeter, both taken from the same boot). The server logs as
# a Gentoo server does (server-syslog.bash: syslog-ng, dhcpd and in.tftpd -v -v
# through it, the client's syslog through the syslog target), and
# `ltspcfg-ts clients --json` must show the client's boot: every stage from
# DHCP to the XDMCP session, in order, with its boot time and no problem.
# The client root is made once with mmdebstrap and cached (client-root.sh).
# LTSP_GREETER_PNG=FILE keeps the picture of the greeter there.
# Needs root; makes and removes its own namespaces (ltspc<pid>*, 192.0.2.0/24).

load ../support/bats
load lib/client-lab
load lib/server-syslog

BOOT_LIMIT=${CLIENT_BOOT_LIMIT:-300}

setup_file() {
	if [ "$(id -u)" != 0 ]; then
		skip_file "the lab needs root (network namespaces)"
		return
	elif ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$PXE_ROM" ]; then
		skip_file "qemu-system-x86 or ipxe-qemu is not installed"
		return
	elif ! command -v nbd-server >/dev/null || ! command -v mksquashfs >/dev/null; then
		skip_file "nbd-server or squashfs-tools is not installed"
		return
	elif ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
		skip_file "python3-pil is not installed"
		return
	fi
	pxe_init "ltspc$$"
	local rc=0
	pxe_kernel >/dev/null || rc=$?
	[ "$rc" = 3 ] && { skip_file "Debian's kernel package cannot be downloaded"; return; }
	[ "$rc" = 0 ]
	client_root || rc=$?
	[ "$rc" = 3 ] && { skip_file "no client root: mmdebstrap or Debian's archive is not available"; return; }
	[ "$rc" = 0 ]
	pxe_netns_up
}

setup() {
	skip_if_file_skipped
}

teardown() {
	if file_skipped; then return; fi
	client_nbd_down
	pxe_services_down
}

teardown_file() {
	client_nbd_down
	pxe_teardown
}

show_logs() {
	local f
	for f in "$T"/apply.log "$T"/image.log "$T"/nbd-start.log "$T"/tftpd.log "$T"/dhcpd.log "$T"/messages "$T"/log/*.log "$T"/xdm.out "$T"/xdm/xdm.log; do
		[ -s "$f" ] || continue
		echo "--- $f"
		grep -av '^[[:space:]]*$' "$f" | tail -n 25
	done
	echo "--- serial"
	client_log | grep -av '^[[:space:]]*$' | tail -n 40
}

served() {
	grep -aqsE "RRQ from [0-9.]+ filename /?$1\$" "$T/tftpd.log" "$T/messages" || {
		echo "in.tftpd did not serve $1"
		return 1
	}
}

# Boots the client to the greeter ($1: nbd | nfs) and asserts every step
# through the generated configs and services; the console taken while the
# initramfs works must not pass for a greeter.
boot_to_greeter() {
	local kind=$1
	pxe_ra "$BOOT_LIMIT"
	client_start "$kind"
	client_wait_serial 'ltsp-init: (DHCP|root)' "$BOOT_LIMIT" || { show_logs; false; }
	client_shot "$T/console-$kind.png"
	run client_greeter "$T/console-$kind.png"
	echo "console: $output"
	[ "$status" = 1 ]

	client_wait_screen 0 "$BOOT_LIMIT" || { echo "last screen: ${CLIENT_SEEN:-none}"; show_logs; false; }
	echo "QEMU start to greeter ($kind): $CLIENT_SHOT_S s at ${CLIENT_RAM} MB ($CLIENT_SEEN)"
	cp "$CLIENT_SHOT" "$T/greeter-$kind.png"
	client_log | grep -a 'ltsp-' | head -n 30

	served pxelinux.0
	served pxelinux.cfg/default
	served ltsp/lab/vmlinuz
	served ltsp/lab/initrd.img
	served ltsp/lts.conf
	grep -q "DHCPACK on $PXE_HOST_ADDR to $PXE_MAC" "$T/dhcpd.log"
	# the same through syslog, where `clients` reads it
	grep -q "dhcpd\[[0-9]*\]: DHCPACK on $PXE_HOST_ADDR to $PXE_MAC" "$T/messages"
	client_log | grep -aq "ltsp-init: lts.conf from $PXE_SERVER"
	client_log | grep -aq "ltsp-session: starting X: XDMCP query to $PXE_SERVER"
	# the client resolves names with the site's DNS and domain (DHCP's), not with the
	# resolv.conf of the machine that built its root
	client_log | grep -a 'ltsp-session: /etc/resolv.conf:'
	client_log | grep -aqx "ltsp-session: /etc/resolv.conf: search lab.example.org; nameserver $PXE_SERVER"
}

# site.toml's syslog: syslog-ng, the clients' files under $T/log
site_syslog() {
	printf '\n[syslog]\ndaemon  = "syslog-ng"\nlog_dir = "%s"\n' "$T/log" >>"$T/site.toml"
}

# the server's daemons, logging through the server's syslog-ng
server_up() {
	local rc=0
	server_syslog_ng || rc=$?
	[ "$rc" = 3 ] && skip "syslog-ng is not installed"
	[ "$rc" = 0 ]
	pxe_tftpd_service
	server_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
}

# the row of thin01 in `clients --json` ($1: the JSON) checked: every stage
# from DHCP to the session, in that order in time too, a boot time, no problem
check_booted() {
	node -e '
		const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const r = j.clients.find((c) => c.name === "thin01");
		const b = r && r.last_boot;
		const fail = (m) => { console.error("clients --json: " + m); process.exit(1); };
		if (!b) fail("no boot of thin01");
		const want = ["dhcp", "bootloader", "config", "kernel", "initrd", "root", "syslog", "session"];
		const got = b.stages.map((s) => s.stage);
		if (got.join() !== want.join()) fail("stages " + got.join() + ", expected " + want.join());
		const t = b.stages.map((s) => Date.parse(s.time));
		for (let i = 1; i < t.length; i++) if (!(t[i] >= t[i - 1])) fail(want[i] + " at " + b.stages[i].time + " before " + want[i - 1]);
		if (b.stage !== "session" || !(b.boot_seconds > 0)) fail("stage " + b.stage + ", boot_seconds " + b.boot_seconds);
		if (b.problem !== null) fail("problem " + JSON.stringify(b.problem));
		if (r.address !== process.argv[1] || r.mac !== process.argv[2]) fail("address " + r.address + ", mac " + r.mac);
		console.log("thin01: " + b.stages.map((s) => s.stage + " +" + s.after_seconds + "s").join(", ") + "; boot " + b.boot_seconds + " s");
	' "$PXE_HOST_ADDR" "$PXE_MAC" <<<"$1"
}

# runs `clients --json` in the server namespace until its output holds $1, at
# most $2 seconds (once a second); leaves the last answer in $output
wait_clients() {
	local want=$1 limit=$2 end _
	end=$((SECONDS + limit))
	for _ in $(seq 1 "$limit"); do
		run server_clients --json
		[[ "$output" == *"$want"* ]] && return 0
		[ "$SECONDS" -le "$end" ] || break
		sleep 1
	done
	echo "clients --json: no $want in $limit s; the last answer:" >&2
	echo "$output" >&2
	return 1
}

# waits (at most 120 s: the session line follows the greeter) until `clients`
# shows thin01's session, then checks the row; $1: the root's kind (nbd | nfs)
assert_clients_json() {
	wait_clients '"stage": "session"' 120
	echo "$output"
	check_booted "$output"
	# the root stage is the initramfs's own line, filed by the syslog target under the client's address
	run ip netns exec "$SNS" "$T/bin/ltspcfg-ts" --config "$T/site.toml" --no-color trace thin01 --json --log "$T/messages"
	node -e '
		const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const m = j.boots[0].lines.find((l) => l.kind === "mount");
		if (!m || m.source !== "client" || m.file !== process.argv[1] || !m.line.includes("ltsp-init: root mounted: " + process.argv[2])) {
			console.error("root stage: " + JSON.stringify(m));
			process.exit(1);
		}
		console.log("root stage: " + m.line + " (" + m.file + ")");
	' "$T/log/$PXE_HOST_ADDR.log" "$1" <<<"$output"
	# the table as the admin reads it
	server_clients
}

@test "nbd: the client boots the image ltspcfg-ts built, from ltsp-nbd, to xdm's greeter" {
	client_site nbd
	site_syslog
	client_generate
	cat "$T/image.log"
	# the image is complete, and its passwords are locked
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" image --check
	[ -z "$(unsquashfs -cat "$T/images/lab.img" etc/shadow | awk -F: '$2 !~ /^(\*|!.*|)$/')" ]
	[ "$(unsquashfs -cat "$T/images/lab.img" etc/shadow | wc -l)" -gt 0 ]
	[ -z "$(unsquashfs -l "$T/images/lab.img" | grep -E '^squashfs-root/(proc|sys|dev|run|tmp)/.|^squashfs-root/etc/resolv\.conf$')" ]
	server_up
	client_nbd_service
	client_xdm
	boot_to_greeter nbd
	[ -z "${LTSP_GREETER_PNG:-}" ] || cp "$CLIENT_SHOT" "$LTSP_GREETER_PNG"
	client_log | grep -aq "ltsp.root=nbd:$PXE_SERVER:10809:lab"
	client_log | grep -aq "ltsp-init: root: NBD export lab on $PXE_SERVER:10809"
	assert_clients_json "nbd:$PXE_SERVER:10809:lab"

	# xdm gone: X resets to its bare root window, which the check refuses
	kill "$XDM_PID"
	client_wait_screen 1 90 || { echo "still: $CLIENT_SEEN"; false; }
	echo "without xdm: $CLIENT_SEEN"
	cp "$CLIENT_SHOT" "$T/no-greeter.png"
	kill -0 "$CLIENT_QEMU"
}

# an NFS server that exports NFSv3 alone (as nfs-utils built without v4 does):
# the client's NFSv4 mount is refused, and it mounts over NFSv3
@test "nfs: the client boots the image's root over NFSv3 (Ganesha serving the generated exports, v3 alone) to xdm's greeter" {
	command -v ganesha.nfsd >/dev/null || skip "nfs-ganesha is not installed"
	command -v rpcbind >/dev/null || skip "rpcbind is not installed"
	client_site nfs
	site_syslog
	client_generate
	# the exports target exports the image's root read-only to the subnet
	grep -qE "^$CLIENT_ROOT	192\.0\.2\.0/24\(ro,.*root_squash\)\$" "$T/sys/etc/exports.d/ltsp-ts.exports"
	[ "$(grep -c squashing "$T/image.log")" = 0 ]
	server_up
	client_ganesha "$T/sys/etc/exports.d/ltsp-ts.exports" 3
	client_xdm
	boot_to_greeter nfs
	client_log | grep -aq "ltsp.root=nfs:$PXE_SERVER:$CLIENT_ROOT"
	client_log | grep -aq "ltsp-init: root: NFS $PXE_SERVER:$CLIENT_ROOT"
	client_log | grep -a "ltsp-init: NFSv4: .*; trying NFSv3"
	client_log | grep -aqx "ltsp-init: root: NFSv3"
	assert_clients_json "nfs:$PXE_SERVER:$CLIENT_ROOT"
}

@test "nfs, the root not exported to the client: its initramfs's FAILED line reaches the server and clients diagnoses it" {
	command -v ganesha.nfsd >/dev/null || skip "nfs-ganesha is not installed"
	client_site nfs
	site_syslog
	client_generate
	# the admin's exports leave the client out: the root goes to another address only
	sed -E "s#^($CLIENT_ROOT)	192\.0\.2\.0/24\(#\1	198.51.100.7/32(#" "$T/sys/etc/exports.d/ltsp-ts.exports" >"$T/exports.other"
	grep -q '198.51.100.7/32(' "$T/exports.other"
	server_up
	client_ganesha "$T/exports.other"
	pxe_ra "$BOOT_LIMIT"
	client_start refused
	client_wait_serial 'ltsp-init: FAILED' "$BOOT_LIMIT" || { show_logs; false; }
	client_log | grep -a 'ltsp-init: FAILED'
	wait_clients '"code": "client-failed"' 60
	echo "$output"
	node -e '
		const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const b = j.clients.find((c) => c.name === "thin01").last_boot;
		const p = b.problem || {};
		const want = "its initramfs gave up: \"cannot mount " + process.argv[1] + " over NFSv4 or NFSv3 (";
		if (p.code !== "client-failed" || !p.diagnosis.startsWith(want) || !p.fix.includes("exported to " + process.argv[2])) {
			console.error("problem: " + JSON.stringify(p));
			process.exit(1);
		}
		if (b.stages.map((s) => s.stage).join() !== "dhcp,bootloader,config,kernel,initrd") {
			console.error("stages: " + b.stages.map((s) => s.stage).join());
			process.exit(1);
		}
	' "$PXE_SERVER:$CLIENT_ROOT" "$PXE_HOST_ADDR" <<<"$output"
	# the table: exit 1, a problem
	run server_clients
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"thin01"*"client-failed"* ]]
}
