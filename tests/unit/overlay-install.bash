#!/bin/bash
# Runs an ebuild's src_prepare and src_install in an unpacked release tarball with the install
# helpers replaced by ones that check their source file exists and log it with
# its destination: what Portage would install, without Portage.
# Usage: overlay-install.bash S LOG EBUILD P   (LOG lines: "src FILE", "dst PATH KIND")
# shellcheck disable=SC2034 # the ebuild reads P, PN, PV, PF, ED...
set -eu
S=$1 LOG=$2 EBUILD=$3
P=$4 PN=${P%-*} PV=${P##*-} PF=$P EPREFIX='' EROOT='' ED=/image D=/image
_ins=/ _exe=/ _doc=/usr/share/doc/$PF
die() { echo "die: $*" >&2; exit 1; }
inherit() { :; }
default() { :; }
use() { return 1; }
src() { [[ -f $1 ]] || die "$1 (in ${FUNCNAME[1]}) is not in the tarball"; echo "src $1" >>"$LOG"; }
put() { echo "dst $1 ${2:-file}" >>"$LOG"; }
insinto() { _ins=$1; }
exeinto() { _exe=$1; }
docinto() { _doc=/usr/share/doc/$PF/$1; }
insopts() { :; }
exeopts() { :; }
docompress() { :; }
doins() { local f; for f; do src "$f"; put "$_ins/${f##*/}"; done; }
newins() { src "$1"; put "$_ins/$2"; }
doexe() { local f; for f; do src "$f"; put "$_exe/${f##*/}" exec; done; }
newexe() { src "$1"; put "$_exe/$2" exec; }
dobin() { local f; for f; do src "$f"; put "/usr/bin/${f##*/}" exec; done; }
newbin() { src "$1"; put "/usr/bin/$2" exec; }
newinitd() { src "$1"; put "/etc/init.d/$2" exec; }
newconfd() { src "$1"; put "/etc/conf.d/$2"; }
doinitd() { local f; for f; do src "$f"; put "/etc/init.d/${f##*/}" exec; done; }
doconfd() { local f; for f; do src "$f"; put "/etc/conf.d/${f##*/}"; done; }
doman() { local f; for f; do src "$f"; put "/usr/share/man/man${f##*.}/${f##*/}"; done; }
dodoc() { local f; for f; do src "$f"; put "$_doc/${f##*/}"; done; }
dobashcomp() { local f; for f; do src "$f"; put "/usr/share/bash-completion/completions/${f##*/}"; done; }
newbashcomp() { src "$1"; put "/usr/share/bash-completion/completions/$2"; }
keepdir() { local d; for d; do put "$d" dir; done; }
fperms() { :; }
fowners() { :; }
dosym() {
	local rel=0
	[[ $1 == -r ]] && { rel=1; shift; }
	[[ $rel == 1 || $1 != /* ]] || die "dosym $1 $2: an absolute symlink (use dosym -r)"
	local target=$1
	[[ $rel == 1 ]] && target=$(realpath -m --relative-to="$(dirname "$2")" "$1")
	put "$2" "symlink:$target"
}
cd "$S"
# shellcheck source=/dev/null
source "$EBUILD"
src_prepare
src_install
