#!/bin/bash
# Thin-client boot benchmark (root; namespaces ltspb<pid>*, 192.0.2.0/24, as in
# tests/lab/client-boot.bats). One QEMU client (TCG, e1000 with Debian's iPXE
# ROM, VGA) boots the lab's cached client root over NBD to xdm's greeter, the
# greeter seen on a screendump (greeter.py), polled every 0.5 s once xdm's
# greeter prompts.
#
#   pairs N     QEMU start to the greeter at 192 MB through what ltspcfg-ts
#               makes (apply: dhcpd.conf, the pxelinux tree with its menu,
#               lts.conf, the hosts file, Xaccess and xdm-config; image: the
#               squashfs, kernel and initramfs; ltsp-tftpd and ltsp-nbd through
#               OpenRC) against the same kernel, initramfs and image booted with
#               configs written by hand as a lab admin would (a dhcpd.conf with
#               one host, a one-entry pxelinux.cfg/default, a two-line lts.conf,
#               a four-line nbd-server config, a one-line Xaccess, a short
#               xdm-config and hosts file; in.tftpd and nbd-server run by hand);
#               N interleaved pairs, which side goes first alternating; medians
#               and their ratio. Goal: <= 1.05x.
#   ram MB...   the generated set-up at each guest RAM size: greeter reached
#               or not, and when (the lowest RAM a thin client needs).
#
# Also prints the image's size. Each call is one hold of the shared CPU: run
# it as `flock /tmp/ltsp-ts-heavy.lock bench/client-boot.sh pairs 2`.
# Usage: bench/client-boot.sh pairs [N] | ram MB...      (default: pairs 3)
set -u
cd "$(dirname "$0")/.." || exit 1
mode=${1:-pairs}
shift || true
limit=${CLIENT_BOOT_LIMIT:-240}

# shellcheck source=tests/lab/lib/client-lab.bash
. tests/lab/lib/client-lab.bash
for need in qemu-system-x86_64 nbd-server mksquashfs; do
	command -v "$need" >/dev/null || { echo "client-boot bench: skipped, $need is not installed" >&2; exit 0; }
done
bench_cleanup() {
	client_nbd_down
	minimal_nbd_down
}
pxe_bench_init client-boot "ltspb$$"
pxe_bench_need client_root "no client root (mmdebstrap or Debian's archive is not available)"
pxe_netns_up
client_site nbd
client_generate || exit 1
img="$T/images/lab.img"
echo "Image: $(du -sh "$CLIENT_ROOT" | cut -f1) root -> $(stat -c %s "$img" | awk '{ printf "%.1f MiB", $1 / 1048576 }') squashfs;" \
	"initramfs $(stat -c %s "$T/tftpboot/ltsp/lab/initrd.img" | awk '{ printf "%.1f MiB", $1 / 1048576 }')," \
	"kernel $(stat -c %s "$T/tftpboot/ltsp/lab/vmlinuz" | awk '{ printf "%.1f MiB", $1 / 1048576 }')"

# ---- the hand-written set-up: the same kernel, initramfs and image ----------------
m="$T/minimal"
mkdir -p "$m/tftpboot/pxelinux.cfg" "$m/tftpboot/ltsp/lab" "$m/xdm"
cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$m/tftpboot/"
cp "$T/tftpboot/ltsp/lab/vmlinuz" "$T/tftpboot/ltsp/lab/initrd.img" "$m/tftpboot/ltsp/lab/"
cat >"$m/tftpboot/pxelinux.cfg/default" <<EOF
DEFAULT lab
LABEL lab
  KERNEL ltsp/lab/vmlinuz
  INITRD ltsp/lab/initrd.img
  APPEND ltsp.root=nbd:$PXE_SERVER:10809:lab console=ttyS0,115200 quiet
EOF
cat >"$m/tftpboot/ltsp/lts.conf" <<EOF
[Default]
SCREEN_01 = startx
EOF
chmod -R a+rX "$m/tftpboot"
cat >"$m/dhcpd.conf" <<EOF
subnet 192.0.2.0 netmask 255.255.255.0 {
  next-server $PXE_SERVER;
  filename "pxelinux.0";
  host thin01 { hardware ethernet $PXE_MAC; fixed-address $PXE_HOST_ADDR; }
}
EOF
cat >"$m/nbd-server.conf" <<EOF
[generic]
[lab]
  exportname = $img
  readonly = true
EOF
echo '*' >"$m/xdm/Xaccess"
printf '127.0.0.1\tlocalhost\n%s\tltsp-lab\n%s\tthin01\n' "$PXE_SERVER" "$PXE_HOST_ADDR" >"$m/xdm/hosts"
xdm_bin=$(client_xdm_bin) || exit 1
{
	printf 'DisplayManager.errorLogFile:\t%s/xdm.log\n' "$m/xdm"
	printf 'DisplayManager.pidFile:\t%s/xdm.pid\n' "$m/xdm"
	printf 'DisplayManager.servers:\t%s/Xservers\n' "$m/xdm"
	printf 'DisplayManager.accessFile:\t%s/Xaccess\n' "$m/xdm"
	printf 'DisplayManager*resources:\t%s/Xresources\n' "$m/xdm"
	printf 'DisplayManager*authorize:\ttrue\n'
	printf 'DisplayManager.requestPort:\t177\n'
	client_xdm_local "$xdm_bin" "$m/xdm"
} >"$m/xdm/xdm-config"
: >"$m/xdm/Xservers"
: >"$m/xdm/Xresources"

