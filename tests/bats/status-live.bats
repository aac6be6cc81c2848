#!/usr/bin/env bats
# `ltspcfg-ts status` on a live system (--root /) where OpenRC runs: real
# rc-service answers (started, stopped, crashed) and real interfaces. Runs in a
# network namespace of its own (198.51.100.0/24) and a private mount namespace
# in which /etc/init.d, /etc/runlevels, /run/openrc and /var are the test's own,
# so the host's services and state are never seen nor touched. Needs root.

load ../support/bats

REPO=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "needs root (network and mount namespaces)"; return; }
	command -v unshare >/dev/null || { skip_file "needs unshare"; return; }
	command -v rc-service >/dev/null || { skip_file "needs OpenRC's rc-service"; return; }
	[ -f "$REPO/dist/ltspcfg-ts.js" ] || (cd "$REPO" && npm run -s build)
	export NAME="ltsst$$"
	T=$(mktemp -d "/tmp/$NAME.XXXXXX")
	export T
	ip netns add "$NAME"
	ip -n "$NAME" link set lo up
	ip -n "$NAME" link add "${NAME}d" type veth peer name "${NAME}p"
	ip -n "$NAME" link set "${NAME}p" up
	ip -n "$NAME" addr add 198.51.100.1/24 dev "${NAME}d"
	ip -n "$NAME" link set "${NAME}d" up
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	[ -n "${NAME:-}" ] && ip netns del "$NAME" 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
	true
}

# $1: server.address; writes $T/site.toml for the namespace's interface
write_site() {
	cat >"$T/site.toml" <<-EOF
		[server]
		address   = "$1"
		interface = "${NAME}d"
		[network]
		subnet = "198.51.100.0/24"
		[dhcp]
		mode = "port-1067"
		[tftp]
		root = "/tftpboot"
		[xdmcp]
		enabled = false
	EOF
}

