#!/usr/bin/env bats
# ltsp-nbd under Debian's openrc-run, run from a temp copy in network
# namespaces of its own: the server (192.0.2.1, a bridge), a thin client in
# the thin-client subnet 192.0.2.0/25 (192.0.2.10) and an outsider on the same
# wire outside it (192.0.2.200). The service refuses a missing or half-built
# image and an allow list nbd-server could not read; it serves the image
# read-only to the client (read back with nbdcopy: userspace NBD, no kernel
# module), refuses the outsider, and stops by its pid. Needs root.

load ../support/bats
load ../support/wire
load ltsp-tftpd

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "needs root (network namespaces, openrc-run)"; return; }
	local tool
	for tool in nbd-server nbdinfo nbdcopy mksquashfs; do
		command -v "$tool" >/dev/null || { skip_file "$tool is not installed (scripts/install-test-deps.sh)"; return; }
	done
	tftpd_setup "ltsnb$$" 192.0.2.1 ltsp-nbd
	CLI="${NAME}c" OUT="${NAME}o"
	cat >>"$T/conf.d/$NAME" <<-EOF
		NBD_SERVER="$(command -v nbd-server)"
		NBD_RUN_DIR="$T/run"
	EOF
	mkdir -p "$T/run" "$T/client/etc"
	echo "a thin client's root" >"$T/client/etc/motd"
	# nbd-server reads the image and the allow list as nobody
	chmod 0755 "$T" "$T/run"
	wire_up "$NAME" "$CLI" "$OUT" "${NAME}b"
	cat >"$T/site.toml" <<-EOF
		[server]
		address = "192.0.2.1"
		interface = "${NAME}b"
		[network]
		subnet = "192.0.2.0/25"
		[dhcp]
		mode = "none"
		[tftp]
		root = "$T/tftpboot"
		group = "nogroup"
		[nbd]
		dir = "$T/images"
		[[image]]
		name = "lab"
		root = "$T/client"
	EOF
	export T NAME CLI OUT
}

teardown_file() {
	if file_skipped; then return; fi
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
	wire_down "$NAME" "$CLI" "$OUT"
	rm -f "/run/$NAME.pid"
	rm -rf "$T"
}

setup() {
	skip_if_file_skipped
	rm -rf "$T/images" "$T/tftpboot"
	mkdir -p "$T/images" "$T/tftpboot/ltsp/lab"
}

teardown() {
	if file_skipped; then return; fi
	release_port
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
}

# the image as `ltspcfg-ts image` leaves it: the squashfs, the kernel and initramfs
build_image() {
	mksquashfs "$T/client" "$T/images/lab.img" -noappend -quiet >/dev/null
	chmod 0644 "$T/images/lab.img"
	echo kernel >"$T/tftpboot/ltsp/lab/vmlinuz"
	echo initrd >"$T/tftpboot/ltsp/lab/initrd.img"
}

# bats' fd 3 must not reach nbd-server, or bats waits for it forever
svc_start() {
	svc start 3>&-
}

# nothing listens on nbd.port in the server namespace
no_listener() {
	refute listens -n "$NAME" tcp 10809
}

@test "shellcheck: the service and its conf.d are clean POSIX sh" {
	shellcheck -s sh "$REPO/init.d/ltsp-nbd" "$REPO/conf.d/ltsp-nbd"
}

@test "a missing image: start refuses, naming the file and the command that builds it" {
	run svc_start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/images/lab.img: missing (run ltspcfg-ts image)"* ]]
	[[ "$output" == *"Refusing to serve missing or half-built images"* ]]
	no_listener
	[ ! -e "/run/$NAME.pid" ]
}

@test "a half-built image: a truncated squashfs, or a build still under way, is refused" {
	build_image
	truncate -s 100 "$T/images/lab.img"
	run svc_start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/images/lab.img: truncated"* ]]
	no_listener

	build_image
	cp "$T/images/lab.img" "$T/images/lab.img.new"
	run svc_start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"lab.img.new exists: a build is running or was interrupted"* ]]
	no_listener
}