MIN_NBD=""
minimal_nbd_down() {
	[ -n "$MIN_NBD" ] || return 0
	local p
	for p in $MIN_NBD $(pgrep -P "$MIN_NBD" || true); do
		kill -9 "$p" 2>/dev/null || true
	done
	MIN_NBD=""
}

# ---- one boot -----------------------------------------------------------------------

# QEMU start to the greeter of the client started last; PXE_MARKER_S (what
# pxe_alternate_boots records) is when the first screendump showing it was
# taken. The screendumps (a python each) start once xdm's greeter prompts,
# so that they take no CPU from the client before; the phases are printed.
wait_greeter() {
	local root="" x="" prompt="" _
	PXE_MARKER_S="" PXE_LOG="$T/serial-last.log" CLIENT_SEEN=""
	client_wait_serial 'ltsp-init: switching to the root' "$limit" && root=$(client_elapsed)
	if client_wait_serial 'ltsp-session: starting X' "$limit"; then
		x=$(client_elapsed)
		for _ in $(seq 1 $((limit * 5))); do
			grep -aq 'SetPrompt' "$T/xdm.out" && { prompt=$(client_elapsed); break; }
			kill -0 "$CLIENT_QEMU" 2>/dev/null || break
			sleep 0.2
		done
		if [ -n "$prompt" ] && CLIENT_POLL=0.5 client_wait_screen 0 "$limit"; then
			PXE_MARKER_S=$CLIENT_SHOT_S
		fi
	fi
	printf '    root mounted %s s, X started %s s, xdm greeter prompting %s s (XDMCP queries answered: %s), on screen %s s\n' \
		"${root:--}" "${x:--}" "${prompt:--}" "$(grep -c 'Send willing' "$T/xdm.out")" "${PXE_MARKER_S:--}"
	client_log >"$PXE_LOG"
	{
		kill -9 "$CLIENT_QEMU"
		wait "$CLIENT_QEMU"
	} 2>/dev/null || true
	[ -n "$PXE_MARKER_S" ]
}

boot_generated() {
	local ok=0
	pxe_tftpd_service && pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf" && client_nbd_service && client_xdm || return 1
	pxe_ra "$limit"
	client_start "generated-$1"
	wait_greeter || ok=$?
	client_nbd_down
	return "$ok"
}

boot_minimal() {
	local ok=0
	pxe_tftpd_direct "$m/tftpboot" && pxe_dhcpd "$m/dhcpd.conf" || return 1
	rm -f "$m/nbd.pid"
	ip netns exec "$SNS" nbd-server -C "$m/nbd-server.conf" -p "$m/nbd.pid" >"$m/nbd.out" 2>&1 || { cat "$m/nbd.out" >&2; return 1; }
	# the daemon writes its pid file after the fork: wait for it
	local _
	for _ in $(seq 1 100); do
		MIN_NBD=$(cat "$m/nbd.pid" 2>/dev/null)
		[ -n "$MIN_NBD" ] && break
		sleep 0.1
	done
	[ -n "$MIN_NBD" ] || { echo "client-boot bench: nbd-server wrote no pid file" >&2; return 1; }
	client_xdm_run "$m/xdm" "$xdm_bin" || return 1
	pxe_ra "$limit"
	client_start "minimal-$1"
	wait_greeter || ok=$?
	minimal_nbd_down
	return "$ok"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
case $mode in
pairs)
	pairs=${1:-3}
	echo "Thin client, QEMU start to xdm's greeter over NBD at ${CLIENT_RAM} MB (TCG, $(nproc) cores, $pairs interleaved pairs):"
	pxe_alternate_boots "$pairs" "$limit"
	pxe_bench_ratio generated hand-written 1.05
	;;
ram)
	[ $# -gt 0 ] || set -- 160 128
	echo "Thin client RAM, the generated set-up (QEMU start to xdm's greeter over NBD):"
	for CLIENT_RAM in "$@"; do
		export CLIENT_RAM
		CLIENT_FAIL='Kernel panic[^\r]*|Out of memory[^\r]*|ltsp-init: FAILED[^\r]*'
		export CLIENT_FAIL
		if boot_generated "ram$CLIENT_RAM"; then
			printf '  %4d MB: greeter after %.2f s\n' "$CLIENT_RAM" "$PXE_MARKER_S"
		else
			printf '  %4d MB: no greeter (%s); console tail:\n' "$CLIENT_RAM" "${CLIENT_SEEN:-no X}"
			grep -av '^[[:space:]]*$' "$PXE_LOG" | tail -n 4 | sed 's/^/      /'
		fi
		pxe_services_down
	done
	;;
*)
	echo "usage: bench/client-boot.sh pairs [N] | ram MB..." >&2
	exit 2
	;;
esac
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
