# The thin-client lab: the PXE lab (pxe-lab.bash) plus what a thin client
# needs past its initramfs: a client root (client-root.sh, cached), the image
# `ltspcfg-ts image` builds from it, the root served by ltsp-nbd (nbd-server)
# or by NFS-Ganesha, the server's xdm, and a QEMU client with a VGA screen
# and a monitor socket for screendumps (greeter.py).
# Used by tests/lab/client-boot.bats and bench/client-boot.sh.

# shellcheck source=tests/lab/lib/pxe-lab.bash
. "$(dirname "${BASH_SOURCE[0]}")/pxe-lab.bash"
CLIENT_LIB=$PXE_LIB
CLIENT_RAM=${CLIENT_RAM:-192}

# the cached client root; exit 3 there: skip
client_root() {
	local rc=0
	CLIENT_ROOT=$(sh "$CLIENT_LIB/client-root.sh") || rc=$?
	export CLIENT_ROOT
	return "$rc"
}

# $T/site.toml: the PXE lab's network (dhcpd primary, the server as DNS), the QEMU client, one
# image of the cached root served by $1 (nbd | nfs), xdm, lts.conf
client_site() {
	local serve=$1
	# the server is the site's DNS server (it runs none: a lookup is refused at once, not waited for)
	pxe_site_common primary "$PXE_SERVER" "The thin-client lab: one server namespace, one QEMU thin client" |
		sed "/^[[:space:]]*domain  = /i dns     = [\"$PXE_SERVER\"]" >"$T/site.toml"
	cat >>"$T/site.toml" <<-EOF
		[boot]
		pxe_filename   = "/pxelinux.0"
		serial_console = "ttyS0,115200"
		kernel_append  = "quiet"
		timeout        = 1

		[nbd]
		dir = "$T/images"

		[xdmcp]
		display_manager = "xdm"

		[lts.Default]
		SCREEN_01 = "startx"

		[[image]]
		name  = "lab"
		root  = "$CLIENT_ROOT"
		serve = "$serve"

		[[group]]
		name = "LAB"

		  [[group.host]]
		  name    = "thin01"
		  mac     = "$PXE_MAC"
		  address = "$PXE_HOST_ADDR"
	EOF
}

# ltspcfg-ts apply (staged under $T/sys, the TFTP tree moved to tftp.root)
# and ltspcfg-ts image (squashfs to nbd.dir, kernel + initramfs to the TFTP root)
client_generate() {
	pxe_apply || return 1
	rm -rf "$T/images"
	mkdir -p "$T/images"
	# nbd-server reads the image as nobody: the scratch directory must let it through
	chmod 0755 "$T"
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" --no-color image >"$T/image.log" 2>&1 ||
		{ cat "$T/image.log" >&2; return 1; }
}

# ltsp-nbd (a copy of init.d/ltsp-nbd under a name of its own) in the server namespace
client_nbd_service() {
	NBD_SVC="${PX}nbd"
	export NBD_SVC
	mkdir -p "$T/init.d" "$T/conf.d" /run/openrc
	[ -e /run/openrc/softlevel ] || echo default >/run/openrc/softlevel
	cp "$REPO/init.d/ltsp-nbd" "$T/init.d/$NBD_SVC"
	cat >"$T/conf.d/$NBD_SVC" <<-EOF
		LTSP_SITE="$T/site.toml"
		LTSPCFG="$T/bin/ltspcfg-ts"
		NBD_SERVER="$(command -v nbd-server)"
		NBD_RUN_DIR="$T"
	EOF
	ip netns exec "$SNS" openrc-run "$T/init.d/$NBD_SVC" start >"$T/nbd-start.log" 2>&1 ||
		{ cat "$T/nbd-start.log" >&2; return 1; }
	wait_port -n "$SNS" -t 10 tcp 10809 "ltsp-nbd's nbd-server"
}

# stops ltsp-nbd and every nbd-server process it forked for a client, by pid
client_nbd_down() {
	[ -n "${NBD_SVC:-}" ] && [ -f "$T/init.d/$NBD_SVC" ] || return 0
	local main kids p
	main=$(cat "$T/$NBD_SVC.pid" 2>/dev/null || true)
	kids=""
	[ -n "$main" ] && kids=$(pgrep -P "$main" || true)
	ip netns exec "$SNS" openrc-run "$T/init.d/$NBD_SVC" stop >/dev/null 2>&1 || true
	ip netns exec "$SNS" openrc-run "$T/init.d/$NBD_SVC" zap >/dev/null 2>&1 || true
	for p in $main $kids; do
		kill -9 "$p" 2>/dev/null || true
	done
	NBD_SVC=""
}

# xdm of Debian's package (unpacked, not installed): its binary's path
client_xdm_bin() {
	(cd "$REPO" && node --import tsx -e 'console.log(require("./tests/support/debtools.ts").xdm().bin)')
}

