#!/bin/sh
# Builds (once) the lab's thin-client root: Debian 12 made by mmdebstrap
# --variant=minbase with a kernel, X (modesetting, evdev), nbd-client and
# busybox, the least a root needs for `ltspcfg-ts image` to accept it. It
# lands in a cache outside the repository, keyed by the package list and the
# recipe, and is reused by every later run.
#
# Usage: client-root.sh     prints the root directory
# Cache: see test-cache.sh; the key is the package list and the recipe
#        below (what makes the root), not the rest of this script.
# Exit:  0 ready; 3 mmdebstrap or Debian's archive is not available (callers
#        skip); 1 anything else.
set -eu

packages="linux-image-amd64 busybox-static nbd-client xserver-xorg-core xserver-xorg-input-evdev"

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lib/test-cache.sh
. "$here/test-cache.sh"
say() { echo "client-root: $*" >&2; }

key=$( (echo "$packages"; sed -n '/^# ---- the recipe/,$p' "$0") | md5sum | cut -c1-12)
out="$cache/client-root-$key"
if [ -f "$out.ready" ]; then
	echo "$out"
	exit 0
fi
command -v mmdebstrap >/dev/null || { say "mmdebstrap is not installed"; exit 3; }
[ "$(id -u)" = 0 ] || { say "building a client root needs root"; exit 3; }

exec 9>"$cache/.client-root.lock"
flock -w 900 9 || { say "another build holds $cache/.client-root.lock"; exit 1; }
if [ -f "$out.ready" ]; then
	echo "$out"
	exit 0
fi
work="$cache/.client-root-build.$$"
rm -rf "$work"
trap 'rm -rf "$work" "$work.log"' EXIT INT TERM
say "building $out with mmdebstrap ($packages)"

# ---- the recipe (with the package list, the cache's key) ----
# the mirror and suite of this machine's own apt sources
# the kernel's modules for hardware no QEMU client has (sound, media, wireless,
# server NICs and GPUs) would make half the image: left out of the lab's root
excludes=""
for m in sound drivers/media drivers/net/wireless drivers/infiniband drivers/gpu/drm/amd drivers/gpu/drm/nouveau \
	drivers/gpu/drm/i915 drivers/gpu/drm/radeon drivers/scsi drivers/staging drivers/net/ethernet/mellanox \
	drivers/net/ethernet/qlogic drivers/net/ethernet/chelsio drivers/net/ethernet/broadcom drivers/bluetooth \
	drivers/iio drivers/hid drivers/usb/gadget net/bluetooth net/mac80211 net/wireless fs/btrfs fs/xfs fs/ocfs2 fs/gfs2 fs/ceph; do
	excludes="$excludes --dpkgopt=path-exclude=/lib/modules/*/kernel/$m/*"
done
# Descriptors 3-9 closed for mmdebstrap: it hands apt a pipe that must land
# below 10, as apt gives it to `sh -c 'cat >&N'` and dash reads one digit
# only; under bats (fds 3 and 4) with the lock on 9 it landed on 11 and failed.
# shellcheck disable=SC2086
if ! mmdebstrap $excludes --variant=minbase --mode=root --aptopt='APT::Install-Recommends "false"' \
	--include="$(echo $packages | tr ' ' ,)" \
	--customize-hook='rm -f "$1"/boot/initrd.img-*' \
	--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
	bookworm "$work" >"$work.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; then
	tail -n 30 "$work.log" >&2
	if grep -qiE 'could not resolve|failed to fetch|unable to connect' "$work.log"; then
		exit 3
	fi
	exit 1
fi
rm -rf "$out"
mv "$work" "$out"
touch "$out.ready"
say "ready: $out ($(du -sh "$out" | cut -f1))"
echo "$out"
