#!/usr/bin/env bats
# A real PXE boot through the configs ltspcfg-ts generates: QEMU (TCG, e1000
# with Debian's iPXE ROM) on a tap in a namespace of its own, bridged to the
# server namespace, boots pxelinux from ltsp-tftpd, its per-host menu, Debian's
# kernel and a busybox initramfs that loads e1000, prints a marker, asks DHCP
# again like a thin client and shows the root-path and option 129 it got.
#   primary: ISC dhcpd on port 67 with the generated /etc/dhcp/dhcpd.conf
#   proxy:   an address-only DHCP server in a "router" namespace, plus dnsmasq
#            with the generated proxyDHCP config
# The kernel and initramfs are built once into a cache (tests/lab/lib/pxe-cache.sh).
# Needs root; makes and removes its own namespaces (ltspx<pid>*, 192.0.2.0/24).

load ../support/bats
load lib/pxe-lab

# a boot takes ~15 s on a quiet machine; with two CPU hogs beside QEMU's TCG,
# pxelinux alone took 100 s to fetch the kernel: the limit only bounds a failure
BOOT_LIMIT=${PXE_BOOT_LIMIT:-360}
HOSTCFG="pxelinux.cfg/01-${PXE_MAC//:/-}"
UNKNOWN_MAC=52:54:00:5e:00:99

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	command -v qemu-system-x86_64 >/dev/null || { skip_file "qemu-system-x86 is not installed"; return; }
	[ -f "$PXE_ROM" ] || { skip_file "ipxe-qemu is not installed ($PXE_ROM)"; return; }
	pxe_init "ltspx$$"
	local rc=0
	pxe_kernel || rc=$?
	if [ "$rc" = 3 ]; then
		skip_file "Debian's kernel package cannot be downloaded (apt-get download linux-image-amd64 failed)"
		return
	fi
	[ "$rc" = 0 ]
	pxe_netns_up
}

setup() {
	skip_if_file_skipped
}

teardown() {
	if file_skipped; then return; fi
	pxe_httpd_down
	pxe_services_down
}

teardown_file() {
	pxe_teardown
}

# prints the logs of a boot (for a failing test)
show_logs() {
	local f
	for f in "$T"/apply.log "$T"/tftpd-start.log "$T"/tftpd.log "$T"/dhcpd.log "$T"/dnsmasq.log "$T"/router.log "$PXE_LOG"; do
		[ -s "$f" ] || continue
		echo "--- $f"
		grep -av '^[[:space:]]*$' "$f" | tail -n 40
	done
}

# asserts that in.tftpd served $1 (a path as the client asked for it)
served() {
	grep -aqE "RRQ from [0-9.]+ filename /?$1\$" "$T/tftpd.log" || {
		echo "in.tftpd did not serve $1"
		return 1
	}
}

# the value after a LTSPX-<key> line in the serial log
serial() {
	sed -n "s/^.*LTSPX-$1 \{0,1\}//p" "$PXE_LOG" | head -n 1
}

# PXE_UNTIL for a machine that must not boot: true 10 s after the first line
# of $ACK_LOG matching $ACK_RE (its lease); a boot file would be fetched
# within a second of it on a quiet machine, within a few on a busy one
acked_10s_ago() {
	grep -aq "$ACK_RE" "$ACK_LOG" || return 1
	[ -n "${ACKED:-}" ] || ACKED=$(date +%s)
	[ $(($(date +%s) - ACKED)) -ge 10 ]
}

# what every boot must show: pxelinux, the per-host menu, kernel and
# initramfs fetched from ltsp-tftpd, the marker, the kernel command line of
# the per-host entry
assert_boot() {
	echo "QEMU start to marker: ${PXE_MARKER_S:-never} s (whole run ${PXE_TOTAL_S} s)"
	grep -aq 'LTSPX-MARKER' "$PXE_LOG"
	grep -aq 'PXELINUX 6' "$PXE_LOG" # its banner, on the serial console the config asked for
	served pxelinux.0
	served ldlinux.c32
	served "$HOSTCFG"
	served menu.c32
	served lts/vmlinuz
	served lts/initramfs.gz
	# the per-host file was found first: the default one was never asked for
	[ "$(grep -ac 'filename /\?pxelinux.cfg/default$' "$T/tftpd.log")" = 0 ]
	local cmdline
	cmdline=$(serial CMDLINE)
	echo "kernel command line: $cmdline"
	[[ "$cmdline" == *"root=/dev/nfs nfsroot=$PXE_SERVER:/opt/ltsp/amd64 ip=dhcp console=tty0 console=ttyS0,115200 quiet NIC=e1000 MOPTS=nolock,ro ltspx.host=thin01"* ]]
	# ltsp-tftpd handed the root-only files to nobody before serving them
	[ "$(stat -c '%U:%G %a' "$T/tftpboot/lts/vmlinuz")" = "nobody:nogroup 644" ]
}

