#!/bin/bash
# `rc-service ltsp-tftpd restart` as the bats tests run it (Debian's openrc-run
# on a copy of the service, in a network namespace of its own, 198.51.100.0/24),
# side by side in one run: the service as it was when it read each setting with
# its own `ltspcfg-ts get` (and checked the site twice a restart), against the
# current one (one `ltspcfg-ts get --shell tftp`, one check). Both serve the
# same tree of 200 files; the restarts alternate. Prints the median of N
# restarts each (default 10) and how many node processes one restart starts.
# Needs root and git (the earlier service comes from the history).
#
#   bench/service-restart.sh [N]
set -eu
cd "$(dirname "$0")/.."

# the last version of init.d/ltsp-tftpd that read its settings one key at a time
BEFORE=ed77945

runs=${1:-10}
case $runs in '' | *[!0-9]*) echo "usage: $0 [N]   (N restarts of each, default 10)" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "service-restart: needs root (network namespace, chown)" >&2
	exit 2
fi
[ -f dist/ltspcfg-ts.js ] || npm run --silent build

# shellcheck source=tests/bats/ltsp-tftpd.bash
. tests/bats/ltsp-tftpd.bash
tftpd_setup "ltsbr$$" 198.51.100.1
trap tftpd_teardown EXIT
netns_up
write_site
for i in $(seq 1 200); do printf 'file %s\n' "$i" >"$T/tftpboot/f$i"; done

# the earlier service beside the current one, same conf.d
git show "$BEFORE:init.d/ltsp-tftpd" >"$T/init.d/$NAME.before"
chmod +x "$T/init.d/$NAME.before"
cp "$T/conf.d/$NAME" "$T/conf.d/$NAME.before"
# counts the node processes: the wrapper logs each call
cat >"$T/bin/ltspcfg-ts" <<-EOF
	#!/bin/sh
	echo x >>"$T/node-calls"
	exec node "$REPO/dist/ltspcfg-ts.js" "\$@"
EOF

# $1: service file name; restarts it, prints the seconds it took
restart_once() {
	local start end
	start=$(date +%s%N)
	ip netns exec "$NAME" openrc-run "$T/init.d/$1" restart >"$T/restart.log" 2>&1 || {
		cat "$T/restart.log" >&2
		return 1
	}
	end=$(date +%s%N)
	echo "$(((end - start) / 1000000))"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for svc in "$NAME.before" "$NAME"; do
	ip netns exec "$NAME" openrc-run "$T/init.d/$svc" start >/dev/null 2>&1
	: >"$T/node-calls"
	restart_once "$svc" >/dev/null
	calls=$(wc -l <"$T/node-calls")
	[ "$svc" = "$NAME" ] && after_calls=$calls || before_calls=$calls
	ip netns exec "$NAME" openrc-run "$T/init.d/$svc" stop >/dev/null 2>&1
done

: >"$T/before.ms"
: >"$T/after.ms"
ip netns exec "$NAME" openrc-run "$T/init.d/$NAME.before" start >/dev/null 2>&1
for i in $(seq 1 "$runs"); do
	restart_once "$NAME.before" >>"$T/before.ms"
	ip netns exec "$NAME" openrc-run "$T/init.d/$NAME.before" stop >/dev/null 2>&1
	ip netns exec "$NAME" openrc-run "$T/init.d/$NAME" start >/dev/null 2>&1
	restart_once "$NAME" >>"$T/after.ms"
	ip netns exec "$NAME" openrc-run "$T/init.d/$NAME" stop >/dev/null 2>&1
	[ "$i" -lt "$runs" ] && ip netns exec "$NAME" openrc-run "$T/init.d/$NAME.before" start >/dev/null 2>&1
done

before=$(median <"$T/before.ms")
after=$(median <"$T/after.ms")
awk -v b="$before" -v a="$after" -v bc="$before_calls" -v ac="$after_calls" -v n="$runs" 'BEGIN {
	printf "ltsp-tftpd restart (openrc-run, 200 files, median of %d): one get per setting %.2f s (%d node starts), get --shell %.2f s (%d node starts): %.1fx faster\n", n, b / 1000, bc, a / 1000, ac, b / a
}'
