#!/usr/bin/env bats
# The lab: ltsp-tftpd serving the boot tree ltspcfg-ts generated, fetched from
# a client namespace over a veth pair (198.51.100.0/24) with curl, with and
# without a negotiated block size; then the same tree through xinetd with the
# generated service file. Needs root; makes and removes its own namespaces.

load ../support/bats
load ../bats/ltsp-tftpd

CLIENT_ADDR=198.51.100.2
MAC=52:54:00:12:34:56

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	tftpd_setup "ltstf$$" 198.51.100.1
	CLIENT="ltstf$$c"
	ip netns add "$NAME"
	ip netns add "$CLIENT"
	ip link add "${NAME}a" netns "$NAME" type veth peer name "${NAME}b" netns "$CLIENT"
	ip -n "$NAME" addr add "$ADDR/24" dev "${NAME}a"
	ip -n "$CLIENT" addr add "$CLIENT_ADDR/24" dev "${NAME}b"
	for ns in "$NAME" "$CLIENT"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NAME" link set "${NAME}a" up
	ip -n "$CLIENT" link set "${NAME}b" up

	write_site "$T/tftpboot" 'blocksize = 1468'
	cat >>"$T/site.toml" <<-EOF
		[boot]
		kernel = "/lts/vmlinuz"
		initrd = "/lts/initramfs.gz"
		serial_console = "ttyS0,115200"
		[[host]]
		name = "ws1"
		mac = "$MAC"
		kernel_append = "ltsp.debug"
	EOF
	# the kernel and initramfs the clients would load: root's, unreadable to others
	mkdir -p "$T/sys$T/tftpboot/lts"
	head -c 3000000 /dev/urandom >"$T/sys$T/tftpboot/lts/vmlinuz"
	head -c 700000 /dev/urandom >"$T/sys$T/tftpboot/lts/initramfs.gz"
	chmod 0600 "$T/sys$T/tftpboot/lts/vmlinuz" "$T/sys$T/tftpboot/lts/initramfs.gz"
	# generate the tree staged under --root (so nothing else on this machine is written), then move it into place
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" --no-color apply --only pxelinux,tftp-tree,xinetd --yes >"$T/apply.log" 2>&1 ||
		{ cat "$T/apply.log" >&3; return 1; }
	rmdir "$T/tftpboot"
	mv "$T/sys$T/tftpboot" "$T/tftpboot"
	chown -R root:root "$T/tftpboot"
	export T NAME ADDR CLIENT
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	[ -n "${CLIENT:-}" ] && ip netns del "$CLIENT" 2>/dev/null
	if [ -f "${T:-}/xinetd.pid" ]; then
		kill "$(cat "$T/xinetd.pid")" 2>/dev/null || true
	fi
	tftpd_teardown
}

# curl in the client namespace; $1: path in the tree, $2: output file, then curl options
cfetch() {
	local path=$1 out=$2
	shift 2
	ip netns exec "$CLIENT" curl -sS --max-time 20 "$@" -o "$out" "tftp://$ADDR/$path"
}

@test "ltspcfg-ts generated the boot tree: bootloader, modules, default and per-host config" {
	cat "$T/apply.log"
	for f in pxelinux.0 ldlinux.c32 menu.c32 libutil.c32 pxelinux.cfg/default "pxelinux.cfg/01-${MAC//:/-}"; do
		[ -f "$T/tftpboot/$f" ]
	done
	cmp "$T/tftpboot/pxelinux.0" /usr/lib/PXELINUX/pxelinux.0
	cmp "$T/tftpboot/ldlinux.c32" /usr/lib/syslinux/modules/bios/ldlinux.c32
	grep -q '^SERIAL 0 115200$' "$T/tftpboot/pxelinux.cfg/default"
	grep -q 'APPEND .* ltsp.debug$' "$T/tftpboot/pxelinux.cfg/01-${MAC//:/-}"
	[ ! -e "$T/sys/etc/xinetd.d/ltsp-tftp" ] # launcher is ltsp-tftpd
}