@test "primary: dhcpd with the generated dhcpd.conf boots the known client into its kernel and initramfs" {
	pxe_site primary
	pxe_generate
	ip netns exec "$SNS" dhcpd -t -4 -cf "$T/sys/etc/dhcp/dhcpd.conf"
	pxe_tftpd_service
	pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
	pxe_ra "$BOOT_LIMIT"
	pxe_boot primary "$BOOT_LIMIT" || true
	show_logs
	assert_boot
	# iPXE got the fixed address and pxelinux from dhcpd
	grep -q "DHCPACK on $PXE_HOST_ADDR to $PXE_MAC" "$T/dhcpd.log"
	# the thin client's own DHCP request: root-path and option 129 of its host entry
	[ "$(serial DHCP | cut -d' ' -f1-2)" = "ip=$PXE_HOST_ADDR server=$PXE_SERVER" ]
	[ "$(serial ROOTPATH)" = "$PXE_SERVER:/opt/ltsp/amd64" ]
	[ "$(serial OPT129)" = "NIC=e1000 MOPTS=nolock,ro" ]
	grep -aq 'LTSPX-DONE' "$PXE_LOG"
}

@test "primary: a machine not listed in site.toml gets an address but no boot file" {
	pxe_site primary
	pxe_generate
	pxe_tftpd_service
	pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
	pxe_ra 120
	ACKED="" ACK_LOG=$T/dhcpd.log ACK_RE="DHCPACK on .* to $UNKNOWN_MAC" PXE_BOOT_MAC=$UNKNOWN_MAC PXE_UNTIL=acked_10s_ago \
		pxe_boot unknown 120 || true
	show_logs
	grep -q "DHCPACK on 192.0.2.1[0-4][0-9] to $UNKNOWN_MAC" "$T/dhcpd.log"
	[ "$(grep -ac 'RRQ' "$T/tftpd.log")" = 0 ]
	[ -z "$PXE_MARKER_S" ]
}

@test "proxy: the network's DHCP server gives the address, the generated dnsmasq proxyDHCP the boot" {
	pxe_site proxy
	pxe_generate
	ip netns exec "$SNS" dnsmasq --test --conf-file="$T/sys/etc/dnsmasq.d/ltsp-ts.conf"
	[ ! -e "$T/sys/etc/dhcp/dhcpd.conf" ]
	pxe_tftpd_service
	pxe_router_dhcp
	pxe_dnsmasq "$T/sys/etc/dnsmasq.d/ltsp-ts.conf"
	pxe_ra "$BOOT_LIMIT"
	pxe_boot proxy "$BOOT_LIMIT" || true
	show_logs
	assert_boot
	# dnsmasq answered as a proxy, without handing out an address
	grep -aq 'proxy' "$T/dnsmasq.log"
	[ "$(grep -ac 'DHCPACK' "$T/dnsmasq.log")" = 0 ]
	grep -aq "PXE(${SIF}) [0-9.]* $PXE_MAC /pxelinux.0" "$T/dnsmasq.log"
	# the menu label with its comma, between quotes: one field of pxe-service, not two
	grep -q ',"LTSP lab, room 2 & 3 - client",/pxelinux.0,' "$T/sys/etc/dnsmasq.d/ltsp-ts.conf"
	# the address, both times, came from the router
	grep -aq "DHCPACK.* $PXE_MAC" "$T/router.log"
	local dhcp
	dhcp=$(serial DHCP)
	[[ "$dhcp" == "ip=192.0.2.1"[0-4]?" server=$PXE_ROUTER "* ]]
	# no root-path or option 129 from the router: the kernel line carries them (asserted above)
	[ -z "$(serial ROOTPATH)" ]
	[ -z "$(serial OPT129)" ]
	grep -aq 'LTSPX-DONE' "$PXE_LOG"
}

@test "proxy: dnsmasq gives no boot information to a machine not listed in site.toml" {
	pxe_site proxy
	pxe_generate
	pxe_tftpd_service
	pxe_router_dhcp
	pxe_dnsmasq "$T/sys/etc/dnsmasq.d/ltsp-ts.conf"
	pxe_ra 120
	ACKED="" ACK_LOG=$T/router.log ACK_RE="DHCPACK(.*) .* $UNKNOWN_MAC" PXE_BOOT_MAC=$UNKNOWN_MAC PXE_UNTIL=acked_10s_ago \
		pxe_boot proxy-unknown 120 || true
	show_logs
	grep -aq "DHCPACK(.*) 192.0.2.1[0-4][0-9] $UNKNOWN_MAC" "$T/router.log"
	[ "$(grep -ac "$UNKNOWN_MAC .*pxelinux" "$T/dnsmasq.log")" = 0 ]
	# dhcp-ignore: the proxy stays silent for it, rather than answering without a boot file
	grep -aq "PXE(.*) $UNKNOWN_MAC proxy-ignored" "$T/dnsmasq.log"
	[ "$(grep -a "PXE(.*) $UNKNOWN_MAC" "$T/dnsmasq.log" | grep -vc 'proxy-ignored')" = 0 ]
	[ "$(grep -ac 'RRQ' "$T/tftpd.log")" = 0 ]
	[ -z "$PXE_MARKER_S" ]
}

