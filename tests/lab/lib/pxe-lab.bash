# The PXE lab: a QEMU thin client (TCG, e1000 with Debian's iPXE ROM) on a
# tap in a namespace of its own, bridged to an LTSP server namespace (and, for
# proxy mode, a router namespace whose DHCP server hands out addresses only).
# Addresses from 192.0.2.0/24, names "ltspx<pid>...". Used by
# tests/lab/pxe-boot.bats and bench/pxe-boot.sh. Every daemon is recorded in
# $T/pids and stopped by its pid; pxe_teardown removes the namespaces.
#
#   client ns ($PX"c"): bridge $PX"br" <- tap $PX"t" (QEMU), veth $PX"cs" and $PX"cr"
#   server ns ($PX"s"): $PX"a" 192.0.2.1   dhcpd / dnsmasq, ltsp-tftpd (in.tftpd)
#   router ns ($PX"r"): $PX"g" 192.0.2.2   address-only DHCP (proxy mode)

PXE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$PXE_LIB/../../.." && pwd)
# shellcheck source=tests/support/wait.bash
. "$REPO/tests/support/wait.bash"
PXE_SERVER=192.0.2.1
PXE_ROUTER=192.0.2.2
PXE_MAC=52:54:00:5e:00:21
PXE_HOST_ADDR=192.0.2.21
PXE_ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom
PXE_OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
PXE_OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

# $1: prefix (ltspx<pid>); makes $T and names the namespaces
pxe_init() {
	PX=$1
	T=$(mktemp -d "/tmp/$PX.XXXXXX")
	SNS="${PX}s" CNS="${PX}c" RNS="${PX}r"
	SIF="${PX}a" RIF="${PX}g"
	: >"$T/pids"
	mkdir -p "$T/bin"
	cat >"$T/bin/ltspcfg-ts" <<-EOF
		#!/bin/sh
		exec node "$REPO/dist/ltspcfg-ts.js" "\$@"
	EOF
	chmod +x "$T/bin/ltspcfg-ts"
	export PX T SNS CNS RNS SIF RIF
}

# what the clients boot, from the cache (pxe-cache.sh); exit 3 there: skip
pxe_kernel() {
	local rc=0
	PXE_CACHE=$(sh "$PXE_LIB/pxe-cache.sh") || rc=$?
	export PXE_CACHE
	return "$rc"
}

pxe_netns_up() {
	local ns
	for ns in "$SNS" "$CNS" "$RNS"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$CNS" link add "${PX}br" type bridge
	ip -n "$CNS" tuntap add dev "${PX}t" mode tap
	ip -n "$CNS" link add "${PX}cs" type veth peer name "$SIF" netns "$SNS"
	ip -n "$CNS" link add "${PX}cr" type veth peer name "$RIF" netns "$RNS"
	for ns in "${PX}t" "${PX}cs" "${PX}cr"; do
		ip -n "$CNS" link set "$ns" master "${PX}br"
		ip -n "$CNS" link set "$ns" up
	done
	ip -n "$CNS" link set "${PX}br" up
	ip -n "$SNS" addr add "$PXE_SERVER/24" dev "$SIF"
	ip -n "$SNS" link set "$SIF" up
	ip -n "$RNS" addr add "$PXE_ROUTER/24" dev "$RIF"
	ip -n "$RNS" link set "$RIF" up
}

# $1: pid of a daemon to stop at the end
pxe_track() {
	echo "$1" >>"$T/pids"
}

# stops every daemon recorded so far (and the service copy), by pid
pxe_services_down() {
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	if [ -n "${PXE_SVC:-}" ] && [ -f "$T/init.d/$PXE_SVC" ]; then
		ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_SVC" stop >/dev/null 2>&1 || true
		ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_SVC" zap >/dev/null 2>&1 || true
	fi
	local p
	if [ -f "$T/syslogd.pid" ]; then
		cat "$T/syslogd.pid" >>"$T/pids"
		rm -f "$T/syslogd.pid"
	fi
	# shellcheck disable=SC2046
	stop_pids 1 $(cat "$T/pids") || true
	: >"$T/pids"
}

