# The dhcpd.1067 service in network namespaces of its own: a copy of the
# service run by Debian's openrc-run inside a server namespace, real dhclient
# clients (-p 1068) in a client namespace, addresses from 192.0.2.0/24, names
# "ltsdh<pid>...". Loaded by tests/bats/dhcpd-1067*.bats, tests/lab/dhcp*.bats
# and bench/dhcp-boot-storm.sh. Every daemon is stopped by its pid and the
# namespaces are removed by dh_teardown.
#
#   server ns $SRV: $SIF 192.0.2.1/24 (dhcpd.1067 copy $SVC)  [$TIF 192.0.2.2/24]
#   client ns $CLI: $CIF (MAC set per client run)              [$UIF]

DH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DH_REPO=$(cd "$DH_LIB/../../.." && pwd)
# shellcheck source=tests/support/wait.bash
. "$DH_REPO/tests/support/wait.bash"
DH_SERVER=192.0.2.1
# a host of the test site, and a MAC the site does not list
DH_KNOWN_MAC=02:1d:0e:00:00:01
DH_KNOWN_ADDR=192.0.2.11
DH_UNKNOWN_MAC=02:1d:0e:00:00:99
DH_ETHERBOOT="Etherboot-5.4"
DH_PXE="PXEClient:Arch:00000:UNDI:002001"

# $1: name prefix (ltsdh<pid>). Makes $T with the service copy and its conf.d
# and an ltspcfg-ts wrapper (first on PATH); names the namespaces.
dh_init() {
	NAME=$1
	T=$(mktemp -d "/tmp/$NAME.XXXXXX")
	# dhcpd drops to an unprivileged user and must reach its lease directory
	chmod 0755 "$T"
	# a dot, like dhcpd.1067: openrc-run then also reads conf.d/$NAME, as it
	# reads net-misc/dhcp's /etc/conf.d/dhcpd for dhcpd.1067
	SVC="$NAME.1067"
	SRV="${NAME}srv" CLI="${NAME}cli"
	SIF="${NAME}s" CIF="${NAME}c" TIF="${NAME}t" UIF="${NAME}u"
	DH_USER=nobody
	DH_GROUP=$(id -gn nobody)
	mkdir -p "$T/init.d" "$T/conf.d" "$T/bin" "$T/etc" "$T/lib" "$T/run" "$T/client"
	cp "$DH_REPO/init.d/dhcpd.1067" "$T/init.d/$SVC"
	cat >"$T/conf.d/$SVC" <<-EOF
		LTSP_SITE="$T/site.toml"
		LTSPCFG="$T/bin/ltspcfg-ts"
		DHCPD_CONF_DIR="$T/etc"
		DHCPD_LEASE_DIR="$T/lib"
		DHCPD_RUN_DIR="$T/run"
		DHCPD_USER="$DH_USER"
		DHCPD_GROUP="$DH_GROUP"
		DHCPD_RESPAWN_DELAY=1
	EOF
	# what net-misc/dhcp's /etc/conf.d/dhcpd may set: none of it may reach dhcpd.1067
	cat >"$T/conf.d/$NAME" <<-EOF
		DHCPD_CONF="/nonexistent/dhcpd.conf"
		DHCPD_IFACE="nosuch0"
		DHCPD_OPTS="-cf /nonexistent/dhcpd.conf"
		DHCPD_CHROOT="/nonexistent"
	EOF
	cat >"$T/bin/ltspcfg-ts" <<-EOF
		#!/bin/sh
		exec node "$DH_REPO/dist/ltspcfg-ts.js" "\$@"
	EOF
	chmod +x "$T/bin/ltspcfg-ts"
	PATH="$T/bin:$PATH"
	[ -f "$DH_REPO/dist/ltspcfg-ts.js" ] || (cd "$DH_REPO" && npm run -s build)
	# OpenRC on Debian needs a softlevel before openrc-run works (DESIGN.md section 9)
	mkdir -p /run/openrc
	[ -e /run/openrc/softlevel ] || echo default >/run/openrc/softlevel
	export NAME T SVC SRV CLI SIF CIF TIF UIF DH_USER DH_GROUP PATH
}

# The test site: port-1067 (or $1), the known host ws1, boot_unknown_clients
# false (or $2); $3: more TOML at the end (hosts)
dh_site() {
	cat >"$T/site.toml" <<-EOF
		[server]
		address   = "$DH_SERVER"
		interface = "$SIF"

		[network]
		subnet  = "192.0.2.0/24"
		routers = ["$DH_SERVER"]
		dns     = ["$DH_SERVER"]
		domain  = "lab.example.org"

		[dhcp]
		mode  = "${1:-port-1067}"
		range = ["192.0.2.230", "192.0.2.250"]
		boot_unknown_clients = ${2:-false}

		[boot]
		pxe_filename   = "/pxe/pxelinux.0"
		etherboot_file = "/lts/vmlinuz-lab"

		[nfs]
		root = "/opt/ltsp/i386"

		[[group]]
		name = "LAB"

		  [[group.host]]
		  name      = "ws1"
		  mac       = "$DH_KNOWN_MAC"
		  address   = "$DH_KNOWN_ADDR"
		  dhcp_port = 1067
		  nic       = "e1000"
	EOF
	printf '%s\n' "${3:-}" >>"$T/site.toml"
}

# the server and client namespaces, joined by $SIF <-> $CIF
dh_netns_up() {
	ip netns add "$SRV"
	ip netns add "$CLI"
	ip -n "$SRV" link set lo up
	ip -n "$CLI" link set lo up
	ip -n "$SRV" link add "$SIF" type veth peer name "$CIF" netns "$CLI"
	ip -n "$SRV" addr add "$DH_SERVER/24" dev "$SIF"
	ip -n "$SRV" link set "$SIF" up
	ip -n "$CLI" link set "$CIF" up
}

