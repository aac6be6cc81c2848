#!/bin/sh
# Builds (once) what the PXE lab boots: Debian's kernel (linux-image-amd64's
# current image, fetched with apt-get download and unpacked with dpkg-deb),
# its e1000 module, and a small initramfs around busybox-static with
# pxe-init.sh as /init. Everything lands in a cache directory outside the
# repository and is reused until the kernel package or these scripts change.
#
# Usage: pxe-cache.sh            prints the directory holding vmlinuz and initramfs.gz
# Cache: see test-cache.sh.
# Exit:  0 ready; 3 the kernel package cannot be had (no network, no apt):
#        callers skip; 1 anything else.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lib/test-cache.sh
. "$here/test-cache.sh"

say() { echo "pxe-cache: $*" >&2; }

# linux-image-amd64 is a metapackage: the image is what it depends on
kernel_image() {
	apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
image=$(kernel_image)
if [ -z "$image" ] && [ "$(id -u)" = 0 ]; then
	# a fresh machine may have no package lists yet
	apt-get update -qq >/dev/null 2>&1 || true
	image=$(kernel_image)
fi
if [ -z "$image" ]; then
	say "apt-cache knows no linux-image-amd64 (run apt-get update?)"
	exit 3
fi
version=$(apt-cache policy "$image" 2>/dev/null | sed -n 's/^ *Candidate: //p')
kver=${image#linux-image-}

# a change to the builder or to what goes into the initramfs rebuilds it
inputs=$(cat "$0" "$here/pxe-init.sh" "$here/pxe-udhcpc.sh" /bin/busybox | md5sum | cut -c1-12)
out="$cache/pxe-$kver-$version-$inputs"
if [ -f "$out/ready" ]; then
	echo "$out"
	exit 0
fi

# one build at a time (parallel runs share the cache)
exec 9>"$cache/.lock"
flock -w 600 9 || {
	say "another build holds $cache/.lock"
	exit 1
}
if [ -f "$out/ready" ]; then
	echo "$out"
	exit 0
fi

mod=kernel/drivers/net/ethernet/intel/e1000/e1000.ko
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# the kernel and its e1000 module, kept apart so a change to the initramfs
# does not fetch the package again
kdir="$cache/kernel-$kver-$version"
if [ ! -f "$kdir/ready" ]; then
	say "fetching $image $version (apt-get download)"
	# apt's _apt user must be able to write where it downloads
	chmod 0755 "$work"
	mkdir "$work/deb"
	chown _apt "$work/deb" 2>/dev/null || true
	if ! (cd "$work/deb" && apt-get download -q "$image=$version" >"$work/apt.log" 2>&1); then
		cat "$work/apt.log" >&2
		say "cannot download $image $version"
		exit 3
	fi
	say "unpacking the kernel and e1000.ko"
	mkdir "$work/x" "$work/kernel"
	dpkg-deb --fsys-tarfile "$work"/deb/*.deb | tar -x -C "$work/x" "./boot/vmlinuz-$kver" "./lib/modules/$kver/$mod"
	cp "$work/x/boot/vmlinuz-$kver" "$work/kernel/vmlinuz"
	cp "$work/x/lib/modules/$kver/$mod" "$work/kernel/e1000.ko"
	touch "$work/kernel/ready"
	rm -rf "$work/deb" "$work/x" "$kdir"
	mv "$work/kernel" "$kdir"
fi
mkdir -p "$work/out"
cp "$kdir/vmlinuz" "$work/out/vmlinuz"

say "building the initramfs (busybox-static, e1000.ko, /init)"
r="$work/root"
mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/lib/modules"
cp /bin/busybox "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
cp "$kdir/e1000.ko" "$r/lib/modules/e1000.ko"
cp "$here/pxe-init.sh" "$r/init"
cp "$here/pxe-udhcpc.sh" "$r/udhcpc.script"
chmod 0755 "$r/init" "$r/udhcpc.script" "$r/bin/busybox"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$work/out/initramfs.gz"

echo "$image $version" >"$work/out/kernel-package"
touch "$work/out/ready"
rm -rf "$out"
mv "$work/out" "$out"
# other builds go once they are an hour old (another checkout may be using one now)
find "$cache" -mindepth 1 -maxdepth 1 \( -name 'pxe-*' -o -name 'kernel-*' \) -mmin +60 \
	! -path "$out" ! -path "$kdir" -exec rm -rf {} +
say "ready: $out ($(du -sh "$out" | cut -f1))"
echo "$out"