pxe_teardown() {
	pxe_services_down
	local ns
	for ns in "${SNS:-}" "${CNS:-}" "${RNS:-}"; do
		if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
			ip netns del "$ns" || true
		fi
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		rm -rf "$T"
	fi
}

# ---- the TFTP server ----------------------------------------------------------

# runs "$@" in the server namespace with a /dev/log of its own, logging to
# $T/tftpd.log (PXE_SYSLOG=socket:PATH: to the test's syslog daemon instead)
pxe_with_syslog() {
	ip netns exec "$SNS" unshare -m --propagation private \
		sh "$PXE_LIB/pxe-devlog.sh" "$T/devns" "${PXE_SYSLOG:-$T/tftpd.log}" "$T/syslogd.pid" "$@"
}

# ltsp-tftpd (a copy of init.d/ltsp-tftpd under a name of its own) serving
# the tree of $T/site.toml: it fixes the tree's owner and modes, then runs
# in.tftpd under supervise-daemon
pxe_tftpd_service() {
	PXE_SVC="${PX}tftpd"
	export PXE_SVC
	mkdir -p "$T/init.d" "$T/conf.d" /run/openrc
	[ -e /run/openrc/softlevel ] || echo default >/run/openrc/softlevel
	cp "$REPO/init.d/ltsp-tftpd" "$T/init.d/$PXE_SVC"
	cat >"$T/conf.d/$PXE_SVC" <<-EOF
		LTSP_SITE="$T/site.toml"
		LTSPCFG="$T/bin/ltspcfg-ts"
	EOF
	: >"$T/tftpd.log"
	pxe_with_syslog openrc-run "$T/init.d/$PXE_SVC" start >"$T/tftpd-start.log" 2>&1 ||
		{ cat "$T/tftpd-start.log" >&2; return 1; }
	wait_port -n "$SNS" udp 69 "ltsp-tftpd's in.tftpd"
}

# in.tftpd started directly: $1 root, then more in.tftpd options
pxe_tftpd_direct() {
	local root=$1
	shift
	: >"$T/tftpd.log"
	# not through pxe_with_syslog: $! must be in.tftpd itself (each step execs the next)
	ip netns exec "$SNS" unshare -m --propagation private \
		sh "$PXE_LIB/pxe-devlog.sh" "$T/devns" "$T/tftpd.log" "$T/syslogd.pid" \
		in.tftpd -L -s "$root" -u nobody -a "$PXE_SERVER:69" "$@" </dev/null >/dev/null 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$SNS" udp 69 in.tftpd
}

# ltsp-httpd (a copy of init.d/ltsp-httpd) in the server namespace: it installs
# the lighttpd config through apply under $T/sys and runs lighttpd; the
# site's http.port must be 8080
pxe_httpd_service() {
	mkdir -p "$T/init.d" "$T/conf.d"
	PXE_HTTPD="${PX}httpd"
	cp "$REPO/init.d/ltsp-httpd" "$T/init.d/$PXE_HTTPD"
	cat >"$T/conf.d/$PXE_HTTPD" <<-EOF
		LTSP_SITE="$T/site.toml"
		LTSPCFG="$T/bin/ltspcfg-ts"
		LTSP_ROOT="$T/sys"
	EOF
	# lighttpd does not chroot: www-data must reach the tree through $T
	chmod 0755 "$T"
	ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_HTTPD" start >"$T/httpd-start.log" 2>&1 ||
		{ cat "$T/httpd-start.log" >&2; return 1; }
	wait_port -n "$SNS" -t 5 tcp 8080 "ltsp-httpd's lighttpd"
}

pxe_httpd_down() {
	[ -n "${PXE_HTTPD:-}" ] || return 0
	ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_HTTPD" stop >/dev/null 2>&1 || true
	ip netns exec "$SNS" openrc-run "$T/init.d/$PXE_HTTPD" zap >/dev/null 2>&1 || true
	PXE_HTTPD=""
}

