# The server's syslog for a lab boot, as on a Gentoo server: syslog-ng with
# Gentoo's default main config (every local message, daemon facility
# included, to "messages", here $T/messages) plus the conf.d file the syslog
# target renders (the thin clients' logs, one file per client under the site's
# syslog.log_dir). Its local socket is $T/devlog.sock: the server's daemons
# (ltsp-tftpd through pxe_with_syslog, dhcpd through server_dhcpd) get it as
# /dev/log in a mount namespace of their own. `ltspcfg-ts clients` then reads
# what a real server would have. Needs the PXE lab (pxe-lab.bash) loaded.

# syslog-ng in the server namespace; sets PXE_SYSLOG for pxe_with_syslog
server_syslog_ng() {
	command -v syslog-ng >/dev/null || return 3
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" render syslog --path /etc/syslog-ng/conf.d/ltsp-ts.conf >"$T/ltsp-ts.conf" || return 1
	# Gentoo's syslog-ng.conf but for system(), which here would also read
	# the host's /proc/kmsg: its /dev/log part only
	cat >"$T/syslog-ng.conf" <<-EOF
		@version: current
		options { chain_hostnames(no); stats_freq(0); mark_freq(0); };
		source src { unix-dgram("$T/devlog.sock"); internal(); };
		destination messages { file("$T/messages"); };
		log { source(src); destination(messages); };
		@include "$T/ltsp-ts.conf"
	EOF
	ip netns exec "$SNS" syslog-ng -F --no-caps -f "$T/syslog-ng.conf" -p "$T/sng.pidfile" \
		-c "$T/sng.ctl" -R "$T/sng.persist" </dev/null >"$T/syslog-ng.out" 2>&1 3>&- &
	pxe_track $!
	{ wait_until 10 "syslog-ng's socket $T/devlog.sock" test -S "$T/devlog.sock" &&
		wait_port -n "$SNS" -t 10 udp 514 syslog-ng; } || { cat "$T/syslog-ng.out" >&2; return 1; }
	PXE_SYSLOG="socket:$T/devlog.sock"
	export PXE_SYSLOG
}

# ISC dhcpd on port 67 in the server namespace, logging through syslog (and,
# with -d, to $T/dhcpd.log); $1: its config
server_dhcpd() {
	: >"$T/dhcpd.leases"
	ip netns exec "$SNS" unshare -m --propagation private sh "$PXE_LIB/pxe-devlog.sh" "$T/devns-dhcpd" "$PXE_SYSLOG" "$T/syslogd.pid" \
		dhcpd -4 -f -d -cf "$1" -lf "$T/dhcpd.leases" -pf "$T/dhcpd.pid" "$SIF" </dev/null >"$T/dhcpd.log" 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$SNS" udp 67 dhcpd || { cat "$T/dhcpd.log" >&2; return 1; }
}

# `ltspcfg-ts clients --json` on the server's logs (in the server namespace: its sockets, its firewall)
server_clients() {
	ip netns exec "$SNS" "$T/bin/ltspcfg-ts" --config "$T/site.toml" --no-color clients --log "$T/messages" "$@"
}
