#!/usr/bin/env bats
# dhcpd.1067 under Debian's openrc-run: a temp copy of the service run inside
# a server network namespace of the test's own (192.0.2.0/24), answering a
# real dhclient -p 1068 in a client namespace. Needs root.

load ../support/bats
load ../lab/lib/dhcp-1067

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "needs root (network namespaces)"; return; }
	dh_init "ltsdh$$"
	dh_netns_up
	dh_second_link
}

teardown_file() {
	dh_teardown
}

setup() {
	skip_if_file_skipped
	dh_site
	unset DH_SVC DH_CIF
}

teardown() {
	if file_skipped; then return; fi
	release_port
	local s
	for s in "$T"/init.d/*; do
		ip netns exec "$SRV" openrc-run "$s" stop >/dev/null 2>&1 || true
		ip netns exec "$SRV" openrc-run "$s" zap >/dev/null 2>&1 || true
	done
	rm -f "$T"/init.d/"$SVC".* "$T"/conf.d/"$SVC".*
}

# a known Etherboot client on the first link gets its lease from the server
known_client_leases() {
	dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt ip_address)" = "$DH_KNOWN_ADDR" ]
	[ "$(dh_opt dhcp_server_identifier)" = "$DH_SERVER" ]
}

@test "shellcheck: the service and its conf.d are clean POSIX sh" {
	shellcheck -s sh "$DH_REPO/init.d/dhcpd.1067" "$DH_REPO/conf.d/dhcpd.1067"
}

@test "conf.d: every setting is a commented override" {
	run grep -v -e '^#' -e '^$' "$DH_REPO/conf.d/dhcpd.1067"
	[ "$status" -eq 1 ]
}

@test "start: the config from site.toml, dhcpd supervised with its own files, a client leased" {
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	# the installed config is what ltspcfg-ts renders, mode 0644
	diff <(ltspcfg-ts --config "$T/site.toml" render dhcpd) "$T/etc/$SVC.conf"
	[ "$(stat -c %a "$T/etc/$SVC.conf")" = 644 ]
	[ ! -e "$T/etc/$SVC.conf.new" ]
	pid=$(dh_wait_dhcpd 30)
	# supervise-daemon keeps its own pid file, distinct from dhcpd's -pf
	sup=$(cat "/run/$SVC.pid")
	[ "$sup" != "$pid" ]
	[[ "$(cmdline "$sup")" == "supervise-daemon $SVC --start "* ]]
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$sup" ]
	args=$(cmdline "$pid")
	echo "$args"
	[ "$args" = "/usr/sbin/dhcpd -4 -f -q -p 1067 -cf $T/etc/$SVC.conf -lf $T/lib/$SVC.leases -pf $T/run/$SVC.dhcpd.pid -user $DH_USER -group $DH_GROUP $SIF " ]
	# dropped to the conf.d user; net-misc/dhcp's conf.d settings stayed out
	[ "$(ps -o user= -p "$pid")" = "$DH_USER" ]
	[[ "$args" != *nosuch0* && "$args" != */nonexistent* ]]
	[ "$(stat -c %U "$T/lib/$SVC.leases")" = "$DH_USER" ]
	port_pids -n "$SRV" udp 1067 | grep -qx "$pid"
	run svc status
	[ "$status" -eq 0 ]
	[[ "$output" == *"status: started"* ]]
	known_client_leases
}

@test "checkconfig: renders, checks and installs; a broken site.toml is refused with its line" {
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"accepted by dhcpd -t"* ]]
	[[ "$output" == *"port 1067 (replies on 1068), interface $SIF"* ]]
	[[ "$output" != *"next restart"* ]]
	cmp <(ltspcfg-ts --config "$T/site.toml" render dhcpd) "$T/etc/$SVC.conf"
	before=$(md5sum <"$T/etc/$SVC.conf")

	printf '[dhcp\n' >>"$T/site.toml"
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/site.toml is not valid"* ]]
	[[ "$output" == *"$T/site.toml:"*":"*"TOML syntax error"* ]]
	[ "$(md5sum <"$T/etc/$SVC.conf")" = "$before" ]
	[ ! -e "$T/etc/$SVC.conf.new" ]

	# a value the schema refuses: the key is named
	dh_site
	sed -i 's/^  nic       = "e1000"/  nic       = "e1000; deny booting"/' "$T/site.toml"
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nic"* ]]
	[ "$(md5sum <"$T/etc/$SVC.conf")" = "$before" ]
}