# ---- DHCP ---------------------------------------------------------------------

# ISC dhcpd on port 67 in the server namespace; $1: its config
pxe_dhcpd() {
	: >"$T/dhcpd.leases"
	ip netns exec "$SNS" dhcpd -4 -f -d -cf "$1" -lf "$T/dhcpd.leases" -pf "$T/dhcpd.pid" "$SIF" \
		</dev/null >"$T/dhcpd.log" 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$SNS" udp 67 dhcpd || { cat "$T/dhcpd.log" >&2; return 1; }
}

# dnsmasq in the server namespace (proxyDHCP); $1: its config
pxe_dnsmasq() {
	ip netns exec "$SNS" dnsmasq --keep-in-foreground --conf-file="$1" --pid-file="$T/dnsmasq.pid" \
		--log-dhcp --log-facility="$T/dnsmasq.log" --dhcp-leasefile="$T/dnsmasq.leases" \
		</dev/null >"$T/dnsmasq.out" 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$SNS" udp 67 "dnsmasq (proxyDHCP)" || { cat "$T/dnsmasq.out" "$T/dnsmasq.log" >&2; return 1; }
}

# the site's existing DHCP server: addresses, a router, nothing about booting
pxe_router_dhcp() {
	ip netns exec "$RNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --user=root \
		--interface="$RIF" --bind-interfaces --pid-file="$T/router.pid" \
		--dhcp-range=192.0.2.100,192.0.2.149,255.255.255.0,1h --dhcp-option=option:router,"$PXE_ROUTER" \
		--dhcp-leasefile="$T/router.leases" --log-dhcp --log-facility="$T/router.log" \
		</dev/null >"$T/router.out" 2>&1 3>&- &
	pxe_track $!
	wait_port -n "$RNS" udp 67 "the router's dnsmasq" || { cat "$T/router.out" "$T/router.log" >&2; return 1; }
}

# ---- the client ---------------------------------------------------------------

# The one way the lab starts its QEMU client: in the client namespace, in the
# background, TCG (no KVM here), booting from the network through the tap.
# $1: a label for its files ($T/serial-$1.raw, its serial console, and
# $T/qemu-$1.out), $2: guest RAM in MB, then more QEMU options (display,
# monitor). PXE_BOOT_MAC: another MAC address than the known host's.
# PXE_UEFI: OVMF (its code read-only, a fresh copy of its variables per run)
# and virtio-net without an option ROM, so that the firmware's own PXE
# answers, not QEMU's iPXE; else SeaBIOS and the e1000 with Debian's iPXE ROM.
# PXE_QEMU is its pid (stopped with the other daemons), PXE_T0 its start (ns).
pxe_qemu() {
	local label=$1 ram=$2 firmware=() nic="e1000,netdev=n0,mac=${PXE_BOOT_MAC:-$PXE_MAC},romfile=$PXE_ROM"
	shift 2
	if [ -n "${PXE_UEFI:-}" ]; then
		cp "$PXE_OVMF_VARS" "$T/ovmf-vars-$label.fd"
		firmware=(-drive "if=pflash,format=raw,readonly=on,file=$PXE_OVMF_CODE" -drive "if=pflash,format=raw,file=$T/ovmf-vars-$label.fd")
		nic="virtio-net-pci,netdev=n0,mac=${PXE_BOOT_MAC:-$PXE_MAC},romfile="
	fi
	: >"$T/serial-$label.raw"
	PXE_T0=$(date +%s%N)
	ip netns exec "$CNS" qemu-system-x86_64 -accel tcg -m "$ram" "$@" -no-reboot \
		-serial "file:$T/serial-$label.raw" -boot n "${firmware[@]}" \
		-netdev "tap,id=n0,ifname=${PX}t,script=no,downscript=no" \
		-device "$nic" </dev/null >"$T/qemu-$label.out" 2>&1 3>&- &
	PXE_QEMU=$!
	pxe_track "$PXE_QEMU"
	export PXE_QEMU PXE_T0
}

