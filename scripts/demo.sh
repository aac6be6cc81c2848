#!/bin/sh
# The main job on the bundled example, no Gentoo needed: builds ltspcfg-ts,
# stages a Gentoo system under a scratch directory, runs
#   ltspcfg-ts --gentoo --root DIR --config examples/wiki-sample.toml --yes
# (the status, then every config written) and lists what it wrote.
# Usage: scripts/demo.sh [DIR]   (default: a new directory under /tmp)
set -eu
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

root=${1:-$(mktemp -d /tmp/ltsp-ts-demo.XXXXXX)}
mkdir -p "$root"
echo "Staging a Gentoo system in $root"
echo
status=0
node dist/ltspcfg-ts.js --gentoo --root "$root" --config examples/wiki-sample.toml --yes || status=$?

echo
echo "Files under $root:"
(cd "$root" && find . -type f ! -path './var/lib/ltsp-ts/*' | sed 's|^\.||' | sort)
echo
echo "Look at one:  cat $root/etc/dhcp/dhcpd.1067.conf"
echo "Run again:    node dist/ltspcfg-ts.js --gentoo --root $root --config examples/wiki-sample.toml   (nothing to do)"
# 1 means "problems found": a scratch root has none of the packages and services the
# status lists, which is what a demo expects; 2 (an invalid site) is a real failure
if [ "$status" -eq 1 ]; then
	echo "(ltspcfg-ts exited 1: the staged system lacks the packages and services listed in its status)"
	status=0
fi
exit "$status"
