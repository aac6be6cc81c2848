#!/usr/bin/env bats
# The boot tree's layout against the real pxelinux: with the bootloader in a
# subdirectory (examples/nfsroot.toml: /pxe/pxelinux.0) pxelinux must find
# ldlinux.c32, menu.c32 and pxelinux.cfg/ beside itself and load the kernel
# and initrd named "::/lts/..." from the top of the TFTP root. QEMU's own
# user-mode network serves the tree (DHCP and TFTP inside the QEMU process),
# run in an empty network namespace so nothing can leave it. The files are
# random bytes: the test stops at pxelinux's "Loading ... ok" lines.
# The full boot through tftpd-hpa and a real kernel is tests/lab/pxe*.

load ../support/bats
load ../bats/ltsp-tftpd

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	command -v qemu-system-x86_64 >/dev/null || { skip_file "qemu-system-x86 is not installed"; return; }
	NAME="ltstf$$q"
	T=$(mktemp -d "/tmp/$NAME.XXXXXX")
	ip netns add "$NAME"
	ip -n "$NAME" link set lo up
	# the example's addresses moved into QEMU's own network (198.51.100.0/24), the only one the test uses
	sed -e 's/^menu_label.*/&\nserial_console = "ttyS0,115200"/' -e 's/192\.168\.10\./198.51.100./g' "$REPO/examples/nfsroot.toml" >"$T/site.toml"
	mkdir -p "$T/sys/tftpboot/lts"
	[ -f "$REPO/dist/ltspcfg-ts.js" ] || (cd "$REPO" && npm run -s build)
	node "$REPO/dist/ltspcfg-ts.js" --root "$T/sys" --config "$T/site.toml" --no-color apply --only pxelinux --yes >"$T/apply.log"
	head -c 200000 /dev/urandom >"$T/sys/tftpboot/lts/vmlinuz-2.6.20.9-ltsp"
	head -c 100000 /dev/urandom >"$T/sys/tftpboot/lts/initramfs-2.6.20.9-ltsp.gz"
	export NAME T
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	# shellcheck disable=SC2046
	[ -n "${T:-}" ] && stop_pids 5 $(cat "$T/qemu.pid" 2>/dev/null)
	[ -n "${NAME:-}" ] && ip netns del "$NAME" 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
	true
}

@test "pxelinux in /pxe/ finds its modules and config beside itself and loads ::/lts/ files from the top" {
	grep -q '^	LINUX ::/lts/vmlinuz-2.6.20.9-ltsp$' "$T/sys/tftpboot/pxe/pxelinux.cfg/default"
	ip netns exec "$NAME" qemu-system-x86_64 -accel tcg -m 256 -display none -monitor none \
		-serial "file:$T/serial.log" \
		-netdev "user,id=n0,net=198.51.100.0/24,tftp=$T/sys/tftpboot,bootfile=/pxe/pxelinux.0" \
		-device e1000,netdev=n0,mac=52:54:00:00:00:09 -boot n </dev/null 3>&- &
	local qemu=$!
	echo "$qemu" >"$T/qemu.pid"
	# pxelinux's last word on random bytes; the lines asserted below say what went wrong if it never comes
	logged "$T/serial.log" 'Booting kernel failed|Could not find' 90 || true
	stop_pids 5 "$qemu"
	wait "$qemu" || true
	rm -f "$T/qemu.pid"
	local log
	log=$(tr -d '\033' <"$T/serial.log" | tr '\r' '\n')
	echo "$log" | grep -a 'PXELINUX\|Loading\|Could not\|failed'
	echo "$log" | grep -a -q 'PXELINUX 6'
	echo "$log" | grep -a -q 'Library catalogue terminal' # the menu: menu.c32, libutil.c32 and pxelinux.cfg/default found in /pxe/
	echo "$log" | grep -a -q 'Loading ::/lts/vmlinuz-2.6.20.9-ltsp... ok'
	echo "$log" | grep -a -q 'Loading ::/lts/initramfs-2.6.20.9-ltsp.gz...ok'
	refute grep -a -q 'Could not find' <<<"$log"
}