# Boots the QEMU client until the initramfs is done, powers off, or $2
# seconds pass (then it is killed); with PXE_STOP_AT_MARKER set, as soon as
# the marker shows. $1: a label for the log files. PXE_BOOT_MAC and
# PXE_UEFI: see pxe_qemu. PXE_UNTIL: a command run at every
# poll (20 a second); the boot ends when it succeeds.
# Sets PXE_LOG (serial log, cleaned), PXE_MARKER_S (QEMU start to the
# marker, seconds; empty if never seen) and PXE_TOTAL_S.
pxe_boot() {
	local label=$1 limit=${2:-120} raw="$T/serial-$1.raw"
	PXE_LOG="$T/serial-$label.log" PXE_MARKER_S="" PXE_TOTAL_S=""
	local t0 now q _
	pxe_qemu "$label" 256 -display none -monitor none
	q=$PXE_QEMU t0=$PXE_T0
	# twenty looks a second at most, and $limit s
	for _ in $(seq 1 $((limit * 20))); do
		now=$(date +%s%N)
		if [ -z "$PXE_MARKER_S" ] && grep -aq 'LTSPX-MARKER' "$raw"; then
			PXE_MARKER_S=$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
		fi
		grep -aq 'LTSPX-DONE' "$raw" && break
		# a panicked kernel never gets further: fail now rather than at the limit
		grep -aq 'Kernel panic' "$raw" && break
		[ -n "$PXE_MARKER_S" ] && [ -n "${PXE_STOP_AT_MARKER:-}" ] && break
		[ -n "${PXE_UNTIL:-}" ] && eval "$PXE_UNTIL" && break
		kill -0 "$q" 2>/dev/null || break
		[ $(((now - t0) / 1000000000)) -ge "$limit" ] && break
		sleep 0.05
	done
	# it powers itself off after LTSPX-DONE; a hard kill otherwise
	wait_gone 2 "$q" 2>/dev/null || true
	kill -9 "$q" 2>/dev/null || true
	wait "$q" 2>/dev/null || true
	PXE_TOTAL_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	# without pxelinux's menu drawing (escape sequences) and carriage returns
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()%][0-9A-Za-z@]//g' -e 's/\r//g' "$raw" >"$PXE_LOG"
	export PXE_LOG PXE_MARKER_S PXE_TOTAL_S
	[ -n "$PXE_MARKER_S" ]
}

# ---- boot trees -----------------------------------------------------------------

# puts the cached kernel and initramfs at $1/lts/
pxe_put_kernel() {
	mkdir -p "$1/lts"
	cp "$PXE_CACHE/vmlinuz" "$1/lts/vmlinuz"
	cp "$PXE_CACHE/initramfs.gz" "$1/lts/initramfs.gz"
}

# The hand-written minimal set-up the benchmark compares against: a
# five-line dhcpd.conf, pxelinux.0 + ldlinux.c32 and a one-entry
# pxelinux.cfg/default in $T/minimal/tftpboot.
pxe_minimal_configs() {
	local m="$T/minimal"
	mkdir -p "$m/tftpboot/pxelinux.cfg"
	cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$m/tftpboot/"
	cat >"$m/tftpboot/pxelinux.cfg/default" <<-EOF
		DEFAULT lab
		LABEL lab
		  KERNEL lts/vmlinuz
		  INITRD lts/initramfs.gz
		  APPEND console=ttyS0,115200 quiet
	EOF
	pxe_put_kernel "$m/tftpboot"
	chmod -R a+rX "$m"
	cat >"$m/dhcpd.conf" <<-EOF
		subnet 192.0.2.0 netmask 255.255.255.0 {
		  range 192.0.2.100 192.0.2.149;
		  next-server $PXE_SERVER;
		  filename "pxelinux.0";
		}
	EOF
}

