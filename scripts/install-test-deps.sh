#!/bin/sh
# Installs everything the test suite runs against on a Debian 12 machine:
# the real daemons and checkers from Debian, then the npm dependencies.
# /usr/sbin/policy-rc.d stays in place, so apt starts none of these daemons.
set -eu

packages="
  openrc
  isc-dhcp-server isc-dhcp-client
  dnsmasq-base
  tftpd-hpa tftp-hpa curl
  syslog-ng-core
  nftables iptables
  xinetd
  shellcheck bats
  qemu-system-x86 ipxe-qemu
  pxelinux syslinux-common syslinux-efi ipxe ovmf lighttpd busybox-static cpio zstd
  iproute2 procps psmisc xz-utils time strace
  libxml2-utils groff-base
  tcpd
  mmdebstrap squashfs-tools nbd-server libnbd-bin nfs-ganesha nfs-ganesha-vfs rpcbind python3-pil
"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		echo "install-test-deps: /usr/sbin/policy-rc.d is missing; refusing to let apt start daemons" >&2
		exit 1
	fi
	echo "install-test-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