@test "checkconfig: a mode that dhcpd.1067 does not serve is refused by name" {
	dh_site primary
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'dhcp.mode is "primary"'*"own dhcpd service"* ]]
	dh_site proxy
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'dhcp.mode is "proxy"'* ]]
	[ -z "$(dhcpd_pid)" ]
}

@test "stop: dhcpd and supervise-daemon gone, both pid files removed" {
	svc start
	pid=$(dh_wait_dhcpd 30)
	sup=$(cat "/run/$SVC.pid")
	run svc stop
	echo "$output"
	[ "$status" -eq 0 ]
	wait_until 5 "dhcpd ($pid) and supervise-daemon ($sup) to exit" test ! -d "/proc/$pid" -a ! -d "/proc/$sup"
	[ ! -d "/proc/$pid" ]
	[ ! -d "/proc/$sup" ]
	[ ! -e "/run/$SVC.pid" ]
	[ ! -e "$T/run/$SVC.dhcpd.pid" ]
	run svc status
	[ "$status" -eq 3 ]
	[[ "$output" == *"status: stopped"* ]]
	# the lease database stays
	[ -f "$T/lib/$SVC.leases" ]
}

@test "restart with a broken site.toml is refused; the old dhcpd keeps answering; a good one restarts" {
	svc start
	pid=$(dh_wait_dhcpd 30)
	known_client_leases
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000" ]
	before=$(md5sum <"$T/etc/$SVC.conf")

	cp "$T/site.toml" "$T/site.good"
	printf 'address = "192.0.2.1"\n' >>"$T/site.toml"
	run svc restart
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/site.toml is not valid"* ]]
	[[ "$output" == *"keeps serving with its old config"* ]]
	# the same dhcpd, the same config, still "started" for OpenRC
	[ "$(dhcpd_pid)" = "$pid" ]
	kill -0 "$pid"
	[ "$(md5sum <"$T/etc/$SVC.conf")" = "$before" ]
	run svc status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status: started"* ]]
	# and it still answers, with the old options
	known_client_leases
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=e1000" ]

	# a good change restarts dhcpd with the new config
	sed 's/^  nic       = "e1000"/  nic       = "8139too"/' "$T/site.good" >"$T/site.toml"
	run svc restart
	echo "$output"
	[ "$status" -eq 0 ]
	new=$(dh_wait_dhcpd 30 "$pid")
	[ "$new" != "$pid" ]
	known_client_leases
	[ "$(dh_opt option_129)" = "DPORT=1067 NIC=8139too" ]
	# checkconfig on a running service says when dhcpd reads the new file
	run svc checkconfig
	[ "$status" -eq 0 ]
	[[ "$output" == *"The running dhcpd reads it on the next restart"* ]]
}

