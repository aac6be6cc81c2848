#!/bin/bash
# UEFI boot benchmark (root; namespaces ltspx<pid>*, 192.0.2.0/24, as in
# tests/lab/pxe-boot.bats; needs ovmf, ipxe and lighttpd):
#  1. QEMU + OVMF (the firmware's own PXE, virtio-net) start to the initramfs
#     marker through what ltspcfg-ts generates for boot.loader = "ipxe" with
#     http.enabled (dhcpd.conf by option 93 and user class, ipxe.efi, the
#     per-host script, ltsp-tftpd, ltsp-httpd) against hand-written configs
#     doing the same (a dhcpd.conf with one if, a three-line script, in.tftpd
#     and lighttpd run by hand), alternating, ROUNDS each; medians.
#     Goal: <= 1.05x.
#  2. Kernel + initramfs from the client namespace with curl: TFTP from
#     ltsp-tftpd at the block size the site allows (tftp.blocksize), against
#     HTTP from ltsp-httpd; TRANSFERS interleaved pairs, the median of their
#     ratios. Goal: HTTP >= 4x faster.
# Usage: bench/uefi-boot.sh [ROUNDS [TRANSFERS]]     (default 2 and 7)
set -u
cd "$(dirname "$0")/.." || exit 1
rounds=${1:-2}
transfers=${2:-7}
limit=${PXE_UEFI_LIMIT:-300}

# shellcheck source=tests/lab/lib/pxe-lab.bash
. tests/lab/lib/pxe-lab.bash
for f in "$PXE_OVMF_CODE" /usr/lib/ipxe/snponly.efi /usr/sbin/lighttpd; do
	if [ ! -e "$f" ]; then
		echo "uefi-boot bench: skipped, $f is missing (ovmf, ipxe, lighttpd)" >&2
		exit 0
	fi
done
pxe_bench_init uefi-boot "ltspx$$"
pxe_bench_need pxe_kernel "Debian's kernel package cannot be downloaded"
pxe_netns_up
pxe_site primary
sed -i 's|^\[boot\]$|[boot]\nloader = "ipxe"|' "$T/site.toml"
cat >>"$T/site.toml" <<-EOF

	[http]
	enabled = true
	port    = 8080
	user    = "www-data"
	group   = "www-data"
EOF
pxe_generate || exit 1

# the hand-written set-up: what an admin would write for the same boot
m="$T/minimal"
mkdir -p "$m/tftpboot"
cp /usr/lib/ipxe/snponly.efi "$m/tftpboot/ipxe.efi"
pxe_put_kernel "$m/tftpboot"
cat >"$m/tftpboot/boot.ipxe" <<-EOF
	#!ipxe
	kernel http://$PXE_SERVER:8080/lts/vmlinuz initrd=initramfs.gz console=ttyS0,115200 quiet
	initrd http://$PXE_SERVER:8080/lts/initramfs.gz
	boot
EOF
chmod -R a+rX "$m"
chmod 0755 "$T"
cat >"$m/dhcpd.conf" <<-EOF
	subnet 192.0.2.0 netmask 255.255.255.0 {
	  range 192.0.2.100 192.0.2.149;
	  next-server $PXE_SERVER;
	  if exists user-class and option user-class = "iPXE" {
	    filename "http://$PXE_SERVER:8080/boot.ipxe";
	  } else {
	    filename "ipxe.efi";
	  }
	}
EOF
cat >"$m/lighttpd.conf" <<-EOF
	server.document-root = "$m/tftpboot"
	server.bind = "$PXE_SERVER"
	server.port = 8080
	server.username = "www-data"
	server.groupname = "www-data"
EOF
export PXE_STOP_AT_MARKER=1 PXE_UEFI=1

boot_generated() {
	pxe_tftpd_service && pxe_httpd_service && pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf" || return 1
	pxe_ra "$limit"
	pxe_boot "generated-$1" "$limit"
}
boot_minimal() {
	pxe_tftpd_direct "$m/tftpboot" && pxe_dhcpd "$m/dhcpd.conf" || return 1
	ip netns exec "$SNS" lighttpd -D -f "$m/lighttpd.conf" </dev/null >/dev/null 2>&1 &
	pxe_track $!
	pxe_ra "$limit"
	pxe_boot "minimal-$1" "$limit"
}

echo "UEFI boot (OVMF firmware PXE -> ipxe.efi -> script -> kernel over HTTP), QEMU start to the initramfs marker (TCG, $(nproc) cores):"
pxe_alternate_boots "$rounds" "$limit"
pxe_bench_ratio generated hand-written 1.05

# kernel + initramfs: TFTP at the site's block size against HTTP
blk=$("$T/bin/ltspcfg-ts" --config "$T/site.toml" get tftp.blocksize)
ip -n "$CNS" addr add 192.0.2.50/24 dev "${PX}br"
pxe_tftpd_service && pxe_httpd_service || exit 1
size=$(($(stat -c %s "$T/tftpboot/lts/vmlinuz") + $(stat -c %s "$T/tftpboot/lts/initramfs.gz")))
fetch() { # $1: tftp or http; prints seconds for both files
	local base=tftp://$PXE_SERVER
	[ "$1" = http ] && base=http://$PXE_SERVER:8080
	ip netns exec "$CNS" curl -sS --max-time 120 --tftp-blksize "$blk" -o /dev/null -o /dev/null -w '%{time_total}\n' \
		"$base/lts/vmlinuz" "$base/lts/initramfs.gz" | awk '{ s += $1 } END { printf "%.4f\n", s }'
}
pxe_bench_pairs "$transfers" "fetch tftp" "fetch http"
ttftp=$PXE_PAIR_A thttp=$PXE_PAIR_B speedup=$PXE_SPEEDUP
verdict=$(awk -v s="$speedup" 'BEGIN { print (s >= 4) ? "met" : "MISSED" }')
echo "Kernel + initramfs ($((size / 1024)) KiB, $transfers interleaved pairs, curl in the client namespace, medians):"
awk -v t="$ttftp" -v s="$size" -v b="$blk" 'BEGIN { printf "  TFTP (blksize %d, ltsp-tftpd): %.3f s  %7.1f MiB/s\n", b, t, s / t / 1048576 }'
awk -v t="$thttp" -v s="$size" 'BEGIN { printf "  HTTP (ltsp-httpd, lighttpd):    %.3f s  %7.1f MiB/s\n", t, s / t / 1048576 }'
printf '  HTTP %.2fx faster (median of the pairs; goal >= 4x: %s)\n' "$speedup" "$verdict"
