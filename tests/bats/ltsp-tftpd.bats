#!/usr/bin/env bats
# ltsp-tftpd under Debian's openrc-run, run from a temp copy in a network
# namespace of its own (198.51.100.0/24). Needs root.

load ../support/bats
load ltsp-tftpd

setup_file() {
	[ "$(id -u)" = 0 ] || { skip_file "needs root (network namespace, chown)"; return; }
	tftpd_setup "ltstf$$" 198.51.100.1
	netns_up
	export T NAME ADDR
}

teardown_file() {
	tftpd_teardown
}

setup() {
	skip_if_file_skipped
	rm -rf "$T/tftpboot" "$T/outside" "$T/got"
	mkdir -p "$T/tftpboot/lts" "$T/outside"
	write_site
}

teardown() {
	if file_skipped; then return; fi
	release_port
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
}

@test "shellcheck: the service and its conf.d are clean POSIX sh" {
	shellcheck -s sh "$REPO/init.d/ltsp-tftpd" "$REPO/conf.d/ltsp-tftpd"
}

@test "a root-owned 0600 file is refused before the fix and served after start" {
	printf 'kernel bytes\n' >"$T/tftpboot/lts/vmlinuz"
	chmod 0600 "$T/tftpboot/lts/vmlinuz"
	chmod 0700 "$T/tftpboot/lts"

	# in.tftpd alone, with the service's arguments but no fix: the file is refused
	ip netns exec "$NAME" /usr/sbin/in.tftpd -L -s "$T/tftpboot" -u nobody -a "$ADDR:69" 3>&- &
	local bare=$!
	wait_listener 30
	run fetch lts/vmlinuz "$T/got"
	[ "$status" -ne 0 ]
	[ ! -s "$T/got" ]
	# tftp-hpa's client shows the server's answer (curl only reports an error code)
	run ip netns exec "$NAME" tftp "$ADDR" -m binary -c get lts/vmlinuz "$T/got"
	kill "$bare"
	wait "$bare" || true
	echo "$output"
	[[ "$output" == *"Permission denied"* ]]

	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	wait_listener 30
	fetch lts/vmlinuz "$T/got"
	[ "$(cat "$T/got")" = "kernel bytes" ]
	[ "$(stat -c '%U:%G %a' "$T/tftpboot/lts/vmlinuz")" = "nobody:nogroup 644" ]
	[ "$(stat -c '%U:%G %a' "$T/tftpboot/lts")" = "nobody:nogroup 755" ]
}

@test "a symlink in the root to a file outside leaves that file's owner and mode alone" {
	printf 'secret\n' >"$T/outside/secret"
	chmod 0600 "$T/outside/secret"
	ln -s "$T/outside/secret" "$T/tftpboot/secret-link"
	ln -s "$T/outside" "$T/tftpboot/outside-link"

	run svc start
	[ "$status" -eq 0 ]
	[ "$(stat -c '%U:%G %a' "$T/outside/secret")" = "root:root 600" ]
	[ "$(stat -c '%U:%G' "$T/outside")" = "root:root" ]
	# the link itself belongs to the tree; the chrooted server cannot follow it out
	[ "$(stat -c '%U:%G' "$T/tftpboot/secret-link")" = "nobody:nogroup" ]
	wait_listener 30
	run fetch secret-link "$T/got"
	[ "$status" -ne 0 ]
	[ ! -s "$T/got" ]
}

@test "a root of / or /etc refuses to start" {
	for root in / /etc; do
		write_site "$root"
		run svc start
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"system directory"* ]]
	done
	[ -z "$(listeners)" ]
	[ "$(stat -c '%U' /etc)" = root ]
}

@test "a root that resolves into /run through a symlinked parent refuses to start" {
	# named like a TFTP root, so only its real path gives it away
	mkdir "/run/$NAME-tftpboot"
	ln -s /run "$T/up"
	write_site "$T/up/$NAME-tftpboot"
	run svc start
	echo "$output"
	rm "$T/up"
	rmdir "/run/$NAME-tftpboot"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tftp.root: $T/up/$NAME-tftpboot leads to /run/$NAME-tftpboot: /run/$NAME-tftpboot lies inside /run"* ]]
	[ -z "$(listeners)" ]
}

@test "a root that is not a directory of its own refuses to start" {
	mkdir "$T/up"
	write_site "$T/up"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tftp.root: $T/up is not a directory dedicated to TFTP"* ]]
	[ "$(stat -c '%U' "$T/up")" = root ]
	rmdir "$T/up"
}

@test "a root that is a symlink or missing: checkconfig and start refuse" {
	ln -s "$T/tftpboot" "$T/tftp-link"
	write_site "$T/tftp-link"
	refused_by_checkconfig_and_start "$T/tftp-link is a symbolic link; name the directory it points at instead"
	rm "$T/tftp-link"

	write_site "$T/tftp-missing"
	run svc start
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/tftp-missing does not exist"* ]]
}