@test "ltsp-tftpd fixes the tree and serves it to the client (default 512-byte blocks)" {
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	wait_listener 30 >/dev/null
	[ "$(stat -c '%U:%G %a' "$T/tftpboot/lts/vmlinuz")" = "nobody:nogroup 644" ]
	for f in pxelinux.0 ldlinux.c32 menu.c32 libutil.c32 pxelinux.cfg/default "pxelinux.cfg/01-${MAC//:/-}" lts/initramfs.gz; do
		cfetch "$f" "$T/got"
		cmp "$T/got" "$T/tftpboot/$f"
	done
	run cfetch lts/vmlinuz "$T/got" -v --tftp-no-options
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$T/got" "$T/tftpboot/lts/vmlinuz"
	# no option asked: no OACK, plain 512-byte blocks
	[[ "$output" != *"blksize parsed from OACK"* ]]
}

@test "a negotiated block size: the server's OACK grants what site.toml allows" {
	run cfetch lts/vmlinuz "$T/got" -v --tftp-blksize 1468
	echo "$output" | grep -i blksize
	[ "$status" -eq 0 ]
	cmp "$T/got" "$T/tftpboot/lts/vmlinuz"
	[[ "$output" == *"blksize parsed from OACK (1468)"* ]]

	# more than tftp.blocksize (-B 1468) is cut down to it
	run cfetch lts/vmlinuz "$T/got" -v --tftp-blksize 8192
	echo "$output" | grep -i blksize
	[ "$status" -eq 0 ]
	cmp "$T/got" "$T/tftpboot/lts/vmlinuz"
	[[ "$output" == *"blksize parsed from OACK (1468)"* ]]
}

@test "a file added later is served after a restart, which fixes it" {
	printf 'late\n' >"$T/tftpboot/lts/late"
	chmod 0600 "$T/tftpboot/lts/late"
	run cfetch lts/late "$T/got"
	[ "$status" -ne 0 ]
	svc restart
	wait_listener 30 >/dev/null
	cfetch lts/late "$T/got"
	[ "$(cat "$T/got")" = late ]
}

@test "the xinetd launcher: the generated service file serves the same tree, and in.tftpd exits after -t" {
	svc stop
	[ -z "$(listeners)" ]
	sed -i 's/^\[tftp\]$/&\nlauncher = "xinetd"/' "$T/site.toml"
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" --no-color apply --only xinetd --yes
	local svcfile="$T/sys/etc/xinetd.d/ltsp-tftp"
	grep -q "server_args = -s $T/tftpboot -u nobody -t 30 -B 1468" "$svcfile"
	cat >"$T/xinetd.conf" <<-EOF
		defaults
		{
			instances = 10
		}
		includedir $T/sys/etc/xinetd.d
	EOF
	ip netns exec "$NAME" xinetd -f "$T/xinetd.conf" -pidfile "$T/xinetd.pid" -filelog "$T/xinetd.log" -dontfork 3>&- &
	local x=$!
	echo "$x" >"$T/xinetd.pid"
	wait_listener 30 >/dev/null
	cfetch pxelinux.cfg/default "$T/got" --tftp-blksize 1468
	cmp "$T/got" "$T/tftpboot/pxelinux.cfg/default"
	cfetch lts/vmlinuz "$T/got"
	cmp "$T/got" "$T/tftpboot/lts/vmlinuz"
	# in.tftpd, started by xinetd, is gone within -t 30 s (plus slack) instead of 900 s
	local child=""
	child=$(ip netns exec "$NAME" pgrep -P "$x" -x in.tftpd || true)
	[ -n "$child" ]
	wait_gone 45 "$child"
	refute kill -0 "$child" 2>/dev/null
	kill "$x"
	wait "$x" || true
	rm -f "$T/xinetd.pid"
	cat "$T/xinetd.log"
}