# A system with everything installed (fake vdb), service scripts that run a
# sleep, dhcpd.1067 left out of the default runlevel; then, inside the
# namespaces: rpcbind and nfs started, syslog-ng started and its supervisor
# gone (unsupervised), ltsp-tftpd and dhcpd.1067 stopped. Writes $T/status.json,
# $T/status.txt and their exit codes.
run_live_status() {
	rm -rf "$T/sys" && mkdir -p "$T/sys/init.d" "$T/sys/runlevels/default" "$T/sys/var" "$T/sys/openrc"
	local cpv svc
	for cpv in net-misc/dhcp-4.4.3_p1-r6 net-misc/ltsp-ts-0.1.0 net-ftp/tftp-hpa-5.2-r3 net-nds/rpcbind-1.2.7 \
		net-fs/nfs-utils-2.6.4-r9 app-admin/syslog-ng-4.7.3 sys-boot/syslinux-6.04_pre1-r6; do
		mkdir -p "$T/sys/var/db/pkg/$cpv"
		echo "amd64 client server" >"$T/sys/var/db/pkg/$cpv/USE"
	done
	for svc in dhcpd.1067 ltsp-tftpd rpcbind nfs syslog-ng; do
		cat >"$T/sys/init.d/$svc" <<-EOF
			#!/sbin/openrc-run
			description="stand-in for $svc"
			command=/bin/sleep
			command_args=120
			supervisor=supervise-daemon
			pidfile=/run/openrc/$svc.test.pid
		EOF
		chmod 755 "$T/sys/init.d/$svc"
		[ "$svc" = dhcpd.1067 ] || ln -s "/etc/init.d/$svc" "$T/sys/runlevels/default/$svc"
	done
	cat >"$T/inner.sh" <<-'EOF'
		set -u
		mount -t tmpfs ltsst /run/openrc
		echo default >/run/openrc/softlevel
		# what openrc itself would create at boot; openrc is never run here
		for d in daemons exclusive failed hotplugged inactive options scheduled started starting stopping tmp wasinactive; do
			mkdir /run/openrc/$d
		done
		mount --bind "$T/sys/init.d" /etc/init.d
		mount --bind "$T/sys/runlevels" /etc/runlevels
		mount --bind "$T/sys/var" /var
		stop_all() {
			[ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
			[ -n "${sup:-}" ] && echo "$sup" >/run/openrc/syslog-ng.test.pid
			for s in rpcbind nfs syslog-ng ltsp-tftpd dhcpd.1067; do
				rc-service "$s" stop >/dev/null 2>&1 || rc-service "$s" zap >/dev/null 2>&1
			done
			for p in /run/openrc/*.test.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
			true
		}
		trap stop_all EXIT
		for s in rpcbind nfs syslog-ng; do rc-service "$s" start >"$T/start.$s.log" 2>&1 || exit 10; done
		# syslog-ng's supervisor gone: its pidfile names a pid above pid_max, which no process has
		sup=$(cat /run/openrc/syslog-ng.test.pid)
		echo $(($(cat /proc/sys/kernel/pid_max) + 1)) >/run/openrc/syslog-ng.test.pid
		# HOLD_TFTP: another program on ltsp-tftpd's port (198.51.100.1:69, 0045 in hex)
		if [ -n "${HOLD_TFTP:-}" ]; then
			python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.51.100.1", 69)); time.sleep(120)' 3>&- &
			holder=$!
			echo "$holder" >"$T/holder.pid"
			i=0
			until grep -q '^ *[0-9]*: [0-9A-F]*:0045 ' /proc/net/udp; do
				i=$((i + 1))
				[ "$i" -le 100 ] || exit 11
				sleep 0.1
			done
		fi
		node "$REPO/dist/ltspcfg-ts.js" --gentoo --config "$T/site.toml" status --json >"$T/status.json" 2>"$T/status.err"
		echo $? >"$T/status.json.rc"
		node "$REPO/dist/ltspcfg-ts.js" --gentoo --config "$T/site.toml" status >"$T/status.txt" 2>>"$T/status.err"
		echo $? >"$T/status.txt.rc"
	EOF
	export T REPO
	timeout 60 ip netns exec "$NAME" unshare -m --propagation private sh "$T/inner.sh"
}

# $1: JavaScript expression over `s` (the parsed status.json); prints its value
js() {
	node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = ('"$1"'); console.log(typeof v === "string" ? v : JSON.stringify(v));' "$T/status.json"
}

@test "live: started, stopped, unsupervised and disabled services, each with its next command" {
	write_site 198.51.100.1
	run run_live_status
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T"/start.*.log; false; }
	[ "$(cat "$T/status.err")" = "" ]
	[ "$(cat "$T/status.json.rc")" = 1 ]
	[ "$(js 's.live')" = true ]
	[ "$(js 's.services.map(x => x.service + "=" + x.running + "/" + x.state).join(" ")')" = \
		"dhcpd.1067=stopped/disabled ltsp-tftpd=stopped/stopped rpcbind=started/running nfs=started/running syslog-ng=unsupervised/unsupervised" ]
	[ "$(js 's.services.find(x => x.service === "rpcbind").next')" = "nothing to do" ]
	[ "$(js 's.services.find(x => x.service === "syslog-ng").next')" = "rc-service syslog-ng restart" ]
	[ "$(js 's.services.find(x => x.service === "ltsp-tftpd").next')" = "rc-service ltsp-tftpd start" ]
	[ "$(js 's.services.find(x => x.service === "dhcpd.1067").steps.join(" && ")')" = "rc-update add dhcpd.1067 default && rc-service dhcpd.1067 start" ]
	[ "$(js 's.next.filter(c => c.startsWith("rc-")).join(" | ")')" = \
		"rc-update add dhcpd.1067 default | rc-service dhcpd.1067 start | rc-service ltsp-tftpd start | rc-service syslog-ng restart" ]

	[ "$(cat "$T/status.txt.rc")" = 1 ]
	grep -Eq '^  rpcbind +running +yes +yes +yes +-> nothing to do ' "$T/status.txt"
	grep -Eq '^  syslog-ng +unsupervised +yes +yes +unsupervised +-> rc-service syslog-ng restart ' "$T/status.txt"
	grep -Eq '^  dhcpd\.1067 +disabled +yes +no +stopped +-> rc-update add dhcpd\.1067 default ' "$T/status.txt"
}

@test "live: the interface site.toml names, with its address, among the namespace's interfaces" {
	write_site 198.51.100.1
	run run_live_status
	[ "$status" -eq 0 ]
	[ "$(js 's.interfaces.map(i => i.name + (i.site ? "*" : "") + "=" + i.health).join(" ")')" = "${NAME}d*=ok lo=ok ${NAME}p=ok" ]
	[ "$(js 's.interfaces[0].addresses.join(" ")')" = "198.51.100.1/24" ]
	grep -Eq "^  \\* ${NAME}d +up +198\\.51\\.100\\.1/24 +-> nothing to do " "$T/status.txt"
}

@test "live: server.address missing from the interface: add it now, and in /etc/conf.d/net" {
	write_site 198.51.100.2
	run run_live_status
	[ "$status" -eq 0 ]
	[ "$(js 's.interfaces[0].health')" = problem ]
	[ "$(js 's.interfaces[0].steps.join(" | ")')" = "add config_${NAME}d=\"198.51.100.2/24\" to /etc/conf.d/net (keeps it across reboots) | ip addr add 198.51.100.2/24 dev ${NAME}d" ]
	grep -Fq "ip addr add 198.51.100.2/24 dev ${NAME}d" "$T/status.txt"
}

@test "live: another program on the port of a stopped ltsp-tftpd: a conflict that names it" {
	write_site 198.51.100.1
	export HOLD_TFTP=1
	run run_live_status
	unset HOLD_TFTP
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T"/start.*.log; false; }
	local pid
	pid=$(cat "$T/holder.pid")
	[ "$(js 's.services.find(x => x.service === "ltsp-tftpd").state')" = conflict ]
	[ "$(js 's.services.find(x => x.service === "ltsp-tftpd").detail')" = \
		"UDP port 69 on 198.51.100.1 is already taken: python3 (pid $pid) on 198.51.100.1:69; stop it first, or change tftp.address or tftp.port in site.toml; stopped" ]
	[ "$(js 's.services.find(x => x.service === "ltsp-tftpd").next')" = \
		"stop python3 (pid $pid) on 198.51.100.1:69, or change tftp.address or tftp.port in site.toml" ]
	# dhcpd.1067's port is free: no conflict there
	[ "$(js 's.services.find(x => x.service === "dhcpd.1067").state')" = disabled ]
	grep -Eq "^  ltsp-tftpd +conflict .*python3 \(pid $pid\)" "$T/status.txt"
	# the holder was stopped with the namespace's services
	wait_gone 10 "$pid"
}
