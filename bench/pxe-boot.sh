#!/bin/bash
# PXE boot benchmark (root; namespaces ltspx<pid>*, 192.0.2.0/24, as in
# tests/lab/pxe-boot.bats):
#  1. QEMU start to the initramfs marker, booting through what ltspcfg-ts
#     generates (dhcpd.conf for dhcp.mode = "primary", the boot tree with its
#     per-host menu, ltsp-tftpd) against a hand-written minimal set-up (a
#     five-line dhcpd.conf, pxelinux.cfg/default with one entry, in.tftpd run
#     by hand), alternating, ROUNDS each; medians. Goal: <= 1.05x.
#  2. The kernel over TFTP from ltsp-tftpd with curl in the client namespace,
#     512-byte blocks against the block size the generated config allows
#     (tftp.blocksize); TRANSFERS interleaved pairs, the median of their
#     ratios. Goal: >= 2.5x faster.
# Usage: bench/pxe-boot.sh [ROUNDS [TRANSFERS]]     (default 3 and 11)
set -u
cd "$(dirname "$0")/.." || exit 1
rounds=${1:-3}
transfers=${2:-11}

if [ "$(id -u)" != 0 ]; then
	echo "pxe-boot bench: needs root (network namespaces)" >&2
	exit 2
fi
# shellcheck source=tests/lab/lib/pxe-lab.bash
. tests/lab/lib/pxe-lab.bash

pxe_init "ltspx$$"
trap pxe_teardown EXIT
trap 'exit 130' INT TERM
rc=0
pxe_kernel || rc=$?
if [ "$rc" = 3 ]; then
	echo "pxe-boot bench: skipped, Debian's kernel package cannot be downloaded" >&2
	exit 0
fi
[ "$rc" = 0 ] || exit 1
[ -f dist/ltspcfg-ts.js ] || npm run --silent build
pxe_netns_up
pxe_site primary
pxe_generate || exit 1
pxe_minimal_configs
export PXE_STOP_AT_MARKER=1

boot_generated() {
	pxe_tftpd_service && pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf" || return 1
	pxe_ra 130
	pxe_boot "generated-$1" 120
}
boot_minimal() {
	pxe_tftpd_direct "$T/minimal/tftpboot" && pxe_dhcpd "$T/minimal/dhcpd.conf" || return 1
	pxe_ra 130
	pxe_boot "minimal-$1" 120
}

echo "PXE boot, QEMU start to the initramfs marker (TCG, $(nproc) cores, boot.timeout = ${PXE_MENU_TIMEOUT:-1} tenth(s) of the lab site):"
pxe_alternate_boots "$rounds" 120
gen=$(pxe_median <"$T/gen.times")
min=$(pxe_median <"$T/min.times")
if [ -z "$gen" ] || [ -z "$min" ]; then
	echo "pxe-boot bench: boots failed" >&2
	exit 1
fi
ratio=$(awk -v g="$gen" -v m="$min" 'BEGIN { printf "%.3f", g / m }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.05) ? "met" : "MISSED" }')
printf '  median: generated %.2f s, hand-written minimal %.2f s: %sx (goal <= 1.05x: %s)\n' "$gen" "$min" "$ratio" "$verdict"

# the kernel over TFTP, from ltsp-tftpd serving the generated tree
blk=$("$T/bin/ltspcfg-ts" --config "$T/site.toml" get tftp.blocksize)
ip -n "$CNS" addr add 192.0.2.50/24 dev "${PX}br"
pxe_tftpd_service || exit 1
size=$(stat -c %s "$T/tftpboot/lts/vmlinuz")
fetch() { # $1: block size; prints seconds
	ip netns exec "$CNS" curl -sS --max-time 60 --tftp-blksize "$1" -o /dev/null -w '%{time_total}\n' \
		"tftp://$PXE_SERVER/lts/vmlinuz"
}
fetch "$blk" >/dev/null # warm the page cache
# interleaved pairs: a burst of load from elsewhere hits both sides of a pair
: >"$T/pairs"
for _ in $(seq 1 "$transfers"); do
	echo "$(fetch 512) $(fetch "$blk")" >>"$T/pairs"
done
t512=$(cut -d' ' -f1 "$T/pairs" | pxe_median)
tbig=$(cut -d' ' -f2 "$T/pairs" | pxe_median)
speedup=$(awk '{ printf "%.4f\n", $1 / $2 }' "$T/pairs" | pxe_median)
verdict=$(awk -v s="$speedup" 'BEGIN { print (s >= 2.5) ? "met" : "MISSED" }')
echo "Kernel over TFTP ($((size / 1024)) KiB, $transfers interleaved pairs, curl in the client namespace, medians):"
awk -v t="$t512" -v s="$size" 'BEGIN { printf "  blksize  512: %.3f s  %6.1f MiB/s\n", t, s / t / 1048576 }'
awk -v t="$tbig" -v s="$size" -v b="$blk" 'BEGIN { printf "  blksize %4d: %.3f s  %6.1f MiB/s\n", b, t, s / t / 1048576 }'
printf '  %.2fx faster with tftp.blocksize = %s (median of the pairs; goal >= 2.5x: %s)\n' "$speedup" "$blk" "$verdict"