@test "a config dhcpd -t refuses: dhcpd's own message, the old config and daemon kept, the file left to read" {
	svc start
	pid=$(dh_wait_dhcpd 30)
	before=$(md5sum <"$T/etc/$SVC.conf")
	# an ltspcfg-ts whose output this dhcpd does not accept (no valid site.toml
	# renders one): the real CLI with a semicolon taken out of its config
	cat >"$T/bin/ltspcfg-ts-other" <<-EOF
		#!/bin/bash
		case " \$* " in
		*" render "*)
			"$T/bin/ltspcfg-ts" "\$@" | sed 's/^\( *fixed-address [0-9.]*\);\$/\1/'
			exit "\${PIPESTATUS[0]}" ;;
		esac
		exec "$T/bin/ltspcfg-ts" "\$@"
	EOF
	chmod +x "$T/bin/ltspcfg-ts-other"
	echo "LTSPCFG=\"$T/bin/ltspcfg-ts-other\"" >>"$T/conf.d/$SVC"
	run svc restart
	sed -i '$d' "$T/conf.d/$SVC"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"dhcpd refuses the config rendered from $T/site.toml"* ]]
	[[ "$output" == *"$T/etc/$SVC.conf.new line "*": semicolon expected."* ]]
	[[ "$output" != *"Internet Systems Consortium"* && "$output" != *"If you think"* ]]
	[[ "$output" == *"the refused file is $T/etc/$SVC.conf.new"* ]]
	grep -q '^ *fixed-address [0-9.]*$' "$T/etc/$SVC.conf.new"
	[ "$(md5sum <"$T/etc/$SVC.conf")" = "$before" ]
	[ "$(dhcpd_pid)" = "$pid" ]
	run svc status
	[ "$status" -eq 0 ]
	known_client_leases
	# the next good start replaces the refused file
	svc restart
	[ ! -e "$T/etc/$SVC.conf.new" ]
}

@test "a symlinked instance runs beside the service with its own pid, lease and config files" {
	svc start
	base=$(dh_wait_dhcpd 30)
	inst="$SVC.$TIF"
	ln -s "$SVC" "$T/init.d/$inst"
	DH_SVC=$inst
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	unset DH_SVC
	pid=$(dh_wait_dhcpd 30 "" "$inst")
	[ "$pid" != "$base" ]
	kill -0 "$base"
	# its files, from the base service's conf.d (directories) and its own name
	[ -f "$T/etc/$inst.conf" ]
	[ -f "$T/lib/$inst.leases" ]
	[ -f "/run/$inst.pid" ]
	[ "$(cat "$T/run/$SVC.dhcpd.pid")" = "$base" ]
	[ "$(cat "/run/$SVC.pid")" != "$(cat "/run/$inst.pid")" ]
	# bound to the interface its name carries, not server.interface
	args=$(cmdline "$pid")
	echo "$args"
	[[ "$args" == *" -lf $T/lib/$inst.leases -pf $T/run/$inst.dhcpd.pid "* ]]
	[[ "$args" == *" $TIF " ]]
	# a client on the second link is answered by the instance (its address)
	DH_CIF=$UIF dh_client "$DH_KNOWN_MAC" "$DH_ETHERBOOT" 30
	[ "$(dh_opt dhcp_server_identifier)" = 192.0.2.2 ]
	[ "$(dh_opt filename)" = /lts/vmlinuz-lab ]
	# the first link is still served by the base service
	known_client_leases
	# stopping the instance leaves the base service running
	DH_SVC=$inst
	run svc stop
	unset DH_SVC
	[ "$status" -eq 0 ]
	[ ! -e "/run/$inst.pid" ]
	kill -0 "$base"
	run svc status
	[ "$status" -eq 0 ]
}

@test "an instance's own conf.d wins over the base service's" {
	inst="$SVC.$TIF"
	ln -s "$SVC" "$T/init.d/$inst"
	mkdir -p "$T/run2"
	printf 'DHCPD_RUN_DIR="%s"\n' "$T/run2" >"$T/conf.d/$inst"
	DH_SVC=$inst
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$T/run2/$inst.dhcpd.pid" ]
	[ -f "/run/$inst.pid" ]
	[ -f "$T/etc/$inst.conf" ]
	run svc stop
	unset DH_SVC
	[ "$status" -eq 0 ]
	[ ! -e "$T/run2/$inst.dhcpd.pid" ]
	[ ! -e "/run/$inst.pid" ]
}

