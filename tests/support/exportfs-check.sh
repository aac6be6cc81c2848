#!/bin/sh
# exportfs-check.sh EXPORTFS FILE: has the real exportfs read FILE as
# /etc/exports.d/ltsp-ts.exports and load it (exportfs -ra), with nothing of the
# machine changed: /etc, /var and the top directory of every exported path are
# overlays in a private mount namespace, the exported directories are made
# there, and the kernel's export table is not touched when no NFS server runs
# (exportfs then only writes /var/lib/nfs/etab, which it prints).
# Exit 0 when exportfs accepts the file and reports nothing, 1 otherwise.
# Needs root (unshare -m, overlay mounts).
set -eu
exportfs=$1
file=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# the top directories to overlay: etc, var, and those of the exported paths
tops="etc var"
extra=$(awk '!/^[ \t]*(#|$)/ { split($1, part, "/"); print part[2] }' "$file" | sort -u)
for top in $extra; do
	case " $tops " in *" $top "*) ;; *) tops="$tops $top" ;; esac
done

# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare -m sh -eu -c '
	exportfs=$1 file=$2 work=$3 tops=$4
	mount --make-rprivate /
	for top in $tops; do
		[ -d "/$top" ] || { echo "exportfs-check: /$top does not exist here; cannot stage $top" >&2; exit 1; }
		mkdir -p "$work/upper/$top" "$work/work/$top"
		mount -t overlay overlay -o "lowerdir=/$top,upperdir=$work/upper/$top,workdir=$work/work/$top" "/$top"
	done
	mkdir -p /etc/exports.d /var/lib/nfs
	: >/etc/exports
	rm -f /etc/exports.d/*
	cp "$file" /etc/exports.d/ltsp-ts.exports
	awk "!/^[ \t]*(#|\$)/ { print \$1 }" "$file" | while read -r dir; do mkdir -p "$dir"; done
	"$exportfs" -ra 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
	if [ -s "$work/err" ]; then cat "$work/err" >&2; exit 1; fi
	cat /var/lib/nfs/etab
' exportfs-check "$exportfs" "$file" "$work" "$tops"
