#!/usr/bin/env bats
# The second DHCP server as thin clients see it: dhcpd.1067 started through
# its OpenRC script (Debian's openrc-run) in a server namespace, real
# `dhclient -p 1068` clients in a client namespace with the vendor classes of
# Etherboot and PXE ROMs, a MAC the site lists and one it does not.
# 192.0.2.0/24, names ltsdh<pid>...; needs root.

load ../support/bats
load lib/dhcp-1067

# a host in no group without a fixed address: its address comes from dhcp.range
DESK_MAC=02:1d:0e:00:00:02
DESK='
[[host]]
name      = "desk"
mac       = "02:1d:0e:00:00:02"
dhcp_port = 1067'

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "the lab needs root (network namespaces)"; return; }
	dh_init "ltsdh$$"
	dh_netns_up
}

teardown_file() {
	dh_teardown
}

setup() {
	skip_if_file_skipped
}

teardown() {
	if file_skipped; then return; fi
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
}

# $1 mode, $2 boot_unknown_clients: the site, then the service started through OpenRC
serve() {
	dh_site "$1" "$2" "$DESK"
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	dh_wait_dhcpd 30 >/dev/null
}

# the boot information every known client gets, whatever its ROM
common_boot_info() {
	cat "$DH_RUN/options.env"
	[ "$(dh_opt next_server)" = "$DH_SERVER" ]
	[ "$(dh_opt root_path)" = "$DH_SERVER:/opt/ltsp/i386" ]
	[ "$(dh_opt dhcp_server_identifier)" = "$DH_SERVER" ]
	[ "$(dh_opt subnet_mask)" = 255.255.255.0 ]
	[ "$(dh_opt routers)" = "$DH_SERVER" ]
	[ "$(dh_opt domain_name)" = lab.example.org ]
}

# the last lease's address is one of dhcp.range (192.0.2.230 to .250)
leased_from_range() {
	local addr last
	addr=$(dh_opt ip_address)
	last=${addr##*.}
	[ "${addr%.*}" = 192.0.2 ]
	[ "$last" -ge 230 ]
	[ "$last" -le 250 ]
}

# $1: MAC, $2: vendor class; the client gets no answer at all within 6 s
no_answer() {
	if dh_client "$1" "$2" 6; then
		cat "$DH_RUN/options.env"
		return 1
	fi
	cat "$DH_RUN/log"
	# dhclient tried: it sent its discovers, and heard no offer ("DHCPOFFER of ADDR
	# from SERVER"; its own "No DHCPOFFERS received." when it gives up is no offer)
	[ "$(grep -c '^DHCPDISCOVER on ' "$DH_RUN/log")" -ge 1 ]
	[ "$(grep -c '^DHCPOFFER of ' "$DH_RUN/log")" = 0 ]
}

@test "port-1067: a known Etherboot ROM gets the kernel, next-server, root-path, option 128 and 129" {
	serve port-1067 false
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	common_boot_info
	[ "$(dh_opt ip_address)" = "$DH_KNOWN_ADDR" ]
	[ "$(dh_opt host_name)" = ws1 ]
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	[ "$(dh_opt option_128)" = e4:45:74:68:0:0 ]
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000" ]
}

@test "port-1067: a known PXE ROM gets pxelinux, next-server, root-path and option 129, no option 128" {
	serve port-1067 false
	dh_client "$DH_KNOWN_MAC" "$DH_PXE" 30
	common_boot_info
	[ "$(dh_opt ip_address)" = "$DH_KNOWN_ADDR" ]
	[ "$(dh_opt filename)" = /pxe/pxelinux.0 ]
	[ -z "$(dh_opt option_128)" ]
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000" ]
}

@test "port-1067: a known host without a fixed address is leased one from dhcp.range" {
	serve port-1067 false
	dh_client "$DESK_MAC" "$DH_ETHERBOOT" 30
	common_boot_info
	leased_from_range
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	[ "$(dh_opt option_129)" = "DPORT=1067" ]
	grep -q "hardware ethernet $DESK_MAC" "$T/lib/$SVC.leases"
}

@test "port-1067, boot_unknown_clients = false: an unknown MAC gets nothing, Etherboot or PXE" {
	serve port-1067 false
	no_answer "$DH_UNKNOWN_MAC" "$DH_ETHERBOOT"
	no_answer "$DH_UNKNOWN_MAC" "$DH_PXE"
	# the server was answering all along
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
}

@test "nfsroot: option 129 carries nfsroot= for Etherboot and PXE; unknown MACs get nothing" {
	serve nfsroot false
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	common_boot_info
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	[ "$(dh_opt option_128)" = e4:45:74:68:0:0 ]
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000 nfsroot=$DH_SERVER:/opt/ltsp/i386" ]
	dh_client "$DH_KNOWN_MAC" "$DH_PXE" 30
	common_boot_info
	[ "$(dh_opt filename)" = /pxe/pxelinux.0 ]
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000 nfsroot=$DH_SERVER:/opt/ltsp/i386" ]
	no_answer "$DH_UNKNOWN_MAC" "$DH_ETHERBOOT"
}

@test "boot_unknown_clients = true: an unknown Etherboot ROM gets an address from the range and the kernel" {
	serve port-1067 true
	dh_client "$DH_UNKNOWN_MAC" "$DH_ETHERBOOT" 30
	common_boot_info
	leased_from_range
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	# no host entry, so no per-host option 129
	[ -z "$(dh_opt option_129)" ]
}

@test "a site.toml change reaches the clients through a restart" {
	serve port-1067 false
	sed -i 's|^etherboot_file = "/lts/vmlinuz-lab"|etherboot_file = "/lts/vmlinuz-new"|' "$T/site.toml"
	run svc restart
	echo "$output"
	[ "$status" -eq 0 ]
	dh_wait_dhcpd 30 >/dev/null
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt filename)" = /lts/vmlinuz-new ]
}