# the lines the unpacked package needs in any xdm-config: its greeter where
# it lies, and no xrdb here (x11-xserver-utils), so the greeter keeps its
# built-in looks; $1: the xdm binary, $2: the auth directory
client_xdm_local() {
	printf 'DisplayManager.authDir:\t%s\nDisplayManager*greeterLib:\t%s\nDisplayManager*xrdb:\t/bin/true\n' \
		"$2" "${1%/usr/bin/xdm}/usr/lib/X11/xdm/libXdmGreet.so"
}

# Runs xdm in the server namespace with $1/xdm-config, and $1/hosts as its
# /etc/hosts (the client's name: no reverse lookup to wait for), in a mount
# namespace of its own. XDM_PID is its pid.
client_xdm_run() {
	local dir=$1 bin=$2
	ip netns exec "$SNS" unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/hosts && exec "$2" -nodaemon -debug 1 -config "$3"' xdm "$dir/hosts" "$bin" "$dir/xdm-config" \
		</dev/null >"$T/xdm.out" 2>&1 3>&- &
	XDM_PID=$!
	pxe_track "$XDM_PID"
	export XDM_PID
	wait_port -n "$SNS" -t 10 udp 177 xdm || { cat "$T/xdm.out" "$dir/xdm.log" >&2; return 1; }
}

# xdm with the Xaccess and xdm-config ltspcfg-ts edits and the hosts file it
# wrote, in $T/xdm
client_xdm() {
	local bin
	bin=$(client_xdm_bin) || return 1
	mkdir -p "$T/xdm" "$T/sys/etc/X11/xdm"
	cp "$REPO/tests/fixtures/system/Xaccess" "$REPO/tests/fixtures/system/xdm-config" "$T/sys/etc/X11/xdm/"
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" render xdmcp --path /etc/X11/xdm/Xaccess >"$T/xdm/Xaccess"
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" render xdmcp --path /etc/X11/xdm/xdm-config |
		sed -e "s|/etc/X11/xdm/|$T/xdm/|g" -e "s|/var/log/xdm.log|$T/xdm/xdm.log|" \
			-e "s|/var/run/xdm.pid|$T/xdm/xdm.pidfile|" -e '/^DisplayManager\.willing:/d' \
			-e '/^DisplayManager\*\(setup\|startup\|reset\):/d' >"$T/xdm/xdm-config"
	client_xdm_local "$bin" "$T/xdm" >>"$T/xdm/xdm-config"
	: >"$T/xdm/Xservers"
	: >"$T/xdm/Xresources"
	"$T/bin/ltspcfg-ts" --root "$T/sys" --config "$T/site.toml" render hosts >"$T/xdm/hosts"
	client_xdm_run "$T/xdm" "$bin"
}

# QEMU's screen, now, as PNG $1
client_shot() {
	/usr/bin/python3 "$CLIENT_LIB/greeter.py" shot "$T/monitor.sock" "$1"
}

# exit 0 when PNG $1 shows xdm's greeter; says what it saw
client_greeter() {
	/usr/bin/python3 "$CLIENT_LIB/greeter.py" check "$1"
}

# Starts the QEMU client (CLIENT_RAM MB, VGA, monitor socket; see pxe_qemu)
# in the background; CLIENT_QEMU is its pid, CLIENT_T0 its start (ns),
# CLIENT_RAW its serial log.
client_start() {
	rm -f "$T/monitor.sock"
	pxe_qemu "$1" "$CLIENT_RAM" -vga std -display none -monitor "unix:$T/monitor.sock,server,nowait"
	CLIENT_RAW="$T/serial-$1.raw" CLIENT_QEMU=$PXE_QEMU CLIENT_T0=$PXE_T0
	export CLIENT_RAW CLIENT_T0 CLIENT_QEMU
}

# seconds since the client started
client_elapsed() {
	awk -v a="$CLIENT_T0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# waits up to $2 s (and $2 * 2 looks, twice a second) for the serial log to
# match $1 (grep -E); ends early when QEMU has gone
client_wait_serial() {
	local limit=$2 t0 _
	t0=$(date +%s)
	for _ in $(seq 1 $((limit * 2))); do
		grep -aqE "$1" "$CLIENT_RAW" && return 0
		kill -0 "$CLIENT_QEMU" 2>/dev/null || return 1
		[ $(($(date +%s) - t0)) -lt "$limit" ] || break
		sleep 0.5
	done
	grep -aqE "$1" "$CLIENT_RAW"
}

# Takes a screendump every CLIENT_POLL s (default 2) for up to $2 s until
# the greeter check gives $1 (0: greeter, 1: none). CLIENT_SHOT is the last picture, CLIENT_SHOT_S
# when it was taken (s after QEMU started), CLIENT_SEEN what the check said.
# CLIENT_FAIL: a regex (grep -E) of the serial log that ends the wait at once.
client_wait_screen() {
	local want=$1 limit=$2 t0 n=0 rc _
	t0=$(date +%s)
	# at most one look a second: a screendump and its check take longer than that
	for _ in $(seq 1 "$limit"); do
		[ $(($(date +%s) - t0)) -lt "$limit" ] || break
		kill -0 "$CLIENT_QEMU" 2>/dev/null || { CLIENT_SEEN="QEMU is gone"; return 1; }
		if [ -n "${CLIENT_FAIL:-}" ] && grep -aqE "$CLIENT_FAIL" "$CLIENT_RAW"; then
			CLIENT_SEEN="the console says: $(grep -aoE "$CLIENT_FAIL" "$CLIENT_RAW" | head -n 1)"
			return 1
		fi
		n=$((n + 1))
		CLIENT_SHOT="$T/screen-$n.png"
		if client_shot "$CLIENT_SHOT" 2>"$T/shot.err"; then
			CLIENT_SHOT_S=$(client_elapsed)
			rc=0
			CLIENT_SEEN=$(client_greeter "$CLIENT_SHOT") || rc=$?
			[ "$rc" = "$want" ] && return 0
		fi
		sleep "${CLIENT_POLL:-2}"
	done
	return 1
}

# the serial log without escape sequences and carriage returns
client_log() {
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()%][0-9A-Za-z@]//g' -e 's/\r//g' "$CLIENT_RAW"
}

