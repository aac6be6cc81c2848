#!/usr/bin/env bats
# The boot file each kind of client is handed, per boot.loader, from the
# generated configs and the real daemons: ISC dhcpd (primary on port 67,
# port-1067) answering real dhclient runs that send the option 93 (client
# architecture) and user class of BIOS and UEFI PXE ROMs and of iPXE; dnsmasq
# in proxyDHCP mode answering a PXE ROM's discover and port-4011 request
# (lib/dhcp-probe.pl: dhclient takes no offer without an address).
# 192.0.2.0/24 in namespaces of its own (ltsdh<pid>...); needs root; no QEMU.

load ../support/bats
load lib/dhcp-1067

BIOS_ROM="PXEClient:Arch:00000:UNDI:002001"
UEFI_ROM="PXEClient:Arch:00007:UNDI:003016"
UEFI9_ROM="PXEClient:Arch:00009:UNDI:003016"
IA32_ROM="PXEClient:Arch:00006:UNDI:003016"

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	dh_init "ltsdh$$"
	dh_netns_up
	# the proxy probe asks port 4011 from an address of its own, like a PXE ROM after DHCP
	ip -n "$CLI" addr add 192.0.2.60/24 dev "$CIF"
}

teardown_file() {
	dh_teardown
}

setup() {
	skip_if_file_skipped
}

# stops this test's daemons by pid and waits (at most 5 s) until they are gone:
# the next test's dhcpd refuses to start while its pid file names a live one
teardown() {
	if file_skipped; then return; fi
	# shellcheck disable=SC2046
	stop_pids 5 $(cat "$T/daemon.pid" 2>/dev/null)
	rm -f "$T/daemon.pid" "$T/run/arch-dhcpd.pid" "$T/run/arch-dnsmasq.pid"
}

# $1 mode, $2 [boot] lines, $3 more TOML: the site of dhcp-1067.bash with these
arch_site() {
	dh_site "$1" false "$3"
	sed -i "s|^pxe_filename   = \"/pxe/pxelinux.0\"|&\n$2|" "$T/site.toml"
	cat "$T/site.toml" >&2
}

# ISC dhcpd in the server namespace with the generated config of the site; $1: port
dhcpd_up() {
	local conf=$T/etc/arch-dhcpd.conf
	ltspcfg-ts --config "$T/site.toml" render dhcpd >"$conf"
	ip netns exec "$SRV" dhcpd -t -4 -cf "$conf" >/dev/null 2>&1 || dhcpd -t -4 -cf "$conf"
	: >"$T/lib/arch.leases"
	ip netns exec "$SRV" dhcpd -4 -f -d -p "$1" -cf "$conf" -lf "$T/lib/arch.leases" -pf "$T/run/arch-dhcpd.pid" "$SIF" \
		</dev/null >"$T/arch-dhcpd.log" 2>&1 3>&- &
	echo $! >>"$T/daemon.pid"
	wait_port -n "$SRV" udp "$1" dhcpd || { cat "$T/arch-dhcpd.log" >&2; return 1; }
}

# dnsmasq in proxyDHCP mode with the generated config of the site
dnsmasq_up() {
	local conf=$T/etc/arch-dnsmasq.conf
	ltspcfg-ts --config "$T/site.toml" render dnsmasq >"$conf"
	dnsmasq --test --conf-file="$conf"
	ip netns exec "$SRV" dnsmasq --keep-in-foreground --conf-file="$conf" --pid-file="$T/run/arch-dnsmasq.pid" \
		--log-dhcp --log-facility="$T/arch-dnsmasq.log" --dhcp-leasefile="$T/lib/arch-dnsmasq.leases" \
		</dev/null >/dev/null 2>&1 3>&- &
	echo $! >>"$T/daemon.pid"
	{ wait_port -n "$SRV" udp 67 "dnsmasq (proxyDHCP)" && wait_port -n "$SRV" udp 4011 "dnsmasq's PXE service"; } ||
		{ cat "$T/arch-dnsmasq.log" >&2; return 1; }
}

# $1 MAC, $2 vendor class, $3 option 93, $4 user class (- for none); prints
# the boot file dhcpd handed out ("none" for a lease without one); fails
# without a lease
boot_file() {
	local send="send pxe-system-type $3;"
	[ "$4" = - ] || send="$send send user-class \"$4\";"
	DH_PORT=${DH_PORT:-68} DH_SEND=$send dh_client "$1" "$2" 30 || { cat "$DH_RUN/log" >&2; return 1; }
	# kept for opt(): callers run this in a command substitution
	cp "$DH_RUN/options.env" "$T/last-lease.env"
	local f
	f=$(dh_opt filename)
	echo "${f:-none}"
}

# $1: an option of the last boot_file lease
opt() {
	sed -n "s/^$1=//p" "$T/last-lease.env"
}

# $1 MAC, $2 vendor class, $3 option 93, $4 user class: the boot file the
# proxy names (in its offer, or in its port-4011 answer), "none" when it is silent
proxy_file() {
	local out
	out=$(ip netns exec "$CLI" perl "$DH_LIB/dhcp-probe.pl" "$CIF" "$1" "$2" "$3" "$4" 3 192.0.2.60)
	echo "$out" >&2
	out=$(printf '%s\n' "$out" | sed -n 's/^reply .* file=\(..*\)$/\1/p' | head -n 1)
	echo "${out:-none}"
}