# answers iPXE's router solicitation (see pxe-ra.pl) for at most $1 seconds
pxe_ra() {
	ip netns exec "$SNS" perl "$PXE_LIB/pxe-ra.pl" "$SIF" "${1:-300}" </dev/null >"$T/ra.log" 2>&1 3>&- &
	pxe_track $!
}

# ---- generated configs ------------------------------------------------------------

# The tables every site of the lab shares: the server and its network, DHCP
# with mode $1 and the router $2, the TFTP root $T/tftpboot, the NFS root.
# $3: a comment line on top. A site adds [boot] and its hosts after these.
pxe_site_common() {
	cat <<-EOF
		# $3
		[server]
		address   = "$PXE_SERVER"
		interface = "$SIF"
		hostname  = "ltsp-lab"

		[network]
		subnet  = "192.0.2.0/24"
		routers = ["$2"]
		domain  = "lab.example.org"

		[dhcp]
		mode  = "$1"
		range = ["192.0.2.100", "192.0.2.149"]

		[tftp]
		root    = "$T/tftpboot"
		user    = "nobody"
		group   = "nogroup"
		verbose = true

		[nfs]
		root = "/opt/ltsp/amd64"

	EOF
}

# $T/site.toml for dhcp.mode $1 (primary | proxy): the lab's network, the
# QEMU client as a known host with an Etherboot-era NIC line (option 129)
# and kernel parameters of its own (so it gets pxelinux.cfg/01-<mac>)
pxe_site() {
	local mode=$1 routers
	[ "$mode" = proxy ] && routers=$PXE_ROUTER || routers=$PXE_SERVER
	pxe_site_common "$mode" "$routers" "The PXE lab: one server namespace, one QEMU thin client" >"$T/site.toml"
	cat >>"$T/site.toml" <<-EOF
		[boot]
		pxe_filename   = "/pxelinux.0"
		kernel         = "/lts/vmlinuz"
		initrd         = "/lts/initramfs.gz"
		kernel_append  = "quiet"
		serial_console = "ttyS0,115200"
		# text every loader must read as written: a comma (dnsmasq), "&" and a later "-" (iPXE)
		menu_label     = "LTSP lab, room 2 & 3 - client"
		timeout        = ${PXE_MENU_TIMEOUT:-1}

		[[group]]
		name = "LAB"

		  [[group.host]]
		  name          = "thin01"
		  mac           = "$PXE_MAC"
		  address       = "$PXE_HOST_ADDR"
		  nic           = "e1000"
		  mount_options = "nolock,ro"
		  kernel_append = "ltspx.host=thin01"
	EOF
}

# ltspcfg-ts apply of $T/site.toml, staged under $T/sys (nothing else on the
# machine is written), then the TFTP tree moved to tftp.root ($T/tftpboot)
pxe_apply() {
	[ -f "$REPO/dist/ltspcfg-ts.js" ] || (cd "$REPO" && npm run -s build) >&2
	rm -rf "$T/sys" "$T/tftpboot"
	mkdir -p "$T/sys"
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" --no-color apply --yes >"$T/apply.log" 2>&1 ||
		{ cat "$T/apply.log" >&2; return 1; }
	mv "$T/sys$T/tftpboot" "$T/tftpboot"
}

# pxe_apply, then the kernel beside the TFTP tree
pxe_generate() {
	pxe_apply || return 1
	pxe_put_kernel "$T/tftpboot"
	# as an admin's copy would be: root's, unreadable to others, until ltsp-tftpd fixes it
	chown -R root:root "$T/tftpboot"
	chmod 0600 "$T/tftpboot/lts/vmlinuz" "$T/tftpboot/lts/initramfs.gz"
}

# ---- benchmarks (bench/pxe-boot.sh, uefi-boot.sh, client-boot.sh, image-build.sh) ----