# ---- UEFI clients and iPXE (boot.loader) ----------------------------------------
# OVMF with the firmware's own PXE (virtio-net without an option ROM): option
# 93 = 7, no user class. The lab's initramfs has no virtio driver: these boots
# end at the marker, whose kernel command line shows the per-host entry.

UEFI_LIMIT=${PXE_UEFI_LIMIT:-300}

# $1: more [boot] lines; $2: more TOML at the end
loader_site() {
	sed -i "s|^\[boot\]\$|[boot]\n$1|" "$T/site.toml"
	printf '%s\n' "${2:-}" >>"$T/site.toml"
}

HTTP_SITE='
[http]
enabled = true
port    = 8080
user    = "www-data"
group   = "www-data"'

# primary mode, boot.loader = "ipxe" over HTTP: dhcpd, ltsp-tftpd and ltsp-httpd
serve_ipxe_http() {
	pxe_site primary
	loader_site 'loader = "ipxe"' "$HTTP_SITE"
	pxe_generate
	pxe_tftpd_service
	pxe_httpd_service
	pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
}

# iPXE's console: the script, kernel and initramfs from ltsp-httpd ("URL... ok";
# a download slow enough, on a busy machine, shows its progress before the "ok")
fetched_over_http() {
	local f
	for f in ltsp.ipxe lts/vmlinuz lts/initramfs.gz; do
		grep -aqE "http://${PXE_SERVER//./\\.}:8080/${f//./\\.}\.\.\.[^[:alpha:]]*ok" "$PXE_LOG" || {
			echo "iPXE did not fetch $f over HTTP"
			return 1
		}
	done
}

# the marker, and the kernel command line of the host's own entry
assert_marker() {
	echo "QEMU start to marker: ${PXE_MARKER_S:-never} s (whole run ${PXE_TOTAL_S} s)"
	grep -aq 'LTSPX-MARKER' "$PXE_LOG"
	local cmdline
	cmdline=$(serial CMDLINE)
	echo "kernel command line: $cmdline"
	[[ "$cmdline" == *"root=/dev/nfs nfsroot=$PXE_SERVER:/opt/ltsp/amd64 ip=dhcp console=tty0 console=ttyS0,115200 quiet NIC=e1000 MOPTS=nolock,ro ltspx.host=thin01"* ]]
}

@test "UEFI, primary, ipxe over HTTP: OVMF's PXE loads ipxe.efi over TFTP, iPXE the script, kernel and initramfs from ltsp-httpd" {
	[ -f "$PXE_OVMF_CODE" ] || skip "ovmf is not installed ($PXE_OVMF_CODE)"
	serve_ipxe_http
	pxe_ra "$UEFI_LIMIT"
	PXE_UEFI=1 PXE_STOP_AT_MARKER=1 pxe_boot uefi-ipxe-http "$UEFI_LIMIT" || true
	pxe_httpd_down
	show_logs
	assert_marker
	[[ "$(serial CMDLINE)" == *"initrd=initrd.img"* ]]
	# TFTP for the loader only: the script, kernel and initramfs came over HTTP
	served ipxe.efi
	[ "$(grep -a 'RRQ' "$T/tftpd.log" | grep -vc 'filename /\?ipxe\.efi$')" = 0 ]
	fetched_over_http
	# two leases: the firmware's (option 93 = 7) and iPXE's (user class iPXE)
	[ "$(grep -c "DHCPACK on $PXE_HOST_ADDR to $PXE_MAC" "$T/dhcpd.log")" -ge 2 ]
}

