#!/usr/bin/env bats
# The ltsp-httpd service under Debian's openrc-run, in a network namespace of
# its own (192.0.2.0/24): it installs the lighttpd config through apply,
# refuses a site without http.enabled and a root reached through a symlink,
# and serves the boot tree read-only: files yes, listings, writes and
# anything outside the tree no.

load ../support/bats
load ltsp-tftpd

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespace, openrc-run)"
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	tftpd_setup "ltsh$$" 192.0.2.1 ltsp-httpd
	echo "LTSP_ROOT=\"$T/sys\"" >>"$T/conf.d/$NAME"
	mkdir -p "$T/sys" "$T/tftpboot/lts"
	echo kernel >"$T/tftpboot/lts/vmlinuz"
	echo secret >"$T/outside/secret"
	ln -s "$T/outside/secret" "$T/tftpboot/lts/link"
	chmod -R a+rX "$T"
	netns_up
}

teardown() {
	[ -n "${T:-}" ] || return 0
	release_port
	svc stop >/dev/null 2>&1 || true
	svc zap >/dev/null 2>&1 || true
	ip netns del "$NAME" 2>/dev/null || true
	rm -rf "$T"
}

# $1: the site's [http] and [boot] lines; $2: tftp.root
http_site() {
	write_site "${2:-$T/tftpboot}"
	printf '[boot]\nloader = "ipxe"\n[http]\nport = 8080\nuser = "www-data"\ngroup = "www-data"\n%s\n' "$1" >>"$T/site.toml"
}

# $1 method, $2 path: the HTTP status code lighttpd answers
code() {
	ip netns exec "$NAME" curl -s -o /dev/null --path-as-is -X "$1" -w '%{http_code}' "http://192.0.2.1:8080$2"
}

# the ltspcfg-ts wrapper logs each call (one line, its arguments) to $T/calls
count_calls() {
	mv "$T/bin/ltspcfg-ts" "$T/bin/ltspcfg-ts.real"
	printf '#!/bin/sh\necho "$*" >>"%s/calls"\nexec "%s/bin/ltspcfg-ts.real" "$@"\n' "$T" "$T" >"$T/bin/ltspcfg-ts"
	chmod +x "$T/bin/ltspcfg-ts"
}

# nothing listens on the HTTP port in the namespace
no_listener() {
	refute listens -n "$NAME" tcp 8080
}

@test "shellcheck: the service and its conf.d are clean POSIX sh" {
	shellcheck -s sh "$REPO/init.d/ltsp-httpd" "$REPO/conf.d/ltsp-httpd"
}

@test "an invalid site.toml: start refuses with the validation message, nothing listens" {
	http_site 'enabled = "yes"'
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"http.enabled"* ]]
	[[ "$output" == *"Cannot read $T/site.toml"* ]]
	no_listener
}

@test "a missing root, an unknown user and a held port are refused, each by name" {
	http_site 'enabled = true' "$T/tftpboot-missing"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tftp.root $T/tftpboot-missing does not exist"* ]]
	no_listener

	write_site "$T/tftpboot"
	printf '[boot]\nloader = "ipxe"\n[http]\nenabled = true\nport = 8080\nuser = "no-such-user"\ngroup = "www-data"\n' >>"$T/site.toml"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"http.user no-such-user does not exist"* ]]
	no_listener

	http_site 'enabled = true'
	hold_port "$NAME" tcp 192.0.2.1 8080
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"TCP port 8080 on 192.0.2.1 is already taken: python3 (pid $HOLDER) on 192.0.2.1:8080; stop it first, or change http.address or http.port in $T/site.toml"* ]]
	[ "$(port_pids -n "$NAME" tcp 8080)" = "$HOLDER" ]
}

@test "start reads site.toml once; a restart checks once and a broken site.toml leaves lighttpd serving" {
	http_site 'enabled = true'
	count_calls
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$T/calls"
	[ "$(grep -c ' get ' "$T/calls")" -eq 1 ]
	grep -q ' get --shell ' "$T/calls"
	[ "$(grep -c ' apply ' "$T/calls")" -eq 1 ]
	# whether the site serves HTTP, then (the daemon stopped) whether its port is free
	[ "$(grep -c ' service ltsp-httpd$' "$T/calls")" -eq 1 ]
	[ "$(grep -c ' service ltsp-httpd --ports$' "$T/calls")" -eq 1 ]

	: >"$T/calls"
	run svc restart
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$T/calls"
	# checked once before the stop (get, service, apply), the port once after it
	[ "$(wc -l <"$T/calls")" -eq 4 ]
	[ "$(grep -c ' get ' "$T/calls")" -eq 1 ]
	[ "$(tail -n 1 "$T/calls" | grep -c ' service ltsp-httpd --ports$')" -eq 1 ]
	[ ! -e "/run/$NAME.checked" ]

	local pid
	wait_port -n "$NAME" -t 5 tcp 8080 lighttpd
	pid=$(port_pids -n "$NAME" tcp 8080 | head -n 1)
	[ -n "$pid" ]
	echo 'this is not toml [' >>"$T/site.toml"
	run svc restart
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Cannot read $T/site.toml"* ]]
	kill -0 "$pid"
	[ "$(ip netns exec "$NAME" curl -s http://192.0.2.1:8080/lts/vmlinuz)" = kernel ]
}

@test "http.enabled = false: checkconfig refuses to run a server the site does not use" {
	http_site 'enabled = false'
	run svc checkconfig
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"http.enabled is not true"* ]]
}

@test "a root reached through a symlink is refused" {
	ln -s "$T/tftpboot" "$T/tftpboot-link"
	http_site 'enabled = true' "$T/tftpboot-link"
	run svc start
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"leads through a symbolic link"* ]]
	no_listener
}

@test "start: the config through apply, files served, no listing, no writes, no symlink out of the tree" {
	http_site 'enabled = true'
	run svc start
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^server.document-root *= \"$T/tftpboot\"" "$T/sys/etc/ltsp/ltsp-httpd.conf"
	wait_port -n "$NAME" -t 5 tcp 8080 lighttpd
	[ "$(ip netns exec "$NAME" curl -s http://192.0.2.1:8080/lts/vmlinuz)" = kernel ]
	[ "$(code HEAD /lts/vmlinuz)" = 200 ]
	[ "$(code GET /lts/)" = 403 ]
	[ "$(code GET /)" = 403 ]
	[ "$(code GET /lts/link)" = 403 ]
	[ "$(code GET /../outside/secret)" = 404 ]
	[ "$(code PUT /lts/new)" = 403 ]
	[ "$(code DELETE /lts/vmlinuz)" = 403 ]
	[ -f "$T/tftpboot/lts/vmlinuz" ]
	[ ! -e "$T/tftpboot/lts/new" ]
	# lighttpd dropped to www-data
	local pid
	pid=$(port_pids -n "$NAME" tcp 8080 | head -n 1)
	[ "$(ps -o user= -p "$pid")" = www-data ]
	run svc stop
	[ "$status" -eq 0 ]
}