# a second link for an instance: $TIF (192.0.2.2) in the server, $UIF in the client namespace
dh_second_link() {
	ip -n "$SRV" link add "$TIF" type veth peer name "$UIF" netns "$CLI"
	ip -n "$SRV" addr add "192.0.2.2/24" dev "$TIF"
	ip -n "$SRV" link set "$TIF" up
	ip -n "$CLI" link set "$UIF" up
}

# openrc-run on the service copy ($SVC, or $DH_SVC when set) in the server namespace
svc() {
	ip netns exec "$SRV" openrc-run "$T/init.d/${DH_SVC:-$SVC}" "$@"
}

# the pid in dhcpd's own pid file of service $1 (default $SVC)
dhcpd_pid() {
	cat "$T/run/${1:-$SVC}.dhcpd.pid" 2>/dev/null
}

# true when service $2 (default $SVC) has a live dhcpd whose pid differs
# from $1; keeps the pid in DH_PID
dh_new_dhcpd() {
	DH_PID=$(dhcpd_pid "${2:-}")
	[ -n "$DH_PID" ] && [ "$DH_PID" != "$1" ] && kill -0 "$DH_PID" 2>/dev/null
}

# waits up to $1 seconds until service ${3:-$SVC} has a live dhcpd whose
# pid differs from $2; prints it
dh_wait_dhcpd() {
	local DH_PID
	wait_until "$1" "a live dhcpd of ${3:-$SVC}${2:+ other than pid $2}" dh_new_dhcpd "${2:-}" "${3:-}" || return
	echo "$DH_PID"
}

# the command line of process $1, spaces between the arguments
cmdline() {
	tr '\0' ' ' <"/proc/$1/cmdline"
}

# One real DHCP client run: dhclient -p ${DH_PORT:-1068} on ${DH_CIF:-$CIF} with MAC $1
# and vendor class $2, waiting at most $3 seconds (default 10) for a lease;
# DH_SEND: more dhclient.conf statements (option 93, a user class).
# Returns 0 when bound; DH_RUN is the run's directory: options.env holds the
# options of the lease (new_* without the prefix), log dhclient's output.
dh_client() {
	local mac=$1 vendor=$2 wait=${3:-10} ifc=${DH_CIF:-$CIF} pid
	DH_RUN=$(mktemp -d "$T/client/run.XXXXXX")
	: >"$DH_RUN/leases"
	ip -n "$CLI" link set "$ifc" down
	ip -n "$CLI" link set "$ifc" address "$mac"
	ip -n "$CLI" link set "$ifc" up
	cat >"$DH_RUN/dhclient.conf" <<-EOF
		send vendor-class-identifier "$vendor";
		${DH_SEND:-}
		option option-128 code 128 = string;
		option option-129 code 129 = text;
		request subnet-mask, broadcast-address, routers, domain-name,
		        domain-name-servers, host-name, root-path, option-128, option-129;
		timeout $wait;
		retry 1;
		initial-interval 1;
	EOF
	# dhclient clears the environment: the script's own path is written in it;
	# the address is recorded, not configured
	cat >"$DH_RUN/record.sh" <<-EOF
		#!/bin/sh
		echo "\$reason" >>"$DH_RUN/reasons"
		[ "\$reason" = BOUND ] && env | sed -n 's/^new_//p' | sort >"$DH_RUN/options.env"
		exit 0
	EOF
	chmod +x "$DH_RUN/record.sh"
	ip netns exec "$CLI" dhclient -4 -1 -d -v -p "${DH_PORT:-1068}" -cf "$DH_RUN/dhclient.conf" \
		-lf "$DH_RUN/leases" -pf "$DH_RUN/dhclient.pid" -sf "$DH_RUN/record.sh" "$ifc" \
		>"$DH_RUN/log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$T/client.pid"
	# bound, or dhclient gave up (its own timeout); what it got is checked below
	wait_until "$wait" "dhclient's lease" holds_or_ended "$pid" test -s "$DH_RUN/options.env" 2>/dev/null || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$T/client.pid"
	[ -s "$DH_RUN/options.env" ]
}

# $1: an option of the last dh_client lease (filename, next_server, root_path,
# option_129, ip_address, dhcp_server_identifier...)
dh_opt() {
	sed -n "s/^$1=//p" "$DH_RUN/options.env"
}

# stops every service copy (by openrc-run, then by pid), every client, the namespaces
dh_teardown() {
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	local s p
	for s in "$T"/init.d/*; do
		[ -e "$s" ] || continue
		ip netns exec "$SRV" openrc-run "$s" stop >/dev/null 2>&1 || true
		ip netns exec "$SRV" openrc-run "$s" zap >/dev/null 2>&1 || openrc-run "$s" zap >/dev/null 2>&1 || true
	done
	# whatever survived (supervise-daemon, dhcpd, a client), by pid, only
	# processes that run with this test's files
	for p in $(cat "$T"/run/*.pid /run/"$SVC"*.pid "$T/client.pid" 2>/dev/null); do
		case "$(cmdline "$p" 2>/dev/null)" in
		*"$T"*) kill "$p" 2>/dev/null || true ;;
		esac
	done
	rm -f /run/"$SVC"*.pid
	ip netns del "$CLI" 2>/dev/null || true
	ip netns del "$SRV" 2>/dev/null || true
	rm -rf "$T"
}