@test "UEFI, proxy, ipxe over TFTP: dnsmasq names ipxe.efi to the firmware and the script to iPXE" {
	[ -f "$PXE_OVMF_CODE" ] || skip "ovmf is not installed ($PXE_OVMF_CODE)"
	pxe_site proxy
	loader_site 'loader = "ipxe"'
	pxe_generate
	pxe_tftpd_service
	pxe_router_dhcp
	pxe_dnsmasq "$T/sys/etc/dnsmasq.d/ltsp-ts.conf"
	pxe_ra "$UEFI_LIMIT"
	PXE_UEFI=1 PXE_STOP_AT_MARKER=1 pxe_boot uefi-ipxe-proxy "$UEFI_LIMIT" || true
	show_logs
	assert_marker
	served ipxe.efi
	served ltsp.ipxe
	served lts/vmlinuz
	served lts/initramfs.gz
	# the firmware's request to port 4011 (option 93 = 7), then iPXE's (user class iPXE)
	grep -aq "bootfile name: /ipxe.efi" "$T/dnsmasq.log"
	grep -aq "bootfile name: /ltsp.ipxe" "$T/dnsmasq.log"
	[ "$(grep -ac 'DHCPACK' "$T/dnsmasq.log")" = 0 ]
}

@test "UEFI, primary, pxelinux: syslinux.efi reads its own efi64/pxelinux.cfg entry for the host" {
	[ -f "$PXE_OVMF_CODE" ] || skip "ovmf is not installed ($PXE_OVMF_CODE)"
	pxe_site primary
	pxe_generate
	pxe_tftpd_service
	pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
	PXE_UEFI=1 PXE_STOP_AT_MARKER=1 pxe_boot uefi-syslinux "$UEFI_LIMIT" || true
	show_logs
	assert_marker
	served efi64/syslinux.efi
	served efi64/ldlinux.e64
	served "efi64/$HOSTCFG"
	served lts/vmlinuz
	served lts/initramfs.gz
	[ "$(grep -ac 'filename /\?pxelinux.0$' "$T/tftpd.log")" = 0 ]
}

@test "BIOS, primary, ipxe over HTTP: iPXE in the ROM gets the script at once and boots the host's entry" {
	serve_ipxe_http
	pxe_ra "$BOOT_LIMIT"
	pxe_boot bios-ipxe-http "$BOOT_LIMIT" || true
	pxe_httpd_down
	show_logs
	assert_marker
	# the ROM is iPXE (user class iPXE): no loader over TFTP, everything over HTTP
	[ "$(grep -ac 'RRQ' "$T/tftpd.log")" = 0 ]
	# SeaBIOS' iPXE writes to the screen only: the kernel line of the script shows it ran
	[[ "$(serial CMDLINE)" == "initrd=initrd.img root=/dev/nfs "* ]]
	[ "$(serial DHCP | cut -d' ' -f1-2)" = "ip=$PXE_HOST_ADDR server=$PXE_SERVER" ]
	grep -aq 'LTSPX-DONE' "$PXE_LOG"
	# the menu it went through, its title with "&" and a later "-" as iPXE reads them
	grep -qx 'menu LTSP lab, room 2 & 3 - client' "$T/tftpboot/ltsp.ipxe"
}

# ws1's own kernel parameters, with ltspx.pad= of $1 characters
pad_host_line() {
	sed -i "s|^  kernel_append = .*|  kernel_append = \"ltspx.host=thin01 ltspx.pad=$(head -c "$1" /dev/zero | tr '\0' p)\"|" "$T/site.toml"
}

# the command line pxelinux hands the kernel for the host's entry: BOOT_IMAGE=LINUX APPEND initrd=INITRD
host_line() {
	local cfg="$T/tftpboot/$HOSTCFG"
	printf 'BOOT_IMAGE=%s %s initrd=%s' "$(sed -n 's/^\tLINUX //p' "$cfg")" "$(sed -n 's/^\tAPPEND //p' "$cfg")" "$(sed -n 's/^\tINITRD //p' "$cfg")"
}

@test "BIOS, primary, pxelinux: a kernel line of 2046 characters, the longest site.toml allows, reaches the kernel whole" {
	pxe_site primary
	sed -i 's|^\[boot\]$|[boot]\nuefi = false|' "$T/site.toml"
	pad_host_line 100
	pxe_apply
	local line want
	line=$(host_line)
	want=$((100 + 2046 - ${#line}))
	# one character more is refused, naming the host and the length
	pad_host_line $((want + 1))
	run node "$REPO/dist/ltspcfg-ts.js" --config "$T/site.toml" get server.address
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"kernel_append: the kernel command line of host thin01 is 2047 characters long as pxelinux (BIOS) hands it to the kernel"* ]]
	pad_host_line "$want"
	pxe_generate
	line=$(host_line)
	[ "${#line}" = 2046 ]
	pxe_tftpd_service
	pxe_dhcpd "$T/sys/etc/dhcp/dhcpd.conf"
	pxe_ra "$BOOT_LIMIT"
	pxe_boot primary "$BOOT_LIMIT" || true
	show_logs
	grep -aq 'LTSPX-MARKER' "$PXE_LOG"
	local cmdline
	cmdline=$(serial CMDLINE | tr -d '\r')
	echo "kernel command line: ${#cmdline} characters"
	[ "$cmdline" = "$line" ]
}
