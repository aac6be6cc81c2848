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

# shellcheck source=tests/lab/lib/pxe-lab.bash
. tests/lab/lib/pxe-lab.bash
pxe_bench_init pxe-boot "ltspx$$"
pxe_bench_need pxe_kernel "Debian's kernel package cannot be downloaded"
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
pxe_bench_ratio generated 'hand-written minimal' 1.05

# the kernel over TFTP, from ltsp-tftpd serving the generated tree
blk=$("$T/bin/ltspcfg-ts" --config "$T/site.toml" get tftp.blocksize)
ip -n "$CNS" addr add 192.0.2.50/24 dev "${PX}br"
pxe_tftpd_service || exit 1
size=$(stat -c %s "$T/tftpboot/lts/vmlinuz")
fetch() { # $1: block size; prints seconds
	ip netns exec "$CNS" curl -sS --max-time 60 --tftp-blksize "$1" -o /dev/null -w '%{time_total}\n' \
		"tftp://$PXE_SERVER/lts/vmlinuz"
}
pxe_bench_pairs "$transfers" "fetch 512" "fetch $blk"
t512=$PXE_PAIR_A tbig=$PXE_PAIR_B speedup=$PXE_SPEEDUP
verdict=$(awk -v s="$speedup" 'BEGIN { print (s >= 2.5) ? "met" : "MISSED" }')
echo "Kernel over TFTP ($((size / 1024)) KiB, $transfers interleaved pairs, curl in the client namespace, medians):"
awk -v t="$t512" -v s="$size" 'BEGIN { printf "  blksize  512: %.3f s  %6.1f MiB/s\n", t, s / t / 1048576 }'
awk -v t="$tbig" -v s="$size" -v b="$blk" 'BEGIN { printf "  blksize %4d: %.3f s  %6.1f MiB/s\n", b, t, s / t / 1048576 }'
printf '  %.2fx faster with tftp.blocksize = %s (median of the pairs; goal >= 2.5x: %s)\n' "$speedup" "$blk" "$verdict"
