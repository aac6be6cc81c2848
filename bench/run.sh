#!/bin/sh
# Runs every benchmark and prints its figures. Needs a build (npm run build);
# the DHCP boot storm, the service restart and the PXE boot need root (network namespaces of their own),
# the LTSP yardstick too (a private mount namespace).
set -eu
cd "$(dirname "$0")/.."
[ -f dist/ltspcfg-ts.js ] || npm run --silent build
node bench/cold-start.mjs
node bench/apply-scale.mjs
node bench/dhcpd-render.mjs
node bench/log-read.mjs
node bench/durable-writes.mjs
node bench/hostile-input.mjs
if [ "$(id -u)" = 0 ]; then
	node bench/ltsp-yardstick.mjs
	bash bench/dhcp-boot-storm.sh
	bash bench/dhcp-boot-storm.sh max
	bash bench/service-restart.sh
	bash bench/pxe-boot.sh
	bash bench/uefi-boot.sh
	bash bench/image-build.sh
	bash bench/client-boot.sh pairs 3
	bash bench/client-boot.sh ram 160 128
else
	echo "bench: dhcp-boot-storm, service-restart, the boots and the image build need root; skipped" >&2
fi