@test "kill -9 of dhcpd: supervise-daemon starts a new one that answers" {
	svc start
	pid=$(dh_wait_dhcpd 30)
	sup=$(cat "/run/$SVC.pid")
	kill -9 "$pid"
	new=$(dh_wait_dhcpd 30 "$pid")
	echo "old $pid new $new"
	[ "$(ps -o ppid= -p "$new" | tr -d ' ')" = "$sup" ]
	known_client_leases
	run svc status
	[ "$status" -eq 0 ]
}

@test "a missing interface fails the start with its name; nothing is left running" {
	sed -i "s/^interface = \"$SIF\"/interface = \"${NAME}x\"/" "$T/site.toml"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no network interface ${NAME}x"* ]]
	[ ! -e "/run/$SVC.pid" ]
	run svc status
	[ "$status" -eq 3 ]
}

@test "another program on dhcp.port: start refuses, naming it, before dhcpd runs; checkconfig does not ask" {
	hold_port "$SRV" udp "$DH_SERVER" 1067
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 0 ]
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"UDP port 1067 on every address is already taken: python3 (pid $HOLDER) on $DH_SERVER:1067; stop it first, or change dhcp.port in $T/site.toml"* ]]
	[ -z "$(dhcpd_pid)" ]
	[ ! -e "/run/$SVC.pid" ]
	release_port
	svc start
	dh_wait_dhcpd 30 >/dev/null
}

@test "dhcpd exiting at once (no subnet for the interface) fails the start, supervisor stopped" {
	# an interface whose addresses no subnet of the site covers
	ip -n "$SRV" link add "${NAME}v" type veth peer name "${NAME}w"
	ip -n "$SRV" link set "${NAME}v" up
	sed -i "s/^interface = \"$SIF\"/interface = \"${NAME}v\"/" "$T/site.toml"
	echo 'DHCPD_START_WAIT=2' >>"$T/conf.d/$SVC"
	run svc start
	sed -i '/^DHCPD_START_WAIT=2$/d' "$T/conf.d/$SVC"
	ip -n "$SRV" link del "${NAME}v"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"dhcpd did not come up"* ]]
	[ ! -e "/run/$SVC.pid" ]
	run svc status
	[ "$status" -eq 3 ]
}

@test "dhcpd.1067 installs /etc/dhcp/dhcpd.1067.conf through ltspcfg-ts apply: apply and the service agree on it" {
	local root="$T/root" svc="$T/init.d/dhcpd.1067"
	mkdir -p "$root"
	cp "$DH_REPO/init.d/dhcpd.1067" "$svc"
	sed -e "s|^DHCPD_CONF_DIR=.*|LTSP_ROOT=\"$root\"|" "$T/conf.d/$SVC" >"$T/conf.d/dhcpd.1067"
	DH_SVC=dhcpd.1067
	local conf="$root/etc/dhcp/dhcpd.1067.conf"
	local apply=(ltspcfg-ts --root "$root" --config "$T/site.toml" apply --only dhcpd --yes)

	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	diff <(ltspcfg-ts --config "$T/site.toml" render dhcpd) "$conf"
	grep -q '"/etc/dhcp/dhcpd.1067.conf"' "$root/var/lib/ltsp-ts/state.json"
	known_client_leases

	# site.toml changes, the service restarts with it, then site.toml changes again:
	# apply takes the service's file for its own, not for a hand edit
	sed -i 's/^boot_unknown_clients = .*/&\ndefault_lease_time = 7200/' "$T/site.toml"
	run svc restart
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq 'default-lease-time +7200;' "$conf"
	sed -i 's/^default_lease_time = 7200/default_lease_time = 3600/' "$T/site.toml"
	run "${apply[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq 'default-lease-time +3600;' "$conf"

	# a hand edit stops the restart with its diff; the running dhcpd keeps serving
	echo '# a hand edit' >>"$conf"
	run svc restart
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"edited by hand"* ]]
	[[ "$output" == *"-# a hand edit"* ]]
	known_client_leases
	svc stop
	svc zap || true
}