@test "an image nobody can read (nbd-server reads it as nobody) is refused" {
	build_image
	chmod 0600 "$T/images/lab.img"
	run svc_start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/images/lab.img is closed to other users"* ]]
	no_listener
}

@test "an allow list nbd-server could not read (it would let everyone in) is refused" {
	build_image
	chmod 0700 "$T/run"
	run svc_start
	chmod 0755 "$T/run"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Refusing to serve the images to anyone"* ]]
	no_listener
}

@test "another program on nbd.port: start refuses, naming it; no nbd-server is left" {
	build_image
	hold_port "$NAME" tcp 0.0.0.0 10809
	run svc_start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"TCP port 10809 on 192.0.2.1 is already taken: python3 (pid $HOLDER) on 0.0.0.0:10809; stop it first, or change server.address or nbd.port in $T/site.toml"* ]]
	[ "$(port_pids -n "$NAME" tcp 10809)" = "$HOLDER" ]
	[ ! -e "/run/$NAME.pid" ]
	release_port
	no_listener
}

@test "a site with no image served over NBD: checkconfig and start refuse, saying so" {
	cp "$T/site.toml" "$T/site.toml.good"
	echo 'serve = "nfs"' >>"$T/site.toml"
	local cmd
	for cmd in checkconfig svc_start; do
		[ "$cmd" = checkconfig ] && run svc checkconfig
		[ "$cmd" = svc_start ] && run svc_start
		echo "$output"
		[ "$status" -ne 0 ] || break
		[[ "$output" == *"no [[image]] in $T/site.toml has serve = \"nbd\": ltsp-nbd would serve nothing"* ]] || break
	done
	mv "$T/site.toml.good" "$T/site.toml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ltsp-nbd would serve nothing"* ]]
	[ "$cmd" = svc_start ]
	no_listener
}

@test "start: the image read-only to the thin-client subnet, the outsider refused; stop ends nbd-server by its pid" {
	build_image
	run svc_start
	echo "$output"
	[ "$status" -eq 0 ]
	# every export names the service's allow list, which holds the thin-client subnet
	grep -qxF "	authfile = $T/run/$NAME.allow" "$T/run/$NAME.conf"
	[ "$(grep -v '^#' "$T/run/$NAME.allow")" = 192.0.2.0/25 ]
	local pid
	pid=$(cat "/run/$NAME.pid")
	kill -0 "$pid"
	wait_port -n "$NAME" -t 10 tcp 10809 nbd-server

	# the client: the whole image, byte for byte, and the export is read-only
	run ip netns exec "$CLI" timeout 30 nbdinfo --size nbd://192.0.2.1:10809/lab
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(stat -c %s "$T/images/lab.img")" ]
	ip netns exec "$CLI" timeout 30 nbdinfo --is read-only nbd://192.0.2.1:10809/lab
	ip netns exec "$CLI" timeout 30 nbdcopy nbd://192.0.2.1:10809/lab "$T/copy.img"
	cmp "$T/images/lab.img" "$T/copy.img"
	rm -f "$T/copy.img"

	# the outsider, on the same wire but outside the subnet: refused
	run ip netns exec "$OUT" timeout 30 nbdinfo --size nbd://192.0.2.1:10809/lab
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not permitted"* || "$output" == *"policy"* || "$output" == *"denied"* ]]

	# a restart with a broken site.toml leaves the server serving
	cp "$T/site.toml" "$T/site.toml.good"
	echo 'this is not toml [' >>"$T/site.toml"
	run svc restart 3>&-
	cp "$T/site.toml.good" "$T/site.toml"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$(cat "/run/$NAME.pid")" = "$pid" ]
	ip netns exec "$CLI" timeout 30 nbdinfo --size nbd://192.0.2.1:10809/lab
	# a good one checks once, before the stop, and starts a new server
	run svc restart 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$T/run/$NAME.checked" ]
	# start-stop-daemon may return while the kernel is still tearing it down
	wait_gone 10 "$pid"
	pid=$(cat "/run/$NAME.pid")
	kill -0 "$pid"

	run svc stop
	echo "$output"
	[ "$status" -eq 0 ]
	wait_gone 10 "$pid"
	no_listener
}