# NFS-Ganesha in the server namespace, standing in for the kernel's nfsd that
# this machine lacks: one EXPORT block per line of the exports file
# ltspcfg-ts wrote ($1) whose directory exists, with its clients, ro/rw and
# root_squash. $2: the protocols, 4 (default: no rpcbind, no grace period) or
# 3 (NFSv3 alone, as a server whose nfs-utils has no v4: rpcbind runs beside
# it, in the same namespaces). A mount namespace of its own gives it (and
# rpcbind) a private /run.
client_ganesha() {
	local exports=$1 protocols=${2:-4} conf="$T/ganesha.conf" rpcbind=""
	case $protocols in
	4) ;;
	3) rpcbind=$(command -v rpcbind) || { echo "rpcbind is not installed" >&2; return 1; } ;;
	*) echo "client_ganesha: protocols 3 or 4, not $protocols" >&2; return 1 ;;
	esac
	cat >"$conf" <<-EOF
		NFS_CORE_PARAM { Protocols = $protocols; Bind_addr = $PXE_SERVER; Enable_NLM = false; Enable_RQUOTA = false; }
		NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "$T/ganesha-recovery"; }
		NFS_KRB5 { Active_krb5 = false; }
	EOF
	awk '
		/^[ \t]*(#|$)/ { next }
		{
			path = $1
			if (system("test -d \"" path "\"") != 0) next
			n++
			printf "EXPORT {\n\tExport_Id = %d;\n\tPath = \"%s\";\n\tPseudo = \"%s\";\n\tProtocols = " protocols ";\n\tTransports = TCP;\n\tSecType = sys;\n\tAccess_Type = None;\n\tFSAL { Name = VFS; }\n", n, path, path
			for (i = 2; i <= NF; i++) {
				client = $i; opts = $i
				sub(/\(.*$/, "", client); sub(/^[^(]*\(/, "", opts); sub(/\)$/, "", opts)
				access = (opts ~ /(^|,)rw(,|$)/) ? "RW" : "RO"
				squash = (opts ~ /no_root_squash/) ? "No_Root_Squash" : "Root_Squash"
				printf "\tCLIENT { Clients = %s; Access_Type = %s; Squash = %s; }\n", client, access, squash
			}
			print "}"
		}' protocols="$protocols" "$exports" >>"$conf"
	mkdir -p "$T/ganesha-recovery"
	rm -f "$T/rpcbind.pid"
	# rpcbind (NFSv3) first, its pid in $T/rpcbind.pid; Ganesha registers with it through /run/rpcbind.sock
	ip netns exec "$SNS" unshare -m --propagation private sh -c '
		mount -t tmpfs tmpfs /run && mkdir -p /run/ganesha /run/rpcbind || exit 1
		if [ -n "$3" ]; then
			"$3" -f </dev/null &
			echo $! >"$4"
			n=0
			while [ ! -S /run/rpcbind.sock ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
			[ -S /run/rpcbind.sock ] || { echo "rpcbind did not start" >&2; exit 1; }
		fi
		exec ganesha.nfsd -F -f "$1" -L "$2" -p /run/ganesha/ganesha.pid -N NIV_EVENT' \
		ganesha "$conf" "$T/ganesha.log" "$rpcbind" "$T/rpcbind.pid" </dev/null >"$T/ganesha.out" 2>&1 3>&- &
	pxe_track $!
	if [ -n "$rpcbind" ]; then
		wait_until 15 "rpcbind's pid file" test -s "$T/rpcbind.pid" || { cat "$T/ganesha.out" >&2; return 1; }
		pxe_track "$(cat "$T/rpcbind.pid")"
	fi
	wait_port -n "$SNS" tcp 2049 "NFS-Ganesha" || { cat "$T/ganesha.out" "$T/ganesha.log" >&2; return 1; }
}