@test "primary, pxelinux: BIOS ROMs get pxelinux.0, UEFI ROMs (93 = 7, 9) syslinux.efi, other architectures nothing" {
	arch_site primary ''
	dhcpd_up 67
	[ "$(boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/pxelinux.0 ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/efi64/syslinux.efi ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI9_ROM" 9 -)" = /pxe/efi64/syslinux.efi ]
	[ "$(opt next_server)" = "$DH_SERVER" ]
	# an IA32 UEFI ROM would not run either loader: an address, no boot file
	[ "$(boot_file "$DH_KNOWN_MAC" "$IA32_ROM" 6 -)" = none ]
	# iPXE in a BIOS ROM loads pxelinux, as before
	[ "$(boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 iPXE)" = /pxe/pxelinux.0 ]
}

@test "primary, pxelinux: a machine not listed gets an address and no boot file, whatever its architecture" {
	arch_site primary ''
	dhcpd_up 67
	[ "$(boot_file "$DH_UNKNOWN_MAC" "$UEFI_ROM" 7 -)" = none ]
	[ -n "$(opt ip_address)" ]
	[ "$(boot_file "$DH_UNKNOWN_MAC" "$BIOS_ROM" 0 -)" = none ]
}

@test "primary, boot.uefi = false: UEFI ROMs get no boot file, BIOS ROMs still pxelinux.0" {
	arch_site primary 'uefi = false'
	dhcpd_up 67
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = none ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/pxelinux.0 ]
}

@test "primary, ipxe over HTTP: ROMs get undionly.kpxe / ipxe.efi, iPXE (user class) the script URL, never the loader again" {
	arch_site primary 'loader = "ipxe"' '
[http]
enabled = true
port = 8080'
	dhcpd_up 67
	[ "$(boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/undionly.kpxe ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/ipxe.efi ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI9_ROM" 9 -)" = /pxe/ipxe.efi ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 iPXE)" = http://192.0.2.1:8080/pxe/ltsp.ipxe ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 iPXE)" = http://192.0.2.1:8080/pxe/ltsp.ipxe ]
	# Etherboot ROMs keep their kernel and option 128
	[ "$(boot_file "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 0 -)" = /lts/vmlinuz-lab ]
	[ "$(opt option_128)" = e4:45:74:68:0:0 ]
	# unknown machines: no script either
	[ "$(boot_file "$DH_UNKNOWN_MAC" "$UEFI_ROM" 7 iPXE)" = none ]
}

@test "primary, ipxe over TFTP: iPXE gets the script's path on next-server" {
	arch_site primary 'loader = "ipxe"'
	dhcpd_up 67
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 iPXE)" = /pxe/ltsp.ipxe ]
	[ "$(opt next_server)" = "$DH_SERVER" ]
	[ "$(boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/ipxe.efi ]
}

@test "port-1067, ipxe: the second dhcpd answers listed UEFI ROMs with ipxe.efi and nothing else" {
	arch_site port-1067 'loader = "ipxe"'
	dhcpd_up 1067
	[ "$(DH_PORT=1068 boot_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/ipxe.efi ]
	[ "$(DH_PORT=1068 boot_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 iPXE)" = /pxe/ltsp.ipxe ]
	[ "$(DH_PORT=1068 boot_file "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 0 -)" = /lts/vmlinuz-lab ]
	# machines not listed get no answer at all
	run boot_file "$DH_UNKNOWN_MAC" "$UEFI_ROM" 7 iPXE
	[ "$status" -ne 0 ]
}

@test "proxy, pxelinux: dnsmasq names pxelinux.0 to BIOS ROMs and syslinux.efi to UEFI ROMs, nothing to machines not listed" {
	arch_site proxy ''
	dnsmasq_up
	[ "$(proxy_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/pxelinux.0 ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/efi64/syslinux.efi ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$UEFI9_ROM" 9 -)" = /pxe/efi64/syslinux.efi ]
	[ "$(proxy_file "$DH_UNKNOWN_MAC" "$UEFI_ROM" 7 -)" = none ]
}

@test "proxy: each host with a boot file of its own gets its own, one named \"own\" included; a menu label of the longest length allowed, with a comma, is one field" {
	# 239 bytes, the most dnsmasq's PXE menu holds (boot.menu_label's limit)
	local label
	label="LTSP lab, room 2 $(printf 'x%.0s' $(seq 222))"
	[ ${#label} = 239 ]
	arch_site proxy "menu_label = \"$label\"" '
[[host]]
name     = "own"
mac      = "02:1d:0e:00:00:31"
filename = "/pxe/own.0"
[[host]]
name     = "ws2"
mac      = "02:1d:0e:00:00:32"
filename = "/pxe/ws2.0"'
	dnsmasq_up
	grep -q ",\"$label\"," "$T/etc/arch-dnsmasq.conf"
	[ "$(proxy_file 02:1d:0e:00:00:32 "$BIOS_ROM" 0 -)" = /pxe/ws2.0 ]
	[ "$(proxy_file 02:1d:0e:00:00:31 "$BIOS_ROM" 0 -)" = /pxe/own.0 ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/pxelinux.0 ]
}

@test "proxy, ipxe over HTTP: dnsmasq names the loader per architecture and the script URL to iPXE" {
	arch_site proxy 'loader = "ipxe"' '
[http]
enabled = true'
	dnsmasq_up
	[ "$(proxy_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 -)" = /pxe/undionly.kpxe ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 -)" = /pxe/ipxe.efi ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$UEFI_ROM" 7 iPXE)" = http://192.0.2.1:80/pxe/ltsp.ipxe ]
	[ "$(proxy_file "$DH_KNOWN_MAC" "$BIOS_ROM" 0 iPXE)" = http://192.0.2.1:80/pxe/ltsp.ipxe ]
	[ "$(proxy_file "$DH_UNKNOWN_MAC" "$BIOS_ROM" 0 iPXE)" = none ]
}
