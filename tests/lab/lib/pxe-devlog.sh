#!/bin/sh
# Gives in.tftpd a syslog to write to: tftpd-hpa logs only through syslog(3),
# and this machine has no /dev/log. Run inside a private mount namespace
# (unshare -m --propagation private): /dev is covered by a small tmpfs that
# links every entry back to the real /dev and adds a /dev/log socket of a
# busybox syslogd writing LOGFILE; then CMD runs there, and whatever it
# leaves running (supervise-daemon, in.tftpd) keeps this /dev.
# Usage: pxe-devlog.sh DIR LOGFILE PIDFILE CMD [ARG]...
#   LOGFILE "socket:PATH": no syslogd of its own, /dev/log is PATH (a socket
#   of the test's syslog daemon).
#   DIR: a scratch directory; PIDFILE gets syslogd's pid appended (a second
#   start in one test must not hide the first syslogd from the teardown).
set -eu
# bats waits for every holder of its fd 3: nothing started here may keep it
exec 3>&-
dir=$1 log=$2 pidfile=$3
shift 3
mkdir -p "$dir/hostdev"
mount --rbind /dev "$dir/hostdev"
mount -t tmpfs -o mode=0755,size=64k ltspx-dev /dev
for e in "$dir"/hostdev/*; do
	ln -s "$e" "/dev/${e##*/}"
done
case $log in
socket:*)
	# the server's syslog daemon of the test listens there (PXE_SYSLOG)
	ln -s "${log#socket:}" /dev/log
	;;
*)
	busybox syslogd -n -O "$log" </dev/null >/dev/null 2>&1 &
	echo $! >>"$pidfile"
	;;
esac
i=0
while [ ! -S /dev/log ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S /dev/log ] || {
	echo "pxe-devlog: busybox syslogd made no /dev/log" >&2
	exit 1
}
exec "$@"
