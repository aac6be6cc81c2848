#!/bin/bash
# Image build benchmark (root: the lab's client root is root's): `ltspcfg-ts
# image` on the lab's cached client root (tests/lab/lib/client-root.sh), an nbd
# image, so the squashfs, the kernel and the generated initramfs, against a
# plain mksquashfs of the same directory with the same options (compressor,
# level, block size, exclusions: the arguments ltspcfg-ts passes, less the
# pseudo files that lock the passwords of /etc/shadow and /etc/gshadow, which
# the plain run leaves out). One warm-up run each (page cache), then N
# interleaved pairs, which side goes first alternating, every ltspcfg-ts run
# cold (its TFTP root emptied: the initramfs made); medians and their
# ratio. Goal: <= 1.1x. Then what reusing an unchanged initramfs saves.
# Run it under the shared CPU lock:
#   flock /tmp/ltsp-ts-heavy.lock bench/image-build.sh 3
# Usage: bench/image-build.sh [N]      (default 3)
set -u
cd "$(dirname "$0")/.." || exit 1
# as on a Gentoo server: see bench/user-env.mjs
unset NODE_EXTRA_CA_CERTS
pairs=${1:-3}

# shellcheck source=tests/lab/lib/client-lab.bash
. tests/lab/lib/client-lab.bash
command -v mksquashfs >/dev/null || { echo "image-build bench: skipped, squashfs-tools is not installed" >&2; exit 0; }
pxe_bench_init image-build "ltspi$$"
pxe_bench_need client_root "no client root (mmdebstrap or Debian's archive is not available)"
client_site nbd
plain_out="$T/plain.img"
# the plain run's arguments: ltspcfg-ts's own, without its -p pseudo files
mapfile -d '' plain_args < <(node --require ./tests/support/register-hbs.cjs --import tsx -e '
	const { squashfsArgs } = require("./src/system/image.ts");
	const a = squashfsArgs(process.argv[1], process.argv[2], false);
	const out = [];
	for (let i = 0; i < a.length; i++) a[i] === "-p" ? i++ : out.push(a[i]);
	process.stdout.write(out.join("\0") + "\0");
' "$CLIENT_ROOT" "$plain_out")
[ "${#plain_args[@]}" -gt 3 ] || { echo "image-build bench: cannot read ltspcfg-ts's mksquashfs arguments" >&2; exit 1; }

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
build_ltspcfg() {
	rm -rf "$T/images" "$T/tftpboot"
	mkdir -p "$T/images" "$T/tftpboot"
	local t0
	t0=$(now)
	"$T/bin/ltspcfg-ts" --config "$T/site.toml" --no-color image lab >"$T/image-$1.log" 2>&1 || { cat "$T/image-$1.log" >&2; return 1; }
	secs "$t0" "$(now)"
}
build_plain() {
	rm -f "$plain_out"
	local t0
	t0=$(now)
	mksquashfs "${plain_args[@]}" >"$T/plain-$1.log" 2>&1 || { cat "$T/plain-$1.log" >&2; return 1; }
	secs "$t0" "$(now)"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Image build of the lab's client root ($(du -sh "$CLIENT_ROOT" | cut -f1), $(nproc) cores): ltspcfg-ts image vs plain mksquashfs (${plain_args[*]:2:6} ...)"
w1=$(build_ltspcfg warm) && w2=$(build_plain warm) || exit 1
echo "  warm-up: ltspcfg-ts image $w1 s, mksquashfs $w2 s"
: >"$T/gen.times"
: >"$T/min.times"
for r in $(seq 1 "$pairs"); do
	for kind in $([ $((r % 2)) = 1 ] && echo ltspcfg plain || echo plain ltspcfg); do
		t=$("build_$kind" "$r") || exit 1
		[ "$kind" = ltspcfg ] && echo "$t" >>"$T/gen.times" || echo "$t" >>"$T/min.times"
		printf '  pair %d  %-8s %6.2f s\n' "$r" "$kind" "$t"
	done
done
pxe_bench_ratio 'ltspcfg-ts image' mksquashfs 1.1
echo "  sizes: ltspcfg-ts $(stat -c %s "$T/images/lab.img" | awk '{ printf "%.1f MiB", $1 / 1048576 }')," \
	"plain $(stat -c %s "$plain_out" | awk '{ printf "%.1f MiB", $1 / 1048576 }'); last ltspcfg-ts run:"
sed -n 's/^  /    /p' "$T/image-$pairs.log"
# what ltspcfg-ts adds, alone: the same root as an nfs image (no squashfs),
# so node's start, the initramfs (read, cpio, compressed) and the kernel, written;
# then the same with the pair in place made of the same inputs (reused: its
# inputs named and stat'ed, its key read back, the kernel compared), interleaved
sed 's/^\([[:space:]]*serve = \)"nbd"/\1"nfs"/' "$T/site.toml" >"$T/site-nfs.toml"
: >"$T/boot.times"
: >"$T/reuse.times"
# $1 site file, $2 log name: prints the seconds `ltspcfg-ts image lab` took
image_run() {
	local t0
	t0=$(now)
	"$T/bin/ltspcfg-ts" --config "$1" --no-color image lab >"$T/$2.log" 2>&1 || { cat "$T/$2.log" >&2; return 1; }
	secs "$t0" "$(now)"
}
for r in 1 2 3 4 5; do
	rm -rf "$T/tftpboot" && mkdir -p "$T/tftpboot"
	t=$(image_run "$T/site-nfs.toml" "boot-cold-$r") && echo "$t" >>"$T/boot.times" || exit 1
	t=$(image_run "$T/site-nfs.toml" "boot-reuse-$r") && echo "$t" >>"$T/reuse.times" || exit 1
	grep -q 'unchanged' "$T/boot-reuse-$r.log" || { echo "image-build bench: the initramfs was not reused:" >&2; cat "$T/boot-reuse-$r.log" >&2; exit 1; }
done
cold=$(pxe_median <"$T/boot.times")
reuse=$(pxe_median <"$T/reuse.times")
echo "  kernel + initramfs alone (the root as an nfs image: no squashfs; NFS modules in place of nbd-client), median of 5: made $cold s;" \
	"$(sed -n 's/^  .*initrd.img: //p' "$T/boot-cold-5.log")"
echo "  the same, the pair in place made of the same inputs (reused), median of 5: $reuse s ($(awk -v a="$cold" -v b="$reuse" 'BEGIN { printf "%.2f s saved, %.1fx faster", a - b, a / b }'))"
# an nbd image rebuilt over a pair in place (its TFTP root emptied first, or
# the pair left from the run before: reused), interleaved: the squashfs either way
: >"$T/nbd-cold.times"
: >"$T/nbd-reuse.times"
for r in 1 2 3; do
	rm -rf "$T/tftpboot" && mkdir -p "$T/tftpboot"
	t=$(image_run "$T/site.toml" "nbd-cold-$r") && echo "$t" >>"$T/nbd-cold.times" || exit 1
	t=$(image_run "$T/site.toml" "nbd-reuse-$r") && echo "$t" >>"$T/nbd-reuse.times" || exit 1
	grep -q 'unchanged' "$T/nbd-reuse-$r.log" || { echo "image-build bench: the initramfs was not reused:" >&2; cat "$T/nbd-reuse-$r.log" >&2; exit 1; }
done
echo "  nbd image, interleaved, median of 3: initramfs made $(pxe_median <"$T/nbd-cold.times") s, reused $(pxe_median <"$T/nbd-reuse.times") s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