@test "refuses to start while another server holds the port, naming it" {
	ip netns exec "$NAME" /usr/sbin/in.tftpd -L -s "$T/tftpboot" -u nobody -a "0.0.0.0:69" 3>&- &
	local other=$!
	wait_listener 30
	run svc start
	kill "$other"
	wait "$other" || true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"UDP port 69 on $ADDR is already taken: in.tftpd (pid $other) on 0.0.0.0:69; stop it first, or change tftp.address or tftp.port in $T/site.toml"* ]]
}

@test "a socket on IPv6's any address (dual-stack) holds the port too: start refuses, checkconfig does not ask" {
	hold_port "$NAME" udp :: 69
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 0 ]
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"UDP port 69 on $ADDR is already taken: python3 (pid $HOLDER) on [::]:69;"* ]]
	[ "$(listeners)" = "$HOLDER" ]
	release_port
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "status, stop and restart" {
	run svc status
	[ "$status" -ne 0 ]

	svc start
	local first
	first=$(wait_listener 30)
	run svc status
	[ "$status" -eq 0 ]
	[[ "$output" == *started* ]]

	svc restart
	local second
	second=$(wait_listener 30 "$first")
	[ -n "$second" ]
	[ "$second" != "$first" ]
	run svc status
	[ "$status" -eq 0 ]

	svc stop
	run svc status
	[ "$status" -eq 3 ]
	[ -z "$(listeners)" ]
	refute kill -0 "$second" 2>/dev/null
}

@test "a restart with a broken site.toml leaves the running server serving" {
	svc start
	local first
	first=$(wait_listener 30)
	write_site "" 'blocksize = 12'
	run svc restart
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tftp.blocksize"* ]]
	[ "$(listeners)" = "$first" ]
	printf 'still here\n' >"$T/tftpboot/check"
	chmod 0644 "$T/tftpboot/check"
	fetch check "$T/got"
	[ "$(cat "$T/got")" = "still here" ]
	# (OpenRC 0.45 leaves the state at "stopping" after a refused stop; the next restart recovers)
	write_site
	svc restart
	[ -n "$(wait_listener 30 "$first")" ]
	run svc status
	[ "$status" -eq 0 ]
}

@test "a missing ltspcfg-ts is named" {
	sed -i "s|^LTSPCFG=.*|LTSPCFG=$T/bin/no-such-program|" "$T/conf.d/$NAME"
	run svc start
	sed -i "s|^LTSPCFG=.*|LTSPCFG=$T/bin/ltspcfg-ts|" "$T/conf.d/$NAME"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/bin/no-such-program is missing"* ]]
}

@test "checkconfig reports the site and refuses a broken site.toml" {
	run svc checkconfig
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"TFTP root $T/tftpboot for nobody:nogroup on $ADDR:69"* ]]

	write_site "" 'port = "sixty-nine"'
	run svc checkconfig
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tftp.port"* ]]
	[[ "$output" == *"Cannot read $T/site.toml"* ]]
}

@test "an unknown tftp.user or tftp.group: checkconfig and start refuse with ltspcfg-ts's own words, the tree untouched" {
	touch "$T/tftpboot/pxelinux.0"
	chmod 0600 "$T/tftpboot/pxelinux.0"
	write_site "" 'user = "no-such-user"'
	refused_by_checkconfig_and_start 'user "no-such-user" does not exist on this system'

	write_site
	sed -i 's/^group = .*/group = "no-such-group"/' "$T/site.toml"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'group "no-such-group" does not exist on this system'* ]]
	[ -z "$(listeners)" ]
	[ "$(stat -c '%U %a' "$T/tftpboot/pxelinux.0")" = "root 600" ]
}

@test "options from site.toml reach in.tftpd: port, block size, data ports, verbosity" {
	write_site "" 'port = 6969
blocksize = 1024
data_ports = [40000, 40010]
verbose = true'
	svc start
	local pid
	pid=$(wait_listener 30 "" 6969)
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -F -- "-L -s $T/tftpboot -u nobody -a $ADDR:6969 -B 1024 -R 40000:40010 -v -v"
}

@test "kill -9 of in.tftpd: supervise-daemon starts it again" {
	svc start
	local first second
	first=$(wait_listener 30)
	kill -9 "$first"
	second=$(wait_listener 30 "$first")
	[ -n "$second" ]
	[ "$second" != "$first" ]
	printf 'after respawn\n' >"$T/tftpboot/check"
	chmod 0644 "$T/tftpboot/check"
	fetch check "$T/got"
	[ "$(cat "$T/got")" = "after respawn" ]
	run svc status
	[ "$status" -eq 0 ]
}

@test "tftp.launcher = xinetd: the service refuses to start and says why" {
	write_site "" 'launcher = "xinetd"'
	run svc start
	[ "$status" -ne 0 ]
	[[ "$output" == *"xinetd starts in.tftpd (/etc/xinetd.d/ltsp-tftp)"* ]]
}