@test "dhcp.port = 4067: dhcpd listens there and answers ROMs on 4068, not on 1068" {
	dh_site port-1067 false
	sed -i 's/^\[dhcp\]$/[dhcp]\nport = 4067/' "$T/site.toml"
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	pid=$(dh_wait_dhcpd 30)
	[[ "$(cmdline "$pid")" == *" -p 4067 "* ]]
	DH_PORT=4068 dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000" ]
	no_answer "$DH_KNOWN_MAC" "$DH_ETHERBOOT"
}

# ws1's mount options of $1 characters
# starts dhcpd.1067 and asks it, as the known host with the ROM class $1 and a
# 576-byte reply limit, for its whole reply: dhcp-options.py's lines in $output
probe_known_host() {
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	dh_wait_dhcpd 30 >/dev/null
	ip -n "$CLI" link set "$CIF" address "$DH_KNOWN_MAC"
	run ip netns exec "$CLI" python3 "$BATS_TEST_DIRNAME/lib/dhcp-options.py" "$CIF" "$DH_KNOWN_MAC" "$1" 1067 20
	echo "$output"
	[ "$status" -eq 0 ]
}

long_mount_options() {
	sed -i "s|^\(  nic       = \"e1000\"\)$|\1\n  mount_options = \"nolock,ro,$(head -c $(($1 - 10)) /dev/zero | tr '\0' a)\"|" "$T/site.toml"
}

@test "the largest reply site.toml allows: a ROM taking 576 bytes gets every option whole in the options field" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	# 114 bytes of other options for ws1 leave option 129 192 bytes: 165 characters of mount options
	dh_site port-1067 false
	long_mount_options 166
	run ltspcfg-ts --config "$T/site.toml" render dhcpd
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"host[1].mount_options: the DHCP reply to host ws1 needs 309 bytes of options"* ]]
	dh_site port-1067 false
	long_mount_options 165
	probe_known_host "$DH_ETHERBOOT"
	# each once, whole: root-path, option 128, option 129; nothing in sname
	[ "$(grep -c '^option 17 24$' <<<"$output")" = 1 ]
	[ "$(grep -c '^option 128 6$' <<<"$output")" = 1 ]
	[ "$(grep -c '^option 129 192$' <<<"$output")" = 1 ]
	[ "$(grep -c '^option 129 ' <<<"$output")" = 1 ]
	refute grep -q '^sname-options$' <<<"$output"
	# and dhclient's lease holds the same option 129
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000 MOPTS=nolock,ro,$(head -c 155 /dev/zero | tr '\0' a)" ]
}

@test "a boot file name of 127 bytes, the longest site.toml allows, reaches the ROM whole with its NUL" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	dh_site port-1067 false
	sed -i "s|^\(  nic       = \"e1000\"\)$|\1\n  filename = \"/$(head -c 126 /dev/zero | tr '\0' f)\"|" "$T/site.toml"
	probe_known_host "$DH_PXE"
	grep -qx 'file 127 ended' <<<"$output"
}