# The start of a benchmark: root (else exit 2), pxe_init with prefix $2,
# everything it made stopped and removed at exit (first bench_cleanup, when
# the benchmark defines one), the CLI built. $1: its name, for messages.
pxe_bench_init() {
	PXE_BENCH=$1
	if [ "$(id -u)" != 0 ]; then
		echo "$PXE_BENCH bench: needs root" >&2
		exit 2
	fi
	pxe_init "$2"
	trap pxe_bench_exit EXIT
	trap 'exit 130' INT TERM
	[ -f "$REPO/dist/ltspcfg-ts.js" ] || (cd "$REPO" && npm run --silent build) || exit 1
}

pxe_bench_exit() {
	if declare -F bench_cleanup >/dev/null; then
		bench_cleanup
	fi
	pxe_httpd_down
	pxe_teardown
}

# runs the cache step $1 (pxe_kernel, client_root); when it cannot be had
# (exit 3) the benchmark is skipped (exit 0), saying $2
pxe_bench_need() {
	local rc=0
	"$1" >/dev/null || rc=$?
	if [ "$rc" = 3 ]; then
		echo "$PXE_BENCH bench: skipped, $2" >&2
		exit 0
	fi
	[ "$rc" = 0 ] || exit 1
}

# "  median: $1 X s, $2 Y s: Rx (goal <= $3x: met)", from the times in
# $T/gen.times and $T/min.times (see pxe_alternate_boots)
pxe_bench_ratio() {
	local gen min ratio verdict
	gen=$(pxe_median <"$T/gen.times")
	min=$(pxe_median <"$T/min.times")
	if [ -z "$gen" ] || [ -z "$min" ]; then
		echo "$PXE_BENCH bench: the runs failed" >&2
		exit 1
	fi
	ratio=$(awk -v g="$gen" -v m="$min" 'BEGIN { printf "%.3f", g / m }')
	verdict=$(awk -v r="$ratio" -v goal="$3" 'BEGIN { print (r <= goal) ? "met" : "MISSED" }')
	printf '  median: %s %.2f s, %s %.2f s: %sx (goal <= %sx: %s)\n' "$1" "$gen" "$2" "$min" "$ratio" "$3" "$verdict"
}

# $1 pairs of the commands $2 then $3 (each prints seconds), after one
# warm-up of each: interleaved, so that a burst of load from elsewhere hits
# both sides of a pair. PXE_PAIR_A and PXE_PAIR_B: the medians; PXE_SPEEDUP:
# the median of the pairs' ratios A / B.
pxe_bench_pairs() {
	local n=$1 a=$2 b=$3 _
	$a >/dev/null
	$b >/dev/null
	: >"$T/pairs"
	for _ in $(seq 1 "$n"); do
		echo "$($a) $($b)" >>"$T/pairs"
	done
	PXE_PAIR_A=$(cut -d' ' -f1 "$T/pairs" | pxe_median)
	PXE_PAIR_B=$(cut -d' ' -f2 "$T/pairs" | pxe_median)
	PXE_SPEEDUP=$(awk '{ printf "%.4f\n", $1 / $2 }' "$T/pairs" | pxe_median)
}

# the median of the numbers on stdin, one a line
pxe_median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# $1 rounds, $2 seconds a boot may take: boot_generated N and boot_minimal N
# (the caller's) in turn, alternating which goes first so that drift in the
# machine's load cancels out; the marker times go to $T/gen.times and $T/min.times
pxe_alternate_boots() {
	local r kind
	: >"$T/gen.times"
	: >"$T/min.times"
	for r in $(seq 1 "$1"); do
		for kind in $([ $((r % 2)) = 1 ] && echo generated minimal || echo minimal generated); do
			if "boot_$kind" "$r"; then
				echo "$PXE_MARKER_S" >>"$T/${kind:0:3}.times"
				printf '  round %d  %-9s  %6.2f s\n' "$r" "$kind" "$PXE_MARKER_S"
			else
				echo "  round $r  $kind: no marker within $2 s; serial log tail:" >&2
				tail -n 5 "$PXE_LOG" >&2
			fi
			pxe_httpd_down
			pxe_services_down
		done
	done
}
